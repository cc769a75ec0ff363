import { z } from 'zod'
import type { PeersAnswer } from '../types.ts'

// Checks a cached `/peers` answer read back from Redis: the fields the app and the orchestrator
// rely on must be there with the right types. Loose objects keep fields added later (enrichment,
// new counters) instead of stripping them.
const Peer = z.looseObject({
  ip: z.string(),
  port: z.number().int().min(0).max(65535),
  sources: z.array(z.enum(['dht', 'tracker', 'stream_tracker', 'pex'])),
  first_seen: z.string(),
  last_seen: z.string(),
})

const count = z.number().int().min(0)

export const PeersAnswerSchema = z.looseObject({
  acestream_id: z.string(),
  infohash: z.string().nullable(),
  peers: z.array(Peer),
  peer_count: count,
  total_peers: count,
  cached_at: z.number(),
  error: z.string().nullish(),
  seeders: count.nullish(),
  leechers: count.nullish(),
  sources: z.looseObject({ dht: count, tracker: count }),
  discovering: z.boolean().optional(),
})

/** The answer when `value` is a well-formed PeersAnswer, else undefined. */
export function validatePeersAnswer(value: unknown): PeersAnswer | undefined {
  const parsed = PeersAnswerSchema.safeParse(value)
  return parsed.success ? (parsed.data as PeersAnswer) : undefined
}
