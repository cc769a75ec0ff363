import { Hono } from 'hono'
import {
  collectorHealthProbeSchema,
  runtimePatchSchema,
} from '../../lib/contract/runtime-settings.ts'
import { HttpError } from '../../lib/http-error.ts'
import type { Logger } from '../../lib/log.ts'
import type { CollectorClient } from '../collector-client.ts'
import { redactCollectorUrls } from '../collector-url.ts'
import { readJsonBody } from '../json-body.ts'
import type { RuntimeSettingsStore } from '../runtime-settings.ts'
import { collectorHttpError } from '../streams/stream-peers.ts'

export interface RuntimeConfigRoutesDeps {
  runtime: RuntimeSettingsStore
  collector: CollectorClient
  log: Logger
}

/**
 * `GET`/`PATCH /config/runtime` (a JSON body, persisted across restarts) and
 * `POST /peer-collector/health`.
 */
export function createRuntimeConfigRoutes(deps: RuntimeConfigRoutesDeps): Hono {
  const app = new Hono()

  app.get('/config/runtime', (c) => c.json(redactSettings(deps.runtime.get())))

  app.patch('/config/runtime', async (c) => {
    const patch = await readJsonBody(c, runtimePatchSchema)
    try {
      const next = await deps.runtime.update(patch)
      deps.log.info('runtime settings changed', { changed: Object.keys(patch) })
      return c.json(redactSettings(next))
    } catch (err) {
      deps.log.error('could not persist runtime settings', { err })
      throw new HttpError(500, 'could not save settings', 'the data folder is not writable')
    }
  })

  // Protected by the API key like every POST: it makes the server send a request. The URL is
  // checked like a saved one (no userinfo, query or fragment), so the probe requests exactly
  // `<origin><path>/health`, without following redirects.
  app.post('/peer-collector/health', async (c) => {
    const { collector_url } = await readJsonBody(c, collectorHealthProbeSchema)
    try {
      return c.json(await deps.collector.getHealth(collector_url))
    } catch (err) {
      throw collectorHttpError(err)
    }
  })

  return app
}

/**
 * Settings as anyone may read them: a password (or query) in a collector URL is replaced by
 * `***`. New URLs cannot carry one; this covers values saved before that rule.
 */
export function redactSettings<T extends { PEER_COLLECTOR_URL: string | null }>(s: T): T {
  return { ...s, PEER_COLLECTOR_URL: redactCollectorUrls(s.PEER_COLLECTOR_URL) }
}
