/**
 * `/panel/settings`: five tabs as in the original (General, Proxy, Peer Collector, Loop
 * Detection, Backup). Every panel is in the HTML; `?tab=` picks the visible one, so the page
 * reads without JavaScript. Tabs without a backing feature say so instead of showing controls.
 */
import ApiKeyForm from '../islands/ApiKeyForm.tsx'
import BackupRestore from '../islands/BackupRestore.tsx'
import CacheTtlForm from '../islands/CacheTtlForm.tsx'
import CollectorSettings from '../islands/CollectorSettings.tsx'
import LoopDetectionSettings from '../islands/LoopDetectionSettings.tsx'
import PrivacySettings from '../islands/PrivacySettings.tsx'
import SettingsTabs from '../islands/SettingsTabs.tsx'
import type { LoopingStream, RuntimeSettings } from '../utils/types.ts'
import type { PanelContext } from '../lib/contract/panel.ts'
import { LOOP_DETECTION_BOUNDS } from '../lib/contract/runtime-settings.ts'
import { Island } from '../lib/islands/island.tsx'
import type { Handler, PageProps } from '../lib/islands/route.ts'
import { NotBuiltYet, SettingsPanel } from '../components/SettingsPanel.tsx'

export const title = 'Settings'

export const TABS = [
  { id: 'general', label: 'General' },
  { id: 'proxy', label: 'Proxy' },
  { id: 'peer-collector', label: 'Peer Collector' },
  { id: 'loop-detection', label: 'Loop Detection' },
  { id: 'backup', label: 'Backup' },
]

export interface SettingsData {
  tab: string
  settings: RuntimeSettings
  apiKeyRequired: boolean
  looping: LoopingStream[]
}

export const handler: Handler<SettingsData, PanelContext> = async ({ url, data, options }) => {
  const asked = url.searchParams.get('tab') ?? ''
  return {
    tab: TABS.some((t) => t.id === asked) ? asked : 'general',
    settings: await data.runtimeSettings(),
    apiKeyRequired: options.apiKeyRequired,
    looping: (await data.looping?.()) ?? [],
  }
}

export default function SettingsPage({ data }: PageProps<SettingsData>) {
  const { tab, settings } = data
  return (
    <div>
      <div class="page-head">
        <div>
          <h1>Settings</h1>
          <p>Changes apply at once and persist across restarts.</p>
        </div>
      </div>
      <div class="settings-grid">
        <Island component={SettingsTabs} props={{ tabs: TABS, selected: tab }} />
        <div class="settings-panels">
          <SettingsPanel id="general" selected={tab} title="General">
            <p class="lede">
              How this browser talks to the orchestrator, and how fresh peer lists are.
            </p>
            <Island component={ApiKeyForm} props={{ required: data.apiKeyRequired }} />
            <div class="section">
              <Island component={CacheTtlForm} props={{ ttlSeconds: settings.CACHE_TTL_SECONDS }} />
            </div>
            <div class="section">
              <Island
                component={PrivacySettings}
                props={{ mask: settings.MASK_PEER_ADDRESSES === true }}
              />
            </div>
          </SettingsPanel>

          <SettingsPanel id="proxy" selected={tab} title="Proxy">
            <NotBuiltYet feature="An engine proxy">
              This orchestrator does not run a stream proxy. Streams reach it from the proxy you
              already run, which posts <code>/events/stream_started</code> and{' '}
              <code>/events/stream_ended</code>. There is nothing to configure here.
            </NotBuiltYet>
          </SettingsPanel>

          <SettingsPanel id="peer-collector" selected={tab} title="Peer Collector">
            <p class="lede">
              Lists who is in each stream’s BitTorrent swarm, through a collector running inside
              your VPN container.
            </p>
            <Island
              component={CollectorSettings}
              props={{ enabled: settings.PEER_COLLECTOR_ENABLED, url: settings.PEER_COLLECTOR_URL }}
            />
            <div class="section">
              <h3>About peer collection</h3>
              <ul class="notes">
                <li>
                  The collector runs inside the Gluetun VPN container (
                  <code>network_mode: service:gluetun</code>) so it joins swarms through the VPN;
                  the orchestrator stays outside and asks it over HTTP.
                </li>
                <li>
                  It finds peers through the BitTorrent DHT and trackers and keeps tracking a swarm
                  for a while, so later looks are fuller and instant. A stream whose magnet or start
                  event names its own trackers is looked up on those too.
                </li>
                <li>
                  With one collector per VPN, list every URL: each is asked at once, their peers are
                  merged by address (each peer says which collector saw it), and the list stays
                  available while one of them is down.
                </li>
                <li>
                  Peer lists are cached for {settings.CACHE_TTL_SECONDS} s (General → Peer list
                  cache); country, city and ISP come from an offline database, so peer addresses are
                  never sent to a third party.
                </li>
                <li>
                  Without the collector the Streams page still shows each engine’s peer count, just
                  not who the peers are.
                </li>
              </ul>
            </div>
          </SettingsPanel>

          <SettingsPanel id="loop-detection" selected={tab} title="Loop Detection">
            <p class="lede">
              Notices a live stream that stopped advancing, lists it, and can stop it. Changes apply
              at the next check.
            </p>
            <Island
              component={LoopDetectionSettings}
              props={{
                enabled: settings.LOOP_DETECTION_ENABLED,
                thresholdS: settings.LOOP_DETECTION_THRESHOLD_S,
                intervalS: settings.LOOP_DETECTION_INTERVAL_S,
                stop: settings.LOOP_DETECTION_STOP,
                retentionS: settings.LOOP_DETECTION_RETENTION_S,
                bounds: {
                  threshold: { ...LOOP_DETECTION_BOUNDS.LOOP_DETECTION_THRESHOLD_S },
                  interval: { ...LOOP_DETECTION_BOUNDS.LOOP_DETECTION_INTERVAL_S },
                  retention: { ...LOOP_DETECTION_BOUNDS.LOOP_DETECTION_RETENTION_S },
                },
                flagged: data.looping,
              }}
            />
          </SettingsPanel>

          <SettingsPanel id="backup" selected={tab} title="Backup">
            <p class="lede">Save the runtime settings to a file, or restore them from one.</p>
            <Island component={BackupRestore} props={{ keys: Object.keys(settings) }} />
          </SettingsPanel>
        </div>
      </div>
    </div>
  )
}
