// The dashboard end to end, in Debian's chromium: orchestrator + real collector + engine
// simulator + a local BitTorrent swarm, all on loopback. Guards what a person does with it:
// the Peers tab appears only once collection is enabled in Settings, Test Connection tells
// success from failure, Save survives a reload, and a stream's Peers tab lists the swarm.
// Waits on hydration markers (`body.ready`) and visible text, never on sleeps. Writes
// screenshots of both pages at desktop and phone width to test-output/screenshots/.
import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { join, resolve } from 'node:path'
import { after, before, test, type TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { Page } from 'playwright-core'
import {
  DESKTOP,
  launchBrowser,
  openHydrated,
  PHONE,
  type TestBrowser,
} from '../helpers/browser.ts'
import { startCollectorProcess, type ChildCollector } from '../helpers/collector-process.ts'
import {
  createEngineSimulator,
  registerSimulatedStream,
  type EngineSimulator,
} from '../helpers/engine-simulator.ts'
import { createLocalSwarm, type LocalSwarm } from '../helpers/local-swarm.ts'
import { startTestOrchestrator } from '../helpers/orchestrator-process.ts'

const API_KEY = 'ui-e2e-key'
const STREAM_ID = 'ch-7'
const SHOTS = resolve(fileURLToPath(import.meta.url), '../../../test-output/screenshots')
const WAIT_MS = 30_000

let swarm: LocalSwarm
let collector: ChildCollector
let engine: EngineSimulator
let orch: Awaited<ReturnType<typeof startTestOrchestrator>>
let deadUrl: string

before(async () => {
  swarm = await createLocalSwarm({ peers: 4, mode: 'tracker' })
  collector = await startCollectorProcess({
    swarm,
    trackers: 'both',
    dht: false,
    // Re-announce every second, so a peer that joins later is found within a refresh or two.
    env: { SWARM_REFRESH_SECONDS: '1', TRACKER_MIN_INTERVAL_SECONDS: '1' },
  })
  engine = await createEngineSimulator({ infohash: swarm.infohash })
  orch = await startTestOrchestrator({
    API_KEY,
    COLLECT_INTERVAL_S: '1',
    PEER_COLLECTOR_ENABLED: 'false',
    CACHE_TTL_SECONDS: '1',
    COLLECTOR_TIMEOUT_S: '20',
  })
  deadUrl = `http://127.0.0.1:${await freePort()}`
  await mkdir(SHOTS, { recursive: true })
})

after(async () => {
  await orch?.close()
  await engine?.close()
  await collector?.close()
  await swarm?.close()
  console.log(`screenshots: ${SHOTS}`)
})

// Each test starts from its own state: the runtime settings it needs, a stream of its own and a
// fresh browser (no API key kept from another test), so the tests pass alone and in any order.

/** Sets runtime settings as an operator would, with the key. */
async function setSettings(patch: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${orch.url}/config/runtime`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
    body: JSON.stringify(patch),
  })
  assert.equal(res.status, 200, await res.text())
}

const collectionOn = () => ({
  PEER_COLLECTOR_ENABLED: true,
  PEER_COLLECTOR_URL: collector.url,
  CACHE_TTL_SECONDS: 1,
})

/** A stream of the test's own, polled until the engine has reported its infohash. */
async function startStream(id: string): Promise<{ playback_session_id: string }> {
  const { start } = await registerSimulatedStream({
    orchestratorUrl: orch.url,
    engine,
    apiKey: API_KEY,
    streamId: id,
  })
  const deadline = Date.now() + WAIT_MS
  while (!orch.store.get(id)?.infohash) {
    if (Date.now() > deadline) throw new Error(`infohash of ${id} never reported`)
    await orch.poller.pollOnce()
  }
  return start
}

async function openBrowser(t: TestContext): Promise<TestBrowser> {
  const browser = await launchBrowser()
  t.after(() => browser.close())
  return browser
}

/** Keeps the API key in this browser the way a person does: Settings → General → Save key. */
async function saveKey(browser: TestBrowser): Promise<void> {
  const page = await browser.newPage()
  await openHydrated(page, `${orch.url}/panel/settings`)
  await page.getByLabel('API key').fill(API_KEY)
  await page.getByRole('button', { name: 'Save key' }).click()
  await page.getByText('Key saved in this browser.').waitFor()
  await page.close()
}

test('with peer collection off, an open stream shows Stats and no Peers tab', async (t) => {
  await setSettings({ PEER_COLLECTOR_ENABLED: false })
  const id = 'ch-stats'
  await startStream(id)
  const browser = await openBrowser(t)
  const page = await browser.newPage()
  await openHydrated(page, `${orch.url}/panel/streams?open=${id}`)
  await page.locator(`tr.stream-row[data-stream="${id}"][data-open="true"]`).waitFor()
  const tabs = page.getByRole('tab')
  await tabs.first().waitFor()
  assert.deepEqual(await tabs.allInnerTexts(), ['Stats'])
  // The engine's peer count is in the collapsed row once the poller has seen the simulator.
  await page.waitForFunction(
    (id) =>
      /^\d+$/.test(
        document.querySelector(`tr[data-stream="${id}"] [data-peer-count]`)?.textContent ?? '',
      ),
    id,
    { timeout: WAIT_MS },
  )
  await page.close()
  assert.deepEqual(browser.errors, [])
})

test('Settings: save without a key fails plainly; with the key, Test Connection tells success from failure and Save persists across reload', async (t) => {
  await setSettings({ PEER_COLLECTOR_ENABLED: false, CACHE_TTL_SECONDS: 1 })
  const browser = await openBrowser(t)
  const page = await browser.newPage()
  await openHydrated(page, `${orch.url}/panel/settings`)

  // Keyboard: the tab list follows the ARIA pattern.
  await page.getByRole('tab', { name: 'General' }).focus()
  await page.keyboard.press('ArrowRight')
  assert.equal(await page.getByRole('tab', { name: 'Proxy' }).getAttribute('aria-selected'), 'true')
  assert.ok(await page.locator('#panel-proxy').isVisible())
  assert.match(await page.locator('#panel-proxy').innerText(), /not part of this version/)

  await page.getByRole('tab', { name: 'Peer Collector' }).click()
  const toggle = page.getByRole('switch', { name: 'Enable peer collection' })
  const url = page.getByLabel('Collector URL')
  assert.equal(await toggle.isChecked(), false)
  assert.equal(await url.isDisabled(), true, 'URL disabled while collection is off')
  await toggle.check()
  assert.equal(await url.isDisabled(), false)
  await url.fill(collector.url)

  // No key yet: the orchestrator refuses, and the page says how to fix it.
  await page.getByRole('button', { name: 'Save Settings' }).click()
  await page.locator('#collector-save-result[data-ok="false"]').waitFor()
  assert.match(await page.locator('#collector-save-result').innerText(), /API key/)

  // Enter the key under General (kept in this browser), then come back.
  await page.getByRole('tab', { name: 'General' }).click()
  await page.getByLabel('API key').fill(API_KEY)
  await page.getByRole('button', { name: 'Save key' }).click()
  await page.getByText('Key saved in this browser.').waitFor()
  await page.getByRole('tab', { name: 'Peer Collector' }).click()

  await page.getByRole('button', { name: 'Test Connection' }).click()
  const result = page.locator('#collector-test-result')
  await result.waitFor({ timeout: WAIT_MS })
  assert.equal(await result.getAttribute('data-ok'), 'true', await result.innerText())
  assert.match(await result.innerText(), /Connected/)

  await url.fill(deadUrl)
  await page.getByRole('button', { name: 'Test Connection' }).click()
  await page.locator('#collector-test-result[data-ok="false"]').waitFor({ timeout: WAIT_MS })
  assert.match(await result.innerText(), /Connection failed\. peer collector unavailable/)

  await url.fill(collector.url)
  await page.getByRole('button', { name: 'Save Settings' }).click()
  await page.locator('#collector-save-result[data-ok="true"]').waitFor()
  await shoot(page, 'settings-desktop')

  await page.reload()
  await page.waitForSelector('body.ready', { state: 'attached' })
  assert.equal(
    await page.getByRole('tab', { name: 'Peer Collector' }).getAttribute('aria-selected'),
    'true',
  )
  assert.equal(await page.getByRole('switch', { name: 'Enable peer collection' }).isChecked(), true)
  assert.equal(await page.getByLabel('Collector URL').inputValue(), collector.url)
  const saved = (await (await fetch(`${orch.url}/config/runtime`)).json()) as Record<
    string,
    unknown
  >
  assert.equal(saved.PEER_COLLECTOR_ENABLED, true)
  assert.equal(saved.PEER_COLLECTOR_URL, collector.url)
  await page.setViewportSize(PHONE)
  await shoot(page, 'settings-phone')
  await page.emulateMedia({ colorScheme: 'dark' })
  await shoot(page, 'settings-phone-dark')
  await page.emulateMedia({ colorScheme: 'light' })

  // Backup: restoring a file applies the keys the orchestrator knows and ignores the rest.
  await page.setViewportSize(DESKTOP)
  await page.getByRole('tab', { name: 'Backup' }).click()
  await page.getByLabel('Settings file').setInputFiles({
    name: 'backup.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify({ CACHE_TTL_SECONDS: 7, SOMETHING_ELSE: 1 })),
  })
  await page.getByRole('button', { name: 'Restore settings' }).click()
  await page.getByText('Restored CACHE_TTL_SECONDS.').waitFor()
  const restored = (await (await fetch(`${orch.url}/config/runtime`)).json()) as Record<
    string,
    unknown
  >
  assert.equal(restored.CACHE_TTL_SECONDS, 7)
  assert.equal(restored.PEER_COLLECTOR_ENABLED, true)
  await page.close()
  assert.deepEqual(browser.errors, [])
})

test("once enabled, a stream's Peers tab lists the local swarm's peers, and refreshes keep the row open", async (t) => {
  await setSettings(collectionOn())
  await startStream(STREAM_ID)
  const browser = await openBrowser(t)
  const page = await browser.newPage()
  await openHydrated(page, `${orch.url}/panel/streams?open=${STREAM_ID}`)
  await page.getByRole('tab', { name: /Peers/ }).click()
  const expected = swarm.peers.map((p) => `${p.ip}:${p.port}`).sort()
  await page.waitForFunction(
    (n) => document.querySelectorAll('[data-peer]').length >= n,
    expected.length,
    { timeout: WAIT_MS },
  )
  const listed = await page
    .locator('[data-peer]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-peer')))
  assert.deepEqual([...listed].sort(), expected)
  assert.match(
    await page.getByRole('tab', { name: /Peers/ }).innerText(),
    new RegExp(`${expected.length}`),
  )
  assert.equal(page.url().includes(`peers=${STREAM_ID}`), true, 'the open tab is in the URL')

  // A peer joining later appears by itself, in the same open tab.
  const late = await swarm.addPeer()
  await page.locator(`[data-peer="${late.ip}:${late.port}"]`).waitFor({ timeout: WAIT_MS })
  assert.equal(await page.getByRole('tab', { name: /Peers/ }).getAttribute('aria-selected'), 'true')
  await shoot(page, 'streams-desktop')
  await page.emulateMedia({ colorScheme: 'dark' })
  await shoot(page, 'streams-desktop-dark')
  await page.setViewportSize(PHONE)
  await shoot(page, 'streams-phone-dark')
  await page.emulateMedia({ colorScheme: 'light' })
  await shoot(page, 'streams-phone')
  await page.close()
  assert.deepEqual(browser.errors, [])
})

test('turning collection off elsewhere hides the Peers tab of an open page without a reload; Stop ends the stream', async (t) => {
  await setSettings(collectionOn())
  const id = 'ch-stop'
  const session = await startStream(id)
  const browser = await openBrowser(t)
  await saveKey(browser)
  const page = await browser.newPage(DESKTOP)
  await openHydrated(page, `${orch.url}/panel/streams?open=${id}`)
  await page.getByRole('tab', { name: /Peers/ }).waitFor()
  const res = await fetch(`${orch.url}/config/runtime`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
    body: JSON.stringify({ PEER_COLLECTOR_ENABLED: false }),
  })
  assert.equal(res.status, 200)
  await page.getByRole('tab', { name: /Peers/ }).waitFor({ state: 'detached', timeout: WAIT_MS })
  assert.equal(await page.locator('tr.detail-row').count(), 1, 'the row stayed open')

  // Stopping from the panel takes a second click, reaches the engine and ends the row.
  await page.getByRole('button', { name: 'Stop stream' }).click()
  await page.getByRole('button', { name: 'Confirm stop' }).click()
  await page.locator(`tr[data-stream="${id}"] .pill`, { hasText: 'Ended' }).waitFor()
  assert.equal(engine.sessions.get(session.playback_session_id)?.stopped, true)
  await page.close()
  assert.deepEqual(browser.errors, [])
})

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port
      s.close(() => resolve(p))
    })
  })
}
