// Guards the orchestrator against the pages its operator visits, in Debian's chromium: a page
// served from another origin (another loopback address, and another port of the same one)
// tries the requests a hostile page can send without asking CORS first (text/plain and
// form-encoded fetches, a form post, a JSON fetch that needs a preflight) and nothing in the
// orchestrator changes. Then the Streams page, with streams whose ids are object keys, hydrates
// without errors and opens only the row that is clicked.
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { launchBrowser, openHydrated, type TestBrowser } from '../helpers/browser.ts'
import { startTestOrchestrator } from '../helpers/orchestrator-process.ts'

const OBJECT_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']

let orch: Awaited<ReturnType<typeof startTestOrchestrator>>
let browser: TestBrowser
const attackers: Array<{ url: string; server: Server }> = []

function event(id: string) {
  return {
    engine: { host: '127.0.0.1', port: 9 },
    stream: { key_type: 'content_id', key: 'a'.repeat(40) },
    session: {
      playback_session_id: id,
      stat_url: '/ace/stat/x/t',
      command_url: '/ace/cmd/x/t',
      is_live: 1,
    },
    labels: { stream_id: id },
  }
}

/** The hostile page: every request it can try against `target`, then `data-done` on body. */
function attackPage(target: string): string {
  const body = JSON.stringify(event('planted'))
  return `<!DOCTYPE html><html><body>
<iframe name="sink"></iframe>
<form id="f" method="POST" enctype="text/plain" target="sink"
  action="${target}/events/stream_started"><input name='${body.slice(0, -1)},"x":"' value='"}'></form>
<script>
const target = ${JSON.stringify(target)}
const body = ${JSON.stringify(body)}
const tries = [
  fetch(target + '/events/stream_started', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body }),
  fetch(target + '/events/stream_started', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }),
  fetch(target + '/peer-collector/health', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ collector_url: 'http://127.0.0.1:9' }) }),
  fetch(target + '/events/stream_ended', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ stream_id: 'keep' }) }),
  fetch(target + '/config/runtime', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ PEER_COLLECTOR_ENABLED: true }) }),
]
Promise.allSettled(tries).then(() => {
  const sink = document.querySelector('iframe')
  sink.addEventListener('load', () => { document.body.dataset.done = 'true' }, { once: true })
  document.getElementById('f').submit()
})
</script></body></html>`
}

async function startAttacker(host: string): Promise<void> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' })
    res.end(attackPage(orch.url))
  })
  await new Promise<void>((r) => server.listen(0, host, () => r()))
  attackers.push({ url: `http://${host}:${(server.address() as AddressInfo).port}/`, server })
}

before(async () => {
  orch = await startTestOrchestrator()
  // A stream the hostile page tries to end.
  const res = await fetch(`${orch.url}/events/stream_started`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(event('keep')),
  })
  assert.equal(res.status, 200)
  await startAttacker('127.0.0.2')
  await startAttacker('127.0.0.1')
  browser = await launchBrowser()
})

after(async () => {
  await browser?.close()
  for (const a of attackers) {
    await new Promise<void>((r) => {
      a.server.close(() => r())
      a.server.closeAllConnections()
    })
  }
  await orch?.close()
})

test('a page on another origin cannot start, end or probe anything, nor change settings', async () => {
  for (const attacker of attackers) {
    const page = await browser.newPage()
    // What reached the orchestrator, as the network saw it (no-cors answers are opaque to the page).
    const answered: Array<[string, number]> = []
    page.on('response', (r) => {
      if (r.url().startsWith(orch.url)) answered.push([r.request().method(), r.status()])
    })
    await page.goto(attacker.url)
    await page.waitForSelector('body[data-done="true"]', { state: 'attached', timeout: 20_000 })
    await page.close()
    // The four simple requests and the form post arrived and were refused; the JSON PATCH
    // needed a preflight nobody answered, so it was never sent.
    const posts = answered.filter(([m]) => m === 'POST')
    assert.equal(posts.length, 5, `${attacker.url}: ${JSON.stringify(answered)}`)
    for (const [, status] of posts) assert.equal(status, 403, attacker.url)
    assert.ok(!answered.some(([m]) => m === 'PATCH'), 'no PATCH was sent without CORS')
  }
  const streams = (await (await fetch(`${orch.url}/streams`)).json()) as any[]
  assert.deepEqual(
    streams.map((s) => [s.id, s.status]),
    [['keep', 'started']],
  )
  const cfg = (await (await fetch(`${orch.url}/config/runtime`)).json()) as any
  assert.equal(cfg.PEER_COLLECTOR_ENABLED, false)
})

test('streams whose ids are object keys hydrate closed, and only the clicked one opens', async (t) => {
  // Its own orchestrator and browser: the streams it adds must not show up in the other test.
  const orch = await startTestOrchestrator()
  t.after(() => orch.close())
  const browser = await launchBrowser()
  t.after(() => browser.close())
  for (const id of OBJECT_KEYS) {
    const res = await fetch(`${orch.url}/events/stream_started`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event(id)),
    })
    assert.equal(res.status, 200, id)
  }
  const page = await browser.newPage()
  await openHydrated(page, `${orch.url}/panel/streams`)
  for (const id of OBJECT_KEYS) {
    await page.locator(`tr.stream-row[data-stream="${id}"][data-open="false"]`).waitFor()
  }
  assert.equal(await page.locator('tr.stream-row[data-open="true"]').count(), 0)
  await page.locator('tr.stream-row[data-stream="constructor"] a.expand').click()
  await page.locator('tr.stream-row[data-stream="constructor"][data-open="true"]').waitFor()
  assert.equal(await page.locator('tr.stream-row[data-open="true"]').count(), 1)
  assert.match(page.url(), /\?open=constructor$/)
  await page.close()
  assert.deepEqual(browser.errors, [])
})
