import { defineSettings, int } from '../../lib/settings.ts'

/** Enrichment settings of the collector; composed into collector/config.ts. */
export const ENRICH_SETTINGS = defineSettings({
  MAX_PEERS_TO_ENRICH: {
    default: '50',
    doc: 'Peers per answer that get geolocation and client identification',
    parse: int({ min: 0, max: 1000 }),
  },
})
