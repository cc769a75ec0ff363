// Shared by the bench/*.bench.ts modules (bench/run.ts only runs files named *.bench.ts).
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { sleep } from '../lib/deadline.ts'
import { LISTEN_BACKLOG } from '../lib/http-server.ts'

/**
 * Middle value of `xs` (the upper one of an even count); NaN when there are none.
 *
 * @example
 * median([3, 1, 2]) // 2
 */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? NaN
}

/**
 * Median wall time (ms) of `fn` over `rounds` runs, after `warmup` runs that are not measured.
 *
 * @example
 * const ms = await medianWallTime(() => app.request('/panel/streams'), { rounds: 60, warmup: 5 })
 */
export async function medianWallTime(
  fn: () => Promise<unknown> | unknown,
  { rounds, warmup = 0 }: { rounds: number; warmup?: number },
): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn()
  const times: number[] = []
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now()
    await fn()
    times.push(performance.now() - t0)
  }
  return median(times)
}

/** Resident set size of a process (bytes), from /proc; NaN when it cannot be read. */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) * 1024 : NaN
}

/**
 * Highest RSS (bytes) of `pid` sampled every 100 ms for `ms`.
 *
 * @example
 * const peak = await peakRss(child.pid!, 2000)
 */
export async function peakRss(pid: number, ms: number): Promise<number> {
  let peak = 0
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100))
    peak = Math.max(peak, rssBytes(pid))
  return peak
}

/**
 * RSS (bytes) of a bare Node process that only keeps itself alive: the floor any Node service
 * starts from, measured on this machine in the same run as the figure it is compared with.
 */
export async function bareNodeRss(sampleMs = 1500): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], {
    stdio: 'ignore',
  })
  try {
    await sleep(500)
    return await peakRss(child.pid!, sampleMs)
  } finally {
    child.kill('SIGKILL')
  }
}

/**
 * A bare Hono app answering every `/peers/:id` with `body`, in a process of its own like the
 * collector and with the collector's accept queue (LISTEN_BACKLOG): the baseline the collector's
 * throughput and latency are held against.
 *
 * @example
 * const bare = await startBareHono(JSON.stringify(answer)) // { url, child }
 */
export async function startBareHono(body: string): Promise<{ url: string; child: ChildProcess }> {
  const code = `
    import { Hono } from 'hono'
    import { createAdaptorServer } from '@hono/node-server'
    const body = JSON.parse(process.env.BENCH_BODY)
    const app = new Hono()
    app.get('/peers/:id', (c) => c.json(body))
    const server = createAdaptorServer({ fetch: app.fetch })
    const backlog = Number(process.env.BENCH_BACKLOG)
    server.listen({ port: 0, host: '127.0.0.1', backlog }, () => console.log(server.address().port))
  `
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    cwd: new URL('../', import.meta.url),
    env: { PATH: process.env.PATH ?? '', BENCH_BODY: body, BENCH_BACKLOG: String(LISTEN_BACKLOG) },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').once('data', (d: string) => resolve(Number(d.trim())))
    child.once('exit', (c) => reject(new Error(`bare hono exited ${c}`)))
  })
  return { url: `http://127.0.0.1:${port}`, child }
}
