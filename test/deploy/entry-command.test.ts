// Guards "the image starts": each Dockerfile's ENTRYPOINT, with the same arguments, is run here
// (this machine's node for /nodejs/bin/node, the repository as /app, the collector compiled as
// its image build compiles it), pointed at a local swarm only; /health must answer, the image's and compose's health-check commands must pass, and a
// SIGTERM (what `docker stop` sends) must end the service and everything it started.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildCollector } from '../../scripts/build-collector.ts'
import { ROOT } from '../../scripts/settings-doc.ts'
import { createLocalSwarm } from '../helpers/local-swarm.ts'
import { freePort } from '../helpers/wait.ts'
import { composeConfig } from './compose-rules.ts'
import { DOCKERFILES, envOf, execForm, parseDockerfile } from './dockerfile-parse.ts'
import { descendants, survivors } from './processes.ts'

interface Image {
  entrypoint: string[]
  healthcheck: string[]
  env: Record<string, string>
}

async function image(path: string): Promise<Image> {
  const stages = parseDockerfile(await readFile(join(ROOT, path), 'utf8'))
  const final = stages.at(-1)!
  const last = (k: string) => final.instructions.findLast((i) => i.keyword === k)!.args
  return {
    entrypoint: execForm(last('ENTRYPOINT'))!,
    healthcheck: execForm(last('HEALTHCHECK').replace(/^.*?\bCMD\s+/, ''))!,
    env: envOf(final),
  }
}

/** Runs an image command on this machine: /nodejs/bin/node is the node running the tests. */
function local(argv: string[]): [string, string[]] {
  assert.equal(argv[0], '/nodejs/bin/node')
  return [process.execPath, argv.slice(1)]
}

function start(argv: string[], env: Record<string, string>) {
  const [cmd, args] = local(argv)
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let log = ''
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()))
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  return { child, exited, log: () => log }
}

interface GeoDatabase {
  name: string
  available: boolean
  loaded: boolean
}

async function waitForHealth(url: string, child: ChildProcess, log: () => string) {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}:\n${log()}`)
    try {
      const res = await fetch(`${url}/health`)
      if (res.ok) return (await res.json()) as Record<string, unknown>
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`no /health at ${url} within 60 s:\n${log()}`)
}

function runCheck(argv: string[], env: Record<string, string>): number | null {
  const [cmd, args] = local(argv)
  return spawnSync(cmd, args, { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 10_000 })
    .status
}

test('both images start with their entry command, pass their health checks and stop on SIGTERM', async (t) => {
  const swarm = await createLocalSwarm({ peers: 2, dhtNodes: 3 })
  const dataDir = await mkdtemp(join(tmpdir(), 'entry-orch-'))
  const running: ReturnType<typeof start>[] = []
  t.after(async () => {
    for (const r of running) if (r.child.exitCode === null) r.child.kill('SIGKILL')
    await swarm.close()
    await rm(dataDir, { recursive: true, force: true })
  })

  // ---- collector: the image's own ENV, then loopback-only overrides ----
  await buildCollector()
  const collector = await image(DOCKERFILES.collector)
  const collectorPort = await freePort()
  const collectorEnv = {
    ...collector.env,
    PORT: String(collectorPort),
    HOST: '127.0.0.1',
    DHT_PORT: '0',
    DHT_HOST: '127.0.0.1',
    DHT_BOOTSTRAP: swarm.dhtBootstrap,
    TRACKERS: swarm.trackerUrls.udp,
    ALLOW_PRIVATE_PEERS: 'true',
    LOG_LEVEL: 'info',
  }
  const c = start(collector.entrypoint, collectorEnv)
  running.push(c)
  const collectorUrl = `http://127.0.0.1:${collectorPort}`
  let health = await waitForHealth(collectorUrl, c.child, c.log)
  assert.equal(health.status, 'ok')
  // GeoIP is on as shipped, read in place; the IPv6 city data waits for the first IPv6 peer.
  const geoip = (health.enrichment as { geoip: { databases: GeoDatabase[] } }).geoip
  assert.deepEqual(
    geoip.databases.map((d) => [d.name.replace(/ \(.*/, ''), d.available, d.loaded]),
    [
      ['DB-IP City Lite', true, true],
      ['DB-IP City Lite', true, false],
      ['ip-location-db ASN', true, true],
    ],
  )
  // The image bundles redis-server; started the same way here, the cache gets it (the client
  // may still be connecting at the first answer).
  for (let i = 0; i < 100 && health.redis_available !== true; i++) {
    await new Promise((r) => setTimeout(r, 100))
    health = await waitForHealth(collectorUrl, c.child, c.log)
  }
  assert.equal(health.redis_available, true, c.log())
  assert.equal(runCheck(collector.healthcheck, collectorEnv), 0, 'image HEALTHCHECK fails')

  // The compose health check calls a fixed port; aim it at this run's port.
  const compose = composeConfig(join(ROOT, 'compose/docker-compose.gluetun.yml'))
  assert.ok(compose.ok)
  const composeCheck = (compose.config.services['peer-collector']!.healthcheck!.test as string[])
    .slice(1)
    .map((a) => a.replace(':8080/', `:${collectorPort}/`))
  assert.equal(runCheck(composeCheck, {}), 0, 'compose health check fails')

  // ---- orchestrator, pointed at that collector ----
  const orchestrator = await image(DOCKERFILES.orchestrator)
  const appPort = await freePort()
  const orchestratorEnv = {
    ...orchestrator.env,
    APP_PORT: String(appPort),
    APP_HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    PEER_COLLECTOR_ENABLED: 'true',
    PEER_COLLECTOR_URL: collectorUrl,
    LOG_LEVEL: 'info',
  }
  const o = start(orchestrator.entrypoint, orchestratorEnv)
  running.push(o)
  const appUrl = `http://127.0.0.1:${appPort}`
  await waitForHealth(appUrl, o.child, o.log)
  assert.equal(runCheck(orchestrator.healthcheck, orchestratorEnv), 0, 'image HEALTHCHECK fails')
  const page = await fetch(`${appUrl}/panel/streams`)
  assert.equal(page.status, 200)
  assert.match(await page.text(), /<html/i)
  const check = await fetch(`${appUrl}/peer-collector/health`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ collector_url: collectorUrl }),
  })
  assert.equal(check.status, 200, 'the orchestrator reaches the collector')

  // ---- docker stop: SIGTERM, and nothing left behind ----
  const helpers = descendants(c.child.pid!)
  assert.ok(helpers.length >= 1, 'the collector runs its bundled redis-server as a child')
  o.child.kill('SIGTERM')
  c.child.kill('SIGTERM')
  assert.equal(await o.exited, 0, o.log())
  assert.equal(await c.exited, 0, c.log())
  assert.deepEqual(await survivors(helpers), [], 'a child of the collector outlived it')
})
