// The Peers tab's filters and country breakdown in chromium, over sample peers with real
// geolocation fields (the local swarm's loopback peers have none): choosing a country, ISP or
// client narrows the list, and the breakdown counts peers per country. Also writes
// `streams-sample-*.png` screenshots showing flags, for a look at a populated page.
import assert from 'node:assert/strict'
import { join, resolve } from 'node:path'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { mkdir } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import { Hono } from 'hono'
import { createPanel } from '../../orchestrator/panel/index.ts'
import {
  DESKTOP,
  launchBrowser,
  openHydrated,
  PHONE,
  type TestBrowser,
} from '../helpers/browser.ts'
import { createFixtureData, sampleHistory, samplePeers, sampleStream } from './fixtures.ts'

const SHOTS = resolve(fileURLToPath(import.meta.url), '../../../test-output/screenshots')
const streams = [
  sampleStream(1),
  sampleStream(2),
  sampleStream(3, {
    status: 'ended',
    ended_at: new Date().toISOString(),
    peers: null,
    speed_down: null,
    speed_up: null,
  }),
]
const target = streams[0]!

let server: ServerType
let base: string
let browser: TestBrowser

before(async () => {
  const data = createFixtureData(streams)
  const app = new Hono()
  app.route('/', createPanel({ data }))
  // The JSON API the islands poll, answering from the same sample data.
  app.get('/streams', (c) => c.json(streams))
  app.get('/config/runtime', (c) => c.json(data.settings))
  app.get('/streams/:id/stats', (c) => c.json(sampleHistory()))
  app.get('/streams/:id/peers', async (c) => {
    const r = samplePeers(c.req.param('id'))
    return r.ok ? c.json(r.value) : c.json({ error: 'unavailable' }, 503)
  })
  server = await new Promise<ServerType>((done) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => done(s))
  })
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  browser = await launchBrowser()
  await mkdir(SHOTS, { recursive: true })
})

after(async () => {
  await browser?.close()
  await new Promise<void>((done) => server?.close(() => done()))
})

test('filters narrow the peer list and the breakdown counts peers per country', async () => {
  const page = await browser.newPage(DESKTOP)
  await openHydrated(page, `${base}/panel/streams?peers=${encodeURIComponent(target.id)}`)
  const rows = page.locator('[data-peer]')
  assert.equal(await rows.count(), 14)
  const breakdown = page.getByRole('list', { name: 'Peers by country' })
  assert.match(await breakdown.innerText(), /Germany\s*3/)
  assert.match(await page.locator('.peer-table').innerText(), /🇩🇪/)

  await page.getByLabel('Country', { exact: true }).selectOption('Germany')
  await page.getByText('Showing 3 of 14 peers', { exact: false }).waitFor()
  for (const text of await rows.allInnerTexts()) assert.match(text, /Germany/)

  await page.getByLabel('Client', { exact: true }).selectOption('Deluge 2.1.1')
  await page.getByText('No peer matches these filters').waitFor()
  await page.getByLabel('Country', { exact: true }).selectOption('')
  await page.getByText('Showing 2 of 14 peers', { exact: false }).waitFor()
  for (const text of await rows.allInnerTexts()) assert.match(text, /Deluge/)

  await page.getByLabel('Client', { exact: true }).selectOption('')
  await page.screenshot({ path: join(SHOTS, 'streams-sample-desktop.png'), fullPage: true })
  await page.setViewportSize(PHONE)
  await page.screenshot({ path: join(SHOTS, 'streams-sample-phone.png'), fullPage: true })
  await page.close()
  assert.deepEqual(browser.errors, [])
})

test('rows open and close in place and keep the URL in step', async () => {
  const page = await browser.newPage(DESKTOP)
  await openHydrated(page, `${base}/panel/streams`)
  const expand = page.locator(`tr[data-stream="${streams[1]!.id}"] a.expand`)
  await expand.click()
  assert.equal(await expand.getAttribute('aria-expanded'), 'true')
  await page.getByRole('img', { name: 'Connected peers over time' }).waitFor()
  assert.match(
    decodeURIComponent(page.url()),
    new RegExp(`open=${streams[1]!.id.replace('|', '\\|')}`),
  )
  // Keyboard: arrow keys move between the row's tabs.
  await page.getByRole('tab', { name: 'Stats' }).focus()
  await page.keyboard.press('ArrowRight')
  await page.locator('[data-peer]').first().waitFor()
  assert.match(decodeURIComponent(page.url()), /peers=/)
  await expand.click()
  assert.equal(await page.locator('tr.detail-row').count(), 0)
  assert.equal(new URL(page.url()).search, '')
  await page.close()
  assert.deepEqual(browser.errors, [])
})
