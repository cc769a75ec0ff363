/**
 * Diffs of peers answers keyed by `ip:port`, and applying them, for the collector and the
 * orchestrator (which compute them) and the browser (which applies them). Browser-safe.
 *
 * @example
 * const diff = diffAnswers(before, after) // null when nothing a user could see changed
 * const now = applyDiff(before, diff!)    // deep-equal to `after` (cached_at aside)
 */
import type { AnswerFields, PeerChange, PeerDiff } from './contract/peer-events.ts'
// Types only: the browser bundle must not pull zod in through the contract.
import type { PeersAnswer, PeerView } from './contract/peers.ts'
import { peerKey } from './contract/keys.ts'

/** `ip:port`, IPv6 bracketed: the contract's peer key. */
export const peerKeyOf = peerKey

/** Answer fields never diffed: `peers` has its own lists and `cached_at` changes every read. */
const SKIPPED_FIELDS = new Set(['peers', 'cached_at'])

type Answer = PeersAnswer & Record<string, unknown>

/** Added, changed (only the changed fields) and removed peers, plus changed answer fields. */
export function diffAnswers(prev: Answer, next: Answer): PeerDiff | null {
  const before = new Map<string, PeerView>()
  for (const p of prev.peers) before.set(peerKey(p), p)
  const added: PeerView[] = []
  const changed: PeerChange[] = []
  const seen = new Set<string>()
  for (const p of next.peers) {
    const key = peerKey(p)
    if (seen.has(key)) continue
    seen.add(key)
    const old = before.get(key)
    if (!old) {
      added.push(p)
      continue
    }
    const change = diffFields(old as Record<string, unknown>, p as Record<string, unknown>)
    if (change) changed.push({ key, ...change } as PeerChange)
  }
  const removed: string[] = []
  for (const key of before.keys()) if (!seen.has(key)) removed.push(key)
  const fields = diffFields(prev, next, SKIPPED_FIELDS) as AnswerFields | null
  if (!added.length && !changed.length && !removed.length && !fields) return null
  return fields ? { added, changed, removed, fields } : { added, changed, removed }
}

/**
 * The answer after `diff`: removed peers gone, changed ones updated (null unsets a field),
 * added ones first (newest first, as the collector lists them). Does not modify `answer`.
 */
export function applyDiff<A extends { peers: { ip: string; port: number }[] }>(
  answer: A,
  diff: PeerDiff,
): A {
  const removed = new Set(diff.removed)
  const changes = new Map(diff.changed.map((c) => [c.key, c]))
  const addedKeys = new Set(diff.added.map(peerKey))
  const peers: PeerView[] = [...diff.added]
  for (const p of answer.peers) {
    const key = peerKey(p)
    if (removed.has(key) || addedKeys.has(key)) continue
    const change = changes.get(key)
    peers.push(change ? patch(p as PeerView, change) : (p as PeerView))
  }
  const out: Record<string, unknown> = { ...answer, peers }
  for (const [k, v] of Object.entries(diff.fields ?? {})) {
    if (v === null) delete out[k]
    else out[k] = v
  }
  return out as A
}

function patch(p: PeerView, change: PeerChange): PeerView {
  const out: Record<string, unknown> = { ...p }
  for (const [k, v] of Object.entries(change)) {
    if (k === 'key') continue
    if (v === null) delete out[k]
    else out[k] = v
  }
  return out as PeerView
}

/** Fields of `b` that differ from `a` (null for fields `b` lacks); null when none differ. */
function diffFields(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
  skip?: Set<string>,
): Record<string, unknown> | null {
  let out: Record<string, unknown> | null = null
  for (const k of Object.keys(b)) {
    if (skip?.has(k) || b[k] === undefined) continue
    if (!same(a[k], b[k])) (out ??= {})[k] = b[k]
  }
  for (const k of Object.keys(a)) {
    if (skip?.has(k) || a[k] === undefined) continue
    if (b[k] === undefined || b[k] === null) {
      if (a[k] !== null && b[k] === undefined) (out ??= {})[k] = null
    }
  }
  return out
}

function same(x: unknown, y: unknown): boolean {
  if (x === y) return true
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false
  return JSON.stringify(x) === JSON.stringify(y)
}
