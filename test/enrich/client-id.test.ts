// Guards client identification: real peers on loopback that answer a BitTorrent handshake get
// `client` (and `client_version`, `progress` where they say enough); a listener that never
// answers and a closed port keep `client` absent; the step never outlasts its deadline.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:net'
import { loadSettings } from '../../lib/settings.ts'
import { ENRICH_SETTINGS } from '../../collector/enrich/settings.ts'
import { createPeerEnricher } from '../../collector/enrich/create-enricher.ts'
import { piecesToProgress } from '../../collector/enrich/peer-handshake.ts'
import type { PeerEnricher, SwarmPeer } from '../../collector/types.ts'
import { makeTorrentInfo, serveBtPeer, startBtPeer, type BtPeer } from '../helpers/bt-peer.ts'
import { createLocalSwarm } from '../helpers/local-swarm.ts'
import { eventually } from '../helpers/wait.ts'

const INFOHASH = 'c0ffee'.padEnd(40, '0')
const now = new Date().toISOString()
const asPeer = (p: { host: string; port: number }): SwarmPeer => ({
  ip: p.host,
  port: p.port,
  sources: ['dht'],
  first_seen: now,
  last_seen: now,
})

type After = { after(fn: () => Promise<void>): void }

/** An enricher with `env` over this file's settings, closed when the test ends. */
function enricherFor(t: After, env: Record<string, string> = {}): PeerEnricher {
  const settings = loadSettings(ENRICH_SETTINGS, {
    CLIENT_ID_TIMEOUT_MS: '1500',
    CLIENT_ID_CONCURRENCY: '4',
    ...env,
  })
  // Loopback peers get no geolocation anyway; skipping the databases keeps this file light.
  const enricher = createPeerEnricher({ settings, geoIp: null })
  t.after(() => enricher.close())
  return enricher
}

/** A port on 127.0.0.1 that refuses connections (bound, then closed). */
async function closedPort(): Promise<number> {
  const s: Server = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.9', r))
  const port = (s.address() as { port: number }).port
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

async function startPeers(t: After) {
  const peers: BtPeer[] = [
    await startBtPeer({
      host: '127.0.0.2',
      peerId: '-qB4620-',
      version: 'qBittorrent/4.6.2',
      pieces: { haveAll: true },
    }),
    await startBtPeer({
      host: '127.0.0.3',
      peerId: '-TR4060-',
      pieces: { bitfield: new Uint8Array([0xff, 0x0f]) },
    }),
    await startBtPeer({
      host: '127.0.0.4',
      peerId: '-UT3550-',
      version: 'uTorrent 3.5.5',
      pieces: { haveNone: true },
    }),
    await startBtPeer({ host: '127.0.0.5', silent: true }),
  ]
  t.after(async () => {
    await Promise.all(peers.map((p) => p.close()))
  })
  return peers
}

test('peers that answer the handshake get their client; silent and closed ones do not', async (t) => {
  const [qb, tr, ut, silent] = await startPeers(t)
  const closed = { host: '127.0.0.9', port: await closedPort() }
  const enricher = enricherFor(t)

  const out = await enricher.enrich(
    [qb, tr, ut, silent, closed].map((p) => asPeer(p!)),
    {
      infohash: INFOHASH,
      deadline: Date.now() + 8000,
    },
  )
  const [vq, vt, vu, vs, vc] = out
  assert.equal(vq?.client, 'qBittorrent 4.6.2')
  assert.equal(vq?.client_version, 'qBittorrent/4.6.2')
  assert.equal(vq?.progress, 100) // have_all
  assert.equal(vt?.client, 'Transmission 4.06')
  assert.equal(vt?.client_version, undefined)
  // A bitfield without the torrent's piece count cannot be turned into a percentage.
  assert.equal(vt?.progress, undefined)
  assert.equal(vu?.client, 'µTorrent 3.5.5')
  assert.equal(vu?.progress, 0) // have_none
  assert.equal(vs?.client, undefined)
  assert.equal(vc?.client, undefined)
  for (const v of out) assert.equal(v.address_class, 'loopback')
  assert.equal(silent!.connections, 1)
})

test('the step ends by the deadline, and handshakes finished later serve the next answer', async (t) => {
  const [qb, , , silent] = await startPeers(t)
  const enricher = enricherFor(t, { CLIENT_ID_TIMEOUT_MS: '20000' })
  const peers = [asPeer(silent!), asPeer(qb!)]

  const started = Date.now()
  await enricher.enrich(peers, { infohash: INFOHASH, deadline: started + 200 })
  // Generous bound on a shared 2-core machine: the point is "not the 20 s handshake timeout".
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`)

  // The answering peer's handshake completes in the background and is cached.
  let second = await enricher.enrich(peers, { infohash: INFOHASH, deadline: Date.now() + 100 })
  await eventually(
    async () => {
      if (second[1]?.client !== undefined) return true
      second = await enricher.enrich(peers, { infohash: INFOHASH, deadline: Date.now() + 10 })
      return second[1]?.client !== undefined
    },
    { timeoutMs: 5000, intervalMs: 100 },
  ).catch(() => {})
  assert.equal(second[1]?.client, 'qBittorrent 4.6.2')
  assert.equal(second[0]?.client, undefined)
  // The silent peer is still being waited on by its first handshake: no second connection.
  assert.equal(silent!.connections, 1)
})

test('results are cached per peer, failures too', async (t) => {
  const [qb, , , silent] = await startPeers(t)
  const enricher = enricherFor(t, { CLIENT_ID_TIMEOUT_MS: '300' })
  const peers = [asPeer(qb!), asPeer(silent!)]
  await enricher.enrich(peers, { infohash: INFOHASH, deadline: Date.now() + 5000 })
  const again = await enricher.enrich(peers, { infohash: INFOHASH, deadline: Date.now() + 5000 })
  assert.equal(again[0]?.client, 'qBittorrent 4.6.2')
  assert.equal(qb!.connections, 1)
  assert.equal(silent!.connections, 1)
  // Another swarm is another question for the same peer.
  await enricher.enrich(peers, { infohash: 'b'.repeat(40), deadline: Date.now() + 5000 })
  assert.equal(qb!.connections, 2)
})

test('only MAX_PEERS_TO_ENRICH peers are enriched; the rest are returned as they came', async (t) => {
  const [qb, tr, ut] = await startPeers(t)
  const enricher = enricherFor(t, { MAX_PEERS_TO_ENRICH: '2' })
  const out = await enricher.enrich(
    [qb, tr, ut].map((p) => asPeer(p!)),
    {
      infohash: INFOHASH,
      deadline: Date.now() + 5000,
    },
  )
  assert.equal(out.length, 3)
  assert.equal(out[1]?.client, 'Transmission 4.06')
  assert.equal(out[2]?.client, undefined)
  assert.equal(out[2]?.address_class, undefined)
  assert.equal(ut!.connections, 0)
})

test('progress is reported only when it is known exactly', () => {
  assert.equal(piecesToProgress({ haveAll: true }, undefined), 100)
  assert.equal(piecesToProgress({ haveNone: true }, undefined), 0)
  assert.equal(piecesToProgress({ bitfield: new Uint8Array([0, 0]) }, undefined), 0)
  assert.equal(piecesToProgress({ bitfield: new Uint8Array([0xff, 0x80]) }, undefined), undefined)
  assert.equal(piecesToProgress({ bitfield: new Uint8Array([0xff, 0x80]) }, 9), 100)
  assert.equal(piecesToProgress({ bitfield: new Uint8Array([0xf0, 0x00]) }, 10), 40)
  // A bitfield whose length does not fit the piece count is not trusted.
  assert.equal(piecesToProgress({ bitfield: new Uint8Array([0xff]) }, 9), undefined)
})

test('a bitfield becomes progress once the swarm metadata, verified, gives the piece count', async (t) => {
  const torrent = makeTorrentInfo(1000) // 20 000 bytes of metadata: two ut_metadata blocks
  const bits = new Uint8Array(125)
  bits.fill(0xff, 0, 25) // 200 of 1000 pieces
  const other = makeTorrentInfo(8) // metadata that does not hash to the infohash
  const honest = await startBtPeer({
    host: '127.0.0.6',
    peerId: '-TR4060-',
    version: 'Transmission 4.0.6',
    metadata: torrent.info,
    pieces: { bitfield: bits },
  })
  const liar = await startBtPeer({
    host: '127.0.0.7',
    peerId: '-TR4060-',
    version: 'Transmission 4.0.6',
    metadata: other.info,
    pieces: { bitfield: bits },
  })
  t.after(() => Promise.all([honest.close(), liar.close()]).then(() => {}))

  const liarFirst = enricherFor(t)
  const [fromLiar] = await liarFirst.enrich([asPeer(liar)], {
    infohash: torrent.infohash,
    deadline: Date.now() + 5000,
  })
  assert.equal(fromLiar?.client, 'Transmission 4.06')
  assert.equal(fromLiar?.progress, undefined)

  const enricher = enricherFor(t)
  const [view] = await enricher.enrich([asPeer(honest)], {
    infohash: torrent.infohash,
    deadline: Date.now() + 5000,
  })
  assert.equal(view?.progress, 20)
})

test('on a local swarm, peers that accept handshakes get a client and a silent one does not', async (t) => {
  let silentIp: string | undefined
  const swarm = await createLocalSwarm({
    peers: 4,
    mode: 'tracker',
    dhtNodes: 1,
    onConnection: (socket, peer) => {
      if (peer.ip === silentIp) return // accepts, never answers
      serveBtPeer(socket, {
        peerId: peer.seeder ? '-qB4620-' : '-TR4060-',
        version: peer.seeder ? 'qBittorrent/4.6.2' : 'Transmission 4.0.6',
        pieces: peer.seeder ? { haveAll: true } : { haveNone: true },
      })
    },
  })
  t.after(() => swarm.close())
  silentIp = swarm.peers[0]?.ip
  const enricher = enricherFor(t, { CLIENT_ID_TIMEOUT_MS: '1000' })

  const out = await enricher.enrich(
    swarm.peers.map((p) => asPeer({ host: p.ip, port: p.port })),
    {
      infohash: swarm.infohash,
      deadline: Date.now() + 5000,
    },
  )
  assert.equal(out[0]?.client, undefined)
  swarm.peers.slice(1).forEach((p, i) => {
    const view = out[i + 1]
    assert.equal(view?.client, p.seeder ? 'qBittorrent 4.6.2' : 'Transmission 4.06', p.ip)
    assert.equal(view?.progress, p.seeder ? 100 : 0, p.ip)
  })
})

test('an infohash that is not 40 hex digits skips identification instead of crashing', async (t) => {
  const [qb] = await startPeers(t)
  const enricher = enricherFor(t)
  const [view] = await enricher.enrich([asPeer(qb!)], {
    infohash: 'not-an-infohash',
    deadline: Date.now() + 1000,
  })
  assert.equal(view?.client, undefined)
  assert.equal(view?.address_class, 'loopback')
  assert.equal(qb!.connections, 0)
})
