/**
 * A tiny leveled logger writing one JSON line per event to stderr, so `docker logs` stays
 * greppable and no logging library is needed.
 *
 * @example
 * const log = createLogger('collector', 'info')
 * log.warn('tracker failed', { url })
 */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void
  info(msg: string, fields?: Record<string, unknown>): void
  warn(msg: string, fields?: Record<string, unknown>): void
  error(msg: string, fields?: Record<string, unknown>): void
  child(scope: string): Logger
}

export function createLogger(scope: string, level: LogLevel = 'info'): Logger {
  const threshold = LOG_LEVELS.indexOf(level)
  const write = (
    lvl: Exclude<LogLevel, 'silent'>,
    msg: string,
    fields?: Record<string, unknown>,
  ) => {
    if (LOG_LEVELS.indexOf(lvl) < threshold) return
    const line: Record<string, unknown> = { t: new Date().toISOString(), level: lvl, scope, msg }
    if (fields) for (const [k, v] of Object.entries(fields)) line[k] = serialize(v)
    process.stderr.write(JSON.stringify(line) + '\n')
  }
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (sub) => createLogger(`${scope}:${sub}`, level),
  }
}

function serialize(v: unknown): unknown {
  if (v instanceof Error) return { name: v.name, message: v.message }
  return v
}
