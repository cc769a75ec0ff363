/**
 * The dashboard: the pages of `routes/` served under `/panel` (found by path: `routes/streams.tsx`
 * is `/panel/streams`) with hydrated Preact islands, and their content-hashed assets. Mounted on
 * the orchestrator's app; the API keeps its root paths.
 *
 * @example
 * app.route('/', createPanel({ data: createPanelData({ store, runtime, streamPeers, api: app }) }))
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Hono, type Context } from 'hono'
import { compress } from 'hono/compress'
import { h, type ComponentType } from 'preact'
import { renderToString } from 'preact-render-to-string'
import type { PanelContext, PanelData, PanelOptions } from '../../lib/contract/panel.ts'
import { HttpError } from '../../lib/http-error.ts'
import { createAssets } from '../../lib/islands/assets.ts'
import { findPages, loadPages, type ErrorData, type PageModules } from '../../lib/islands/pages.ts'
import { renderIslandsPage } from '../../lib/islands/render.ts'
import type { PageProps } from '../../lib/islands/route.ts'
import { createLogger, type Logger } from '../../lib/log.ts'

export { createPanelData } from './data.ts'
export type { PanelData }

const HERE = dirname(fileURLToPath(import.meta.url))
const ROOT = join(HERE, '..', '..')
const ROUTES_DIR = join(ROOT, 'routes')

export interface PanelDeps extends Partial<PanelOptions> {
  data: PanelData
  log?: Logger
  /** Minify the browser bundle (default true). */
  minify?: boolean
}

/** Where the browser bundles and the stylesheet are served. */
const ASSET_PREFIX = '/panel/assets/'
const MIN_REFRESH_MS = 1000
const MAX_REFRESH_MS = 15_000

const PAGE_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  // Scripts only from our own hashed files; inline styles are allowed for progress-bar widths.
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; " +
    "frame-ancestors 'none'; form-action 'self'",
}

export function createPanel(deps: PanelDeps): Hono {
  const log = deps.log ?? createLogger('panel', 'silent')
  const options: PanelOptions = {
    // Follows the engine poll interval, within bounds a person watching the page expects.
    refreshMs: Math.min(Math.max(deps.refreshMs ?? 5000, MIN_REFRESH_MS), MAX_REFRESH_MS),
    peersRefreshMs: deps.peersRefreshMs ?? 10_000,
    pagePeersWaitMs: deps.pagePeersWaitMs ?? 3000,
    apiKeyRequired: deps.apiKeyRequired ?? false,
  }
  const assets = createAssets({
    islandsDir: join(ROOT, 'islands'),
    prefix: ASSET_PREFIX,
    stylesPath: join(HERE, 'styles.css'),
    minify: deps.minify ?? true,
  })
  // Build at start so the first visitor does not wait; a failure is retried per request.
  assets.warm().catch((err: unknown) => log.error('panel asset build failed', { err }))

  const app = new Hono()
  // Anything else that fails under /panel answers a page too, never the API's JSON.
  app.onError((err, c) => {
    log.error('panel request failed', { err, path: new URL(c.req.url).pathname })
    return renderError(c, {
      status: 500,
      message: 'The page could not be loaded; see the orchestrator log.',
    })
  })
  // Pages and bundles are text that gzips about 10:1; the JSON API is left as it is.
  app.use('/panel/*', compress())
  const toStreams = (c: Context) => c.redirect('/panel/streams', 302)
  app.get('/', toStreams)
  app.get('/panel', toStreams)
  app.get('/panel/', toStreams)

  // Loaded once, on first use; a failure is retried on the next request.
  let loading: Promise<PageModules<PanelContext>> | undefined
  const modules = () =>
    (loading ??= loadPages<PanelContext>(ROUTES_DIR).catch((err: unknown) => {
      loading = undefined
      throw err
    }))
  for (const name of findPages(ROUTES_DIR)) {
    app.get(`/panel/${name}`, (c) => renderRoute(c, name))
  }

  app.get(`${ASSET_PREFIX}:file`, async (c) => {
    const asset = await assets.get(c.req.param('file')).catch(() => undefined)
    if (!asset) return c.text('not found', 404)
    return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, {
      'Content-Type': asset.contentType,
      'Cache-Control': asset.cacheControl,
      'X-Content-Type-Options': 'nosniff',
    })
  })

  app.get('/panel/*', (c) =>
    renderError(c, { status: 404, message: `There is no page at ${new URL(c.req.url).pathname}.` }),
  )

  async function renderRoute(c: Context, name: string): Promise<Response> {
    const url = new URL(c.req.url)
    const route = (await modules()).pages.get(name)!
    let data: unknown
    try {
      data = await route.handler({ url, data: deps.data, options, now: Date.now() })
    } catch (err) {
      if (err instanceof HttpError)
        return renderError(c, { status: err.status, message: err.message })
      log.error('panel page failed', { err, path: url.pathname })
      return renderError(c, {
        status: 500,
        message: 'The page could not be loaded; see the orchestrator log.',
      })
    }
    try {
      return await renderPage(c, route.title, route.default, data, 200)
    } catch (err) {
      // A person asked for a page: a component that throws still gets them the error page.
      log.error('panel page failed to render', { err, path: url.pathname })
      return renderError(c, {
        status: 500,
        message: 'The page could not be shown; see the orchestrator log.',
      })
    }
  }

  async function renderError(c: Context, data: ErrorData): Promise<Response> {
    const title = data.status === 404 ? 'Not found' : 'Error'
    try {
      return await renderPage(c, title, (await modules()).error, data, data.status)
    } catch (err) {
      log.error('panel error page failed to render', { err })
      return c.html(
        `<!DOCTYPE html><title>${title}</title><p>Something went wrong; see the orchestrator log.</p>`,
        data.status as 500,
        PAGE_HEADERS,
      )
    }
  }

  async function renderPage<T>(
    c: Context,
    title: string,
    Page: ComponentType<PageProps<T>>,
    data: T,
    status: number,
  ): Promise<Response> {
    const url = new URL(c.req.url)
    const page = await renderIslandsPage(assets, h(Page, { data, url }), (err) =>
      log.error('panel scripts unavailable; serving pages without them', { err }),
    )
    const { shell } = await modules()
    const html = renderToString(h(shell, { title, path: url.pathname, ...page }))
    return c.html(`<!DOCTYPE html>${html}`, status as 200, PAGE_HEADERS)
  }

  return app
}
