// What the live peer view costs on the wire and in the server. Figures:
// - for a 200-peer swarm where one peer changes, the diff event's size against the snapshot
//   event's (the budget is a tenth);
// - time to publish one such diff to 50 watchers of one feed, against serialising the whole
//   answer once (what a poll would cost per watcher), measured in the same run.
// In-process: the real feed and diff code, no sockets.
import type { PeersAnswer, PeerView } from '../lib/contract/peers.ts'
import { createPeerFeed } from '../lib/peer-feed.ts'
import { medianWallTime } from './helpers.ts'

const PEERS = 200
const WATCHERS = 50

function peer(i: number, seen: string): PeerView {
  return {
    ip: `198.51.${Math.floor(i / 250)}.${i % 250}`,
    port: 6881 + (i % 50),
    sources: i % 3 ? ['stream_tracker'] : ['dht', 'tracker'],
    first_seen: '2026-11-30T16:00:00.000Z',
    last_seen: seen,
    trackers: ['udp://tracker.example.org:1337/announce'],
    reachable: i % 4 !== 0,
    connected: i % 25 === 0,
    address_class: 'public',
    country: 'Germany',
    country_code: 'DE',
    city: 'Frankfurt am Main',
    region: 'Hesse',
    latitude: 50.1155,
    longitude: 8.6842,
    timezone: 'Europe/Berlin',
    isp: 'Deutsche Telekom AG',
    asn: 3320,
    client: 'qBittorrent 4.6.2',
    client_version: 'qBittorrent/4.6.2',
    progress: (i * 37) % 101,
  }
}

function answer(peers: PeerView[]): PeersAnswer {
  return {
    acestream_id: 'a'.repeat(40),
    infohash: 'a'.repeat(40),
    peers,
    peer_count: peers.length,
    total_peers: peers.length,
    cached_at: 1_800_000_000,
    sources: { dht: 67, tracker: 67, stream_tracker: 133, pex: 0 },
    reachable_count: 150,
  }
}

export default async function peerEventsBench(): Promise<void> {
  const seen = '2026-11-30T17:00:00.000Z'
  const base = Array.from({ length: PEERS }, (_, i) => peer(i, seen))
  const feed = createPeerFeed()
  feed.publish(answer(base))
  const sub = feed.subscribe()
  const snap = await sub.next(0)
  if (!snap || snap === 'idle') throw new Error('no snapshot')
  // One peer changes: seen again, and its handshake now fails.
  const changed = base.map((p, i) =>
    i === 42 ? { ...p, last_seen: '2026-11-30T17:00:05.000Z', reachable: false } : p,
  )
  feed.publish(answer(changed))
  const diff = await sub.next(0)
  if (!diff || diff === 'idle') throw new Error('no diff')
  const ratio = diff.data.length / snap.data.length
  console.log(
    `${PEERS}-peer swarm, one peer changed: diff event ${diff.data.length} B vs snapshot ` +
      `${snap.data.length} B = ${ratio.toFixed(3)} of the snapshot ` +
      `${ratio <= 0.1 ? '(within the 1/10 budget)' : '(OVER the 1/10 budget)'}`,
  )
  feed.close()

  // Fan-out: one diff to 50 watchers vs one full serialisation per watcher (a poll each).
  const fan = createPeerFeed({ maxSubscribers: WATCHERS })
  fan.publish(answer(base))
  const subs = Array.from({ length: WATCHERS }, () => fan.subscribe())
  let flip = false
  // Each watcher has exactly one event waiting after a publish; take it.
  const drain = () => Promise.all(subs.map((s) => s.next(0)))
  await drain()
  const push = await medianWallTime(
    async () => {
      flip = !flip
      fan.publish(answer(flip ? changed : base))
      await drain()
    },
    { rounds: 200, warmup: 20 },
  )
  const polls = await medianWallTime(
    () => {
      for (let i = 0; i < WATCHERS; i++) JSON.stringify(answer(changed))
    },
    { rounds: 200, warmup: 20 },
  )
  console.log(
    `one change to ${WATCHERS} watchers: ${push.toFixed(3)} ms pushed as a diff vs ` +
      `${polls.toFixed(3)} ms for ${WATCHERS} full answers (polls) = ${(push / polls).toFixed(2)}x`,
  )
  fan.close()
}
