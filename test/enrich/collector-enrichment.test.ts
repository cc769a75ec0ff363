// Guards the wiring a user sees: the real collector process (collector/main.ts) enriches the
// peers of GET /peers/{id} from a local swarm whose peers answer handshakes, and /health names
// the GeoIP databases it loaded.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createLocalSwarm } from '../helpers/local-swarm.ts'
import { startCollectorProcess } from '../helpers/collector-process.ts'
import { serveBtPeer } from '../helpers/bt-peer.ts'
import type { PeersAnswer } from '../../collector/types.ts'
import { eventually } from '../helpers/wait.ts'

test('GET /peers carries clients for peers that answer, and /health lists the GeoIP databases', async (t) => {
  let silentIp: string | undefined
  const swarm = await createLocalSwarm({
    peers: 3,
    mode: 'tracker',
    dhtNodes: 1,
    onConnection: (socket, peer) => {
      if (peer.ip === silentIp) return
      serveBtPeer(socket, {
        peerId: '-qB4620-',
        version: 'qBittorrent/4.6.2',
        pieces: { haveAll: true },
      })
    },
  })
  t.after(() => swarm.close())
  silentIp = swarm.peers[0]?.ip
  const collector = await startCollectorProcess({
    swarm,
    trackers: 'udp',
    dht: false,
    env: { CLIENT_ID_TIMEOUT_MS: '1000' },
  })
  t.after(() => collector.close().then(() => {}))

  const health = (await (await fetch(`${collector.url}/health`)).json()) as {
    geoip_available: boolean
    enrichment: {
      geoip: { databases: Array<{ name: string; build_date: string; available: boolean }> }
    }
  }
  assert.equal(health.geoip_available, true)
  assert.ok(health.enrichment.geoip.databases.some((d) => /DB-IP City/.test(d.name) && d.available))
  assert.ok(health.enrichment.geoip.databases.every((d) => /^\d{4}-\d{2}-\d{2}/.test(d.build_date)))

  // Ask until all three peers are listed and the two answering ones identified.
  let body: PeersAnswer | undefined
  let status = 200
  await eventually(
    async () => {
      const res = await fetch(`${collector.url}/peers/${swarm.infohash}?wait=3000&max_age=0`)
      status = res.status
      if (status !== 200) return true
      body = (await res.json()) as PeersAnswer
      return body.peers.length === 3 && body.peers.filter((p) => p.client).length === 2
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  ).catch(() => {}) // the assertions below say what is missing
  assert.equal(status, 200)
  const byIp = new Map(body!.peers.map((p) => [p.ip, p]))
  for (const p of swarm.peers) {
    const view = byIp.get(p.ip)
    assert.ok(view, `${p.ip} listed`)
    assert.equal(view.address_class, 'loopback')
    assert.equal(view.country, undefined)
    if (p.ip === silentIp) assert.equal(view.client, undefined)
    else {
      assert.equal(view.client, 'qBittorrent 4.6.2', p.ip)
      assert.equal(view.progress, 100)
    }
  }
})
