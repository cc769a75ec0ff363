import { z } from 'zod'

/**
 * The events API's JSON contract (reference B2, B3), validated with zod. Unknown fields are
 * ignored, as the original did, so newer proxies can send more.
 */

const KEY_TYPES = ['content_id', 'infohash', 'url', 'magnet'] as const

/** Absolute http(s) URL, or a path the engine gave without host (reference A2). */
const engineUrl = z
  .string()
  .min(1)
  .max(2048)
  .refine((s) => s.startsWith('/') || /^https?:\/\/[^/]/i.test(s), {
    message: 'expected an http(s) URL or a path starting with /',
  })
  .refine((s) => s.startsWith('/') || URL.canParse(s), { message: 'not a valid URL' })

export const streamStartedSchema = z.object({
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
  }),
  labels: z
    .record(z.string().max(128), z.string().max(1024))
    .refine((r) => Object.keys(r).length <= 64, { message: 'at most 64 labels' })
    .default({}),
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

/** Resolves a path-only engine URL against the engine's address from the event. */
export function absoluteEngineUrl(raw: string, engine: { host: string; port: number }): string {
  if (!raw.startsWith('/')) return raw
  const host = engine.host.includes(':') ? `[${engine.host}]` : engine.host
  return new URL(raw, `http://${host}:${engine.port}`).toString()
}
