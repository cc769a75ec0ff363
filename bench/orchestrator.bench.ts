// Orchestrator stat polling at scale: 200 active streams, all served by one engine simulator,
// polled concurrently. Prints the poll cycle time as a ratio to the poll interval (must stay
// well under 1 so cycles never overrun) and to a one-stream cycle measured in the same run.
// The simulator runs in this same process, so its work is counted against the orchestrator's
// single core: the figures are pessimistic.
import { createEngineSimulator, registerSimulatedStream } from '../test/helpers/engine-simulator.ts'
import { startTestOrchestrator } from '../test/helpers/orchestrator-process.ts'

const STREAMS = 200
const CYCLES = 10
/** The production default, COLLECT_INTERVAL_S=5. */
const INTERVAL_MS = 5000

async function measure(n: number): Promise<{ median: number; max: number; failed: number }> {
  const engine = await createEngineSimulator()
  const orch = await startTestOrchestrator({ MAX_STREAMS: String(n + 10) })
  try {
    for (let i = 0; i < n; i++) {
      const r = await registerSimulatedStream({ orchestratorUrl: orch.url, engine })
      if (r.response.status !== 200) throw new Error(`register failed: ${r.response.status}`)
    }
    await orch.poller.pollOnce() // warm-up: connections, JIT
    const times: number[] = []
    let failed = 0
    for (let i = 0; i < CYCLES; i++) {
      const c = await orch.poller.pollOnce()
      if (c.streams !== n) throw new Error(`expected ${n} streams polled, got ${c.streams}`)
      failed += c.failed
      times.push(c.duration_ms)
    }
    times.sort((a, b) => a - b)
    return { median: times[Math.floor(times.length / 2)]!, max: times.at(-1)!, failed }
  } finally {
    await orch.close()
    await engine.close()
  }
}

export default async function orchestratorBench(): Promise<void> {
  const base = await measure(1)
  const big = await measure(STREAMS)
  const fmt = (x: number) => x.toFixed(3)
  console.log(`poll cycle, 1 stream (baseline): median ${base.median} ms, max ${base.max} ms`)
  console.log(
    `poll cycle, ${STREAMS} streams: median ${big.median} ms, max ${big.max} ms, failed polls ${big.failed}`,
  )
  console.log(
    `ratio cycle/interval (${INTERVAL_MS} ms), ${STREAMS} streams: median ${fmt(big.median / INTERVAL_MS)}, max ${fmt(big.max / INTERVAL_MS)} (must stay < 1)`,
  )
  console.log(`ratio cycle/interval at the smallest interval (1000 ms): max ${fmt(big.max / 1000)}`)
  console.log(
    `ratio ${STREAMS}-stream cycle / 1-stream cycle: ${fmt(big.median / Math.max(1, base.median))}`,
  )
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await orchestratorBench()
  process.exit(0)
}
