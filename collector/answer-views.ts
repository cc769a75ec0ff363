/**
 * The last `/peers` answer sent for each identifier, as JSON text, with what it was built from:
 * the swarm's change stamp (see SwarmRegistry.peek) and the enricher's version. While both hold
 * and the answer is younger than the caller's max age, the same text is sent again: a warm swarm
 * costs one lookup here instead of overlaying the wire state, enriching every peer and
 * serializing the answer once more. A new peer, a handshake finishing or a web geolocation
 * arriving moves the stamp or the version, so the next answer is built afresh; nothing waits for
 * a TTL. Bounded in bytes, least recently used first out.
 *
 * @example
 * const views = createAnswerViews({ maxBytes: 8 * 2 ** 20 })
 * const view = views.get(raw)
 * if (view && views.fresh(view, { stamp, enrichVersion, maxAgeMs })) return view.body
 */
import { LRUCache } from 'lru-cache'
import type { StreamTracker } from './discovery/stream-trackers.ts'

export interface AnswerView {
  infohash: string
  /** The magnet's trackers as admitted when the answer was built (re-checked after max age). */
  streamTrackers: StreamTracker[]
  stamp: number
  enrichVersion: number
  /** Epoch ms. */
  builtAt: number
  body: string
}

export interface AnswerViews {
  get(raw: string): AnswerView | undefined
  set(raw: string, view: AnswerView): void
  /** Whether `view` still shows what an answer built now would show. */
  fresh(
    view: AnswerView,
    now: { stamp: number | undefined; enrichVersion: number; maxAgeMs: number },
  ): boolean
  readonly size: number
}

/** Default byte budget: a few hundred answers of a few hundred peers each. */
const ANSWER_VIEWS_MAX_BYTES = 8 * 2 ** 20

export function createAnswerViews(opts: { maxBytes?: number } = {}): AnswerViews {
  const views = new LRUCache<string, AnswerView>({
    maxSize: opts.maxBytes ?? ANSWER_VIEWS_MAX_BYTES,
    // Text is UTF-16 in memory; the identifier is kept too.
    sizeCalculation: (v, raw) => 2 * (v.body.length + raw.length) + 256,
  })
  return {
    get: (raw) => views.get(raw),
    set(raw, view) {
      views.set(raw, view)
    },
    fresh: (view, now) =>
      now.stamp !== undefined &&
      now.stamp === view.stamp &&
      now.enrichVersion === view.enrichVersion &&
      Date.now() - view.builtAt < now.maxAgeMs,
    get size() {
      return views.size
    },
  }
}
