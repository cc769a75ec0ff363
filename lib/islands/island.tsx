/**
 * Server half of the island mechanism (Fresh's model). A page renders an island with
 * `<Island component={StreamsTable} props={...} />`: the component's HTML goes inside a
 * `<div data-island="StreamsTable" data-island-id="0">` marker, its props are recorded for the
 * page's JSON script, and the page's boot module later hydrates exactly those markers.
 *
 * @example
 * const scope = createIslandScope()
 * const html = renderWithIslands(scope, <Page />) // scope.used -> [{ name, props }]
 */
import type { ComponentType, VNode } from 'preact'
import { renderToString } from 'preact-render-to-string'

export interface IslandUse {
  name: string
  props: unknown
}

export interface IslandScope {
  used: IslandUse[]
}

// renderToString is synchronous, so "the render in progress" is a plain module variable:
// nothing else can run between setting and clearing it.
let current: IslandScope | null = null

export function createIslandScope(): IslandScope {
  return { used: [] }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function renderWithIslands(scope: IslandScope, vnode: VNode<any>): string {
  const outer = current
  current = scope
  try {
    return renderToString(vnode)
  } finally {
    current = outer
  }
}

export interface IslandProps<P> {
  component: ComponentType<P>
  props: P
}

/** Renders one island on the server inside its hydration marker. */
export function Island<P>({ component, props }: IslandProps<P>) {
  const name = component.displayName ?? component.name
  if (!current) throw new Error(`island ${name} rendered outside renderWithIslands()`)
  assertData(props, `${name} props`)
  const id = current.used.length
  current.used.push({ name, props })
  const Component = component as ComponentType<object>
  return (
    <div class="island" data-island={name} data-island-id={String(id)}>
      <Component {...(props as object)} />
    </div>
  )
}

/** Props cross to the browser as JSON, so they must be data: no functions, no class instances. */
function assertData(value: unknown, path: string): void {
  if (value === null) return
  const t = typeof value
  if (t === 'function' || t === 'symbol' || t === 'bigint') {
    throw new TypeError(`${path} is a ${t}; island props must be JSON data`)
  }
  if (t !== 'object') return
  if (Array.isArray(value)) {
    value.forEach((v, i) => assertData(v, `${path}[${i}]`))
    return
  }
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) {
    throw new TypeError(`${path} is a ${proto?.constructor?.name ?? 'class'} instance; use data`)
  }
  for (const [k, v] of Object.entries(value as object)) assertData(v, `${path}.${k}`)
}

/**
 * The page's island props as the text of a `<script type="application/json">`. `<`, U+2028 and
 * U+2029 are escaped so a peer's ISP name can never close the script element early.
 */
export function serializeIslandProps(used: IslandUse[]): string {
  return JSON.stringify(used.map((u) => u.props)).replace(/[<\u2028\u2029]/g, (ch) => {
    return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`
  })
}
