/** The influencer-ingester connector: the ingester's raw fills and signals as NormalizedEvents. */
export {
  InfluencerIngesterConnector,
  InfluencerIngesterOptions,
  influencerIngesterFactory,
  INFLUENCER_INGESTER_KIND,
} from './connector.js';
export { normalizeIngesterRecord, ingesterRecordBytes } from './normalize.js';
