/**
 * Browser half of the island mechanism: each page's boot module imports the islands that page
 * rendered and calls `revive`, which hydrates every `[data-island]` marker with the props the
 * server serialized. Islands the page did not render are never downloaded.
 */
import { h, hydrate, type ComponentType } from 'preact'

export const ISLAND_PROPS_ID = '__ISLAND_PROPS__'

export function revive(islands: Record<string, ComponentType<Record<string, unknown>>>): void {
  const propsEl = document.getElementById(ISLAND_PROPS_ID)
  const allProps = JSON.parse(propsEl?.textContent || '[]') as Record<string, unknown>[]
  for (const el of document.querySelectorAll<HTMLElement>('[data-island]')) {
    const name = el.dataset.island ?? ''
    const component = islands[name]
    const props = allProps[Number(el.dataset.islandId)]
    if (!component || !props) continue
    try {
      hydrate(h(component, props), el)
      el.dataset.hydrated = 'true'
    } catch (err) {
      // One broken island must not take the rest of the page down with it; its server HTML stays.
      el.dataset.hydrated = 'error'
      console.error(`island ${name} failed to hydrate`, err)
    }
  }
  // Browser tests wait for this marker instead of sleeping (Fresh waits for `.ready` too).
  document.body.classList.add('ready')
}
