/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), for tests: every
 * line must be a comment, a `# HELP`/`# TYPE` line or a sample whose family was typed first;
 * anything else throws, so a malformed `/metrics` fails the test that reads it.
 *
 * @example
 * const m = parsePrometheusText(await (await fetch(`${url}/metrics`)).text())
 * m.value('collector_dht_nodes') // 8
 */
export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

export interface ParsedMetrics {
  /** Family name -> type (counter, gauge, histogram, summary, untyped). */
  types: Map<string, string>
  samples: Sample[]
  /** The value of the one sample with this name and (a superset of) these labels. */
  value(name: string, labels?: Record<string, string>): number | undefined
  /** Sum over samples with this name whose labels include `labels`. */
  sum(name: string, labels?: Record<string, string>): number
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$/
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y

export function parsePrometheusText(text: string): ParsedMetrics {
  const types = new Map<string, string>()
  const samples: Sample[] = []
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$/.exec(line)
      if (m?.[1] === 'TYPE') {
        if (!/^(counter|gauge|histogram|summary|untyped)$/.test(m[3]!))
          throw new Error(`line ${i + 1}: unknown type ${m[3]}`)
        types.set(m[2]!, m[3]!)
      }
      continue
    }
    const m = SAMPLE.exec(line)
    if (!m) throw new Error(`line ${i + 1} is not a sample: ${line}`)
    const name = m[1]!
    const family = familyOf(name, types)
    if (!family) throw new Error(`line ${i + 1}: sample ${name} has no # TYPE before it`)
    const labels: Record<string, string> = {}
    if (m[3]) {
      LABEL.lastIndex = 0
      const body = m[3]
      while (LABEL.lastIndex < body.length) {
        const l = LABEL.exec(body)
        if (!l) throw new Error(`line ${i + 1}: bad labels {${body}}`)
        labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\')
      }
    }
    const raw = m[4]!
    // Prometheus reads values with Go's ParseFloat: NaN and Inf in any case (prom-client writes Nan).
    const value = /^nan$/i.test(raw)
      ? NaN
      : /^[+-]?inf$/i.test(raw)
        ? raw.startsWith('-')
          ? -Infinity
          : Infinity
        : Number(raw)
    if (Number.isNaN(value) && !/^nan$/i.test(raw))
      throw new Error(`line ${i + 1}: bad value ${raw}`)
    samples.push({ name, labels, value })
  }
  const matching = (name: string, labels: Record<string, string> = {}) =>
    samples.filter(
      (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
    )
  return {
    types,
    samples,
    value(name, labels) {
      const found = matching(name, labels)
      if (found.length > 1) throw new Error(`${found.length} samples of ${name} match`)
      return found[0]?.value
    },
    sum: (name, labels) => matching(name, labels).reduce((n, s) => n + s.value, 0),
  }
}

function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name
  for (const suffix of ['_bucket', '_sum', '_count', '_total', '_created']) {
    if (name.endsWith(suffix) && types.has(name.slice(0, -suffix.length)))
      return name.slice(0, -suffix.length)
  }
  return undefined
}
