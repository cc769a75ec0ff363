/**
 * Waiting in tests without fixed sleeps: `eventually` asks until the answer is there, and
 * `freePort` finds a loopback port for a process that must be told its port up front.
 *
 * @example
 * const port = await freePort()
 * const body = await eventually(async () => {
 *   const res = await fetch(`${url}/health`)
 *   return res.ok ? await res.json() : undefined
 * }, { timeoutMs: 20_000, what: 'a healthy collector' })
 */
import { createServer, type AddressInfo } from 'node:net'
import { sleep } from '../../lib/deadline.ts'

export interface EventuallyOptions {
  /** How long to keep asking (default 20 s). */
  timeoutMs?: number
  /** Pause between two questions (default 200 ms). */
  intervalMs?: number
  /** Named in the error when time runs out. */
  what?: string
}

/**
 * Calls `condition` until it returns something other than `undefined` or `false`, and returns
 * that; a throw counts as "not yet" and is quoted in the error if time runs out.
 */
export async function eventually<T>(
  condition: () => T | undefined | false | Promise<T | undefined | false>,
  opts: EventuallyOptions = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000)
  let last: unknown
  for (;;) {
    try {
      const v = await condition()
      if (v !== undefined && v !== false) return v
    } catch (err) {
      last = err
    }
    if (Date.now() >= deadline) break
    await sleep(opts.intervalMs ?? 200)
  }
  const why = last instanceof Error ? last.message : last ? String(last) : ''
  throw new Error(`timed out waiting for ${opts.what ?? 'a condition'}${why ? `: ${why}` : ''}`)
}

/** A TCP port free on `host` right now (the OS picks it; another process may take it later). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}
