// Collector capacity and warm throughput, against a local swarm (tracker + DHT on 127.0.0.x) and
// the collector as a child process with its shipped defaults (memory cache, enrichment). Figures,
// each as a ratio to a bare Hono JSON endpoint (its own process, same body) in the same run:
// - a dashboard's first look: 1,000 concurrent GET /peers over 100 swarms the collector has never
//   seen: 5xx count, p95 latency (target <= 1 s) and discovery lookups per swarm (target 1), and
//   how long until every swarm's first round settled (the collector answers the crowd first and
//   holds its background lookups back while saturated, see collector/discovery/loop-pressure.ts);
// - warm throughput: requests per second with THROUGHPUT_CONCURRENCY in flight (target >= 0.8x).
// Requests come from a load client in its own process (bench/load-client.ts), so it does not
// share the swarm's process, with a connection per request in flight as the orchestrator's fetch
// opens them (a smaller pool stalls everything behind the requests waiting on first results).
// A thousand connections at once are not free on a small machine: the bare endpoint's p95 shows
// what the connections alone cost, hence the ratio next to the absolute target.
import type { ChildProcess } from 'node:child_process'
import { startCollectorProcess } from '../test/helpers/collector-process.ts'
import { createLocalSwarm, type LocalTorrent } from '../test/helpers/local-swarm.ts'
import { median, startBareHono } from './helpers.ts'
import { runLoad } from './load-client.ts'
import { sleep } from '../lib/deadline.ts'
import { eventually } from '../test/helpers/wait.ts'

const SWARMS = 100
const REQUESTS = 1000
const PEERS_PER_SWARM = 3
const P95_TARGET_MS = 1000
const THROUGHPUT_MS = 2000
const THROUGHPUT_CONCURRENCY = 16
const THROUGHPUT_TARGET = 0.8
const MAX_SOCKETS = 1000

const verdict = (ok: boolean) => (ok ? 'MET' : 'MISSED')

interface Burst {
  statuses: Map<number, number>
  p50: number
  p95: number
  max: number
  /** Answers that said `discovering: true` (lookup queued, or nothing found within the wait). */
  queued: number
  /** p95 of the other answers: those that listed their swarm's first results. */
  foundP95: number
}

const p95 = (sorted: number[]) => sorted[Math.ceil(sorted.length * 0.95) - 1] ?? NaN

/** `all` less one occurrence of each of `some` (both sorted ascending). */
function withoutOnce(all: number[], some: number[]): number[] {
  const out: number[] = []
  let j = 0
  for (const x of all)
    if (j < some.length && some[j] === x) j++
    else out.push(x)
  return out
}

/** REQUESTS requests at once, spread evenly over `ids`; latency of each and status counts. */
async function burst(url: string, ids: string[]): Promise<Burst> {
  const urls = ids.map((id) => `${url}/peers/${id}`)
  const r = await runLoad({ kind: 'burst', urls, requests: REQUESTS, maxSockets: MAX_SOCKETS })
  return {
    statuses: new Map(Object.entries(r.statuses).map(([s, n]) => [Number(s), n])),
    p50: median(r.times),
    p95: p95(r.times),
    max: r.times.at(-1)!,
    queued: r.discovering.length,
    foundP95: p95(withoutOnce(r.times, r.discovering)),
  }
}

/** Requests per second over THROUGHPUT_MS with THROUGHPUT_CONCURRENCY in flight. */
async function throughput(url: string, ids: string[]): Promise<number> {
  const urls = ids.map((id) => `${url}/peers/${id}`)
  const r = await runLoad({
    kind: 'throughput',
    urls,
    concurrency: THROUGHPUT_CONCURRENCY,
    durationMs: THROUGHPUT_MS,
    maxSockets: THROUGHPUT_CONCURRENCY,
  })
  return r.rps
}

export default async function capacityBench(): Promise<void> {
  const swarm = await createLocalSwarm({ peers: PEERS_PER_SWARM, mode: 'both' })
  const children: ChildProcess[] = []
  try {
    const torrents: LocalTorrent[] = [swarm]
    while (torrents.length < SWARMS)
      torrents.push(await swarm.addTorrent({ peers: PEERS_PER_SWARM, mode: 'tracker' }))
    const ids = torrents.map((t) => t.infohash)
    const collector = await startCollectorProcess({ swarm })
    children.push(collector.child)
    await sleep(500)
    const health = async () =>
      (await (await fetch(`${collector.url}/health`)).json()) as Record<string, number>

    const before = await health()
    const t0 = performance.now()
    const cold = await burst(collector.url, ids)
    // Swarms that waited in the lookup queue were answered at once; their lookups run after.
    // Past the wait the figures are printed as they stand (a lookup still running shows there).
    const settle = { timeoutMs: 30_000, intervalMs: 100 }
    const after = await eventually(async () => {
      const h = await health()
      return h.cold_lookups === 0 && h.queued_lookups === 0 ? h : undefined
    }, settle).catch(health)
    const allSettledMs = performance.now() - t0
    // Warm means settled: the handshakes with the peers found run after the lookups, and must not
    // be measured as part of the warm answers.
    await eventually(async () => {
      const wire = (await health()).peer_wire as unknown as { running: number; queued: number }
      return !wire || (wire.running === 0 && wire.queued === 0)
    }, settle).catch(() => undefined)
    const lookups = after.dht_lookups! - before.dht_lookups!
    const rounds = after.discovery_rounds! - before.discovery_rounds!

    // Warm: every swarm known; the answer body of the first is what the bare endpoint serves.
    const sample = await (await fetch(`${collector.url}/peers/${ids[0]}`)).text()
    const bare = await startBareHono(sample)
    children.push(bare.child)
    const bareCold = await burst(bare.url, ids)
    // Alternate and keep each one's best run, so neither pays alone for warming up the client.
    let bareRps = 0
    let warmRps = 0
    for (let i = 0; i < 5; i++) {
      bareRps = Math.max(bareRps, await throughput(bare.url, ids))
      warmRps = Math.max(warmRps, await throughput(collector.url, ids))
    }

    const fivexx = [...cold.statuses].filter(([s]) => s >= 500 || s === 0)
    const count5xx = fivexx.reduce((n, [, c]) => n + c, 0)
    const statusText = [...cold.statuses]
      .sort(([a], [b]) => a - b)
      .map(([s, c]) => `${s || 'failed'}: ${c}`)
      .join(', ')
    console.log(
      `${REQUESTS} concurrent GET /peers over ${SWARMS} new swarms: ${statusText}; ` +
        `5xx ${count5xx}: ${verdict(count5xx === 0)}`,
    )
    console.log(
      `  latency p50 ${cold.p50.toFixed(0)} ms, p95 ${cold.p95.toFixed(0)} ms, max ${cold.max.toFixed(0)} ms ` +
        `= p95 ${(cold.p95 / bareCold.p95).toFixed(1)}x a bare Hono endpoint's (${bareCold.p95.toFixed(0)} ms); ` +
        `target p95 <= ${P95_TARGET_MS} ms: ${verdict(cold.p95 <= P95_TARGET_MS)}`,
    )
    console.log(
      `  ${cold.queued} answered discovering:true (lookup queued, or no result within the wait); ` +
        `the ${REQUESTS - cold.queued} that listed peers: p95 ${cold.foundP95.toFixed(0)} ms`,
    )
    console.log(
      `  held back while saturated: ${after.deferred_for_load! - before.deferred_for_load!} ` +
        `lookups and handshakes; every swarm's first round settled ${(allSettledMs / 1000).toFixed(1)} s ` +
        `after the burst began`,
    )
    console.log(
      `  discovery: ${rounds} rounds and ${lookups} DHT lookups for ${SWARMS} swarms = ` +
        `${(rounds / SWARMS).toFixed(2)} rounds per swarm; target one lookup per swarm: ` +
        `${verdict(rounds === SWARMS && lookups === SWARMS)}`,
    )
    const ratio = warmRps / bareRps
    console.log(
      `warm throughput over ${SWARMS} swarms: ${warmRps.toFixed(0)} req/s = ${ratio.toFixed(2)}x a bare Hono ` +
        `endpoint serving one answer (${bareRps.toFixed(0)} req/s, ${THROUGHPUT_CONCURRENCY} in flight); ` +
        `target >= ${THROUGHPUT_TARGET}x: ${verdict(ratio >= THROUGHPUT_TARGET)}`,
    )
  } finally {
    for (const c of children) c.kill('SIGTERM')
    await swarm.close()
  }
}
