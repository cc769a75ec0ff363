// Peer enrichment: offline geolocation, opt-in web fallback, client identification.
export {
  createPeerEnricher,
  type PeerEnricherOptions,
  type EnrichSettings,
} from './create-enricher.ts'
export { loadGeoIp, type GeoIp, type GeoFields, type GeoDatabaseInfo } from './geoip.ts'
export { ENRICH_SETTINGS } from './settings.ts'
export { validateGeoFields } from './web-geo-api.ts'
