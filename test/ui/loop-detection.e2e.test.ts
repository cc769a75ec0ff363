// The Loop Detection tab end to end in Debian's chromium, against the orchestrator and the engine
// simulator on loopback: a bad value is refused in the page, Save persists every setting (seen
// after a reload and in GET /config/runtime) and takes effect without a restart, so a stream
// whose engine freezes its live position shows up flagged in the tab, as an alert and as a
// badge on its row of the Streams page, and Remove takes it off the list (and the alert and
// badge off the page, by themselves). Waits on hydration markers and visible text.
import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { launchBrowser, openHydrated, type TestBrowser } from '../helpers/browser.ts'
import {
  createEngineSimulator,
  registerSimulatedStream,
  type EngineSimulator,
} from '../helpers/engine-simulator.ts'
import { startTestOrchestrator } from '../helpers/orchestrator-process.ts'
import { eventually } from '../helpers/wait.ts'

const API_KEY = 'loop-ui-key'
const SHOTS = resolve(fileURLToPath(import.meta.url), '../../../test-output/screenshots')
const WAIT_MS = 30_000

let engine: EngineSimulator
let orch: Awaited<ReturnType<typeof startTestOrchestrator>>
let browser: TestBrowser

before(async () => {
  engine = await createEngineSimulator()
  orch = await startTestOrchestrator({ API_KEY, COLLECT_INTERVAL_S: '1' })
  const { start } = await registerSimulatedStream({
    orchestratorUrl: orch.url,
    engine,
    apiKey: API_KEY,
    streamId: 'frozen-ch',
  })
  engine.freezeLivePosition(start.playback_session_id, true)
  browser = await launchBrowser()
  await mkdir(SHOTS, { recursive: true })
})

after(async () => {
  await browser?.close()
  await orch?.close()
  await engine?.close()
})

test('Loop Detection tab: settings round-trip, apply at once, and flagged streams can be removed', async () => {
  const page = await browser.newPage()
  await openHydrated(page, `${orch.url}/panel/settings?tab=general`)
  await page.getByLabel('API key').fill(API_KEY)
  await page.getByRole('button', { name: 'Save key' }).click()
  await page.getByText('Key saved in this browser.').waitFor()

  await page.getByRole('tab', { name: 'Loop Detection' }).click()
  const panel = page.locator('#panel-loop-detection')
  assert.ok(await panel.isVisible())
  const enable = page.getByRole('switch', { name: 'Enable loop detection' })
  const threshold = page.getByLabel('Threshold (seconds)')
  assert.equal(await enable.isChecked(), false)
  assert.equal(await threshold.inputValue(), '3600')

  // Out of bounds: the page says so and nothing is sent.
  await threshold.fill('2')
  await panel.getByRole('button', { name: 'Save Settings' }).click()
  await page.locator('#loop-save-result[data-ok="false"]').waitFor()
  assert.match(await page.locator('#loop-save-result').innerText(), /from 5 to/)
  const untouched = (await (await fetch(`${orch.url}/config/runtime`)).json()) as Record<
    string,
    unknown
  >
  assert.equal(untouched.LOOP_DETECTION_THRESHOLD_S, 3600)

  await enable.check()
  await threshold.fill('5')
  await page.getByLabel('Check every (seconds)').fill('1')
  await page.getByLabel('Keep flagged streams (seconds)').fill('600')
  await panel.getByRole('button', { name: 'Save Settings' }).click()
  await page.locator('#loop-save-result[data-ok="true"]').waitFor()
  assert.match(await page.locator('#loop-save-result').innerText(), /standing still for 5 s/)

  const saved = (await (await fetch(`${orch.url}/config/runtime`)).json()) as Record<
    string,
    unknown
  >
  assert.equal(saved.LOOP_DETECTION_ENABLED, true)
  assert.equal(saved.LOOP_DETECTION_THRESHOLD_S, 5)
  assert.equal(saved.LOOP_DETECTION_INTERVAL_S, 1)
  assert.equal(saved.LOOP_DETECTION_STOP, false)
  assert.equal(saved.LOOP_DETECTION_RETENTION_S, 600)

  // Effective without a restart: the frozen stream gets flagged by the running detector.
  await waitForFlag('frozen-ch')
  await page.reload()
  await page.waitForSelector('body.ready', { state: 'attached' })
  assert.equal(await enable.isChecked(), true)
  assert.equal(await threshold.inputValue(), '5')
  assert.equal(await page.getByLabel('Check every (seconds)').inputValue(), '1')
  assert.equal(await page.getByLabel('Keep flagged streams (seconds)').inputValue(), '600')
  const row = page.locator('tr[data-looping="frozen-ch"]')
  await row.waitFor()
  assert.match(await row.innerText(), /looping/)
  await page.screenshot({ path: join(SHOTS, 'settings-loop-detection.png'), fullPage: true })

  // The Streams page shows the looping alert, and keeps it current without a reload.
  const streams = await browser.newPage()
  await openHydrated(streams, `${orch.url}/panel/streams`)
  const alert = streams.locator('#alerts [data-alert="looping"]')
  await alert.waitFor()
  // And a Looping badge on the stream's row, in the server's HTML already.
  await streams.locator('tr[data-stream="frozen-ch"] [data-looping-badge]').waitFor()
  assert.match(await alert.innerText(), /Looping[\s\S]*frozen-ch/)
  await streams.screenshot({ path: join(SHOTS, 'streams-alerts.png'), fullPage: true })

  // A long threshold from here on: the still-frozen stream cannot be flagged again mid-test.
  const patched = await fetch(`${orch.url}/config/runtime`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
    body: JSON.stringify({ LOOP_DETECTION_THRESHOLD_S: 3600 }),
  })
  assert.equal(patched.status, 200)
  await page.bringToFront()
  await row.getByRole('button', { name: 'Remove' }).click()
  await page.getByText('Removed frozen-ch.').waitFor()
  await row.waitFor({ state: 'detached' })
  const list = (await (await fetch(`${orch.url}/looping-streams`)).json()) as {
    streams: unknown[]
  }
  assert.deepEqual(list.streams, [])
  // The streams tab refreshes only while it is visible (the island pauses in hidden tabs).
  await streams.bringToFront()
  await streams.locator('#alerts[data-alerts="0"]').waitFor({ state: 'attached', timeout: WAIT_MS })
  await streams
    .locator('tr[data-stream="frozen-ch"] [data-looping-badge]')
    .waitFor({ state: 'detached', timeout: WAIT_MS })
  await streams.close()
  await page.close()
  assert.deepEqual(browser.errors, [])
})

async function waitForFlag(id: string): Promise<void> {
  await eventually(
    async () => {
      const l = (await (await fetch(`${orch.url}/looping-streams`)).json()) as {
        streams: { stream_id: string }[]
      }
      return l.streams.some((s) => s.stream_id === id)
    },
    { what: `${id} flagged as looping`, timeoutMs: WAIT_MS, intervalMs: 250 },
  )
}
