// `npm run demo`: the whole product on this machine, with no internet. It starts a BitTorrent
// swarm on loopback (tracker + DHT nodes + peers on 127.0.0.x that answer handshakes), simulated
// AceStream engines, the real collector and orchestrator (`collector/main.ts` and
// `orchestrator/main.ts` as child processes, pointed only at that swarm), registers a few streams
// the way the proxy does, and prints the dashboard URL. Ctrl-C stops everything it started.
//
// DEMO_PORT chooses the dashboard port (default 8000; 0, or 8000 being busy, picks a free one).
// DEMO_VERBOSE=1 copies the services' JSON logs to this terminal.
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serveBtPeer } from '../test/helpers/bt-peer.ts'
import { startCollectorProcess, type ChildCollector } from '../test/helpers/collector-process.ts'
import { createFieldSwarm, type FieldSwarm } from '../test/helpers/field-swarm.ts'
import {
  createEngineSimulator,
  registerSimulatedStream,
  type EngineSimulator,
} from '../test/helpers/engine-simulator.ts'
import {
  createLocalSwarm,
  type LocalSwarm,
  type LocalTorrent,
} from '../test/helpers/local-swarm.ts'
import {
  spawnOrchestrator,
  type OrchestratorProcess,
} from '../test/helpers/orchestrator-process.ts'

/** Streams the demo registers: a name (its stream id) and how many peers its swarm starts with. */
const STREAMS = [
  { id: 'demo-football-hd', peers: 8 },
  { id: 'demo-news-24', peers: 4 },
  { id: 'demo-music-live', peers: 2 },
]
/**
 * A stream keyed by its magnet, whose swarm is shaped like the field's: peers on the main tracker
 * and the DHT, some known only to the stream's own tracker (named in the magnet's `tr=`), some
 * only through PEX, and a stale entry of each kind (refusing, silent) that shows reachable: false.
 */
const FIELD_STREAM = {
  id: 'demo-field-magnet',
  swarm: { core: 6, streamOnly: 3, pexOnly: 3, refusing: 1, silent: 1, dhtNodes: 4 },
}
/** A new peer joins the first swarm this often, so the list visibly grows. */
const PEER_JOIN_EVERY_MS = 8000
const MAX_JOINED_PEERS = 12
/** Longest the whole stop may take (each service gets its own grace period within it). */
const STOP_TIMEOUT_MS = 20_000
/** Clients the simulated peers claim to be (peer id prefix and extension-handshake `v`). */
const CLIENTS = [
  { peerId: '-qB4620-', version: 'qBittorrent/4.6.2' },
  { peerId: '-TR4050-', version: 'Transmission 4.0.5' },
  { peerId: '-DE211s-', version: 'Deluge 2.1.1' },
  { peerId: '-UT3600-', version: 'µTorrent 3.6.0' },
]

const verbose = process.env.DEMO_VERBOSE === '1'
const say = (line: string) => process.stdout.write(`${line}\n`)

// Everything started is registered here first, so a Ctrl-C at any moment stops exactly that.
const cleanups: Array<() => Promise<unknown>> = []
let stopping = false

async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true
    say('\nStopping the demo...')
    setTimeout(() => {
      say('Stopping took too long; exiting.')
      process.exit(1)
    }, STOP_TIMEOUT_MS).unref()
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((err) => say(`  (cleanup failed: ${String(err)})`))
    }
    say('Demo stopped.')
  }
  process.exit(code)
}

// The stop is bounded (each service gets a few seconds, then SIGKILL). A repeated signal right
// after the first is ignored: `tsx` relays the terminal's Ctrl-C a second time when the first
// was slow to be acknowledged, and must not cut the cleanup short. A later Ctrl-C forces exit.
let firstSignalAt = 0
function onSignal() {
  if (!stopping) {
    firstSignalAt = Date.now()
    void stopAll(0)
  } else if (Date.now() - firstSignalAt > 2000) process.exit(130)
}
process.on('SIGINT', onSignal)
process.on('SIGTERM', onSignal)

async function portIsFree(port: number): Promise<boolean> {
  const server = createServer()
  return new Promise((resolve) => {
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

async function dashboardPort(): Promise<string> {
  const wanted = Number(process.env.DEMO_PORT ?? 8000)
  if (!Number.isInteger(wanted) || wanted < 0 || wanted > 65535)
    throw new Error(`DEMO_PORT must be a port number, got "${process.env.DEMO_PORT}"`)
  if (wanted === 0 || (await portIsFree(wanted))) return String(wanted)
  say(`Port ${wanted} is busy; using a free port instead (set DEMO_PORT to choose).`)
  return '0'
}

function clientFor(i: number) {
  return CLIENTS[i % CLIENTS.length]!
}

async function main() {
  say('AceStream Peer Insight demo: everything runs on 127.0.0.x, nothing leaves this machine.')

  // ---- the swarm: one tracker, DHT nodes, and peers that answer BitTorrent handshakes ----
  let connections = 0
  const swarm: LocalSwarm = await createLocalSwarm({
    peers: STREAMS[0]!.peers,
    dhtNodes: 6,
    // Seeders say have_all and leechers have_none (BEP 6), the two cases the collector reports
    // progress for without knowing the piece count: the Progress column shows 100% and 0%.
    onConnection: (socket, peer) =>
      serveBtPeer(socket, {
        ...clientFor(connections++),
        pieces: peer.seeder ? { haveAll: true } : { haveNone: true },
      }),
  })
  cleanups.push(() => swarm.close())
  const torrents: LocalTorrent[] = [swarm]
  for (const s of STREAMS.slice(1)) torrents.push(await swarm.addTorrent({ peers: s.peers }))
  say(`  swarm: tracker ${swarm.trackerUrls.udp}, ${torrents.length} torrents`)
  const field: FieldSwarm = await createFieldSwarm(FIELD_STREAM.swarm)
  cleanups.push(() => field.close())
  say(`  field-like swarm: stream tracker ${field.trackers.stream.udp} (only in its magnet)`)

  // ---- the collector, pointed only at that swarm ----
  const dataDir = await mkdtemp(join(tmpdir(), 'acestream-demo-'))
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }))
  const collector: ChildCollector = await startCollectorProcess({
    swarm,
    env: {
      // Both swarms' main trackers and DHT nodes; the field stream's own tracker is not here; the
      // collector learns it from the magnet.
      TRACKERS: [swarm.trackerUrls.udp, swarm.trackerUrls.http, field.trackers.main.udp].join(','),
      DHT_BOOTSTRAP: `${swarm.dhtBootstrap},${field.dhtBootstrap}`,
      PEER_DISCOVERY_WAIT_MS: '2000',
      SWARM_REFRESH_SECONDS: '10',
      CACHE_TTL_SECONDS: '5',
      // The bundled Redis, as in the image, when redis-server is installed; memory otherwise.
      BUNDLED_REDIS: 'true',
    },
  })
  cleanups.push(() => collector.close())
  if (verbose) collector.child.stderr?.pipe(process.stderr)
  say(`  collector: ${collector.url}/health`)

  // ---- the orchestrator, with peer collection on ----
  const orchestrator: OrchestratorProcess = await spawnOrchestrator({
    APP_PORT: await dashboardPort(),
    APP_HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    COLLECT_INTERVAL_S: '2',
    PEER_COLLECTOR_ENABLED: 'true',
    PEER_COLLECTOR_URL: collector.url,
    CACHE_TTL_SECONDS: '5',
  })
  cleanups.push(() => orchestrator.stop())
  if (verbose) orchestrator.child.stderr?.pipe(process.stderr)

  // If a service dies on its own, stop the rest rather than leave a half-working demo.
  for (const [name, child] of [
    ['collector', collector.child],
    ['orchestrator', orchestrator.child],
  ] as const) {
    child.once('exit', (code) => {
      // A terminal's Ctrl-C reaches the services too; give our own SIGINT handler a moment.
      setTimeout(() => {
        if (stopping) return
        say(`The ${name} exited unexpectedly (code ${code}).`)
        void stopAll(1)
      }, 500)
    })
  }

  // ---- simulated engines and the streams they play ----
  const engines: EngineSimulator[] = []
  for (const [i, s] of STREAMS.entries()) {
    const engine = await createEngineSimulator({ infohash: torrents[i]!.infohash })
    engines.push(engine)
    cleanups.push(() => engine.close())
    const { response, body } = await registerSimulatedStream({
      orchestratorUrl: orchestrator.url,
      engine,
      streamId: s.id,
      withInfohash: true,
    })
    if (!response.ok) throw new Error(`registering ${s.id} failed: ${JSON.stringify(body)}`)
  }
  // The field stream is keyed by its magnet, as a proxy that plays magnets registers it.
  const fieldEngine = await createEngineSimulator({ infohash: field.infohash })
  engines.push(fieldEngine)
  cleanups.push(() => fieldEngine.close())
  const fieldStream = await registerSimulatedStream({
    orchestratorUrl: orchestrator.url,
    engine: fieldEngine,
    streamId: FIELD_STREAM.id,
    keyType: 'magnet',
    contentId: field.magnet,
    withInfohash: true,
  })
  if (!fieldStream.response.ok)
    throw new Error(`registering ${FIELD_STREAM.id} failed: ${JSON.stringify(fieldStream.body)}`)
  // No need to tell the collector about the stream's own tracker: the orchestrator asks it with
  // a magnet carrying the trackers of a magnet key (or of the event's session.trackers).
  say(`  streams: ${[...STREAMS.map((s) => s.id), FIELD_STREAM.id].join(', ')}`)

  // Ask once per stream so the collector starts tracking the swarms before anyone opens a row.
  await Promise.all(
    [...STREAMS, FIELD_STREAM].map((s) =>
      fetch(`${orchestrator.url}/streams/${encodeURIComponent(s.id)}/peers`).catch(() => null),
    ),
  )

  let joined = 0
  const grow = setInterval(() => {
    if (joined >= MAX_JOINED_PEERS) return clearInterval(grow)
    joined++
    swarm.addPeer().catch(() => undefined)
  }, PEER_JOIN_EVERY_MS)
  cleanups.push(async () => clearInterval(grow))

  say('')
  say(`Dashboard: ${orchestrator.url}/panel/streams`)
  say('')
  say('Expand a stream and open its Peers tab. The peers live on 127.0.0.x, so they have a')
  say('client name but no country or ISP (GeoIP knows nothing about loopback addresses).')
  say(`${FIELD_STREAM.id} also finds peers through its magnet's own tracker and PEX, and lists`)
  say('two stale entries as unreachable.')
  say(`API: curl ${orchestrator.url}/streams   |   Ctrl-C stops the demo.`)
}

main().catch((err) => {
  say(`Demo failed: ${err instanceof Error ? err.message : String(err)}`)
  void stopAll(1)
})
