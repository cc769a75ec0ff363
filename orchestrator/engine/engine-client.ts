import { fetchJson, UpstreamError } from '../upstream-fetch.ts'
import { parseStatAnswer, type StatOutcome } from './stat-answer.ts'

export interface EngineClientOptions {
  /** Timeout of one stat request. */
  statTimeoutMs: number
  /** Timeout of a stop command (the original uses 5 s and ignores failures). */
  stopTimeoutMs?: number
}

export interface StopResult {
  ok: boolean
  detail: string
}

export interface EngineClient {
  /** Polls a stat URL once; never throws, failures come back as `{ kind: 'error' }`. */
  fetchStat(statUrl: string, signal?: AbortSignal): Promise<StatOutcome>
  /** Sends `method=stop` to a command URL; never throws. */
  stop(commandUrl: string): Promise<StopResult>
}

/**
 * The orchestrator's view of AceStream engines: the stat URL and the command URL of a session
 * (the stat answer and the `stop` command). URLs are used as the event gave them (made absolute at registration).
 *
 * @example
 * const engine = createEngineClient({ statTimeoutMs: 3000 })
 * const outcome = await engine.fetchStat(stream.stat_url)
 */
export function createEngineClient(opts: EngineClientOptions): EngineClient {
  const stopTimeoutMs = opts.stopTimeoutMs ?? 5000
  return {
    async fetchStat(statUrl, signal) {
      const at = new Date()
      try {
        const { status, body } = await fetchJson(withoutPlayerActivity(statUrl), {
          timeoutMs: opts.statTimeoutMs,
          signal,
          maxBytes: 256 * 1024,
        })
        if (status >= 300) {
          // An HTTP error may still carry the envelope (some engines answer 4xx with it).
          const parsed = parseStatAnswer(body, at)
          if (parsed.kind === 'session_gone') return parsed
          return { kind: 'error', message: `engine answered HTTP ${status}` }
        }
        return parseStatAnswer(body, at)
      } catch (err) {
        return { kind: 'error', message: describe(err) }
      }
    },

    async stop(commandUrl) {
      let target: string
      try {
        // URL API rather than `+ '?method=stop'`: a command URL may carry its own query.
        const u = new URL(commandUrl)
        u.searchParams.set('method', 'stop')
        target = u.toString()
      } catch {
        return { ok: false, detail: 'command URL is not a valid URL' }
      }
      try {
        const { status, body } = await fetchJson(target, {
          timeoutMs: stopTimeoutMs,
          maxBytes: 64 * 1024,
        })
        const b = body as { response?: unknown; error?: unknown } | null
        if (status < 300 && b && (b.error === null || b.error === undefined)) {
          return { ok: true, detail: 'engine confirmed stop' }
        }
        const err = b && typeof b.error === 'string' ? b.error : `HTTP ${status}`
        return { ok: false, detail: `engine refused stop: ${err.slice(0, 200)}` }
      } catch (err) {
        return { ok: false, detail: describe(err) }
      }
    },
  }
}

/**
 * Adds `skip_player_activity=1`, which AceStream's own clients send whenever no player is
 * watching: a monitor's poll should not keep an abandoned session alive.
 */
function withoutPlayerActivity(statUrl: string): string {
  try {
    const u = new URL(statUrl)
    u.searchParams.set('skip_player_activity', '1')
    return u.toString()
  } catch {
    return statUrl // fetchJson reports the bad URL as a poll error
  }
}

function describe(err: unknown): string {
  if (err instanceof UpstreamError) return `${err.kind}: ${err.message}`
  return err instanceof Error ? err.message : String(err)
}
