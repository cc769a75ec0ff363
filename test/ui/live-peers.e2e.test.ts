// The live Peers tab end to end in chromium: local swarm, in-process collector refreshing every
// 3 s, engine simulator and orchestrator on loopback. A peer that joins the swarm appears in the
// open Peers tab, highlighted, within 7 s, without a reload and without any request from the
// page's tables (both follow their event streams); when the collector goes away, the tab says
// since when its list is stale and keeps the last peers.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
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

interface Stack {
  swarm: LocalSwarm
  collector: InProcessCollector
  orch: Awaited<ReturnType<typeof startTestOrchestrator>>
  browser: TestBrowser
}

/**
 * Each test gets its own swarm, collector, engine, orchestrator and browser (one test stops its
 * collector), so the tests pass alone and in any order.
 */
async function startStack(t: TestContext): Promise<Stack> {
  // Stopped newest first, as they depend on each other.
  const stops: Array<() => Promise<unknown>> = []
  t.after(async () => {
    for (const stop of stops.reverse()) await stop()
  })
  const swarm = await createLocalSwarm({ peers: 3, mode: 'tracker', dhtNodes: 1 })
  stops.push(() => swarm.close())
  const collector = await startCollector({
    swarm,
    trackers: 'udp',
    dht: false,
    env: { SWARM_REFRESH_SECONDS: '3', TRACKER_MIN_INTERVAL_SECONDS: '1' },
  })
  stops.push(() => collector.close())
  const engine = await createEngineSimulator({ infohash: swarm.infohash })
  stops.push(() => engine.close())
  const orch = await startTestOrchestrator({
    COLLECT_INTERVAL_S: '2',
    PEER_COLLECTOR_ENABLED: 'true',
    PEER_COLLECTOR_URL: collector.url,
  })
  stops.push(() => orch.close())
  await registerSimulatedStream({ orchestratorUrl: orch.url, engine, streamId: STREAM_ID })
  const deadline = Date.now() + 10_000
  while (!orch.store.get(STREAM_ID)?.infohash) {
    if (Date.now() > deadline) throw new Error('infohash never reported')
    await orch.poller.pollOnce()
  }
  const browser = await launchBrowser()
  stops.push(() => browser.close())
  return { swarm, collector, orch, browser }
}

test('a joining peer appears in the open Peers tab within 7 s, with no request from the page', async (t) => {
  const { swarm, orch, browser } = await startStack(t)
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

test('when the collector goes away the open Peers tab says since when its list is stale', async (t) => {
  const { collector, orch, browser } = await startStack(t)
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
