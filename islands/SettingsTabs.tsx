/**
 * The settings page's tab list. The server renders every tab panel (only the selected one
 * visible) and this list as links (`?tab=proxy`), so it works without JavaScript; hydrated, it
 * switches panels in place with the ARIA tabs keyboard pattern (arrows, Home, End).
 */
import { useSignal } from '@preact/signals'

export interface SettingsTabsProps {
  tabs: { id: string; label: string }[]
  selected: string
}

export default function SettingsTabs({ tabs, selected }: SettingsTabsProps) {
  const current = useSignal(selected)

  const select = (id: string, focus: boolean) => {
    current.value = id
    for (const t of tabs) {
      const panel = document.getElementById(`panel-${t.id}`)
      if (panel) panel.hidden = t.id !== id
    }
    history.replaceState(null, '', `${location.pathname}?tab=${encodeURIComponent(id)}`)
    if (focus) document.getElementById(`tab-${id}`)?.focus()
  }

  const onKey = (e: KeyboardEvent) => {
    const i = tabs.findIndex((t) => t.id === current.value)
    const n = tabs.length
    // The list is a column on wide screens and a row on phones: both arrow pairs work.
    const next =
      e.key === 'ArrowRight' || e.key === 'ArrowDown'
        ? (i + 1) % n
        : e.key === 'ArrowLeft' || e.key === 'ArrowUp'
          ? (i - 1 + n) % n
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? n - 1
              : -1
    if (next < 0) return
    e.preventDefault()
    select(tabs[next]!.id, true)
  }

  return (
    <div class="tabs settings-tabs" role="tablist" aria-label="Settings sections" onKeyDown={onKey}>
      {tabs.map((t) => (
        <a
          key={t.id}
          id={`tab-${t.id}`}
          class="tab"
          role="tab"
          href={`?tab=${t.id}`}
          aria-selected={t.id === current.value ? 'true' : 'false'}
          aria-controls={`panel-${t.id}`}
          tabIndex={t.id === current.value ? 0 : -1}
          onClick={(e) => {
            if (e.metaKey || e.ctrlKey || e.shiftKey) return
            e.preventDefault()
            select(t.id, false)
          }}
        >
          {t.label}
        </a>
      ))}
    </div>
  )
}
