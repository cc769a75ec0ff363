// Guards the collector as a process: `tsx collector/main.ts` serves, stops cleanly with exit
// code 0 on SIGTERM and SIGINT, refuses a bad setting with a message naming the variable, and
// holds a dashboard's burst of connections while it is too busy to accept them.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { localCollectorEnv, startCollectorProcess } from '../helpers/collector-process.ts'
import { createLocalSwarm } from '../helpers/local-swarm.ts'
import { assertNodeRejectionsAnswerJson, exchange } from '../helpers/raw-http.ts'
import { eventually } from '../helpers/wait.ts'

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`the collector process answers, then exits 0 on ${signal}`, async (t) => {
    const swarm = await createLocalSwarm({ peers: 2, mode: 'both' })
    t.after(() => swarm.close())
    const collector = await startCollectorProcess({ swarm })
    t.after(async () => void (await collector.close()))
    const res = await fetch(`${collector.url}/peers/${swarm.infohash}`)
    assert.equal(((await res.json()) as { peer_count: number }).peer_count, 2)

    collector.child.kill(signal)
    assert.equal(await collector.exited, 0, collector.stderr())
    assert.match(collector.stderr(), /"msg":"shutting down"/)
  })
}

function runMain(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'collector/main.ts'], {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    env: { ...process.env, ...localCollectorEnv({ env }) },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stderr })
    }),
  )
}

test('a bad setting stops the start with a message naming the variable', async () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [
      { PEER_DISCOVERY_WAIT_MS: 'soon' },
      /Invalid setting PEER_DISCOVERY_WAIT_MS: expected an integer/,
    ],
    [{ PORT: '70000' }, /Invalid setting PORT: must be <= 65535/],
    [{ TRACKERS: 'ws://127.0.0.1:1/announce' }, /Invalid setting TRACKERS: .*udp:\/\/, http/],
    [{ DHT_BOOTSTRAP: '127.0.0.1' }, /Invalid setting DHT_BOOTSTRAP: .*host:port/],
    [{ ALLOW_PRIVATE_PEERS: 'maybe' }, /Invalid setting ALLOW_PRIVATE_PEERS/],
  ]
  for (const [env, message] of cases) {
    const { code, stderr } = await runMain(env)
    assert.notEqual(code, 0, JSON.stringify(env))
    assert.match(stderr, message)
  }
})

test('requests Node itself rejects (bad request line, oversized headers) are answered in JSON', async (t) => {
  const collector = await startCollectorProcess()
  t.after(async () => void (await collector.close()))
  await assertNodeRejectionsAnswerJson(Number(new URL(collector.url).port))
  // The process keeps serving after both.
  assert.equal((await fetch(`${collector.url}/health`)).status, 200)
})

test('a stalled collector holds a burst of 800 connections, and serves them once it runs again', async (t) => {
  const collector = await startCollectorProcess()
  t.after(async () => void (collector.child.kill('SIGCONT'), await collector.close()))
  const { port } = new URL(collector.url)
  // Stopped, the process accepts nothing: every connection the kernel completes meanwhile sits
  // in the listen backlog. With Node's default of 511 the rest are dropped, and each dropped
  // caller retries a second later. Linux caps the backlog at somaxconn.
  const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'))
  const burst = Math.min(800, somaxconn)
  collector.child.kill('SIGSTOP')
  const sockets: Socket[] = []
  t.after(() => sockets.forEach((s) => s.destroy()))
  let connected = 0
  for (let i = 0; i < burst; i++) {
    const s = connect(Number(port), '127.0.0.1')
    s.once('connect', () => connected++).on('error', () => {})
    sockets.push(s)
  }
  await eventually(() => connected === burst, {
    what: `${burst} connections completed while the collector was stopped`,
    timeoutMs: 10_000,
    intervalMs: 50,
  })

  collector.child.kill('SIGCONT')
  const reply = await exchange(
    sockets.at(-1)!,
    'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
  )
  assert.match(reply, /^HTTP\/1\.1 200 /)
})
