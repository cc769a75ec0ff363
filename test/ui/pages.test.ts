// Guards the panel's first promise: every page is complete, readable HTML before any script
// runs (Fresh's no_client_js test), islands carry their props as data, and assets are
// content-hashed and immutable. In-process, through app.request(), with fixture data.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Hono } from 'hono'
import { createPanel } from '../../orchestrator/panel/index.ts'
import { shortKey } from '../../utils/format.ts'
import { createFixtureData, sampleStream } from './fixtures.ts'

function panelWith(enabled: boolean) {
  const streams = [
    sampleStream(1),
    sampleStream(2, { status: 'ended', ended_at: new Date().toISOString(), peers: null }),
  ]
  const data = createFixtureData(streams, {
    PEER_COLLECTOR_ENABLED: enabled,
    PEER_COLLECTOR_URL: 'http://127.0.0.1:9',
    CACHE_TTL_SECONDS: 42,
  })
  const app = new Hono()
  app.route('/', createPanel({ data }))
  return { app, streams }
}

/** The page as a browser without JavaScript sees it: scripts and JSON payloads removed. */
function withoutScripts(html: string): string {
  return html.replace(/<script\b[\s\S]*?<\/script>/g, '')
}

function text(html: string): string {
  return withoutScripts(html)
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
}

test('/ and /panel redirect to /panel/streams', async () => {
  const { app } = panelWith(false)
  for (const path of ['/', '/panel', '/panel/']) {
    const res = await app.request(path)
    assert.equal(res.status, 302, path)
    assert.equal(res.headers.get('location'), '/panel/streams')
  }
})

test('the streams page lists every stream with its peer count before any script runs', async () => {
  const { app, streams } = panelWith(false)
  const res = await app.request('/panel/streams')
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-type') ?? '', /text\/html/)
  const html = await res.text()
  assert.ok(html.startsWith('<!DOCTYPE html>'))
  const visible = text(html)
  for (const s of streams)
    assert.match(withoutScripts(html), new RegExp(`data-stream="${s.id.replace(/\|/g, '\\|')}"`))
  assert.match(visible, /Live/)
  assert.match(visible, /Ended/)
  assert.match(visible, new RegExp(`\\b${streams[0]!.peers}\\b`), 'peer count in the collapsed row')
  assert.match(visible, /Active streams 1/)
  // The expand control is a real link, so rows open without JavaScript.
  assert.match(html, /class="expand" href="\?open=/)
})

test('a stream named by the proxy shows its name as the title, its key beneath and its peer count', async () => {
  const named = sampleStream(3, {
    id: 'demo-football-hd',
    labels: { stream_id: 'demo-football-hd' },
  })
  const plain = sampleStream(4)
  const data = createFixtureData([named, plain], {
    PEER_COLLECTOR_ENABLED: false,
    PEER_COLLECTOR_URL: 'http://127.0.0.1:9',
    CACHE_TTL_SECONDS: 42,
  })
  const app = new Hono()
  app.route('/', createPanel({ data }))
  const html = withoutScripts(await (await app.request('/panel/streams')).text())
  const row = (id: string) => {
    const m = html.match(
      new RegExp(`<tr class="stream-row" data-stream="${id.replace(/\|/g, '\\|')}"[\\s\\S]*?</tr>`),
    )
    assert.ok(m, `row ${id}`)
    return m[0]
  }
  const namedRow = row(named.id)
  assert.match(namedRow, /class="stream-name"[^>]*>demo-football-hd</)
  assert.ok(text(namedRow).includes(shortKey(named.key)), 'short key beneath the name')
  assert.match(text(namedRow), new RegExp(`\\b${named.peers}\\b`), 'peer count still visible')
  // An id of the `<key>|<session>` form is no name: the row keeps the key as its title.
  const plainRow = row(plain.id)
  assert.doesNotMatch(plainRow, /stream-name/)
  assert.match(plainRow, /class="key"/)
})

test('a row named in the URL is rendered open with its history chart', async () => {
  const { app, streams } = panelWith(false)
  const id = streams[0]!.id
  const html = await (await app.request(`/panel/streams?open=${encodeURIComponent(id)}`)).text()
  assert.match(html, /aria-expanded="true"/)
  assert.match(html, /role="tablist"/)
  assert.match(html, /<svg[^>]*role="img"[^>]*aria-label="Connected peers over time"/)
  assert.doesNotMatch(text(html), /Peers tab/)
  assert.doesNotMatch(html, /role="tab"[^>]*>Peers/, 'no Peers tab while collection is off')
})

test('with collection enabled, ?peers= renders the peer list on the server', async () => {
  const { app, streams } = panelWith(true)
  const id = streams[0]!.id
  const html = await (await app.request(`/panel/streams?peers=${encodeURIComponent(id)}`)).text()
  assert.match(html, /role="tab"[^>]*aria-selected="true"[^>]*>Peers/)
  const visible = text(html)
  assert.match(visible, /Germany/)
  assert.match(visible, /Deutsche Telekom AG/)
  assert.match(visible, /qBittorrent 4\.6\.2/)
  assert.match(html, /🇩🇪/)
  // DB-IP's CC BY 4.0 licence asks for credit wherever its geolocation is shown.
  assert.match(
    withoutScripts(html),
    /<a href="https:\/\/db-ip\.com"[^>]*>\s*IP geolocation by DB-IP\s*<\/a>/,
  )
})

test('the settings page renders all five tabs and the selected panel', async () => {
  const { app } = panelWith(true)
  const html = await (await app.request('/panel/settings?tab=peer-collector')).text()
  const visible = text(html)
  for (const label of ['General', 'Proxy', 'Peer Collector', 'Loop Detection', 'Backup']) {
    assert.match(visible, new RegExp(label))
  }
  assert.match(html, /id="panel-peer-collector"[^>]*>/)
  assert.doesNotMatch(html, /id="panel-peer-collector"[^>]*hidden/)
  assert.match(html, /id="panel-general"[^>]*hidden/)
  assert.match(html, /value="http:\/\/127\.0\.0\.1:9"/)
  assert.match(visible, /About peer collection/)
  assert.match(visible, /not part of this version/)
  assert.match(html, /value="42"/, 'cache TTL from the runtime settings')
})

test('islands carry JSON props and a content-hashed boot module served as immutable', async () => {
  const { app } = panelWith(true)
  const html = await (await app.request('/panel/streams')).text()
  assert.match(html, /<div class="island" data-island="StreamsTable" data-island-id="0">/)
  const props = /<script type="application\/json" id="__ISLAND_PROPS__">([\s\S]*?)<\/script>/.exec(
    html,
  )
  assert.ok(props, 'props script present')
  assert.doesNotMatch(props[1]!, /<\/?script/i)
  assert.equal((JSON.parse(props[1]!) as unknown[]).length, 1)
  const boot = /<script type="module" src="(\/panel\/assets\/boot-[\w-]+\.js)">/.exec(html)
  assert.ok(boot, 'boot module')
  const res = await app.request(boot[1]!)
  assert.equal(res.status, 200)
  assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable')
  assert.match(res.headers.get('content-type') ?? '', /javascript/)
  const js = await res.text()
  assert.match(js, /StreamsTable-[\w]+\.js/)
  assert.doesNotMatch(js, /CollectorSettings/, 'only the islands on the page are loaded')
  const css = /<link rel="stylesheet" href="(\/panel\/assets\/panel-[\w-]+\.css)"/.exec(html)
  assert.ok(css)
  assert.equal(
    (await app.request(css[1]!)).headers.get('cache-control'),
    'public, max-age=31536000, immutable',
  )
  assert.equal((await app.request('/panel/assets/nope-123.js')).status, 404)
})

test('a peer ISP name cannot close the props script', async () => {
  const evil = sampleStream(3, { key: '</script><script>alert(1)</script>' })
  const app = new Hono()
  app.route('/', createPanel({ data: createFixtureData([evil]) }))
  const html = await (await app.request('/panel/streams')).text()
  assert.equal(html.match(/<script/g)?.length, 2, 'only the props and boot scripts')
})

test('unknown panel pages answer 404 with a page, not JSON', async () => {
  const { app } = panelWith(false)
  const res = await app.request('/panel/nope')
  assert.equal(res.status, 404)
  assert.match(await res.text(), /Page not found/)
})

test('island props must be data: a function prop is refused at render time', async () => {
  const { createIslandScope, renderWithIslands, Island } =
    await import('../../lib/islands/island.tsx')
  const { h } = await import('preact')
  type WidgetProps = { onPick?: () => void }
  const Widget = (p: WidgetProps) => h('button', { onClick: p.onPick }, 'x')
  const WidgetIsland = Island<WidgetProps>
  assert.throws(
    () =>
      renderWithIslands(
        createIslandScope(),
        h(WidgetIsland, { component: Widget, props: { onPick: () => {} } }),
      ),
    /Widget props\.onPick is a function; island props must be JSON data/,
  )
  const scope = createIslandScope()
  renderWithIslands(scope, h(WidgetIsland, { component: Widget, props: {} }))
  assert.equal(scope.used[0]?.name, 'Widget')
})

/** Stream ids of the rows a page renders, in order. */
const rowIds = (html: string) =>
  [...withoutScripts(html).matchAll(/<tr class="stream-row" data-stream="([^"]+)"/g)].map(
    (m) => m[1]!,
  )

function panelOf(streams: ReturnType<typeof sampleStream>[]) {
  const app = new Hono()
  app.route('/', createPanel({ data: createFixtureData(streams) }))
  return app
}

test('with more streams than a page, the page renders the first 50 (active first), totals all and links to the next rows', async () => {
  // Every fifth stream has ended; the newest of all is one of them.
  const streams = Array.from({ length: 120 }, (_, i) =>
    i % 5 === 0
      ? sampleStream(i, { status: 'ended', ended_at: new Date().toISOString(), peers: null })
      : sampleStream(i),
  )
  const app = panelOf(streams)
  const html = await (await app.request('/panel/streams')).text()
  const ids = rowIds(html)
  assert.equal(ids.length, 50)
  const active = streams.filter((s) => s.status === 'started')
  assert.deepEqual(
    ids,
    active.slice(0, 50).map((s) => s.id),
    'active streams first, newest first',
  )
  const visible = text(html)
  assert.match(visible, /Active streams 96/, 'totals count every active stream, not the page')
  assert.match(visible, /Showing 1–50 of 120 streams/)
  assert.match(withoutScripts(html), /class="btn show-more" href="\?offset=50"/)

  // Without JavaScript the link is the next page; the last page has no "Show more".
  const last = await (await app.request('/panel/streams?offset=100')).text()
  assert.deepEqual(
    rowIds(last),
    streams
      .filter((s) => s.status === 'ended')
      .slice(4)
      .map((s) => s.id),
  )
  assert.doesNotMatch(withoutScripts(last), /show-more/)
  assert.match(text(last), /Showing 101–120 of 120 streams/)
  assert.match(withoutScripts(last), />\s*First page\s*</)
})

test('?q= renders only the matching streams, and says so when none match', async () => {
  const streams = Array.from({ length: 60 }, (_, i) => sampleStream(i))
  const app = panelOf(streams)
  const html = await (await app.request('/panel/streams?q=ENGINE-3')).text()
  assert.deepEqual(
    rowIds(html),
    streams.filter((s) => s.container_id === 'engine-3').map((s) => s.id),
  )
  assert.match(
    withoutScripts(html),
    /<input id="stream-filter" type="search" name="q"[^>]*value="ENGINE-3"/,
  )
  const none = await (await app.request('/panel/streams?q=no-such-stream')).text()
  assert.deepEqual(rowIds(none), [])
  assert.match(text(none), /No streams match “no-such-stream”/)
})

test('at 5,000 streams the page stays under 300 KB', async () => {
  const app = panelOf(Array.from({ length: 5000 }, (_, i) => sampleStream(i)))
  const res = await app.request('/panel/streams', { headers: { 'accept-encoding': 'identity' } })
  const html = await res.text()
  assert.equal(rowIds(html).length, 50)
  assert.ok(Buffer.byteLength(html) <= 300 * 1024, `${Buffer.byteLength(html)} bytes`)
})
