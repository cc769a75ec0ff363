// Property-based bad-input run against the orchestrator app in-process: thousands of generated
// hostile requests (bodies, ids, URLs, headers, collector answers), and for every one no 5xx
// it should not give, no crash, and every API error is JSON with a message. Generated engine
// and collector addresses must never leave loopback: the clients used here refuse anything
// else and the test fails if one was ever asked for.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import fc from 'fast-check'
import { createLogger } from '../../lib/log.ts'
import { createOrchestratorApp } from '../../orchestrator/app.ts'
import type { CollectorClient } from '../../orchestrator/collector-client.ts'
import { UpstreamError } from '../../orchestrator/collector-client.ts'
import type { EngineClient } from '../../orchestrator/engine/engine-client.ts'
import { startTestOrchestrator } from '../helpers/orchestrator-process.ts'

const SEED = Number(process.env.FUZZ_SEED ?? 20261130)
const RUNS = Number(process.env.FUZZ_RUNS ?? 1)

const NASTY = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'prototype',
  '',
  ' ',
  '#',
  '?',
  '[',
  ']',
  '[::1]',
  '::1',
  '%zz',
  '%00',
  '\u0000',
  '\u2028',
  '../../etc/passwd',
  '//evil.test/x',
  '/\\evil.test',
  'http://user:pw@127.0.0.1:1/x',
  'http://127.0.0.1:1/x#',
  'http://127.0.0.1:1/x?y=',
  'javascript:alert(1)',
  '</script><script>alert(1)</script>',
  'a|b',
  'a/b',
  'bad host',
  '1e300',
  'NaN',
  'x'.repeat(5000),
]

const nastyString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
)
const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: nastyString },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, 1e300, -0, 65536, 1.5, Number.MAX_SAFE_INTEGER) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(nastyString, fc.string({ maxLength: 5 }), { maxKeys: 3 }) },
)

function validEvent(): Record<string, any> {
  return {
    container_id: 'engine-a',
    engine: { host: '127.0.0.1', port: 9 },
    stream: { key_type: 'content_id', key: 'a'.repeat(40) },
    session: {
      playback_session_id: 's',
      stat_url: '/ace/stat/x/t',
      command_url: '/ace/cmd/x/t',
      is_live: 1,
    },
    labels: { stream_id: 'ok' },
  }
}

const EVENT_PATHS = [
  ['container_id'],
  ['engine'],
  ['engine', 'host'],
  ['engine', 'port'],
  ['stream'],
  ['stream', 'key_type'],
  ['stream', 'key'],
  ['session'],
  ['session', 'playback_session_id'],
  ['session', 'stat_url'],
  ['session', 'command_url'],
  ['session', 'is_live'],
  ['session', 'infohash'],
  ['labels'],
  ['labels', 'stream_id'],
]

/** A valid event with one to three fields replaced by hostile values. */
const hostileEvent = fc
  .array(fc.tuple(fc.constantFrom(...EVENT_PATHS), nastyValue), { minLength: 1, maxLength: 3 })
  .map((changes) => {
    const e = validEvent()
    for (const [path, value] of changes) {
      let at = e
      for (const k of path.slice(0, -1)) {
        if (typeof at[k] !== 'object' || at[k] === null) at[k] = {}
        at = at[k]
      }
      at[path[path.length - 1]!] = value
    }
    return e
  })

const jsonBody = (of: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 6, arbitrary: of.map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: fc.json() },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
    { weight: 1, arbitrary: of.map((v) => (JSON.stringify(v) ?? 'null').slice(0, 7)) },
  )

interface Call {
  method: string
  path: string
  headers?: Record<string, string>
  body?: string
}

const json = { 'content-type': 'application/json' }

/** A valid event under a hostile id (and engine name), so odd ids really get registered. */
const hostileIdEvent = fc
  .tuple(nastyString, fc.constantFrom('127.0.0.1', '::1', '[::1]', 'engine_1', 'bad host', '#'))
  .map(([id, host]) => {
    const e = validEvent()
    e.labels.stream_id = id
    e.engine.host = host
    return e
  })

const requests: fc.Arbitrary<Call> = fc.oneof(
  hostileIdEvent.map((e) => ({
    method: 'POST',
    path: '/events/stream_started',
    headers: json,
    body: JSON.stringify(e),
  })),
  jsonBody(hostileEvent).map((body) => ({
    method: 'POST',
    path: '/events/stream_started',
    headers: json,
    body,
  })),
  jsonBody(
    fc.record(
      { container_id: nastyValue, stream_id: nastyValue, reason: nastyValue },
      { requiredKeys: [] },
    ),
  ).map((body) => ({ method: 'POST', path: '/events/stream_ended', headers: json, body })),
  jsonBody(
    fc.record(
      {
        PEER_COLLECTOR_ENABLED: fc.oneof(fc.boolean(), nastyValue),
        PEER_COLLECTOR_URL: fc.oneof(nastyValue, loopbackUrl()),
        CACHE_TTL_SECONDS: fc.oneof(fc.integer({ min: 0, max: 100 }), nastyValue),
        [String('__proto__')]: nastyValue,
      },
      { requiredKeys: [] },
    ),
  ).map((body) => ({ method: 'PATCH', path: '/config/runtime', headers: json, body })),
  jsonBody(fc.record({ collector_url: fc.oneof(nastyValue, loopbackUrl()) })).map((body) => ({
    method: 'POST',
    path: '/peer-collector/health',
    headers: json,
    body,
  })),
  fc
    .tuple(
      nastyString,
      fc.constantFrom('', '/stats', '/peers'),
      fc.constantFrom('', '?since=', '?since=x', '?limit=-1', '?limit=1e9', '?since=2020-01-01'),
    )
    .map(([id, tail, q]) => ({
      method: 'GET',
      path: `/streams/${encodeURIComponent(id)}${tail}${q}`,
    })),
  fc
    .tuple(fc.constantFrom('status', 'container_id', 'x'), nastyString)
    .map(([k, v]) => ({ method: 'GET', path: `/streams?${new URLSearchParams({ [k]: v })}` })),
  fc
    .tuple(
      fc.constantFrom('open', 'peers', 'tab'),
      nastyString,
      fc.constantFrom('streams', 'settings', 'nope'),
    )
    .map(([k, v, page]) => ({
      method: 'GET',
      path: `/panel/${page}?${new URLSearchParams({ [k]: v })}`,
    })),
  fc
    .tuple(nastyString)
    .map(([id]) => ({ method: 'DELETE', path: `/streams/nx-${encodeURIComponent(id)}` })),
  // Headers a browser or a confused client might send.
  fc
    .tuple(
      fc.constantFrom('POST', 'PATCH', 'PUT', 'DELETE'),
      fc.constantFrom('/events/stream_started', '/events/stream_ended', '/config/runtime', '/nope'),
      fc.record(
        {
          'content-type': fc.oneof(nastyString, fc.constantFrom('text/plain', 'application/json')),
          origin: fc.oneof(nastyString, fc.constantFrom('null', 'http://evil.test')),
          'sec-fetch-site': fc.constantFrom('cross-site', 'same-site', 'same-origin', 'none', 'x'),
        },
        { requiredKeys: [] },
      ),
      fc.string({ maxLength: 40 }),
    )
    .map(([method, path, headers, body]) => ({
      method,
      path,
      // Header values must be Latin-1 text without line breaks to be sent at all.
      headers: Object.fromEntries(
        Object.entries(headers).map(([k, v]) => [k, v.replace(/[^\x20-\x7e]/g, '')]),
      ),
      body,
    })),
)

/** `http://127.0.0.1:<port>` followed by hostile text: the only URLs that may be fetched. */
function loopbackUrl(): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(1, 9), fc.constantFrom('', '/', '/x/', '/health'), nastyString)
    .map(([port, path, tail]) => `http://127.0.0.1:${port}${path}${tail}`)
}

function isLoopback(url: string): boolean {
  try {
    return new URL(url).hostname === '127.0.0.1'
  } catch {
    return false
  }
}

/** Status codes an upstream problem may give: the collector is down, slow or answered badly. */
const UPSTREAM = new Set([502, 503, 504])

async function check(res: Response, call: Call): Promise<void> {
  const label = `${call.method} ${call.path} ${call.body?.slice(0, 200) ?? ''}`
  const text = await res.text()
  const upstream = call.path.endsWith('/peers') || call.path === '/peer-collector/health'
  assert.ok(
    res.status < 500 || (upstream && UPSTREAM.has(res.status)),
    `${res.status} for ${label}: ${text.slice(0, 300)}`,
  )
  if (call.path.startsWith('/panel/') && call.method === 'GET') {
    if (res.status < 400) assert.match(res.headers.get('content-type') ?? '', /text\/html/, label)
    return
  }
  if (res.status >= 400) {
    assert.match(res.headers.get('content-type') ?? '', /application\/json/, label)
    const body = JSON.parse(text) as { error?: unknown }
    assert.equal(typeof body.error, 'string', label)
    assert.ok((body.error as string).length > 0, label)
  }
}

test('thousands of hostile requests: no unexpected 5xx, every API error is JSON with a message', async (t) => {
  const orch = await startTestOrchestrator({ MAX_STREAMS: '100000' })
  t.after(() => orch.close())
  const outside: string[] = []
  // The real clients, refusing (and recording) any address off loopback.
  const engine: EngineClient = {
    fetchStat: (url, signal) =>
      isLoopback(url)
        ? orch.engine.fetchStat(url, signal)
        : (outside.push(url), Promise.resolve({ kind: 'error', message: 'refused' })),
    stop: (url) =>
      isLoopback(url)
        ? orch.engine.stop(url)
        : (outside.push(url), Promise.resolve({ ok: false, detail: 'refused' })),
  }
  const guard = <T>(url: string, run: () => Promise<T>): Promise<T> => {
    if (isLoopback(url)) return run()
    outside.push(url)
    return Promise.reject(new UpstreamError('unreachable', 'refused by the test'))
  }
  const collector: CollectorClient = {
    getPeers: (base, ih, age) => guard(base, () => orch.collector.getPeers(base, ih, age)),
    getHealth: (base) => guard(base, () => orch.collector.getHealth(base)),
  }
  const app = createOrchestratorApp({
    ...orch,
    engine,
    collector,
    log: createLogger('fuzz', 'silent'),
  })
  let n = 0
  const statuses = new Map<number, number>()
  await fc.assert(
    fc.asyncProperty(requests, async (call) => {
      n++
      const res = await app.request(call.path, {
        method: call.method,
        headers: call.headers ?? {},
        body: call.body ?? null,
      })
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
      await check(res, call)
    }),
    { numRuns: 3000 * RUNS, seed: SEED, endOnFailure: true },
  )
  assert.deepEqual(outside, [], 'no generated address left loopback')
  // The page still renders whatever ids were planted.
  const page = await app.request('/panel/streams')
  assert.equal(page.status, 200)
  t.diagnostic(
    `${n} requests, ${orch.store.counts().active} streams registered, by status: ${JSON.stringify(Object.fromEntries(statuses))}`,
  )
})

test('hostile collector answers: the peers API answers 200 or 502, the page always renders', async (t) => {
  const IH = 'ab'.repeat(20)
  let answer: string = '{}'
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(answer)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const orch = await startTestOrchestrator({
    PEER_COLLECTOR_ENABLED: 'true',
    PEER_COLLECTOR_URL: url,
  })
  t.after(async () => {
    await orch.close()
    await new Promise<void>((r) => {
      server.close(() => r())
      server.closeAllConnections()
    })
  })
  const start = await orch.app.request('/events/stream_started', {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ ...validEvent(), session: { ...validEvent().session, infohash: IH } }),
  })
  assert.equal(start.status, 200)
  const now = new Date().toISOString()
  const peer = fc.record(
    {
      ip: fc.oneof(fc.constant('127.0.0.2'), nastyValue),
      port: fc.oneof(fc.constant(6881), nastyValue),
      sources: fc.oneof(fc.constant(['dht']), nastyValue),
      first_seen: fc.oneof(fc.constant(now), nastyValue),
      last_seen: fc.oneof(fc.constant(now), nastyValue),
      country: nastyValue,
      country_code: nastyValue,
      city: nastyValue,
      isp: nastyValue,
      client: nastyValue,
      progress: fc.oneof(fc.double(), nastyValue),
      address_class: nastyValue,
    },
    { requiredKeys: ['ip', 'port', 'sources', 'first_seen', 'last_seen'] },
  )
  const answers = fc.oneof(
    fc
      .record(
        {
          acestream_id: fc.oneof(fc.constant(IH), nastyValue),
          infohash: fc.oneof(fc.constant(IH), nastyValue),
          peers: fc.oneof(
            { weight: 4, arbitrary: fc.array(fc.oneof(peer, nastyValue), { maxLength: 6 }) },
            nastyValue,
          ),
          peer_count: fc.oneof(fc.nat(), nastyValue),
          total_peers: fc.oneof(fc.nat(), nastyValue),
          cached_at: fc.oneof(fc.constant(Math.floor(Date.now() / 1000)), nastyValue),
          sources: fc.oneof(fc.constant({ dht: 1, tracker: 0 }), nastyValue),
          error: nastyValue,
          discovering: nastyValue,
        },
        { requiredKeys: ['peers'] },
      )
      .map((a) => JSON.stringify(a)),
    fc.json(),
    fc.string({ maxLength: 30 }),
  )
  let n = 0
  await fc.assert(
    fc.asyncProperty(answers, async (a) => {
      answer = a
      n++
      const api = await orch.app.request('/streams/ok/peers')
      const body = (await api.json()) as any
      assert.ok(api.status === 200 || api.status === 502, `${api.status} for ${a.slice(0, 200)}`)
      if (api.status === 502) assert.equal(typeof body.detail, 'string')
      else for (const p of body.peers) assert.equal(typeof p.ip, 'string')
      const page = await orch.app.request('/panel/streams?peers=ok')
      assert.equal(page.status, 200, `page for ${a.slice(0, 200)}`)
      await page.arrayBuffer()
    }),
    { numRuns: 500 * RUNS, seed: SEED, endOnFailure: true },
  )
  t.diagnostic(`${n} collector answers`)
})
