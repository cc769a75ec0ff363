// What the dashboard costs a browser and the server. Figures:
// - JavaScript shipped for /panel/streams (boot module + every file it imports), gzipped,
//   as a ratio to the 30 KB budget;
// - the /panel/streams HTML for 200 streams, raw and gzipped;
// - server render time of that page, as a ratio to a bare Hono endpoint answering the same 200
//   streams as JSON (the API the page replaces), measured in the same run.
// In-process through app.request(): no sockets, nothing leaves the process.
import { gzipSync } from 'node:zlib'
import { Hono } from 'hono'
import { createPanel } from '../orchestrator/panel/index.ts'
import { createFixtureData, sampleStream } from '../test/ui/fixtures.ts'
import { medianWallTime } from './helpers.ts'

const JS_BUDGET_BYTES = 30 * 1024
const STREAMS = 200
const ROUNDS = 60
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`

export default async function uiBench(): Promise<void> {
  const streams = Array.from({ length: STREAMS }, (_, i) => sampleStream(i))
  const app = new Hono()
  app.route('/', createPanel({ data: createFixtureData(streams) }))
  const baseline = new Hono()
  baseline.get('/streams', (c) => c.json(streams))

  const res = await app.request('/panel/streams')
  const html = await res.text()
  const scripts = [
    ...html.matchAll(/<script type="module" src="([^"]+)"/g),
    ...html.matchAll(/<link rel="modulepreload" href="([^"]+)"/g),
  ].map((m) => m[1]!)
  let raw = 0
  let gz = 0
  for (const src of new Set(scripts)) {
    const body = new Uint8Array(await (await app.request(src)).arrayBuffer())
    raw += body.length
    gz += gzipSync(body).length
  }
  console.log(
    `JS for /panel/streams: ${scripts.length} files, ${kb(raw)} raw, ${kb(gz)} gzipped = ` +
      `${(gz / JS_BUDGET_BYTES).toFixed(2)}x of the 30 KB budget ${gz < JS_BUDGET_BYTES ? '(within)' : '(OVER)'}`,
  )
  console.log(
    `HTML for ${STREAMS} streams: ${kb(html.length)} raw, ${kb(gzipSync(html).length)} gzipped`,
  )

  // Warm-up runs prime the JIT and the asset build.
  const timing = { rounds: ROUNDS, warmup: 5 }
  const page = await medianWallTime(
    async () => (await app.request('/panel/streams')).text(),
    timing,
  )
  const json = await medianWallTime(async () => (await baseline.request('/streams')).text(), timing)
  console.log(
    `render /panel/streams with ${STREAMS} streams: ${page.toFixed(2)} ms median ` +
      `= ${(page / json).toFixed(1)}x a bare JSON /streams of the same data (${json.toFixed(2)} ms)`,
  )
}
