// Guards the privacy promise: private, loopback and reserved addresses are marked and never
// sent anywhere; the opt-in web fallback is asked only about public addresses the offline data
// lacks, within its concurrency, rate and time limits. The "web API" is a fixture on 127.0.0.1.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { loadSettings } from '../../lib/settings.ts'
import { ENRICH_SETTINGS } from '../../collector/enrich/settings.ts'
import { createPeerEnricher } from '../../collector/enrich/create-enricher.ts'
import { loadGeoIp } from '../../collector/enrich/geoip.ts'
import {
  createWebGeoApi,
  mapWebGeoAnswer,
  validateGeoFields,
} from '../../collector/enrich/web-geo-api.ts'
import type { SwarmPeer } from '../../collector/types.ts'
import { createCollectorCache } from '../../collector/cache/create-collector-cache.ts'
import { CACHE_SETTINGS } from '../../collector/cache/settings.ts'
import { createLogger } from '../../lib/log.ts'

interface Fixture {
  url: string
  asked: string[]
  maxConcurrent: number
  close(): Promise<void>
}

/** A fake ipwhois-style service that records which addresses it was asked about. */
async function startFixture(
  answer: (ip: string, res: ServerResponse) => void = (ip, res) =>
    res.end(
      JSON.stringify({
        success: true,
        ip,
        country: 'Testland',
        country_code: 'TL',
        city: 'Fixture City',
        isp: 'Fixture ISP',
      }),
    ),
): Promise<Fixture> {
  let active = 0
  const f = { asked: [] as string[], maxConcurrent: 0 }
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const ip = decodeURIComponent((req.url ?? '').replace(/^\/json\//, ''))
    f.asked.push(ip)
    f.maxConcurrent = Math.max(f.maxConcurrent, ++active)
    res.on('close', () => active--)
    res.setHeader('content-type', 'application/json')
    answer(ip, res)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  return Object.assign(f, {
    url: `http://127.0.0.1:${port}/json/{ip}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  })
}

const now = new Date().toISOString()
const peer = (ip: string, port = 6881): SwarmPeer => ({
  ip,
  port,
  sources: ['tracker'],
  first_seen: now,
  last_seen: now,
})

// Handshakes are off in this file: its peers' addresses must never be dialled.
const settings = (env: Record<string, string>) =>
  loadSettings(ENRICH_SETTINGS, { CLIENT_ID_ENABLED: 'false', ...env })

const NOT_PUBLIC = [
  '10.1.2.3',
  '192.168.1.20',
  '172.16.5.4',
  '100.64.0.9',
  '127.0.0.1',
  '::1',
  'fe80::1',
  'fd00::5',
  '::ffff:10.0.0.1',
  '198.51.100.7',
]

test('private, loopback and reserved peers are marked and never sent to the web API', async (t) => {
  const fixture = await startFixture()
  t.after(() => fixture.close())
  // No offline data at all, so every public address would go to the web fallback; the
  // offline lookups are recorded too, to show private addresses never reach them either.
  const offline = loadGeoIp({ cityDir: '/nonexistent', asnDir: '/nonexistent' })
  const offlineAsked: string[] = []
  const enricher = createPeerEnricher({
    settings: settings({ GEO_WEB_API_URL: fixture.url }),
    geoIp: {
      databases: () => offline.databases(),
      lookup: (ip) => (offlineAsked.push(ip), offline.lookup(ip)),
    },
  })
  t.after(() => enricher.close())

  const peers = [...NOT_PUBLIC, '9.9.9.9'].map((ip) => peer(ip))
  const out = await enricher.enrich(peers, {
    infohash: 'a'.repeat(40),
    deadline: Date.now() + 5000,
  })

  assert.deepEqual(fixture.asked, ['9.9.9.9'])
  assert.deepEqual(offlineAsked, ['9.9.9.9'])
  for (const view of out.slice(0, NOT_PUBLIC.length)) {
    assert.notEqual(view.address_class, 'public', view.ip)
    assert.equal(view.country, undefined, view.ip)
    assert.equal(view.isp, undefined, view.ip)
  }
  assert.equal(out.find((p) => p.ip === '10.1.2.3')?.address_class, 'private')
  assert.equal(out.find((p) => p.ip === '::1')?.address_class, 'loopback')
  const pub = out.at(-1)
  assert.equal(pub?.address_class, 'public')
  assert.equal(pub?.country_code, 'TL')
  assert.equal(pub?.city, 'Fixture City')
})

test('addresses the offline data covers never reach the web API', async (t) => {
  const fixture = await startFixture()
  t.after(() => fixture.close())
  const enricher = createPeerEnricher({
    settings: settings({ GEO_WEB_API_URL: fixture.url }),
    geoIp: loadGeoIp(),
  })
  t.after(() => enricher.close())
  const out = await enricher.enrich([peer('8.8.8.8'), peer('1.1.1.1'), peer('10.0.0.1')], {
    infohash: 'a'.repeat(40),
    deadline: Date.now() + 5000,
  })
  assert.deepEqual(fixture.asked, [])
  assert.ok(out[0]?.country_code && out[0].country_code !== 'TL')
  assert.equal(typeof out[1]?.asn, 'number')
  assert.equal(out[2]?.country, undefined)
})

test('with no web API configured, nothing is asked and unknown stays absent', async (t) => {
  const enricher = createPeerEnricher({
    settings: settings({}),
    geoIp: loadGeoIp({ cityDir: '/nonexistent', asnDir: '/nonexistent' }),
  })
  t.after(() => enricher.close())
  const [view] = await enricher.enrich([peer('9.9.9.9')], {
    infohash: 'a'.repeat(40),
    deadline: Date.now() + 1000,
  })
  assert.equal(view?.address_class, 'public')
  assert.equal(view?.country, undefined)
  assert.deepEqual((enricher.health().enrichment as { web_api: unknown }).web_api, {
    enabled: false,
  })
})

test('the web API gets at most its concurrency and its per-minute budget', async (t) => {
  const fixture = await startFixture((ip, res) => {
    setTimeout(() => res.end(JSON.stringify({ success: true, country_code: 'TL' })), 50)
  })
  t.after(() => fixture.close())
  const api = createWebGeoApi({
    url: fixture.url,
    concurrency: 2,
    timeoutMs: 5000,
    ratePerMinute: 4,
  })
  const ips = ['9.9.9.1', '9.9.9.2', '9.9.9.3', '9.9.9.4', '9.9.9.5', '9.9.9.6']
  const results = await Promise.all(ips.map((ip) => api.lookup(ip)))
  assert.equal(fixture.asked.length, 4)
  assert.ok(fixture.maxConcurrent <= 2, `max concurrent ${fixture.maxConcurrent}`)
  assert.equal(results.filter((r) => r?.country_code === 'TL').length, 4)
  assert.equal(api.health().rate_limited, 2)
})

test('a web API that never answers costs no more than the deadline', async (t) => {
  const fixture = await startFixture(() => {
    /* never answers */
  })
  t.after(() => fixture.close())
  const enricher = createPeerEnricher({
    settings: settings({ GEO_WEB_API_URL: fixture.url, GEO_WEB_API_TIMEOUT_MS: '20000' }),
    geoIp: loadGeoIp({ cityDir: '/nonexistent', asnDir: '/nonexistent' }),
  })
  t.after(() => enricher.close())
  const started = Date.now()
  const [view] = await enricher.enrich([peer('9.9.9.9')], {
    infohash: 'a'.repeat(40),
    deadline: started + 300,
  })
  // Generous bound: the point is "not the 20 s timeout", on a busy 2-core machine.
  assert.ok(Date.now() - started < 5000)
  assert.equal(view?.country, undefined)
  assert.deepEqual(fixture.asked, ['9.9.9.9'])
})

test('common web API shapes map onto the peer fields', () => {
  assert.deepEqual(
    mapWebGeoAnswer({
      success: true,
      country: 'United States',
      country_code: 'US',
      region: 'California',
      city: 'Mountain View',
      latitude: 37.4,
      longitude: -122.1,
      timezone: { id: 'America/Los_Angeles' },
      connection: { asn: 15169, isp: 'Google LLC' },
    }),
    {
      country: 'United States',
      country_code: 'US',
      region: 'California',
      city: 'Mountain View',
      latitude: 37.4,
      longitude: -122.1,
      timezone: 'America/Los_Angeles',
      isp: 'Google LLC',
      asn: 15169,
    },
  )
  assert.deepEqual(
    mapWebGeoAnswer({
      status: 'success',
      countryCode: 'DE',
      regionName: 'Hesse',
      lat: 50.1,
      lon: 8.7,
      isp: 'X',
      as: 'AS3320 Deutsche Telekom AG',
    }),
    {
      country: 'Germany',
      country_code: 'DE',
      region: 'Hesse',
      latitude: 50.1,
      longitude: 8.7,
      isp: 'X',
      asn: 3320,
    },
  )
  assert.equal(mapWebGeoAnswer({ success: false, message: 'reserved range' }), undefined)
})

test('web answers are kept in the shared geolocation cache, so a new enricher does not ask again', async (t) => {
  const fixture = await startFixture()
  t.after(() => fixture.close())
  const shared = await createCollectorCache(
    loadSettings(CACHE_SETTINGS, { BUNDLED_REDIS: 'false' }),
    {
      log: createLogger('test', 'silent'),
    },
  )
  t.after(() => shared.close())
  const webGeoCache = shared.createGeoCache(validateGeoFields)
  const make = () =>
    createPeerEnricher({
      settings: settings({ GEO_WEB_API_URL: fixture.url }),
      geoIp: loadGeoIp({ cityDir: '/nonexistent', asnDir: '/nonexistent' }),
      webGeoCache,
    })
  const first = make()
  const [a] = await first.enrich([peer('9.9.9.9')], {
    infohash: 'a'.repeat(40),
    deadline: Date.now() + 5000,
  })
  await first.close()
  const second = make()
  t.after(() => second.close())
  const [b] = await second.enrich([peer('9.9.9.9')], {
    infohash: 'a'.repeat(40),
    deadline: Date.now() + 5000,
  })
  assert.equal(a?.city, 'Fixture City')
  assert.equal(b?.city, 'Fixture City')
  assert.deepEqual(fixture.asked, ['9.9.9.9'])
})
