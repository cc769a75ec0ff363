// Guards GET /streams/{id}/peers and POST /peer-collector/health against every way the
// collector can fail: each gives its own clear JSON error and status, never a 500, and the
// rest of the API keeps answering. A plain local HTTP server plays the collector here.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { startTestOrchestrator } from '../helpers/orchestrator-process.ts'
import { freePort } from '../helpers/wait.ts'

const IH = 'ab'.repeat(20)
type Mode = 'ok' | 'hang' | 'garbage' | 'http-500' | 'wrong-shape'

/** A fake collector whose behaviour the test switches; it records the URLs it was asked. */
async function createFakeCollector() {
  let mode: Mode = 'ok'
  const requests: string[] = []
  const hanging: ServerResponse[] = []
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '')
    const send = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(body)
    }
    if (mode === 'hang') return void hanging.push(res)
    if (mode === 'garbage') return send(200, '<html>gateway</html>')
    if (mode === 'http-500') return send(500, JSON.stringify({ error: 'internal error' }))
    if (mode === 'wrong-shape') return send(200, JSON.stringify({ hello: 'world' }))
    if (req.url === '/health') return send(200, JSON.stringify({ status: 'healthy', dht_nodes: 3 }))
    const ih = /^\/peers\/([0-9a-f]{40})/.exec(req.url ?? '')?.[1]
    send(
      200,
      JSON.stringify({
        acestream_id: ih,
        infohash: ih,
        peers: [
          {
            ip: '127.0.0.2',
            port: 6881,
            sources: ['tracker'],
            first_seen: new Date().toISOString(),
            last_seen: new Date().toISOString(),
          },
        ],
        peer_count: 1,
        total_peers: 1,
        cached_at: Date.now() / 1000,
        sources: { dht: 0, tracker: 1 },
      }),
    )
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    setMode: (m: Mode) => {
      mode = m
    },
    close: () =>
      new Promise<void>((r) => {
        for (const res of hanging) res.destroy()
        server.close(() => r())
        server.closeAllConnections()
      }),
  }
}

async function registerStream(url: string, id: string, infohash?: string) {
  const res = await fetch(`${url}/events/stream_started`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      engine: { host: '127.0.0.1', port: 9 },
      stream: { key_type: 'content_id', key: 'f'.repeat(40) },
      session: {
        playback_session_id: id,
        stat_url: 'http://127.0.0.1:9/ace/stat/x/y',
        command_url: 'http://127.0.0.1:9/ace/cmd/x/y',
        is_live: 1,
        ...(infohash ? { infohash } : {}),
      },
      labels: { stream_id: id },
    }),
  })
  assert.equal(res.status, 200)
}

const call = async (url: string, init?: RequestInit) => {
  const res = await fetch(url, init)
  return { status: res.status, body: (await res.json()) as any }
}

test('peers: disabled, no URL and unknown infohash are distinct 409s', async (t) => {
  const orch = await startTestOrchestrator()
  t.after(() => orch.close())
  await registerStream(orch.url, 'with-ih', IH)
  await registerStream(orch.url, 'no-ih')

  const disabled = await call(`${orch.url}/streams/with-ih/peers`)
  assert.equal(disabled.status, 409)
  assert.equal(disabled.body.error, 'peer collection disabled')

  await orch.runtime.update({ PEER_COLLECTOR_ENABLED: true })
  const noUrl = await call(`${orch.url}/streams/with-ih/peers`)
  assert.equal(noUrl.status, 409)
  assert.equal(noUrl.body.error, 'peer collector URL not set')

  await orch.runtime.update({ PEER_COLLECTOR_URL: 'http://127.0.0.1:9' })
  const unknown = await call(`${orch.url}/streams/no-ih/peers`)
  assert.equal(unknown.status, 409)
  assert.equal(unknown.body.error, 'infohash unknown')
})

test('peers: the collector answer comes back with stream_id, asked with max_age = CACHE_TTL_SECONDS', async (t) => {
  const collector = await createFakeCollector()
  const orch = await startTestOrchestrator({
    PEER_COLLECTOR_ENABLED: 'true',
    PEER_COLLECTOR_URL: collector.url,
    CACHE_TTL_SECONDS: '17',
  })
  t.after(async () => {
    await orch.close()
    await collector.close()
  })
  await registerStream(orch.url, 'ch|1', IH)
  const ok = await call(`${orch.url}/streams/${encodeURIComponent('ch|1')}/peers`)
  assert.equal(ok.status, 200)
  assert.equal(ok.body.stream_id, 'ch|1')
  assert.equal(ok.body.infohash, IH)
  assert.equal(ok.body.peers[0].ip, '127.0.0.2')
  assert.equal(collector.requests.at(-1), `/peers/${IH}?max_age=17`)
})

test('peers: collector down 503, timing out 504, answering badly 502; /streams still answers', async (t) => {
  const collector = await createFakeCollector()
  const deadPort = await freePort()
  const orch = await startTestOrchestrator({
    PEER_COLLECTOR_ENABLED: 'true',
    PEER_COLLECTOR_URL: `http://127.0.0.1:${deadPort}`,
    COLLECTOR_TIMEOUT_S: '1',
  })
  t.after(async () => {
    await orch.close()
    await collector.close()
  })
  await registerStream(orch.url, 's', IH)
  const peers = `${orch.url}/streams/s/peers`

  const down = await call(peers)
  assert.equal(down.status, 503)
  assert.equal(down.body.error, 'peer collector unavailable')
  assert.match(down.body.detail, /cannot reach/)

  await orch.runtime.update({ PEER_COLLECTOR_URL: collector.url })
  const expectations: Array<[Mode, number, string, RegExp]> = [
    ['hang', 504, 'peer collector timed out', /no answer within 1000 ms/],
    ['garbage', 502, 'peer collector answered badly', /not JSON/],
    ['http-500', 502, 'peer collector answered badly', /HTTP 500/],
    ['wrong-shape', 502, 'peer collector answered badly', /not a peers answer/],
  ]
  for (const [mode, status, error, detail] of expectations) {
    collector.setMode(mode)
    const r = await call(peers)
    assert.equal(r.status, status, mode)
    assert.equal(r.body.error, error, mode)
    assert.match(r.body.detail, detail, mode)
    const list = await fetch(`${orch.url}/streams`)
    assert.equal(list.status, 200, `/streams answers while the collector is ${mode}`)
    await list.arrayBuffer()
  }
  collector.setMode('ok')
  assert.equal((await call(peers)).status, 200, 'collector healthy again: peers again')
})

test('POST /peer-collector/health relays the health or says unreachable, timeout or bad answer', async (t) => {
  const collector = await createFakeCollector()
  const deadPort = await freePort()
  const orch = await startTestOrchestrator({ COLLECTOR_HEALTH_TIMEOUT_S: '1' })
  t.after(async () => {
    await orch.close()
    await collector.close()
  })
  const check = (collector_url: unknown) =>
    call(`${orch.url}/peer-collector/health`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ collector_url }),
    })

  const ok = await check(`${collector.url}/`)
  assert.equal(ok.status, 200)
  assert.deepEqual(ok.body, { status: 'healthy', dht_nodes: 3 })
  assert.equal(collector.requests.at(-1), '/health')

  const unreachable = await check(`http://127.0.0.1:${deadPort}`)
  assert.equal(unreachable.status, 503)
  assert.equal(unreachable.body.error, 'peer collector unavailable')

  collector.setMode('hang')
  const slow = await check(collector.url)
  assert.equal(slow.status, 504)
  assert.equal(slow.body.error, 'peer collector timed out')

  collector.setMode('garbage')
  const bad = await check(collector.url)
  assert.equal(bad.status, 502)
  assert.equal(bad.body.error, 'peer collector answered badly')

  const notHttp = await check('file:///etc/passwd')
  assert.equal(notHttp.status, 422)
  assert.match(notHttp.body.detail, /collector_url/)
  const missing = await check(undefined)
  assert.equal(missing.status, 422)
  assert.match(missing.body.detail, /collector_url/)
})
