// The Streams page at scale, against a real orchestrator process (`orchestrator/main.ts` with its
// SQLite history) fed by `POST /events/stream_started` from an engine simulator. Figures at 5,000
// streams, each as a ratio to its baseline measured in the same run:
// - page size and server time of /panel/streams, against the same page at 200 streams;
// - the orchestrator's RSS, against a bare Node process's RSS.
// Polling stays mostly idle (one cycle over every stream before measuring), so the figures are
// the page and the stores, not the engine traffic. Everything listens on 127.0.0.1.
import { gzipSync } from 'node:zlib'
import { createEngineSimulator, registerSimulatedStream } from '../test/helpers/engine-simulator.ts'
import { createTempDir, spawnOrchestrator } from '../test/helpers/orchestrator-process.ts'
import { bareNodeRss, medianWallTime, peakRss } from './helpers.ts'

const SMALL = 200
const LARGE = 5000
const REGISTER_CONCURRENCY = 8
const ROUNDS = 30
const PAGE_BUDGET_BYTES = 300 * 1024
const RENDER_BUDGET_MS = 100
const RSS_BUDGET_MB = 250
/** Measured the same way before the page was paginated (the whole list in one page). */
const BEFORE = { pageKb: 6600, renderMs: 3700, rssMb: 475 }

const kb = (n: number) => n / 1024
const mb = (n: number) => n / 2 ** 20
const verdict = (ok: boolean) => (ok ? 'MET' : 'MISSED')

export default async function streamsPageBench(): Promise<void> {
  const bare = await bareNodeRss()
  const engine = await createEngineSimulator()
  const data = await createTempDir('bench-streams-page-')
  const orch = await spawnOrchestrator({
    DATA_DIR: data.dir,
    MAX_STREAMS: String(LARGE),
    // One cycle soon after the streams are in, then quiet while the page is measured.
    COLLECT_INTERVAL_S: '60',
  })
  let registered = 0
  const registerUpTo = async (n: number) => {
    const worker = async () => {
      while (registered < n) {
        registered++
        const r = await registerSimulatedStream({ orchestratorUrl: orch.url, engine })
        if (r.response.status !== 200) throw new Error(`register failed: ${r.response.status}`)
      }
    }
    await Promise.all(Array.from({ length: REGISTER_CONCURRENCY }, worker))
  }
  const measurePage = async () => {
    const get = () =>
      fetch(`${orch.url}/panel/streams`, { headers: { 'accept-encoding': 'identity' } })
    const html = await (await get()).text()
    const ms = await medianWallTime(async () => (await get()).text(), {
      rounds: ROUNDS,
      warmup: 3,
    })
    return { bytes: Buffer.byteLength(html), gz: gzipSync(html).length, ms }
  }
  try {
    await registerUpTo(SMALL)
    const small = await measurePage()
    await registerUpTo(LARGE)
    const large = await measurePage()
    const rss = await peakRss(orch.child.pid!, 2000)

    console.log(
      `/panel/streams at ${SMALL} streams (baseline): ${kb(small.bytes).toFixed(1)} KB ` +
        `(${kb(small.gz).toFixed(1)} KB gzipped), ${small.ms.toFixed(1)} ms median over HTTP`,
    )
    console.log(
      `/panel/streams at ${LARGE} streams: ${kb(large.bytes).toFixed(1)} KB = ` +
        `${(large.bytes / small.bytes).toFixed(2)}x the ${SMALL}-stream page; ` +
        `before ${BEFORE.pageKb} KB; budget <= 300 KB: ${verdict(large.bytes <= PAGE_BUDGET_BYTES)}`,
    )
    console.log(
      `server time at ${LARGE} streams: ${large.ms.toFixed(1)} ms median = ` +
        `${(large.ms / small.ms).toFixed(2)}x the ${SMALL}-stream page; ` +
        `before ${BEFORE.renderMs} ms; budget <= ${RENDER_BUDGET_MS} ms: ${verdict(large.ms <= RENDER_BUDGET_MS)}`,
    )
    console.log(
      `orchestrator RSS at ${LARGE} streams: ${mb(rss).toFixed(1)} MB = ` +
        `${(rss / bare).toFixed(1)}x a bare Node process (${mb(bare).toFixed(1)} MB); ` +
        `before ${BEFORE.rssMb} MB; budget < ${RSS_BUDGET_MB} MB: ${verdict(mb(rss) < RSS_BUDGET_MB)}`,
    )
  } finally {
    await orch.stop()
    await engine.close()
    await data.remove()
  }
}
