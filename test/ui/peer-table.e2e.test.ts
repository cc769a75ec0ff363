// The Peers tab's table in chromium over sample peers with geolocation, sources and states (the
// local swarm's loopback peers have none), fed through the real peer feed and SSE code: a peer
// published to the feed appears highlighted without a request from the page and one removed
// fades out; headers sort; Export CSV / JSON download the rows shown; the privacy setting masks
// addresses on the page and in both exports. Writes the Peers tab screenshots (desktop and
// phone, light and dark) to docs/.
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import { after, before, beforeEach, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { serve, type ServerType } from '@hono/node-server'
import { Hono } from 'hono'
import type { PeersAnswer, PeerView } from '../../lib/contract/peers.ts'
import { createPeerFeed, type PeerFeed } from '../../lib/peer-feed.ts'
import { serveFeed } from '../../lib/sse.ts'
import { createStreamsHub } from '../../orchestrator/live/streams-hub.ts'
import { createPanel } from '../../orchestrator/panel/index.ts'
import {
  DESKTOP,
  launchBrowser,
  openHydrated,
  PHONE,
  type TestBrowser,
} from '../helpers/browser.ts'
import { createFixtureData, sampleHistory, sampleStream } from './fixtures.ts'

const DOCS = resolve(fileURLToPath(import.meta.url), '../../../docs')
const stream = sampleStream(1)
const streams = [stream, sampleStream(2)]
const MIN = 60_000

const PLACES = [
  ['DE', 'Germany', 'Frankfurt am Main', 'Deutsche Telekom AG', 3320, 'qBittorrent 4.6.2'],
  ['ES', 'Spain', 'Madrid', 'Telefonica de Espana', 3352, 'Transmission 4.0.5'],
  ['BR', 'Brazil', 'São Paulo', 'Claro S.A.', 28573, 'µTorrent 3.6.0'],
  ['US', 'United States', 'Ashburn', 'Amazon.com, Inc.', 14618, 'libtorrent 2.0.9'],
  ['GB', 'United Kingdom', 'London', 'British Telecommunications', 2856, 'Deluge 2.1.1'],
] as const
const SOURCES: PeerView['sources'][] = [
  ['stream_tracker'],
  ['dht', 'tracker'],
  ['pex'],
  ['dht'],
  ['stream_tracker', 'pex'],
]

function peer(i: number, now = Date.now()): PeerView {
  const [cc, country, city, isp, asn, client] = PLACES[i % PLACES.length]!
  return {
    ip: i === 7 ? `2001:db8:${i}::${i + 10}` : `198.51.100.${i + 10}`,
    port: 6881 + i,
    sources: SOURCES[i % SOURCES.length]!,
    first_seen: new Date(now - (i + 1) * 7 * MIN).toISOString(),
    last_seen: new Date(now - (i % 4) * MIN).toISOString(),
    country_code: cc,
    country,
    city,
    isp,
    asn,
    client,
    progress: (i * 37) % 101,
    ...(i % 4 === 0 ? { reachable: true, connected: true } : {}),
    ...(i % 4 === 1 ? { reachable: true } : {}),
    ...(i % 4 === 2 ? { reachable: false } : {}),
  }
}

function answerOf(peers: PeerView[]): PeersAnswer & { stream_id: string } {
  return {
    stream_id: stream.id,
    acestream_id: stream.key,
    infohash: stream.key,
    peers,
    peer_count: peers.length,
    total_peers: peers.length,
    cached_at: Math.floor(Date.now() / 1000),
    sources: { dht: 4, tracker: 2, stream_tracker: 5, pex: 4 },
  }
}

let server: ServerType
let base: string
let browser: TestBrowser
let feed: PeerFeed
const PEERS = Array.from({ length: 12 }, (_, i) => peer(i))
let peers = PEERS
const data = createFixtureData(streams)

before(async () => {
  feed = createPeerFeed()
  feed.publish(answerOf(peers))
  const app = new Hono()
  app.route(
    '/',
    createPanel({
      data: { ...data, peers: async () => ({ ok: true, value: feed.answer as never }) },
    }),
  )
  app.get('/streams', (c) => c.json(streams))
  app.get('/config/runtime', (c) => c.json(data.settings))
  app.get('/streams/:id/stats', (c) => c.json(sampleHistory()))
  app.get('/streams/:id/peers', (c) => c.json(feed.answer))
  app.get('/streams/:id/peers/events', (c) => serveFeed(c, feed.subscribe(), 15_000))
  // The streams table's own feed over the same rows (no poller here: one page on connect).
  const table = createStreamsHub({
    store: { list: () => streams },
    runtime: { get: () => data.settings },
    poller: { watch: () => () => {} },
  })
  app.get('/streams/events', (c) =>
    serveFeed(c, table.subscribe({ q: '', offset: 0, limit: 50 }), 15_000),
  )
  server = await new Promise<ServerType>((done) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => done(s))
  })
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  browser = await launchBrowser()
})

after(async () => {
  feed?.close()
  await browser?.close()
  await new Promise<void>((done) => {
    server?.close(() => done())
    if (server && 'closeAllConnections' in server) server.closeAllConnections()
  })
})

// Each test starts from the same twelve peers, addresses unmasked and a clean error list,
// whatever the tests before it published or changed, so they pass alone and in any order.
beforeEach(() => {
  peers = PEERS
  feed.publish(answerOf(peers))
  data.settings.MASK_PEER_ADDRESSES = false
  browser.errors.length = 0
})

const peersUrl = () => `${base}/panel/streams?peers=${encodeURIComponent(stream.id)}`

async function openPeers(page: import('playwright-core').Page) {
  await openHydrated(page, peersUrl())
  await page.locator('[data-live="live"]').waitFor()
}

test('a published peer appears highlighted with no request from the page; a removed one fades', async () => {
  const page = await browser.newPage()
  await openPeers(page)
  const requests: string[] = []
  page.on('request', (r) => requests.push(r.url()))
  const added = peer(20)
  peers = [added, ...peers]
  feed.publish(answerOf(peers))
  const row = page.locator(`[data-peer="198.51.100.30:6901"]`)
  await row.waitFor()
  assert.equal(await row.getAttribute('class'), 'peer-new')
  const gone = peers[peers.length - 1]!
  peers = peers.slice(0, -1)
  feed.publish(answerOf(peers))
  await page.locator('tr.peer-gone').first().waitFor()
  assert.deepEqual(
    requests.filter((u) => u.includes('/peers')),
    [],
    'the peers tab asked nothing',
  )
  assert.match(
    await page.locator('.peer-gone').first().innerText(),
    new RegExp(`${gone.ip.replace(/\./g, '\\.')}:${gone.port}`),
  )
  await page.locator('tr.peer-gone').first().waitFor({ state: 'detached', timeout: 8000 })
  assert.deepEqual(browser.errors, [])
  await page.close()
})

test('headers sort the table, and source and state badges explain themselves on hover', async () => {
  const page = await browser.newPage()
  await openPeers(page)
  const firstCountry = () => page.locator('[data-peer] td:first-child').first().innerText()
  await page.getByRole('button', { name: 'Country' }).click()
  assert.match(await firstCountry(), /Brazil/)
  assert.equal(
    await page
      .locator('th', { has: page.getByRole('button', { name: 'Country' }) })
      .getAttribute('aria-sort'),
    'ascending',
  )
  await page.getByRole('button', { name: 'Country' }).click()
  assert.match(await firstCountry(), /United States/)
  await page.getByRole('button', { name: 'Last seen' }).click()
  // Newest first on the first click: the peer seen most recently.
  const lastSeen = await page
    .locator('[data-peer] td.col-seen:not(.col-first) time')
    .evaluateAll((ts) => ts.map((t) => Date.parse(t.getAttribute('datetime') ?? '')))
  assert.deepEqual(
    lastSeen,
    [...lastSeen].sort((a, b) => b - a),
  )
  assert.ok(new Set(lastSeen).size > 1, 'the sample peers were seen at different times')
  const pex = page.locator('.peer-table .src-pex').first()
  assert.match((await pex.getAttribute('title')) ?? '', /peer exchange/)
  assert.match(
    (await page.locator('.state-unreachable').first().getAttribute('title')) ?? '',
    /could not complete a handshake/,
  )
  assert.match(await page.locator('.peer-table').innerText(), /min ago/)
  await page.close()
})

test('Export CSV and JSON download the rows shown, filters applied', async () => {
  const page = await browser.newPage()
  await openPeers(page)
  await page.getByLabel('Country', { exact: true }).selectOption('Germany')
  const shown = await page.locator('[data-peer]').count()
  assert.ok(shown >= 2)
  const [csvFile] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export CSV' }).click(),
  ])
  assert.match(csvFile.suggestedFilename(), /\.csv$/)
  const csv = (await readFile((await csvFile.path())!, 'utf8')).trim().split('\r\n')
  assert.equal(
    csv[0],
    'address,country_code,country,city,isp,asn,client,progress,sources,state,first_seen,last_seen',
  )
  assert.equal(csv.length - 1, shown)
  assert.ok(csv.slice(1).every((l) => l.includes(',DE,Germany,Frankfurt am Main,')))
  const [jsonFile] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export JSON' }).click(),
  ])
  const rows = JSON.parse(await readFile((await jsonFile.path())!, 'utf8'))
  assert.equal(rows.length, shown)
  assert.equal(rows[0].country, 'Germany')
  assert.match(rows[0].address, /^198\.51\.100\.\d+:\d+$/)
  await page.close()
})

test('with the privacy setting on, addresses are masked on the page and in both exports', async () => {
  data.settings.MASK_PEER_ADDRESSES = true
  try {
    const page = await browser.newPage()
    await openPeers(page)
    const text = await page.locator('.peer-table').innerText()
    assert.doesNotMatch(text, /198\.51\.100\.\d+:/)
    assert.match(text, /198\.51\.100\.x:6881/)
    assert.match(text, /\[2001:db8:7::\/48\]:6888/)
    const [csvFile] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ])
    const csv = await readFile((await csvFile.path())!, 'utf8')
    assert.doesNotMatch(csv, /198\.51\.100\.\d/)
    assert.match(csv, /198\.51\.100\.x:/)
    const [jsonFile] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export JSON' }).click(),
    ])
    const json = await readFile((await jsonFile.path())!, 'utf8')
    assert.doesNotMatch(json, /198\.51\.100\.\d|2001:db8:7::17/)
    // The JSON API is unchanged.
    const api = await (await fetch(`${base}/streams/${encodeURIComponent(stream.id)}/peers`)).json()
    assert.match(api.peers[0].ip, /^198\.51\.100\.\d+$/)
    await page.close()
  } finally {
    data.settings.MASK_PEER_ADDRESSES = false
  }
})

test('with five Peers tabs open, three follow event streams and two poll, leaving the page room', async () => {
  const extra = [sampleStream(3), sampleStream(4), sampleStream(5)]
  streams.push(...extra)
  try {
    const page = await browser.newPage()
    const q = streams.map((s) => `peers=${encodeURIComponent(s.id)}`).join('&')
    await openHydrated(page, `${base}/panel/streams?${q}`)
    await page.waitForFunction(() => document.querySelectorAll('[data-live="live"]').length === 3)
    await page.waitForFunction(
      () => document.querySelectorAll('[data-live="polling"]').length === 2,
    )
    // Another request from the page still goes through at once.
    const status = await page.evaluate(async () => (await fetch('/config/runtime')).status)
    assert.equal(status, 200)
    await page.close()
  } finally {
    streams.splice(streams.length - extra.length)
  }
})

test('on a 1280 px desktop the peer table fits its row: every address shows without scrolling sideways', async () => {
  const page = await browser.newPage(DESKTOP)
  await openPeers(page)
  const fit = await page.$eval('.detail .peer-table', (wrap) => {
    const cell = wrap.querySelector('tbody td.col-ip')!.getBoundingClientRect()
    const box = wrap.getBoundingClientRect()
    return {
      overflow: wrap.scrollWidth - wrap.clientWidth,
      cellRight: cell.right,
      boxRight: box.right,
    }
  })
  assert.equal(fit.overflow, 0, 'no sideways scroll')
  assert.ok(fit.cellRight <= fit.boxRight, 'the address column is inside the row')
  assert.match(await page.locator('tbody td.col-ip').first().innerText(), /^\S+:\d+$/)
  await page.close()
})

test('screenshots of the Peers tab: desktop and phone, light and dark', async () => {
  data.settings.MASK_PEER_ADDRESSES = true
  try {
    for (const scheme of ['light', 'dark'] as const) {
      const b = await launchBrowser({ colorScheme: scheme })
      try {
        for (const [name, size] of [
          ['desktop', DESKTOP],
          ['phone', PHONE],
        ] as const) {
          const page = await b.newPage(size)
          await openPeers(page)
          await page.screenshot({ path: `${DOCS}/peers-tab-${name}-${scheme}.png`, fullPage: true })
          await page.close()
        }
        assert.deepEqual(b.errors, [])
      } finally {
        await b.close()
      }
    }
  } finally {
    data.settings.MASK_PEER_ADDRESSES = false
  }
})
