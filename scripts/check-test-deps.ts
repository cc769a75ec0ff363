// First step of `npm test`: the suite runs against real parts (redis-server, chromium,
// docker-compose's parser). Without them dozens of tests would fail with unrelated-looking
// errors, so name what is missing and how to install it, then stop.
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'

const NEEDED: Array<{ bin: string; pkg: string; why: string }> = [
  { bin: 'redis-server', pkg: 'redis-server', why: 'the collector cache tests' },
  { bin: '/usr/bin/chromium', pkg: 'chromium', why: 'the dashboard end-to-end tests' },
  { bin: 'docker-compose', pkg: 'docker-compose', why: 'validating the compose files' },
]

function found(bin: string): boolean {
  const candidates = bin.includes('/')
    ? [bin]
    : (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, bin))
  return candidates.some((path) => {
    try {
      accessSync(path, constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}

const missing = NEEDED.filter((n) => !found(n.bin))
if (missing.length) {
  console.error('npm test needs programs that are not installed:')
  for (const m of missing) console.error(`  - ${m.bin} (Debian package ${m.pkg}), for ${m.why}`)
  console.error(
    `Install them, e.g.: sudo apt-get update && sudo apt-get install -y ${missing.map((m) => m.pkg).join(' ')}` +
      '\n(.ci/run does exactly this before running the tests.)',
  )
  process.exit(1)
}
