// A small Dockerfile reader for the checks that need no Docker engine: instructions per stage,
// COPY sources, exec-form commands, and the TypeScript files an image ships and imports.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { dirname, join, normalize, relative } from 'node:path'

/** The repository's Dockerfiles, relative to the build context (the repository root). */
export const DOCKERFILES = {
  collector: 'compose/collector.Dockerfile',
  orchestrator: 'compose/orchestrator.Dockerfile',
} as const

const KEYWORDS = new Set([
  'FROM',
  'RUN',
  'CMD',
  'LABEL',
  'EXPOSE',
  'ENV',
  'ADD',
  'COPY',
  'ENTRYPOINT',
  'VOLUME',
  'USER',
  'WORKDIR',
  'ARG',
  'ONBUILD',
  'STOPSIGNAL',
  'HEALTHCHECK',
  'SHELL',
])

export interface Instruction {
  keyword: string
  args: string
  line: number
}
export interface Stage {
  /** The image or earlier stage name after FROM. */
  from: string
  name?: string
  instructions: Instruction[]
}

/** Splits a Dockerfile into stages; throws on an unknown instruction or text before FROM. */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1
    let line = lines[i]!
    if (/^\s*(#|$)/.test(line)) continue
    // Continuations; comment and empty lines inside one are dropped, as Docker does.
    let more = line.endsWith('\\')
    if (more) line = line.slice(0, -1)
    while (more && i + 1 < lines.length) {
      const next = lines[++i]!
      if (/^\s*(#|$)/.test(next)) continue
      more = next.endsWith('\\')
      line += ' ' + (more ? next.slice(0, -1) : next).trim()
    }
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line)
    if (!m) throw new Error(`line ${start}: cannot read "${line}"`)
    const keyword = m[1]!.toUpperCase()
    if (!KEYWORDS.has(keyword)) throw new Error(`line ${start}: unknown instruction ${keyword}`)
    const args = m[2]!.trim()
    if (keyword === 'FROM') {
      const f = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args)
      if (!f) throw new Error(`line ${start}: cannot read FROM ${args}`)
      stages.push({ from: f[1]!, name: f[2]?.toLowerCase(), instructions: [] })
      continue
    }
    const stage = stages.at(-1)
    if (!stage) {
      if (keyword !== 'ARG') throw new Error(`line ${start}: ${keyword} before FROM`)
      continue
    }
    stage.instructions.push({ keyword, args, line: start })
  }
  if (!stages.length) throw new Error('no FROM')
  return stages
}

/** The base image a stage ends up on, following `FROM <earlier stage>`. */
export function baseImage(stages: Stage[], stage: Stage): string {
  const earlier = stages.find((s) => s.name && s.name === stage.from.toLowerCase())
  return earlier && earlier !== stage ? baseImage(stages, earlier) : stage.from
}

/** `["a", "b"]` to an array; anything else (shell form) to null. */
export function execForm(args: string): string[] | null {
  if (!args.startsWith('[')) return null
  const parsed: unknown = JSON.parse(args)
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string'))
    throw new Error(`not an exec form: ${args}`)
  return parsed
}

export interface Copy {
  from?: string
  sources: string[]
  dest: string
  line: number
}

export function copies(stage: Stage): Copy[] {
  return stage.instructions
    .filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD')
    .map((i) => {
      const words = execForm(i.args) ?? i.args.split(/\s+/)
      const flags = words.filter((w) => w.startsWith('--'))
      const paths = words.filter((w) => !w.startsWith('--'))
      const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length)
      return { from, sources: paths.slice(0, -1), dest: paths.at(-1)!, line: i.line }
    })
}

/** `KEY=value` pairs of ENV instructions (the `KEY=value` form only). */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {}
  for (const i of stage.instructions.filter((i) => i.keyword === 'ENV')) {
    for (const m of i.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)/g))
      env[m[1]!] = m[2]!.replace(/^"|"$/g, '')
  }
  return env
}

/** Patterns of .dockerignore as predicates on context-relative paths (`*` within a segment). */
export function dockerignore(root: string): (path: string) => boolean {
  const file = join(root, '.dockerignore')
  const patterns = existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'))
    : []
  const res = patterns.map(
    (p) =>
      new RegExp('^' + p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*') + '(/.*)?$'),
  )
  return (path) => res.some((r) => r.test(normalize(path).replace(/^\.\//, '')))
}

export interface ImportProblem {
  file: string
  specifier: string
  reason: string
}

/**
 * Follows the imports of `entries` (relative ones recursively) and reports what the image could
 * not load: a relative import outside the shipped paths, or a package that `npm ci --omit=dev`
 * does not install. Type-only imports are skipped: tsx erases them.
 */
export function checkImports(
  root: string,
  entries: string[],
  shipped: (path: string) => boolean,
  runtimePackages: Set<string>,
): ImportProblem[] {
  const problems: ImportProblem[] = []
  const seen = new Set<string>()
  const queue = [...entries]
  while (queue.length) {
    const file = queue.pop()!
    if (seen.has(file)) continue
    seen.add(file)
    const text = readFileSync(join(root, file), 'utf8')
    for (const spec of importsOf(text)) {
      if (spec.startsWith('.')) {
        const target = relative(root, join(root, dirname(file), spec))
        if (!shipped(target)) problems.push({ file, specifier: spec, reason: 'not in the image' })
        else if (!existsSync(join(root, target)))
          problems.push({ file, specifier: spec, reason: 'does not exist' })
        else if (/\.tsx?$/.test(target)) queue.push(target)
        continue
      }
      if (spec.startsWith('node:') || builtinModules.includes(spec)) continue
      const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!
      if (!runtimePackages.has(pkg))
        problems.push({ file, specifier: spec, reason: `${pkg} is not a runtime dependency` })
    }
  }
  return problems
}

function importsOf(text: string): string[] {
  const out: string[] = []
  const statement = /^\s*(import|export)\s+(type\s+)?[^'"();=]*?from\s+['"]([^'"]+)['"]/gm
  for (const m of text.matchAll(statement)) if (!m[2]) out.push(m[3]!)
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) out.push(m[1]!)
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]!)
  return out
}

/** Every .ts/.tsx file under the given context-relative paths. */
export function sourceFiles(root: string, paths: string[]): string[] {
  const out: string[] = []
  const walk = (p: string) => {
    const full = join(root, p)
    if (!existsSync(full)) return
    if (statSync(full).isDirectory()) for (const e of readdirSync(full)) walk(join(p, e))
    else if (/\.tsx?$/.test(p)) out.push(p)
  }
  paths.forEach(walk)
  return out
}
