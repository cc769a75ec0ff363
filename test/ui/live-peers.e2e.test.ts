// The live Peers tab end to end in chromium: local swarm, in-process collector refreshing every
// 3 s, engine simulator and orchestrator on loopback. A peer that joins the swarm appears in the
// open Peers tab, highlighted, within 7 s, without a reload and without any request from the
// page's tables (both follow their event streams); when the collector goes away, the tab says
// since when its list is stale and keeps the last peers.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { launchBrowser, openHydrated, type TestBrowser } from '../helpers/browser.ts'
import { startCollector, type InProcessCollector } from '../helpers/collector-process.ts'
import {
  createEngineSimulator,
  registerSimulatedStream,
  type EngineSimulator,
} from '../helpers/engine-simulator.ts'
import { createLocalSwarm, type LocalSwarm } from '../helpers/local-swarm.ts'
import { startTestOrchestrator } from '../helpers/orchestrator-process.ts'

const STREAM_ID = 'live-ch'
let swarm: LocalSwarm
let collector: InProcessCollector
let engine: EngineSimulator
let orch: Awaited<ReturnType<typeof startTestOrchestrator>>
let browser: TestBrowser

before(async () => {
  swarm = await createLocalSwarm({ peers: 3, mode: 'tracker', dhtNodes: 1 })
  collector = await startCollector({
    swarm,
    trackers: 'udp',
    dht: false,
    env: { SWARM_REFRESH_SECONDS: '3', TRACKER_MIN_INTERVAL_SECONDS: '1' },
  })
  engine = await createEngineSimulator({ infohash: swarm.infohash })
  orch = await startTestOrchestrator({
    COLLECT_INTERVAL_S: '2',
    PEER_COLLECTOR_ENABLED: 'true',
    PEER_COLLECTOR_URL: collector.url,
  })
  await registerSimulatedStream({ orchestratorUrl: orch.url, engine, streamId: STREAM_ID })
  const deadline = Date.now() + 10_000
  while (!orch.store.get(STREAM_ID)?.infohash) {
    if (Date.now() > deadline) throw new Error('infohash never reported')
    await orch.poller.pollOnce()
  }
  browser = await launchBrowser()
})

after(async () => {
  await browser?.close()
  await orch?.close()
  await engine?.close()
  await collector?.close()
  await swarm?.close()
})

test('a joining peer appears in the open Peers tab within 7 s, with no request from the page', async () => {
  const page = await browser.newPage()
  await openHydrated(page, `${orch.url}/panel/streams?peers=${STREAM_ID}`)
  await page.locator('[data-live="live"]').waitFor({ timeout: 20_000 })
  await page.waitForFunction((n) => document.querySelectorAll('[data-peer]').length >= n, 3, {
    timeout: 20_000,
  })
  // The streams table follows its own event stream too.
  await page.locator('.live-note', { hasText: /^Live$/ }).waitFor()

  const requests: string[] = []
  page.on('request', (r) => requests.push(new URL(r.url()).pathname))
  const joined = Date.now()
  const peer = await swarm.addPeer()
  const row = page.locator(`[data-peer="${peer.ip}:${peer.port}"]`)
  await row.waitFor({ timeout: 7000 })
  const ms = Date.now() - joined
  console.log(
    `joining peer shown in the Peers tab after ${ms} ms (collector refresh 3 s + 1 s = 4000 ms)`,
  )
  assert.ok(ms <= 7000)
  assert.equal(await row.getAttribute('class'), 'peer-new')
  // The alerts banner belongs to another feature and still polls GET /alerts on its own.
  assert.deepEqual(
    requests.filter((p) => p !== '/alerts'),
    [],
    'no request from the page',
  )
  assert.deepEqual(browser.errors, [])
  await page.close()
})

test('when the collector goes away the open Peers tab says since when its list is stale', async () => {
  const page = await browser.newPage()
  await openHydrated(page, `${orch.url}/panel/streams?peers=${STREAM_ID}`)
  await page.locator('[data-live="live"]').waitFor({ timeout: 20_000 })
  await collector.close()
  const stale = page.locator('[data-live="stale"]')
  await stale.waitFor({ timeout: 15_000 })
  assert.match(await stale.innerText(), /Stale since \d\d:\d\d:\d\d UTC/)
  // The last known peers stay listed.
  assert.ok((await page.locator('[data-peer]').count()) >= 3)
  await page.close()
})
