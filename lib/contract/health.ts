/**
 * The services' `GET /health` answers. The collector's is what the orchestrator's Test
 * Connection shows and compose health checks read; both list what an operator needs to judge the
 * service. Fields beyond those named here (cache, enrichment and peer wire figures) may be added
 * at any time, so the schemas let them through. Browser-safe: zod only.
 *
 * @example
 * const health = CollectorHealthSchema.parse(await res.json())
 */
import { z } from 'zod'

export const CollectorHealthSchema = z
  .object({
    /** `degraded` while the collector has no way to find peers (see warnings); still HTTP 200. */
    status: z.enum(['ok', 'degraded']),
    warnings: z.array(z.string()),
    redis_available: z.boolean(),
    version: z.string(),
    uptime_s: z.number().int(),
    dht_nodes: z.number().int(),
    dht_port: z.number().int(),
    /** `host:port` of each bootstrap node. */
    dht_bootstrap: z.array(z.string()),
    /** Configured announce URLs (TRACKERS). */
    trackers: z.array(z.string()),
    tracked_swarms: z.number().int().optional(),
    max_tracked_swarms: z.number().int().optional(),
    cold_lookups: z.number().int().optional(),
    queued_lookups: z.number().int().optional(),
    max_queued_lookups: z.number().int().optional(),
    /** The collector is saturated now: queued lookups and handshakes wait, cold requests do not. */
    loop_saturated: z.boolean().optional(),
    /** Lookups and handshakes held back by saturation since start. */
    deferred_for_load: z.number().int().optional(),
    cache_enabled: z.boolean(),
    enrichment_enabled: z.boolean(),
  })
  .loose()
export type CollectorHealth = z.infer<typeof CollectorHealthSchema>

export const OrchestratorHealthSchema = z.object({
  status: z.literal('ok'),
  /** Streams held, by status. */
  streams: z.object({ active: z.number().int(), ended: z.number().int() }),
  poller: z.object({
    running: z.boolean(),
    interval_ms: z.number().int(),
    overruns: z.number().int(),
    /** The latest poll cycle (ISO start time, streams polled, outcomes); null before the first. */
    last_cycle: z
      .object({
        at: z.string(),
        streams: z.number().int(),
        ok: z.number().int(),
        failed: z.number().int(),
        ended: z.number().int(),
        duration_ms: z.number(),
      })
      .nullable(),
  }),
  peer_collector: z.object({
    enabled: z.boolean(),
    /** Collector URLs with any password shown as `***`. */
    url: z.string().nullable(),
  }),
  /** `api_key` when state-changing requests need the key, else `open`. */
  auth: z.enum(['api_key', 'open']),
})
