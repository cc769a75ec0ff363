/**
 * Declarative environment settings: each service lists its variables once (default, one line of
 * meaning, parser) and gets a typed, validated object back. The same list feeds `.env.example`
 * and the README's settings table, so documentation cannot drift from code.
 *
 * @example
 * const SETTINGS = defineSettings({
 *   PORT: { default: '8080', doc: 'HTTP port', parse: port },
 * })
 * const config = loadSettings(SETTINGS, process.env) // { PORT: 8080 }
 */
export interface SettingSpec<T> {
  /** Text used when the variable is unset or empty; undefined means "no value". */
  default: string | undefined
  /** One line of meaning, shown in `.env.example` and the README. */
  doc: string
  /** Turns the text (or undefined when unset without default) into a value; throws on bad input. */
  parse: (raw: string | undefined) => T
  /** Never print its value (tokens, keys). */
  secret?: boolean
}

export type SettingsSpec = Record<string, SettingSpec<unknown>>
export type ResolvedSettings<S extends SettingsSpec> = {
  readonly [K in keyof S]: ReturnType<S[K]['parse']>
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`Invalid setting ${variable}: ${reason}`)
    this.name = 'ConfigError'
  }
}

export function defineSettings<S extends SettingsSpec>(spec: S): S {
  return spec
}

/** Parses every setting; the first bad value throws a ConfigError naming its variable. */
export function loadSettings<S extends SettingsSpec>(
  spec: S,
  env: Record<string, string | undefined>,
): ResolvedSettings<S> {
  const out: Record<string, unknown> = {}
  for (const [name, s] of Object.entries(spec)) {
    const given = env[name]
    const raw = given === undefined || given.trim() === '' ? s.default : given.trim()
    try {
      out[name] = s.parse(raw)
    } catch (err) {
      throw new ConfigError(name, err instanceof Error ? err.message : String(err))
    }
  }
  return out as ResolvedSettings<S>
}

// ---- parsers -------------------------------------------------------------------------------

function required(raw: string | undefined): string {
  if (raw === undefined) throw new Error('a value is required')
  return raw
}

export function optional<T>(parse: (raw: string) => T) {
  return (raw: string | undefined): T | undefined => (raw === undefined ? undefined : parse(raw))
}

export function text(raw: string | undefined): string {
  return required(raw)
}

export function int(opts: { min?: number; max?: number } = {}) {
  return (raw: string | undefined): number => {
    const s = required(raw)
    if (!/^-?\d+$/.test(s)) throw new Error(`expected an integer, got "${s}"`)
    const n = Number(s)
    if (opts.min !== undefined && n < opts.min) throw new Error(`must be >= ${opts.min}, got ${n}`)
    if (opts.max !== undefined && n > opts.max) throw new Error(`must be <= ${opts.max}, got ${n}`)
    return n
  }
}

/** A TCP/UDP port; 0 lets the OS choose (useful in tests). */
export const port = int({ min: 0, max: 65535 })

export function bool(raw: string | undefined): boolean {
  const s = required(raw).toLowerCase()
  if (['1', 'true', 'yes', 'on'].includes(s)) return true
  if (['0', 'false', 'no', 'off'].includes(s)) return false
  throw new Error(`expected true or false, got "${raw}"`)
}

export function oneOf<const T extends string>(values: readonly T[]) {
  return (raw: string | undefined): T => {
    const s = required(raw).toLowerCase()
    if (!(values as readonly string[]).includes(s))
      throw new Error(`expected one of ${values.join(', ')}, got "${raw}"`)
    return s as T
  }
}

export function url(protocols: readonly string[] = ['http:', 'https:']) {
  return (raw: string | undefined): string => {
    const s = required(raw)
    let u: URL
    try {
      u = new URL(s)
    } catch {
      throw new Error(`expected a URL, got "${s}"`)
    }
    if (!protocols.includes(u.protocol))
      throw new Error(
        `expected a ${protocols.map((p) => p.replace(':', '')).join(' or ')} URL, got "${s}"`,
      )
    return s.replace(/\/+$/, '')
  }
}

/** Comma-separated list; empty text (or the literal `none`) is an empty list. */
export function list<T>(item: (raw: string) => T) {
  return (raw: string | undefined): T[] => {
    if (raw === undefined || raw === '' || raw.toLowerCase() === 'none') return []
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => {
        try {
          return item(s)
        } catch (err) {
          throw new Error(`item "${s}": ${err instanceof Error ? err.message : String(err)}`)
        }
      })
  }
}

export interface HostPort {
  host: string
  port: number
}

/** `host:port` or `[v6]:port`. */
export function hostPort(raw: string): HostPort {
  const m = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(raw)
  const p = m ? Number(m[3]) : NaN
  if (!m || p < 1 || p > 65535) throw new Error(`expected host:port, got "${raw}"`)
  return { host: (m[1] ?? m[2]) as string, port: p }
}
