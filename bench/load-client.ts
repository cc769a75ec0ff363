// A load generator in a process of its own, so its work is not counted against the local swarm
// (trackers, DHT nodes and peers all run in the bench process) or the service under test.
// `runLoad()` spawns it and returns what it measured; one keep-alive agent of at most
// `maxSockets` connections sends everything, as a proxy or the orchestrator would.
import { spawn } from 'node:child_process'
import { Agent, get } from 'node:http'
import { fileURLToPath } from 'node:url'

export type LoadJob =
  /** `requests` GETs at once over `urls` (round robin): each one's latency and status. */
  | { kind: 'burst'; urls: string[]; requests: number; maxSockets: number }
  /** `concurrency` GETs in flight over `urls` for `durationMs`: completed 200s per second. */
  | {
      kind: 'throughput'
      urls: string[]
      concurrency: number
      durationMs: number
      maxSockets: number
    }

export interface BurstResult {
  statuses: Record<string, number>
  /** Latencies in ms, sorted. */
  times: number[]
  /** Latencies (ms, sorted) of the answers that said `discovering: true`. */
  discovering: number[]
}

export interface ThroughputResult {
  rps: number
}

const HERE = fileURLToPath(import.meta.url)

/**
 * Runs `job` in a child process and resolves with its result.
 *
 * @example
 * const { rps } = await runLoad({ kind: 'throughput', urls, concurrency: 16, durationMs: 2000, maxSockets: 16 })
 */
export function runLoad(job: Extract<LoadJob, { kind: 'burst' }>): Promise<BurstResult>
export function runLoad(job: Extract<LoadJob, { kind: 'throughput' }>): Promise<ThroughputResult>
export function runLoad(job: LoadJob): Promise<BurstResult | ThroughputResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', HERE], {
    env: { PATH: process.env.PATH ?? '', LOAD_JOB: JSON.stringify(job) },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d))
  return new Promise((resolve, reject) => {
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load client exited ${code}`)),
    )
  })
}

function status(agent: Agent, url: string): Promise<number> {
  return answer(agent, url, false).then((a) => a.status)
}

/** Status, and (when `read`) whether the JSON body said `discovering: true`. */
function answer(
  agent: Agent,
  url: string,
  read: boolean,
): Promise<{ status: number; discovering: boolean }> {
  return new Promise((resolve) => {
    const failed = () => resolve({ status: 0, discovering: false })
    get(url, { agent }, (res) => {
      const chunks: Buffer[] = []
      if (read) res.on('data', (c: Buffer) => chunks.push(c))
      else res.resume()
      res.once('end', () => {
        const text = read ? Buffer.concat(chunks).toString('utf8') : ''
        resolve({ status: res.statusCode ?? 0, discovering: text.includes('"discovering":true') })
      })
      res.once('error', failed)
    }).once('error', failed)
  })
}

async function burst(job: Extract<LoadJob, { kind: 'burst' }>): Promise<BurstResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.maxSockets })
  const times: number[] = []
  const discovering: number[] = []
  const statuses: Record<string, number> = {}
  await Promise.all(
    Array.from({ length: job.requests }, async (_, i) => {
      const t0 = performance.now()
      const a = await answer(agent, job.urls[i % job.urls.length]!, true)
      const ms = performance.now() - t0
      times.push(ms)
      if (a.discovering) discovering.push(ms)
      statuses[a.status] = (statuses[a.status] ?? 0) + 1
    }),
  )
  agent.destroy()
  const sorted = (xs: number[]) => xs.sort((a, b) => a - b)
  return { statuses, times: sorted(times), discovering: sorted(discovering) }
}

async function throughput(
  job: Extract<LoadJob, { kind: 'throughput' }>,
): Promise<ThroughputResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.maxSockets })
  let done = 0
  let n = 0
  const end = performance.now() + job.durationMs
  const worker = async () => {
    while (performance.now() < end)
      if ((await status(agent, job.urls[n++ % job.urls.length]!)) === 200) done++
  }
  const t0 = performance.now()
  await Promise.all(Array.from({ length: job.concurrency }, worker))
  agent.destroy()
  return { rps: done / ((performance.now() - t0) / 1000) }
}

if (process.argv[1] === HERE && process.env.LOAD_JOB) {
  const job = JSON.parse(process.env.LOAD_JOB) as LoadJob
  const result = job.kind === 'burst' ? await burst(job) : await throughput(job)
  process.stdout.write(JSON.stringify(result))
  process.exit(0)
}
