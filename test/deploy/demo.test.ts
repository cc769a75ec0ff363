// Guards the newcomer's first run: `npm run demo` prints a dashboard URL, its streams come with
// peers from the local swarm, and Ctrl-C (SIGINT to the demo alone) leaves no process behind.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { ROOT } from '../../scripts/settings-doc.ts'
import { alive, descendants, survivors } from './processes.ts'
import { eventually } from '../helpers/wait.ts'

const START_TIMEOUT_MS = 60_000
const PEERS_TIMEOUT_MS = 30_000

test('npm run demo shows streams with peers at the printed URL and Ctrl-C stops it all', async (t) => {
  // Exactly what a newcomer types. npm and tsx's CLI both relay signals to their child, which is
  // part of what Ctrl-C has to survive.
  const demo = spawn('npm', ['run', '--silent', 'demo'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DEMO_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, like a job in a terminal: Ctrl-C goes to the whole group.
    detached: true,
  })
  let out = ''
  demo.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  demo.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  // The demo's last lines may still be in the pipe when npm exits: wait for the pipes to close,
  // but not past a few seconds (a leftover child holding them is reported below, not waited on).
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    demo.once('close', (code, signal) => resolve({ code, signal }))
    demo.once('exit', (code, signal) => setTimeout(() => resolve({ code, signal }), 5000).unref())
  })
  let started: number[] = []
  t.after(() => {
    // Only if an assertion failed midway: do not leave the demo running.
    if (demo.exitCode === null) demo.kill('SIGKILL')
    for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL')
  })

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed:\n${out}`)), START_TIMEOUT_MS)
    demo.stdout!.on('data', () => {
      const m = /Dashboard: (http:\/\/127\.0\.0\.1:\d+)\/panel\/streams/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(m[1]!)
      }
    })
    void exited.then(({ code }) => reject(new Error(`demo exited with ${code}:\n${out}`)))
  })

  const streams = (await (await fetch(`${url}/streams`)).json()) as Array<{ id: string }>
  const ids = streams.map((s) => s.id).sort()
  assert.deepEqual(ids, [
    'demo-field-magnet',
    'demo-football-hd',
    'demo-music-live',
    'demo-news-24',
  ])

  // Peers of the local swarm come back through orchestrator -> collector -> tracker/DHT.
  let peers: Array<{ ip: string; client?: string }> = []
  const listed = async () => {
    const res = await fetch(`${url}/streams/demo-football-hd/peers`)
    if (res.ok) peers = ((await res.json()) as { peers: typeof peers }).peers
    return peers.length > 0
  }
  // The assertions below say what is missing when time runs out.
  await eventually(listed, { timeoutMs: PEERS_TIMEOUT_MS, intervalMs: 500 }).catch(() => {})
  assert.ok(peers.length > 0, `no peers within ${PEERS_TIMEOUT_MS} ms:\n${out}`)
  assert.ok(
    peers.every((p) => p.ip.startsWith('127.')),
    'only loopback peers in the demo',
  )

  // The magnet stream's swarm shows peers only its own tracker and PEX know, and its dead entries.
  type FieldPeer = { sources: string[]; reachable?: boolean }
  let field: FieldPeer[] = []
  const found = (src: string) => field.some((p) => p.sources.includes(src))
  const fieldListed = async () => {
    const res = await fetch(`${url}/streams/demo-field-magnet/peers`)
    if (res.ok) field = ((await res.json()) as { peers: FieldPeer[] }).peers
    return found('stream_tracker') && found('pex')
  }
  await eventually(fieldListed, { timeoutMs: PEERS_TIMEOUT_MS, intervalMs: 500 }).catch(() => {})
  assert.ok(found('stream_tracker'), `no stream-tracker peer:\n${JSON.stringify(field)}`)
  assert.ok(found('pex'), `no PEX peer:\n${JSON.stringify(field)}`)

  const page = await fetch(`${url}/panel/streams`)
  assert.equal(page.status, 200)
  assert.match(await page.text(), /demo-football-hd/)

  started = descendants(demo.pid!)
  assert.ok(started.length >= 2, 'collector and orchestrator run as child processes')
  process.kill(-demo.pid!, 'SIGINT') // what Ctrl-C in a terminal does
  // npm ends itself with the signal it got once its child is done; the demo must have finished
  // its own cleanup first.
  const { code, signal } = await exited
  assert.ok(code === 0 || signal === 'SIGINT', `exit ${code ?? signal}:\n${out}`)
  assert.match(out, /Demo stopped\./)
  assert.deepEqual(await survivors(started), [], `left running after Ctrl-C:\n${out}`)
})
