// Enrichment cost per answer and the memory the GeoIP databases take. Figures are ratios to a
// baseline measured in the same run: the same 50-peer answer built and serialised without
// enrichment, and the process RSS before the databases were opened. All peers live on
// 127.0.0.x; public addresses are only looked up in the offline databases, never dialled.
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { loadSettings } from '../lib/settings.ts'
import { ENRICH_SETTINGS } from '../collector/enrich/settings.ts'
import { createPeerEnricher } from '../collector/enrich/create-enricher.ts'
import { loadGeoIp } from '../collector/enrich/geoip.ts'
import type { PeersAnswer, PeerView, SwarmPeer } from '../collector/types.ts'
import { startBtPeer } from '../test/helpers/bt-peer.ts'
import { medianWallTime } from './helpers.ts'

const PEERS = 50
const ROUNDS = 200
const INFOHASH = 'be7c'.padEnd(40, '1')

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MB`

function answer(peers: PeerView[]): string {
  const body: PeersAnswer = {
    acestream_id: INFOHASH,
    infohash: INFOHASH,
    peers,
    peer_count: peers.length,
    total_peers: peers.length,
    cached_at: Date.now() / 1000,
    sources: { dht: peers.length, tracker: 0 },
  }
  return JSON.stringify(body)
}

export default async function benchEnrich(): Promise<void> {
  const now = new Date().toISOString()
  const swarmPeer = (ip: string, port: number): SwarmPeer => ({
    ip,
    port,
    sources: ['dht'],
    first_seen: now,
    last_seen: now,
  })

  // --- memory: RSS with the databases opened vs before (read in place, not loaded) -------
  gc()
  const before = process.memoryUsage()
  const t0 = performance.now()
  const geoIp = loadGeoIp()
  const loadMs = performance.now() - t0
  gc()
  const after = process.memoryUsage()
  console.log(
    `GeoIP open: ${loadMs.toFixed(0)} ms; RSS ${mb(before.rss)} -> ${mb(after.rss)} ` +
      `(+${mb(after.rss - before.rss)}, x${(after.rss / before.rss).toFixed(2)}); ` +
      `external (GeoIP pages) +${mb(after.external - before.external)}, ` +
      `heap +${mb(after.heapUsed - before.heapUsed)}`,
  )

  // --- 50 real peers on loopback: handshakes cached after the first answer -------------
  const btPeers = await Promise.all(
    Array.from({ length: PEERS }, (_, i) =>
      startBtPeer({
        host: `127.0.3.${i + 1}`,
        peerId: '-qB4620-',
        version: 'qBittorrent/4.6.2',
        pieces: { haveAll: true },
      }),
    ),
  )
  const loopback = btPeers.map((p) => swarmPeer(p.host, p.port))
  // Public addresses spread over the IPv4 space: geolocated offline, never contacted
  // (client identification is off for them).
  const publicPeers = Array.from({ length: PEERS }, (_, i) =>
    swarmPeer(`${11 + i * 4}.${(i * 37) % 256}.${(i * 91) % 256}.${(i * 13) % 250}`, 6881),
  )

  const settings = loadSettings(ENRICH_SETTINGS, { CLIENT_ID_TIMEOUT_MS: '2000' })
  const handshaking = createPeerEnricher({ settings, geoIp: null })
  const geoOnly = createPeerEnricher({
    settings: loadSettings(ENRICH_SETTINGS, { CLIENT_ID_ENABLED: 'false' }),
    geoIp,
  })
  try {
    const cold = performance.now()
    const first = await handshaking.enrich(loopback, {
      infohash: INFOHASH,
      deadline: Date.now() + 5000,
    })
    const coldMs = performance.now() - cold
    const identified = first.filter((p) => p.client).length

    const timing = { rounds: ROUNDS }
    const baseline = await medianWallTime(() => answer(loopback.map((p) => ({ ...p }))), timing)
    const withClients = await medianWallTime(
      async () =>
        answer(
          await handshaking.enrich(loopback, { infohash: INFOHASH, deadline: Date.now() + 1000 }),
        ),
      timing,
    )
    const geoFirst = performance.now()
    await geoOnly.enrich(publicPeers, { infohash: INFOHASH, deadline: Date.now() + 1000 })
    const geoColdMs = performance.now() - geoFirst
    const withGeo = await medianWallTime(
      async () =>
        answer(
          await geoOnly.enrich(publicPeers, { infohash: INFOHASH, deadline: Date.now() + 1000 }),
        ),
      timing,
    )
    const added = withClients - baseline + (withGeo - baseline)
    console.log(
      `answer of ${PEERS} peers without enrichment: ${baseline.toFixed(3)} ms (baseline, median of ${ROUNDS})`,
    )
    console.log(
      `first answer, ${PEERS} live handshakes on loopback: ${coldMs.toFixed(1)} ms, ` +
        `${identified}/${PEERS} clients identified`,
    )
    console.log(
      `with cached handshakes: ${withClients.toFixed(3)} ms (x${(withClients / baseline).toFixed(2)} baseline)`,
    )
    console.log(
      `with offline geolocation of ${PEERS} public addresses: first ${geoColdMs.toFixed(3)} ms, ` +
        `cached ${withGeo.toFixed(3)} ms (x${(withGeo / baseline).toFixed(2)} baseline)`,
    )
    console.log(
      `enrichment adds ${added.toFixed(3)} ms per answer once handshakes are cached ` +
        `(target < 5 ms: ${added < 5 ? 'met' : 'NOT met'})`,
    )
  } finally {
    await handshaking.close()
    await geoOnly.close()
    await Promise.all(btPeers.map((p) => p.close()))
  }
}
