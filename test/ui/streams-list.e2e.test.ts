// The Streams page with more streams than one page, in Debian's chromium against a real
// orchestrator on loopback: active streams come first, "Show more" adds the next rows without
// reloading the page, and the filter narrows the list (and the URL keeps it). Waits on the
// hydration marker and on rows appearing, never on sleeps.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { launchBrowser, openHydrated, type TestBrowser } from '../helpers/browser.ts'
import { startTestOrchestrator } from '../helpers/orchestrator-process.ts'

const STREAMS = 62
const WAIT_MS = 15_000

let orch: Awaited<ReturnType<typeof startTestOrchestrator>>
let browser: TestBrowser

const name = (i: number) => (i % 20 === 7 ? `football-${i}` : `ch-${String(i).padStart(2, '0')}`)

async function post(path: string, body: unknown) {
  const res = await fetch(`${orch.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  assert.equal(res.status, 200, await res.clone().text())
}

before(async () => {
  // No engine behind the stat URLs, and no poll during the test: rows only change when we say.
  orch = await startTestOrchestrator({ COLLECT_INTERVAL_S: '3600' })
  for (let i = 0; i < STREAMS; i++) {
    await post('/events/stream_started', {
      container_id: `engine-${i % 3}`,
      engine: { host: '127.0.0.1', port: 9 },
      stream: { key_type: 'content_id', key: 'b'.repeat(40) },
      session: {
        playback_session_id: `s-${i}`,
        stat_url: `http://127.0.0.1:9/ace/stat/x/${i}`,
        command_url: `http://127.0.0.1:9/ace/cmd/x/${i}`,
        is_live: 1,
      },
      labels: { stream_id: name(i) },
    })
  }
  // The newest stream ends: it belongs after every active one, on the second page.
  await post('/events/stream_ended', { stream_id: name(STREAMS - 1) })
  browser = await launchBrowser()
})

after(async () => {
  await browser?.close()
  await orch?.close()
})

test('with more streams than a page, Show more adds the next rows without a reload and the filter narrows the list', async () => {
  const page = await browser.newPage()
  await openHydrated(page, `${orch.url}/panel/streams`)
  // Survives only as long as the document does: a reload would clear it.
  await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true))
  const rows = page.locator('tr.stream-row')
  const ids = () => rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-stream')))

  assert.equal(await rows.count(), 50)
  const first = await ids()
  assert.equal(first[0], name(STREAMS - 2), 'the newest active stream leads')
  assert.ok(!first.includes(name(STREAMS - 1)), 'the ended stream is not on the first page')
  assert.match(await page.locator('.list-more').innerText(), /Showing 1–50 of 62 streams/)

  await page.getByRole('link', { name: 'Show 12 more' }).click()
  await page.waitForFunction(() => document.querySelectorAll('tr.stream-row').length === 62, null, {
    timeout: WAIT_MS,
  })
  const all = await ids()
  assert.equal(new Set(all).size, 62, 'no row twice')
  assert.equal(all.at(-1), name(STREAMS - 1), 'the ended stream comes last')
  assert.match(await rows.last().innerText(), /Ended/)
  assert.equal(await page.getByRole('link', { name: /^Show \d+ more$/ }).count(), 0)
  assert.equal(await page.evaluate(() => (window as any).sameDocument), true, 'no reload')

  await page.getByLabel('Filter').fill('FOOTBALL')
  const football = Array.from({ length: STREAMS }, (_, i) => name(i))
    .filter((n) => n.startsWith('football'))
    .reverse()
  await page.waitForFunction(
    (n) => document.querySelectorAll('tr.stream-row').length === n,
    football.length,
    { timeout: WAIT_MS },
  )
  assert.deepEqual(await ids(), football)
  assert.equal(new URL(page.url()).searchParams.get('q'), 'FOOTBALL')
  assert.equal(await page.evaluate(() => (window as any).sameDocument), true, 'no reload')

  await page.getByLabel('Filter').fill('no-such-stream')
  await page.getByText('No streams match “no-such-stream”').waitFor({ timeout: WAIT_MS })

  // The filter is in the URL, so a reload shows the same narrowed list.
  await page.getByLabel('Filter').fill('football')
  await page.waitForFunction(() => location.search === '?q=football', null, { timeout: WAIT_MS })
  await openHydrated(page, page.url())
  assert.deepEqual(await ids(), football)
  await page.close()
  assert.deepEqual(browser.errors, [])
})
