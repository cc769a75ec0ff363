import {
  engineOrigin,
  resolveEngineUrl,
  streamEndedSchema,
  streamStartedSchema,
  type StreamEndedEvent,
  type StreamStartedEvent,
} from '../../lib/contract/stream-events.ts'

/**
 * The events API's bodies are the shared contract's (lib/contract/stream-events.ts), re-exported
 * for the orchestrator; what the orchestrator derives from an accepted event is here.
 */
export { engineOrigin, resolveEngineUrl, streamEndedSchema, streamStartedSchema }
export type { StreamEndedEvent, StreamStartedEvent }

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
