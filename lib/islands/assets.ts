/**
 * Builds and serves an islands app's browser assets. On first use esbuild bundles the hydration
 * runtime and every `islands/*.tsx` as separate entries with code splitting, so Preact and the
 * shared helpers land in one chunk the browser caches once. Every file name carries a content
 * hash and is served as immutable. A page's boot module (also content-hashed) imports only the
 * islands that page rendered.
 *
 * @example
 * const assets = createAssets({ islandsDir, stylesPath, prefix: '/panel/assets/' })
 * const page = await assets.forPage(['StreamsTable']) // { boot, preload, css }
 * app.get('/panel/assets/:file', async (c) => serve(await assets.get(c.req.param('file'))))
 */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type Metafile } from 'esbuild'

/** The browser half of the islands mechanism, the entry every boot module imports. */
const HYDRATE_RUNTIME = fileURLToPath(new URL('./hydrate.ts', import.meta.url))
const IMMUTABLE = 'public, max-age=31536000, immutable'

export interface AssetsOptions {
  /** Folder whose top-level PascalCase `.tsx` files are the islands. */
  islandsDir: string
  /** URL path the files are served under, ending in `/` (e.g. `/panel/assets/`). */
  prefix: string
  /** Browser runtime entry; default this folder's `hydrate.ts`. */
  runtimePath?: string
  stylesPath: string
  /** Minify and drop debug helpers; off only to read the bundle while debugging. */
  minify?: boolean
}

export interface Asset {
  body: Uint8Array
  contentType: string
  cacheControl: string
}

export interface PageAssets {
  /** URL of the module script that hydrates this page's islands; null when it has none. */
  boot: string | null
  /** Every JS file the boot module pulls in, for `<link rel="modulepreload">`. */
  preload: string[]
  css: string
}

export interface Assets {
  islandNames(): string[]
  forPage(islands: string[]): Promise<PageAssets>
  /** URL of the stylesheet (always available, even when the JS build failed). */
  cssUrl(): string
  get(file: string): Promise<Asset | undefined>
  /** Starts the build now (e.g. at server start) instead of on the first page. */
  warm(): Promise<void>
}

interface Built {
  files: Map<string, Asset>
  /** entry name ("hydrate", "StreamsTable") -> its output file name */
  entries: Map<string, string>
  /** output file name -> the JS files it imports statically */
  imports: Map<string, string[]>
}

export function listIslands(islandsDir: string): string[] {
  return readdirSync(islandsDir)
    .filter((f) => /^[A-Z][A-Za-z0-9]*\.tsx$/.test(f))
    .map((f) => basename(f, '.tsx'))
    .sort()
}

// One build per distinct options per process: every app a test suite creates shares it.
const sharedBuilds = new Map<string, Promise<Built>>()

type ResolvedAssetsOptions = AssetsOptions & { runtimePath: string }

export function createAssets(given: AssetsOptions): Assets {
  const opts: ResolvedAssetsOptions = {
    ...given,
    islandsDir: resolve(given.islandsDir),
    runtimePath: resolve(given.runtimePath ?? HYDRATE_RUNTIME),
    stylesPath: resolve(given.stylesPath),
  }
  const prefix = opts.prefix
  const names = listIslands(opts.islandsDir)
  // The stylesheet does not depend on esbuild: pages keep their looks even if a build fails.
  const cssText = readFileSync(opts.stylesPath)
  const cssName = `panel-${hash(cssText)}.css`
  const cssAsset: Asset = {
    body: cssText,
    contentType: 'text/css; charset=utf-8',
    cacheControl: IMMUTABLE,
  }
  const boots = new Map<string, PageAssets>()
  const key = JSON.stringify(opts)

  function built(): Promise<Built> {
    let building = sharedBuilds.get(key)
    if (!building) {
      building = buildAll(opts, names).catch((err: unknown) => {
        sharedBuilds.delete(key) // a failed build is retried on the next request, not cached
        throw err
      })
      sharedBuilds.set(key, building)
    }
    return building
  }

  return {
    islandNames: () => names,
    cssUrl: () => prefix + cssName,
    async warm() {
      await built()
    },
    async get(file) {
      if (file === cssName) return cssAsset
      return (await built()).files.get(file)
    },
    async forPage(islands) {
      const b = await built()
      const wanted = [...new Set(islands)].sort()
      const key = wanted.join(',')
      const cached = boots.get(key)
      if (cached) return cached
      const css = prefix + cssName
      if (wanted.length === 0) return { boot: null, preload: [], css }
      const runtime = b.entries.get('hydrate')!
      const lines = [`import{revive}from"./${runtime}";`]
      wanted.forEach((name, i) => {
        const file = b.entries.get(name)
        if (!file) throw new Error(`unknown island ${name}; islands are ${names.join(', ')}`)
        lines.push(`import i${i} from"./${file}";`)
      })
      lines.push(`revive({${wanted.map((n, i) => `${JSON.stringify(n)}:i${i}`).join(',')}});`)
      const text = lines.join('\n')
      const bootName = `boot-${hash(text)}.js`
      b.files.set(bootName, jsAsset(text))
      const preload = closure([runtime, ...wanted.map((n) => b.entries.get(n)!)], b.imports).map(
        (f) => prefix + f,
      )
      const page = { boot: prefix + bootName, preload, css }
      boots.set(key, page)
      return page
    },
  }
}

async function buildAll(opts: ResolvedAssetsOptions, names: string[]): Promise<Built> {
  const workDir = dirname(opts.islandsDir)
  const outdir = join(workDir, '.panel-assets') // virtual: write is off, only names matter
  const entryPoints: Record<string, string> = { hydrate: opts.runtimePath }
  for (const n of names) entryPoints[n] = join(opts.islandsDir, `${n}.tsx`)
  const result = await build({
    entryPoints,
    absWorkingDir: workDir,
    outdir,
    write: false,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: opts.minify ?? true,
    metafile: true,
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'none',
    logLevel: 'silent',
  })
  const files = new Map<string, Asset>()
  for (const f of result.outputFiles) files.set(relative(outdir, f.path), jsAsset(f.contents))
  const { entries, imports } = readMetafile(result.metafile, workDir, outdir, opts)
  return { files, entries, imports }
}

// Metafile paths are relative to the working directory; outputs are named relative to outdir.
function readMetafile(
  meta: Metafile,
  workDir: string,
  outdir: string,
  opts: ResolvedAssetsOptions,
) {
  const entries = new Map<string, string>()
  const imports = new Map<string, string[]>()
  const name = (p: string) => relative(outdir, resolve(workDir, p))
  for (const [out, info] of Object.entries(meta.outputs)) {
    const file = name(out)
    imports.set(
      file,
      info.imports.filter((i) => i.kind === 'import-statement').map((i) => name(i.path)),
    )
    if (!info.entryPoint) continue
    const entry = resolve(workDir, info.entryPoint)
    entries.set(
      entry === resolve(opts.runtimePath) ? 'hydrate' : basename(entry).replace(/\.tsx$/, ''),
      file,
    )
  }
  return { entries, imports }
}

/** Every file reachable from `roots` through static imports, roots first. */
export function closure(roots: string[], imports: Map<string, string[]>): string[] {
  const seen = new Set<string>()
  const visit = (f: string) => {
    if (seen.has(f)) return
    seen.add(f)
    for (const i of imports.get(f) ?? []) visit(i)
  }
  roots.forEach(visit)
  return [...seen]
}

function jsAsset(body: string | Uint8Array): Asset {
  return {
    body: typeof body === 'string' ? new TextEncoder().encode(body) : body,
    contentType: 'text/javascript; charset=utf-8',
    cacheControl: IMMUTABLE,
  }
}

function hash(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('base64url').slice(0, 10)
}
