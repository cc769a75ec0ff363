// `npm run build:collector`: bundles collector/main.ts and the TypeScript it imports into one
// JavaScript file that plain `node` runs, so the shipped collector carries no TypeScript loader
// (tsx's loader thread and its transform cache cost about 40 MB of RSS at run time). Packages
// stay external and load from node_modules as before. The collector image runs this at build;
// `npm run start:collector` keeps running the sources through tsx for development.
import { build } from 'esbuild'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../', import.meta.url))

/**
 * The bundle's path from the repository root. One folder deep, like the sources it replaces, so
 * `new URL('../package.json', import.meta.url)` in the service still finds package.json.
 */
export const COLLECTOR_BUNDLE = 'dist/collector.mjs'

/**
 * Writes COLLECTOR_BUNDLE from collector/main.ts.
 *
 * @example
 * await buildCollector() // then: node dist/collector.mjs
 */
export async function buildCollector(): Promise<void> {
  await build({
    entryPoints: [join(ROOT, 'collector/main.ts')],
    outfile: join(ROOT, COLLECTOR_BUNDLE),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: false,
    logLevel: 'warning',
  })
}

if (import.meta.url === `file://${process.argv[1]}`) await buildCollector()
