// The Stats tab's range in Debian's chromium: a stream with two days of history in the database
// shows the last hour by default, and choosing "Last day" or "Last week" redraws the chart from
// the averaged answer (at most 720 points, dates on the time axis), without a reload.
import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { HISTORY_FILE } from '../../orchestrator/history/database.ts'
import { launchBrowser, openHydrated, type TestBrowser } from '../helpers/browser.ts'
import {
  createEngineSimulator,
  registerSimulatedStream,
  type EngineSimulator,
} from '../helpers/engine-simulator.ts'
import { startTestOrchestrator } from '../helpers/orchestrator-process.ts'

const SHOTS = resolve(fileURLToPath(import.meta.url), '../../../test-output/screenshots')

let engine: EngineSimulator
let orch: Awaited<ReturnType<typeof startTestOrchestrator>>
let browser: TestBrowser

before(async () => {
  engine = await createEngineSimulator()
  orch = await startTestOrchestrator()
  await registerSimulatedStream({ orchestratorUrl: orch.url, engine, streamId: 'long' })
  // Two days of earlier polls, one a minute, written as the poller would have.
  const db = new Database(join(orch.dataDir, HISTORY_FILE))
  const insert = db.prepare(
    'INSERT INTO snapshots (stream_id, ts, peers, speed_down, speed_up) VALUES (?, ?, ?, ?, ?)',
  )
  const now = Date.now()
  db.transaction(() => {
    for (let ts = now - 2 * 86_400_000; ts < now; ts += 60_000) {
      const h = new Date(ts).getUTCHours()
      insert.run('long', ts, 5 + (h % 12), 300 + h * 20, 40)
    }
  })()
  db.close()
  browser = await launchBrowser()
  await mkdir(SHOTS, { recursive: true })
})

after(async () => {
  await browser?.close()
  await orch?.close()
  await engine?.close()
})

test('Stats tab: Last hour by default, Last day and Last week redraw from the averaged history', async () => {
  const page = await browser.newPage()
  await openHydrated(page, `${orch.url}/panel/streams?open=long`)
  const samples = page.locator('.totals div', { hasText: 'Samples' }).locator('dd')
  const range = page.getByLabel('Range')
  assert.equal(await range.inputValue(), 'hour')

  await range.selectOption('day')
  await page.waitForFunction(() => {
    const dd = [...document.querySelectorAll('.totals div')].find((d) =>
      d.textContent?.includes('Samples'),
    )
    const n = Number(dd?.querySelector('dd')?.textContent)
    return n > 60 && n <= 720
  })
  const perDay = Number(await samples.innerText())
  assert.ok(perDay >= 700, `${perDay} points over a day`)
  assert.match(await page.locator('.chart-foot').first().innerText(), /^\d\d-\d\d \d\d:\d\d/)
  await page.screenshot({ path: join(SHOTS, 'stats-last-day.png'), fullPage: true })

  // A week reaches back to the first of the two days: the axis starts a day earlier.
  const foot = page.locator('.chart-foot').first()
  const dayStart = (await foot.innerText()).slice(0, 11)
  await range.selectOption('week')
  await page.waitForFunction((before) => {
    const text = document.querySelector('.chart-foot')?.textContent ?? ''
    return /^\d\d-\d\d \d\d:\d\d/.test(text) && text.slice(0, 11) !== before
  }, dayStart)
  const weekStart = (await foot.innerText()).slice(0, 5)
  const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(5, 10)
  assert.equal(weekStart, twoDaysAgo)
  await page.close()
  assert.deepEqual(browser.errors, [])
})
