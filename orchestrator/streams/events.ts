import { isIPv6 } from 'node:net'
import { z } from 'zod'
import {
  MAX_STREAM_TRACKERS,
  MAX_TRACKER_URL_LENGTH,
  trackerUrlProblem,
} from './stream-trackers.ts'

/**
 * The events API's JSON contract (reference B2, B3), validated with zod. Unknown fields are
 * ignored, as the original did, so newer proxies can send more.
 */

const KEY_TYPES = ['content_id', 'infohash', 'url', 'magnet'] as const

/**
 * Absolute http(s) URL, or a path the engine gave without host (reference A2). Whether it
 * resolves against the engine's address is checked on the whole event (see below).
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
  if (isIPv6(bare)) authority = `[${bare}]`
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
      key_type: z.enum(KEY_TYPES),
      key: z.string().min(1).max(4096),
    }),
    session: z.object({
      playback_session_id: z.string().min(1).max(256),
      stat_url: engineUrl,
      command_url: engineUrl,
      // The original takes 0 or 1; booleans are accepted too since they mean the same.
      is_live: z.union([z.literal(0), z.literal(1), z.boolean()]),
      /** Addition: the start response's infohash (reference A7, option 1). */
      infohash: z
        .string()
        .regex(/^[0-9a-fA-F]{40}$/, 'expected 40 hex characters')
        .nullish(),
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
  // Defect D10: an event naming no stream and no engine must not end "the latest stream".
  .refine((e) => Boolean(e.stream_id || e.container_id), {
    message: 'stream_id or container_id is required',
    path: ['stream_id'],
  })
export type StreamEndedEvent = z.infer<typeof streamEndedSchema>

/** Stream id as the original builds it: `labels.stream_id`, else `<key>|<playback_session_id>`. */
export function streamIdOf(e: StreamStartedEvent): string {
  return e.labels.stream_id || `${e.stream.key}|${e.session.playback_session_id}`
}

/** The event's engine URL made absolute; only for events the schema accepted. */
export function absoluteEngineUrl(raw: string, engine: { host: string; port: number }): string {
  const r = resolveEngineUrl(raw, engineOrigin(engine.host, engine.port))
  if ('problem' in r) throw new Error(`engine URL not validated: ${r.problem}`)
  return r.url
}
