// Small shared pieces of the cache tests (not a test file itself).
import { createClient } from 'redis'
import type { Logger } from '../../lib/log.ts'
import { eventually } from '../helpers/wait.ts'

export type After = { after(fn: () => Promise<void> | void): void }

/** A Logger that keeps lines for assertions instead of writing them. */
export function recordingLogger(lines: { level: string; msg: string }[] = []): Logger {
  const log = (level: string) => (msg: string) => void lines.push({ level, msg })
  const logger: Logger = {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: () => logger,
  }
  return logger
}

/** True while a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Polls `check` until it holds; waits for a state, never for a fixed time. */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 10_000) {
  await eventually(check, { what, timeoutMs: ms, intervalMs: 50 })
}

/** A plain node-redis client for poking at keys behind the cache's back. */
export async function rawRedis(t: After, url: string) {
  const raw = createClient({ url })
  raw.on('error', () => {})
  await raw.connect()
  t.after(() => raw.destroy())
  return raw
}
