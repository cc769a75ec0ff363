// `npm run bench`: runs every bench/*.bench.ts in name order, one at a time so they do not
// compete for the two cores. Each module's default export prints its own figures as ratios
// to a baseline it measures in the same run. `npm run bench -- cache` runs names containing "cache".
import { readdirSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { dirname, join } from 'node:path'

const here = dirname(fileURLToPath(import.meta.url))
const filter = process.argv[2]
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts') || f.endsWith('.bench.tsx'))
  .filter((f) => !filter || f.includes(filter))
  .sort()

for (const file of files) {
  console.log(`\n=== ${file} ===`)
  const mod = (await import(pathToFileURL(join(here, file)).href)) as {
    default: () => Promise<void>
  }
  await mod.default()
}
process.exit(0)
