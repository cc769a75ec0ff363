// Guards the panel's first promise: every page is complete, readable HTML before any script
// runs (Fresh's no_client_js test), islands carry their props as data, and assets are
// content-hashed and immutable. In-process, through app.request(), with fixture data.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Hono } from 'hono'
import { createPanel } from '../../orchestrator/panel/index.ts'
import { shortKey } from '../../orchestrator/panel/client/format.ts'
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
    await import('../../orchestrator/panel/island.tsx')
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
