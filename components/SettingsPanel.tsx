import type { ComponentChildren } from 'preact'

/** One settings tab's panel; all are rendered, the unselected ones `hidden`. */
export function SettingsPanel(props: {
  id: string
  selected: string
  title: string
  children: ComponentChildren
}) {
  return (
    <section
      class="card panel"
      role="tabpanel"
      id={`panel-${props.id}`}
      aria-labelledby={`tab-${props.id}`}
      hidden={props.id !== props.selected}
    >
      <h2>{props.title}</h2>
      {props.children}
    </section>
  )
}

/** What a tab says when its feature does not exist yet: plainly, with no dead controls. */
export function NotBuiltYet(props: { feature: string; children: ComponentChildren }) {
  return (
    <div class="callout">
      <strong>{props.feature} is not part of this version.</strong>
      <p>{props.children}</p>
    </div>
  )
}
