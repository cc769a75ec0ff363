// Guards alerts end to end on loopback: a stream whose engine reports 0 peers and 0 speed past
// the threshold fires a starvation alert (listed by GET /alerts, logged in GET /events, counted
// in /metrics, posted to a local webhook receiver) and clears when the engine has peers again;
// the event log survives a restart; a receiver that fails gets retries; a collector that does
// not answer and a collapsing swarm raise their alerts; bad queries are 422s.
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { createLogger } from '../../lib/log.ts'
import { createAlertCenter } from '../../orchestrator/alerts/alert-center.ts'
import { createWebhookSender } from '../../orchestrator/alerts/webhook.ts'
import { openHistoryDatabase } from '../../orchestrator/history/database.ts'
import { createHistoryStore, type StoredEvent } from '../../orchestrator/history/history-store.ts'
import { createEngineSimulator, registerSimulatedStream } from '../helpers/engine-simulator.ts'
import { createTempDir, startTestOrchestrator } from '../helpers/orchestrator-process.ts'
import { parsePrometheusText } from '../helpers/prometheus-text.ts'
import { eventually } from '../helpers/wait.ts'

type T = { after: (fn: () => Promise<void>) => void }
type Alert = { kind: string; subject: string; message: string }
const silent = createLogger('test', 'silent')
const getJson = async <V>(url: string) => (await (await fetch(url)).json()) as V

/** A webhook receiver on loopback; `failFirst` answers 500 to that many posts. */
async function receiver(t: T, failFirst = 0) {
  const bodies: Array<{ event: StoredEvent }> = []
  let posts = 0
  const server = createServer(async (req: IncomingMessage, res) => {
    let text = ''
    for await (const chunk of req) text += chunk
    posts++
    if (posts <= failFirst) {
      res.writeHead(500).end()
      return
    }
    assert.equal(req.headers['content-type'], 'application/json')
    bodies.push(JSON.parse(text) as { event: StoredEvent })
    res.writeHead(204).end()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  t.after(() => new Promise<void>((r) => server.close(() => r())))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/secret-token`,
    bodies,
    posts: () => posts,
  }
}

/** `ask()` until its answer passes `ok`; the last answer is quoted if it never does. */
async function until<V>(ask: () => Promise<V> | V, ok: (v: V) => boolean, ms = 15_000) {
  let last: V | undefined
  return eventually(
    async () => {
      last = await ask()
      return ok(last) ? { value: last } : undefined
    },
    { timeoutMs: ms, what: 'the condition' },
  ).then(
    (got) => got.value,
    () => assert.fail(`condition not met within ${ms} ms: ${JSON.stringify(last)}`),
  )
}

test('starvation fires after the threshold and clears when peers return, everywhere an operator looks', async (t) => {
  const hook = await receiver(t)
  const engine = await createEngineSimulator()
  t.after(() => engine.close())
  const data = await createTempDir()
  t.after(() => data.remove())
  const env = {
    DATA_DIR: data.dir,
    COLLECT_INTERVAL_S: '1',
    ALERT_STARVATION_S: '5',
    ALERT_WEBHOOK_URL: hook.url,
  }
  const orch = await startTestOrchestrator(env)
  const { start } = await registerSimulatedStream({
    orchestratorUrl: orch.url,
    engine,
    streamId: 'starved',
  })
  const alerts = () => getJson<Alert[]>(`${orch.url}/alerts`)
  engine.setStarved(start.playback_session_id, true)
  const starvedAt = Date.now()

  const firing = await until(alerts, (a) => a.some((x) => x.kind === 'starvation'))
  assert.ok(Date.now() - starvedAt >= 5000, 'not before the threshold')
  assert.equal(firing[0]!.subject, 'starved')
  assert.match(firing[0]!.message, /0 peers and 0 download speed/)
  await until(
    () => hook.bodies,
    (b) => b.some((x) => x.event.kind === 'starvation' && x.event.state === 'firing'),
  )
  const m = parsePrometheusText(await (await fetch(`${orch.url}/metrics`)).text())
  assert.equal(m.value('orchestrator_alerts_total', { kind: 'starvation' }), 1)
  assert.equal(m.value('orchestrator_alerts_active', { kind: 'starvation' }), 1)

  engine.setStarved(start.playback_session_id, false)
  await until(alerts, (a) => a.length === 0)
  await until(
    () => hook.bodies,
    (b) => b.some((x) => x.event.kind === 'starvation' && x.event.state === 'resolved'),
  )
  const events = await getJson<StoredEvent[]>(`${orch.url}/events?kind=starvation`)
  assert.deepEqual(
    events.map((e) => [e.state, e.subject]),
    [
      ['resolved', 'starved'],
      ['firing', 'starved'],
    ],
  )
  const after = parsePrometheusText(await (await fetch(`${orch.url}/metrics`)).text())
  assert.equal(
    after.value('orchestrator_alert_webhook_deliveries_total', { outcome: 'delivered' }),
    2,
  )
  await orch.close()

  // The event log is in the history database: a restart keeps it.
  const again = await startTestOrchestrator({ ...env, ALERT_WEBHOOK_URL: '' })
  t.after(() => again.close())
  assert.deepEqual(await getJson<StoredEvent[]>(`${again.url}/events?kind=starvation`), events)
})

test('a webhook receiver that fails gets the same event again with backoff', async (t) => {
  const hook = await receiver(t, 2)
  let delivered = 0
  const sender = createWebhookSender({
    url: hook.url,
    log: silent,
    backoffMs: 100,
    onOutcome: (o) => {
      if (o === 'delivered') delivered++
    },
  })
  t.after(() => sender.close())
  const t0 = Date.now()
  sender.send({ event: { id: 7, kind: 'looping' } })
  await until(
    () => delivered,
    (n) => n === 1,
    5000,
  )
  assert.equal(hook.posts(), 3)
  assert.ok(Date.now() - t0 >= 300, 'waited 100 + 200 ms between tries')
  assert.deepEqual(hook.bodies, [{ event: { id: 7, kind: 'looping' } }])
})

test('a full webhook queue drops its oldest event instead of growing', async (t) => {
  const dropped: string[] = []
  // Nothing listens here: every post fails at once, and retries wait long.
  const sender = createWebhookSender({
    url: 'http://127.0.0.1:9/hook',
    log: silent,
    maxQueue: 2,
    backoffMs: 60_000,
    onOutcome: (o) => dropped.push(o),
  })
  t.after(() => sender.close())
  for (let i = 0; i < 5; i++) sender.send({ i })
  assert.ok(sender.pending() <= 3)
  assert.ok(dropped.filter((o) => o === 'dropped').length >= 2)
})

test('a collector that does not answer raises collector_down and reads 0 in /metrics', async (t) => {
  const orch = await startTestOrchestrator({
    PEER_COLLECTOR_ENABLED: 'true',
    PEER_COLLECTOR_URL: 'http://127.0.0.1:9',
  })
  t.after(() => orch.close())
  await orch.ops.sampler.sampleOnce()
  const alerts = await getJson<Alert[]>(`${orch.url}/alerts`)
  assert.deepEqual(
    alerts.map((a) => [a.kind, a.subject]),
    [['collector_down', 'http://127.0.0.1:9']],
  )
  const m = parsePrometheusText(await (await fetch(`${orch.url}/metrics`)).text())
  assert.equal(m.value('orchestrator_collector_up', { collector: 'http://127.0.0.1:9' }), 0)
  // Turning collection off resolves it.
  const res = await fetch(`${orch.url}/config/runtime`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ PEER_COLLECTOR_ENABLED: false }),
  })
  assert.equal(res.status, 200)
  await orch.ops.sampler.sampleOnce()
  assert.deepEqual(await getJson(`${orch.url}/alerts`), [])
})

test('a swarm that loses more than the set share of its peers within the window collapses', async (t) => {
  const data = await createTempDir()
  t.after(() => data.remove())
  const history = createHistoryStore({
    db: openHistoryDatabase(data.dir),
    maxAgeMs: 86_400_000,
    maxRows: 1000,
  })
  t.after(async () => history.close())
  const alerts = createAlertCenter({
    history,
    settings: {
      ALERT_STARVATION_S: 180,
      ALERT_SWARM_COLLAPSE_PERCENT: 50,
      ALERT_SWARM_COLLAPSE_WINDOW_S: 600,
      ALERT_EVENTS_MAX: 3,
    },
    log: silent,
  })
  const t0 = Date.now()
  alerts.observeSwarm('s', 40, t0)
  alerts.observeSwarm('s', 30, t0 + 60_000)
  assert.deepEqual(alerts.active(), [], 'a 25% drop is within bounds')
  alerts.observeSwarm('s', 12, t0 + 120_000)
  assert.deepEqual(
    alerts.active().map((a) => [a.kind, a.details.from, a.details.to]),
    [['swarm_collapse', 40, 12]],
  )
  alerts.observeSwarm('s', 25, t0 + 180_000)
  assert.deepEqual(alerts.active(), [])
  // Outside the window the old peak no longer counts.
  alerts.observeSwarm('s', 10, t0 + 900_000)
  assert.deepEqual(alerts.active(), [])
  // The log keeps ALERT_EVENTS_MAX events, the newest.
  alerts.raise('looping', 'x', 'x loops')
  const log = history.events({ limit: 100 })
  assert.deepEqual(
    log.map((e) => [e.kind, e.state]),
    [
      ['looping', 'firing'],
      ['swarm_collapse', 'resolved'],
      ['swarm_collapse', 'firing'],
    ],
  )
})

test('GET /events answers bad queries with 422 naming the field', async (t) => {
  const orch = await startTestOrchestrator()
  t.after(() => orch.close())
  for (const q of ['limit=0', 'limit=x', 'since=yesterday', 'kind=bogus']) {
    const res = await fetch(`${orch.url}/events?${q}`)
    assert.equal(res.status, 422, q)
    const body = (await res.json()) as { detail: string }
    assert.match(body.detail, new RegExp(q.split('=')[0]!))
  }
  assert.deepEqual(await getJson(`${orch.url}/events`), [])
})
