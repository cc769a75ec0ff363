// Collector memory as shipped: the process started with the image's own ENTRYPOINT and ENV (this
// machine's node for /nodejs/bin/node, the repository as /app), GeoIP on (city + ASN), memory
// cache (no Redis), pointed only at a local swarm on 127.0.0.x. Its RSS idle and with 100 tracked
// swarms, next to a bare Node process's RSS measured in the same run and the figure before the
// memory work. The collector bench's "shipped collector" line runs it through tsx instead.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { GEOIP_MAX_MEMORY_KB } from '../collector/enrich/geoip.ts'
import { buildCollector } from '../scripts/build-collector.ts'
import { DOCKERFILES, envOf, execForm, parseDockerfile } from '../test/deploy/dockerfile-parse.ts'
import { createLocalSwarm } from '../test/helpers/local-swarm.ts'
import { freePort } from '../test/helpers/wait.ts'
import { sleep } from '../lib/deadline.ts'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const TRACKED_SWARMS = 100
/** Requests in flight while filling the swarms: under MAX_CONCURRENT_LOOKUPS, so none is refused. */
const FILL_CONCURRENCY = 8
/** RSS is sampled this long after each state settles, and the highest sample is reported. */
const SAMPLE_MS = 2000
const SETTLE_MS = 2000
const TARGET_IDLE_MB = 150
const TARGET_TRACKED_MB = 200
/** Measured the same way before the collector read GeoIP from disk and ran precompiled. */
const BEFORE = { idle: 337, tracked: 334 }

const mb = (bytes: number) => bytes / 2 ** 20

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) * 1024 : NaN
}

async function peakRss(pid: number): Promise<number> {
  let peak = 0
  for (const end = Date.now() + SAMPLE_MS; Date.now() < end; await sleep(100))
    peak = Math.max(peak, rssBytes(pid))
  return peak
}

/** The collector image's ENTRYPOINT and ENV, read from its Dockerfile. */
function collectorImage() {
  const final = parseDockerfile(readFileSync(join(ROOT, DOCKERFILES.collector), 'utf8')).at(-1)!
  const entry = execForm(final.instructions.findLast((i) => i.keyword === 'ENTRYPOINT')!.args)!
  if (entry[0] !== '/nodejs/bin/node') throw new Error(`unexpected entry ${entry.join(' ')}`)
  return { args: entry.slice(1), env: envOf(final) }
}

async function waitForHealth(url: string, child: ChildProcess, stderr: () => string) {
  for (const end = Date.now() + 60_000; Date.now() < end; await sleep(200)) {
    if (child.exitCode !== null) throw new Error(`collector exited:\n${stderr()}`)
    const res = await fetch(`${url}/health`).catch(() => undefined)
    if (res?.ok) return (await res.json()) as Record<string, unknown>
  }
  throw new Error(`no /health within 60 s:\n${stderr()}`)
}

/** A bare Node process doing nothing: the floor any Node service starts from. */
async function bareNodeRss(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
  try {
    await sleep(1000)
    return await peakRss(child.pid!)
  } finally {
    child.kill('SIGKILL')
  }
}

export default async function footprintBench(): Promise<void> {
  await buildCollector()
  const bare = await bareNodeRss()
  const swarm = await createLocalSwarm({ peers: 2, dhtNodes: 3, mode: 'tracker' })
  const image = collectorImage()
  const port = await freePort()
  const child = spawn(process.execPath, image.args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      ...image.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DHT_PORT: '0',
      DHT_HOST: '127.0.0.1',
      DHT_BOOTSTRAP: swarm.dhtBootstrap,
      TRACKERS: swarm.trackerUrls.udp,
      ALLOW_PRIVATE_PEERS: 'true',
      BUNDLED_REDIS: 'false',
      GEOIP_ENABLED: 'true',
      MAX_TRACKED_SWARMS: String(TRACKED_SWARMS),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  try {
    const url = `http://127.0.0.1:${port}`
    const health = await waitForHealth(url, child, () => stderr)
    await sleep(SETTLE_MS)
    const idle = await peakRss(child.pid!)

    const infohashes = Array.from({ length: TRACKED_SWARMS }, () => randomBytes(20).toString('hex'))
    let failed = 0
    for (let i = 0; i < infohashes.length; i += FILL_CONCURRENCY)
      await Promise.all(
        infohashes.slice(i, i + FILL_CONCURRENCY).map(async (h) => {
          const res = await fetch(`${url}/peers/${h}`)
          await res.arrayBuffer()
          if (!res.ok) failed++
        }),
      )
    const after = (await (await fetch(`${url}/health`)).json()) as {
      tracked_swarms?: number
      enrichment?: { geoip?: { databases?: Array<{ memory_kb: number }> } }
    }
    const geoKb = (after.enrichment?.geoip?.databases ?? []).reduce((n, d) => n + d.memory_kb, 0)
    await sleep(SETTLE_MS)
    const tracked = await peakRss(child.pid!)

    const line = (what: string, rss: number, target: number, before: number) =>
      console.log(
        `${what}: RSS ${mb(rss).toFixed(1)} MB (${(rss / bare).toFixed(1)}x bare Node); ` +
          `before ${before} MB; target <= ${target} MB: ${mb(rss) <= target ? 'MET' : 'MISSED'}`,
      )
    console.log(
      `collector as the image starts it: ${image.args.join(' ')}; GeoIP ` +
        `${health.geoip_available ? 'on' : 'UNAVAILABLE'}, memory cache`,
    )
    console.log(`bare Node process: RSS ${mb(bare).toFixed(1)} MB`)
    console.log(
      `GeoIP pages held in the process: ${geoKb} kB (bounded by their LRUs: at most ` +
        `${GEOIP_MAX_MEMORY_KB / 1024} MB of pages, tables and indexes, plus ~1 MB of decoded ` +
        `values per city database, however many peers are looked up)`,
    )
    line('idle', idle, TARGET_IDLE_MB, BEFORE.idle)
    line(
      `${after.tracked_swarms ?? '?'} tracked swarms (${failed} of ${TRACKED_SWARMS} requests failed)`,
      tracked,
      TARGET_TRACKED_MB,
      BEFORE.tracked,
    )
  } finally {
    child.kill('SIGTERM')
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)))
    await swarm.close()
  }
}

// Run directly: `npx tsx bench/footprint.bench.ts`.
if (import.meta.url === `file://${process.argv[1]}`) await footprintBench()
