import type { ComponentChildren } from 'preact'

export type StateKind = 'loading' | 'empty' | 'error'

/** The loading, empty and error states of a panel, worded for a person, announced politely. */
export function StateMessage(props: {
  kind: StateKind
  title: string
  children?: ComponentChildren
}) {
  const { kind, title, children } = props
  return (
    <div
      class={`state state-${kind}`}
      role={kind === 'error' ? 'alert' : 'status'}
      data-state={kind}
    >
      {kind === 'loading' && <span class="spinner" aria-hidden="true" />}
      <div>
        <strong>{title}</strong>
        {children && <p>{children}</p>}
      </div>
    </div>
  )
}
