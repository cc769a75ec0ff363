/**
 * The document shell around every panel page: head, header with navigation, the page's own
 * HTML, and (only when the page rendered islands) their props and the one boot module.
 */
import { ISLAND_PROPS_ID } from '../lib/islands/hydrate.ts'
import type { ShellProps } from '../lib/islands/pages.ts'

export type AppProps = ShellProps

const NAV = [
  { href: '/panel/streams', label: 'Streams' },
  { href: '/panel/settings', label: 'Settings' },
]

export default function App({ title, path, body, assets, islandProps }: AppProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{`${title} · AceStream Peer Insight`}</title>
        <link rel="icon" href={FAVICON} />
        <link rel="stylesheet" href={assets.css} />
        {assets.preload.map((href) => (
          <link rel="modulepreload" href={href} key={href} />
        ))}
      </head>
      <body>
        <a class="skip-link" href="#main">
          Skip to content
        </a>
        <header class="topbar">
          <div class="topbar-inner">
            <a class="brand" href="/panel/streams">
              <Logo />
              <span class="brand-name">AceStream Peer Insight</span>
            </a>
            <nav class="nav" aria-label="Main">
              {NAV.map((n) => (
                <a href={n.href} aria-current={path === n.href ? 'page' : undefined} key={n.href}>
                  {n.label}
                </a>
              ))}
            </nav>
          </div>
        </header>
        <main id="main" class="page" dangerouslySetInnerHTML={{ __html: body }} />
        {islandProps !== null && (
          <script
            type="application/json"
            id={ISLAND_PROPS_ID}
            dangerouslySetInnerHTML={{ __html: islandProps }}
          />
        )}
        {assets.boot && <script type="module" src={assets.boot} />}
      </body>
    </html>
  )
}

function Logo() {
  return (
    <svg width="26" height="26" viewBox="0 0 26 26" aria-hidden="true">
      <rect width="26" height="26" rx="7" fill="var(--accent)" />
      <circle cx="13" cy="13" r="3" fill="var(--accent-text)" />
      <circle cx="6.5" cy="8" r="2" fill="var(--accent-text)" opacity=".8" />
      <circle cx="19.5" cy="8" r="2" fill="var(--accent-text)" opacity=".8" />
      <circle cx="13" cy="20.5" r="2" fill="var(--accent-text)" opacity=".8" />
      <path
        d="M13 13 6.5 8M13 13l6.5-5M13 13v7.5"
        stroke="var(--accent-text)"
        stroke-width="1.4"
        opacity=".8"
      />
    </svg>
  )
}

const FAVICON =
  'data:image/svg+xml,' +
  encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 26 26"><rect width="26" height="26" rx="7" fill="#3557d4"/><circle cx="13" cy="13" r="3.5" fill="#fff"/><circle cx="6.5" cy="8" r="2.2" fill="#fff"/><circle cx="19.5" cy="8" r="2.2" fill="#fff"/><circle cx="13" cy="20.5" r="2.2" fill="#fff"/></svg>',
  )
