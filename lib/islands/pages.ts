/**
 * Pages found by path, as Fresh finds its routes: in a routes folder every `name.tsx` whose name
 * does not start with `_` is a page module (a `handler` that loads, a default component that
 * renders, a `title`), `_app.tsx` is the document shell and `_error.tsx` the error page. They are
 * imported at run time, so the app serving them never imports the UI's folders.
 *
 * @example
 * const pages = findPages(join(ROOT, 'routes')) // ['settings', 'streams']
 * const modules = await loadPages<PanelContext>(join(ROOT, 'routes'))
 * modules.pages.get('streams') // { title, handler, default }
 */
import { readdirSync } from 'node:fs'
import { basename, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { ComponentType } from 'preact'
import type { PageAssets } from './assets.ts'
import type { PageProps, RouteModule } from './route.ts'

/** What the document shell (`_app.tsx`) is given around a rendered page. */
export interface ShellProps {
  title: string
  /** Current path, to mark the navigation entry. */
  path: string
  /** The page's rendered HTML (islands included). */
  body: string
  assets: PageAssets
  /** Serialized island props (see serializeIslandProps); null when the page has no islands. */
  islandProps: string | null
}

/** What the error page (`_error.tsx`) shows. */
export interface ErrorData {
  status: number
  message: string
}

export interface PageModules<C> {
  shell: ComponentType<ShellProps>
  error: ComponentType<PageProps<ErrorData>>
  pages: Map<string, RouteModule<unknown, C>>
}

const PAGE_FILE = /^[a-z][a-z0-9-]*\.tsx$/

/** The page names in `dir` (file names without `.tsx`), sorted; shell and error page excluded. */
export function findPages(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => PAGE_FILE.test(f))
    .map((f) => basename(f, '.tsx'))
    .sort()
}

export async function loadPages<C>(dir: string): Promise<PageModules<C>> {
  const load = async (name: string) =>
    (await import(pathToFileURL(join(dir, `${name}.tsx`)).href)) as Record<string, unknown>
  const [shell, error] = await Promise.all([load('_app'), load('_error')])
  const pages = new Map<string, RouteModule<unknown, C>>()
  for (const name of findPages(dir)) {
    const mod = await load(name)
    if (typeof mod.handler !== 'function' || typeof mod.default !== 'function') {
      throw new TypeError(`${name}.tsx must export a handler and a default component`)
    }
    pages.set(name, {
      title: typeof mod.title === 'string' ? mod.title : name,
      handler: mod.handler as RouteModule<unknown, C>['handler'],
      default: mod.default as RouteModule<unknown, C>['default'],
    })
  }
  return {
    shell: shell.default as ComponentType<ShellProps>,
    error: error.default as ComponentType<PageProps<ErrorData>>,
    pages,
  }
}
