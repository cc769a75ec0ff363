// Property-based bad-input run against the collector app in-process: thousands of generated
// hostile requests (identifiers, magnets, query values, methods, paths, bodies) and for every
// one no 5xx, no crash, and every error is JSON with a message. No discovery source is
// configured (no trackers, empty DHT bootstrap), so nothing is sent anywhere.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { loadCollectorConfig } from '../../collector/config.ts'
import { createCollectorService } from '../../collector/service.ts'
import { createLogger } from '../../lib/log.ts'
import { localCollectorEnv } from '../helpers/collector-process.ts'

const SEED = Number(process.env.FUZZ_SEED ?? 20261130)
const RUNS = Number(process.env.FUZZ_RUNS ?? 1)
const HEX = 'c12fe1c06bba254a9dc9f519b335aa7c1367a88a'

const NASTY = [
  '__proto__',
  'constructor',
  '',
  ' ',
  '#',
  '?',
  '%',
  '%zz',
  '%00',
  '..',
  '../health',
  HEX,
  HEX.toUpperCase(),
  HEX.slice(1),
  `${HEX}0`,
  'g'.repeat(40),
  'CEX6BQEHXJHBY3OYTDXT3V2QXRZW3DLV', // base32 infohash
  `magnet:?xt=urn:btih:${HEX}`,
  `magnet:?xt=urn:btih:${HEX}&tr=udp%3A%2F%2F127.0.0.1%3A1`,
  'magnet:?xt=urn:btih:',
  'magnet:?dn=x',
  'magnet:?xt=urn:btmh:1220' + 'a'.repeat(64),
  'acestream://' + HEX,
  '</script>',
  '\u0000',
  '\u2028',
  'x'.repeat(5000),
  '-1',
  '1e9',
  '1.5',
  '99999999999999999999',
]

const nastyString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.stringMatching(/^[0-9a-fA-F]{38,42}$/) },
)

interface Call {
  method: string
  path: string
  body?: string
}

const requests: fc.Arbitrary<Call> = fc.oneof(
  // Every valid identifier is asked with wait=0, so no request holds the run for discovery.
  fc
    .tuple(nastyString, fc.option(nastyString), fc.constantFrom('wait', 'max_age', 'x'))
    .map(([id, value, key]) => {
      const q = new URLSearchParams({ wait: '0' })
      if (value !== null) q.set(key, key === 'wait' ? value.slice(0, 3) || '0' : value)
      return { method: 'GET', path: `/peers/${encodeURIComponent(id)}?${q}` }
    }),
  fc
    .tuple(nastyString)
    .map(([id]) => ({ method: 'GET', path: `/peers/${id.replace(/[?#]/g, '')}` })),
  fc
    .tuple(
      fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
      fc.constantFrom('/health', '/peers', '/peers/', `/peers/${HEX}`, '/', '/metrics', '/nope'),
      fc.oneof(fc.json(), fc.string({ maxLength: 40 })),
    )
    .map(([method, path, body]) => ({
      method,
      path: method === 'GET' && path === `/peers/${HEX}` ? `${path}?wait=0` : path,
      body: method === 'GET' || method === 'OPTIONS' ? undefined : body,
    })),
)

test('thousands of hostile requests to the collector: no 5xx, every error is JSON with a message', async (t) => {
  const config = loadCollectorConfig(localCollectorEnv({ env: { LOG_LEVEL: 'silent' } }))
  const service = createCollectorService(config, { log: createLogger('fuzz', 'silent') })
  await service.start()
  t.after(() => service.close())
  let n = 0
  const statuses = new Map<number, number>()
  await fc.assert(
    fc.asyncProperty(requests, async (call) => {
      n++
      const res = await service.app.request(call.path, {
        method: call.method,
        headers: call.body === undefined ? {} : { 'content-type': 'application/json' },
        body: call.body ?? null,
      })
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
      const text = await res.text()
      const label = `${call.method} ${call.path}`
      assert.ok(res.status < 500, `${res.status} for ${label}: ${text.slice(0, 300)}`)
      if (res.status >= 400) {
        assert.match(res.headers.get('content-type') ?? '', /application\/json/, label)
        const body = JSON.parse(text) as { error?: unknown }
        assert.equal(typeof body.error, 'string', label)
        assert.ok((body.error as string).length > 0, label)
      }
    }),
    { numRuns: 3000 * RUNS, seed: SEED, endOnFailure: true },
  )
  const health = await service.app.request('/health')
  assert.equal(health.status, 200, 'still healthy after the run')
  t.diagnostic(`${n} requests, by status: ${JSON.stringify(Object.fromEntries(statuses))}`)
})
