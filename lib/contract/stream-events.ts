/**
 * The streams' events API (`POST /events/stream_started`, `POST /events/stream_ended`): the JSON
 * bodies proxies send, validated with zod. Unknown fields are ignored, so newer proxies can send
 * more. Browser-safe: zod and the URL API only.
 *
 * @example
 * const event = streamStartedSchema.parse(body)
 * engineOrigin('::1', 6878) // 'http://[::1]:6878'
 */
import { z } from 'zod'
import { INFOHASH_HEX_RE } from './peers.ts'
import { KeyTypeSchema } from './streams.ts'

/** Trackers kept per stream; real AceStream magnets carry one to a few. */
export const MAX_STREAM_TRACKERS = 16
/** Longest announce URL kept (the collector's answer holds tracker URLs up to this length). */
export const MAX_TRACKER_URL_LENGTH = 512
const SCHEMES = new Set(['udp:', 'http:', 'https:'])

/**
 * Why an announce URL cannot be used, or undefined when it can: udp, http or https only (the
 * collector speaks nothing else), a host, and no user name or password (tracker URLs are shown
 * in the API and the collector's answers).
 */
export function trackerUrlProblem(raw: string): string | undefined {
  if (raw.length > MAX_TRACKER_URL_LENGTH) return `longer than ${MAX_TRACKER_URL_LENGTH} characters`
  if (/\s/.test(raw)) return 'must not contain whitespace'
  let u: URL
  try {
    u = new URL(raw)
  } catch {
    return 'expected a udp://, http:// or https:// announce URL'
  }
  if (!SCHEMES.has(u.protocol)) return 'expected a udp://, http:// or https:// announce URL'
  if (!u.hostname) return 'expected a host'
  if (u.username || u.password) return 'must not contain a user name or password'
  return undefined
}

/**
 * Whether `s` is an IPv6 address (no brackets, no zone), as node:net's isIPv6 would say, but
 * browser-safe: only address characters get near the URL parser, which then reads the address.
 */
function isIPv6Literal(s: string): boolean {
  return /^[0-9A-Fa-f:.]+$/.test(s) && s.includes(':') && URL.canParse(`http://[${s}]/`)
}

/**
 * Absolute http(s) URL, or a path the engine gave without host (engines answer with either).
 * Whether it resolves against the engine's address is checked on the whole event (see below).
 */
const engineUrl = z
  .string()
  .min(1)
  .max(2048)
  .superRefine((raw, ctx) => {
    // Any valid origin will do here: the event's own engine address is checked on the event.
    const r = resolveEngineUrl(raw, 'http://engine.invalid')
    if ('problem' in r) ctx.addIssue({ code: 'custom', message: r.problem })
  })

/**
 * Host names and IP addresses as Docker and the proxy write them: letters, digits, `.`, `-`,
 * `_`, or an IPv6 address (bare or in brackets). Anything else (spaces, `/`, `#`, `@`, `%`)
 * would change what URL the host ends up in.
 */
const HOST_NAME = /^[A-Za-z0-9._-]+$/

/**
 * `http://<host>:<port>` for an engine address, or undefined when the host is not one.
 *
 * @example
 * engineOrigin('::1', 6878) // 'http://[::1]:6878'
 */
export function engineOrigin(host: string, port: number): string | undefined {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
  let authority: string
  if (isIPv6Literal(bare)) authority = `[${bare}]`
  else if (HOST_NAME.test(bare) && bare === host) authority = bare
  else return undefined
  try {
    return new URL(`http://${authority}:${port}`).origin
  } catch {
    return undefined
  }
}

/**
 * An engine URL made absolute and checked: an absolute http(s) URL without user name or
 * password, or a path (`/ace/...`, never `//host/...`, which would name another host) resolved
 * against the engine's address. Returns a reason instead of throwing.
 */
export function resolveEngineUrl(
  raw: string,
  origin: string | undefined,
): { url: string } | { problem: string } {
  let u: URL
  if (raw.startsWith('/')) {
    if (raw.startsWith('//') || raw.startsWith('/\\'))
      return { problem: 'a path must not start with //' }
    if (!origin) return { problem: 'a path needs a valid engine.host to resolve against' }
    if (!URL.canParse(raw, origin)) return { problem: 'not a valid path' }
    u = new URL(raw, origin)
    if (u.origin !== origin) return { problem: 'a path must stay on the engine' }
  } else {
    if (!/^https?:\/\//i.test(raw))
      return { problem: 'expected an http(s) URL or a path starting with /' }
    if (!URL.canParse(raw)) return { problem: 'not a valid URL' }
    u = new URL(raw)
    if (!u.hostname) return { problem: 'expected a host' }
    if (u.username || u.password) return { problem: 'must not contain a user name or password' }
  }
  return { url: u.href }
}

export const streamStartedSchema = z
  .object({
    container_id: z.string().min(1).max(256).nullish(),
    engine: z.object({
      host: z.string().min(1).max(255),
      port: z.number().int().min(1).max(65535),
    }),
    stream: z.object({
      key_type: KeyTypeSchema,
      key: z.string().min(1).max(4096),
    }),
    session: z.object({
      playback_session_id: z.string().min(1).max(256),
      stat_url: engineUrl,
      command_url: engineUrl,
      // The original takes 0 or 1; booleans are accepted too since they mean the same.
      is_live: z.union([z.literal(0), z.literal(1), z.boolean()]),
      /** Addition: the engine's start response's infohash, so peers load before the first poll. */
      infohash: z.string().regex(INFOHASH_HEX_RE, 'expected 40 hex characters').nullish(),
      /**
       * Addition: announce URLs of the stream's own trackers (udp, http or https), when the
       * proxy knows them; the collector is then asked with a magnet that carries them.
       */
      trackers: z
        .array(
          z
            .string()
            .max(MAX_TRACKER_URL_LENGTH)
            .superRefine((raw, ctx) => {
              const problem = trackerUrlProblem(raw)
              if (problem) ctx.addIssue({ code: 'custom', message: problem })
            }),
        )
        .max(MAX_STREAM_TRACKERS)
        .nullish(),
    }),
    labels: z
      .record(z.string().max(128), z.string().max(1024))
      .refine((r) => Object.keys(r).length <= 64, { message: 'at most 64 labels' })
      .default({}),
  })
  .superRefine((e, ctx) => {
    // Path-only URLs resolve against this address, so it must make a URL on its own.
    if (!engineOrigin(e.engine.host, e.engine.port)) {
      ctx.addIssue({
        code: 'custom',
        path: ['engine', 'host'],
        message: 'expected a host name or an IP address',
      })
    }
  })
export type StreamStartedEvent = z.infer<typeof streamStartedSchema>

export const streamEndedSchema = z
  .object({
    container_id: z.string().min(1).max(256).nullish(),
    stream_id: z.string().min(1).max(4096).nullish(),
    reason: z.string().max(256).nullish(),
  })
  // An event naming no stream and no engine must not end whichever stream happens to be latest.
  .refine((e) => Boolean(e.stream_id || e.container_id), {
    message: 'stream_id or container_id is required',
    path: ['stream_id'],
  })
export type StreamEndedEvent = z.infer<typeof streamEndedSchema>
