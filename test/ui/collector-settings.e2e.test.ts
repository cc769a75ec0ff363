// The Peer Collector tab with several collectors (one per VPN), in Debian's chromium against
// two real collectors and an address where nothing listens: Test Connection tests each URL and
// shows each result, Save stores the list, a reload shows it again, and a bad item is refused
// with the item named. Waits on the hydration marker (`body.ready`) and visible results only.
import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { launchBrowser, openHydrated } from '../helpers/browser.ts'
import { startCollector } from '../helpers/collector-process.ts'
import { startTestOrchestrator } from '../helpers/orchestrator-process.ts'
import { freePort } from '../helpers/wait.ts'

const WAIT_MS = 20_000
const SHOTS = resolve(fileURLToPath(import.meta.url), '../../../test-output/screenshots')

test('Settings → Peer Collector with two URLs: Test Connection shows each result, Save and reload keep the list', async (t) => {
  const a = await startCollector()
  t.after(() => a.close())
  const b = await startCollector()
  t.after(() => b.close())
  const dead = `http://127.0.0.1:${await freePort()}`
  const orch = await startTestOrchestrator({ COLLECTOR_HEALTH_TIMEOUT_S: '5' })
  t.after(() => orch.close())
  const browser = await launchBrowser()
  t.after(() => browser.close())

  const page = await browser.newPage()
  await openHydrated(page, `${orch.url}/panel/settings?tab=peer-collector`)
  await page.getByRole('switch', { name: 'Enable peer collection' }).check()
  const url = page.getByLabel('Collector URL')
  const testButton = page.getByRole('button', { name: 'Test Connection' })
  const result = page.locator('#collector-test-result')
  const item = (u: string) => result.locator(`li[data-collector-url="${u}"]`)

  // One up, one down: each URL gets its own line, and the whole says not all connected.
  await url.fill(`${a.url}, ${dead}`)
  await testButton.click()
  await page.locator('#collector-test-result[data-ok="false"]').waitFor({ timeout: WAIT_MS })
  assert.match(await result.innerText(), /1 of 2 collectors connected/)
  assert.equal(await item(a.url).getAttribute('data-ok'), 'true')
  assert.match(await item(a.url).innerText(), /Connected\. The collector answered:/)
  assert.equal(await item(dead).getAttribute('data-ok'), 'false')
  assert.match(await item(dead).innerText(), /Connection failed\. peer collector unavailable/)
  await mkdir(SHOTS, { recursive: true })
  await page.screenshot({ path: join(SHOTS, 'settings-two-collectors.png'), fullPage: true })

  // Both up.
  await url.fill(`${a.url}, ${b.url}`)
  await testButton.click()
  await page.locator('#collector-test-result[data-ok="true"]').waitFor({ timeout: WAIT_MS })
  assert.match(await result.innerText(), /2 of 2 collectors connected/)
  assert.equal(await result.locator('li[data-ok="true"]').count(), 2)

  await page.getByRole('button', { name: 'Save Settings' }).click()
  await page.locator('#collector-save-result[data-ok="true"]').waitFor()
  const saved = (await (await fetch(`${orch.url}/config/runtime`)).json()) as any
  assert.equal(saved.PEER_COLLECTOR_URL, `${a.url},${b.url}`)
  assert.equal(saved.PEER_COLLECTOR_ENABLED, true)

  await page.reload()
  await page.waitForSelector('body.ready', { state: 'attached' })
  assert.equal(await page.getByLabel('Collector URL').inputValue(), `${a.url}, ${b.url}`)

  // A bad second item: refused, the item named, the saved list unchanged.
  await page.getByLabel('Collector URL').fill(`${a.url}, ftp://${new URL(b.url).host}`)
  await page.getByRole('button', { name: 'Save Settings' }).click()
  await page.locator('#collector-save-result[data-ok="false"]').waitFor()
  assert.match(await page.locator('#collector-save-result').innerText(), /URL 2 of 2/)
  assert.equal(orch.runtime.get().PEER_COLLECTOR_URL, `${a.url},${b.url}`)

  await page.close()
  assert.deepEqual(browser.errors, [])
})
