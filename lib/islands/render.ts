/**
 * Renders a page's body with its islands and finds what the browser needs for them: the HTML,
 * the page's scripts and stylesheet, and the islands' props as the text of a JSON script. The
 * app wraps the result in its own document shell.
 *
 * @example
 * const page = await renderIslandsPage(assets, h(StreamsPage, { data, url }))
 * // { body: '<div class="island" data-island="StreamsTable" ...', assets: { boot, ... }, islandProps }
 */
import type { VNode } from 'preact'
import type { Assets, PageAssets } from './assets.ts'
import { createIslandScope, renderWithIslands, serializeIslandProps } from './island.tsx'

export interface RenderedPage {
  /** The page's HTML, islands inside their hydration markers. */
  body: string
  assets: PageAssets
  /** Serialized island props; null when the page ships no script. */
  islandProps: string | null
}

export async function renderIslandsPage(
  assets: Assets,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  vnode: VNode<any>,
  onAssetsError: (err: unknown) => void = () => {},
): Promise<RenderedPage> {
  const scope = createIslandScope()
  const body = renderWithIslands(scope, vnode)
  const page = await pageAssets(
    assets,
    scope.used.map((u) => u.name),
    onAssetsError,
  )
  return { body, assets: page, islandProps: page.boot ? serializeIslandProps(scope.used) : null }
}

/** A page's scripts; when the bundle cannot be built the page still ships, just without them. */
async function pageAssets(
  assets: Assets,
  islands: string[],
  onError: (err: unknown) => void,
): Promise<PageAssets> {
  try {
    return await assets.forPage(islands)
  } catch (err) {
    onError(err)
    return { boot: null, preload: [], css: assets.cssUrl() }
  }
}
