/**
 * The REST info client of a Hyperliquid backfill: its own weight budget (named after the
 * connector), so a backfill never spends more of the IP's 1 200 weight a minute than the budget
 * grants, whichever range source (candles, fills) asks.
 */
import type { Clock, Logger } from '../../core/index.js';
import { InfoClient, InfoWeightBudget } from '../../protocol/index.js';
import type { ConnectorManifest } from '../connectors/index.js';
import type { ValidatorSettings } from '../validation/index.js';
import type { AssemblingRangeSourceOptions } from './assembling-source.js';

/** What every Hyperliquid range source is built from, besides its own options. */
export interface HlRangeSourceBase {
  /** The connector's manifest (mapping, time bounds, source id). */
  readonly manifest: ConnectorManifest;
  readonly validation: ValidatorSettings;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly onQuarantine?: AssemblingRangeSourceOptions['onQuarantine'];
}

export function backfillInfoClient(o: {
  readonly connector: string;
  readonly url: string;
  readonly clock: Clock;
  readonly logger: Logger;
}): InfoClient {
  const budget = new InfoWeightBudget({ name: `${o.connector}-backfill-info`, clock: o.clock });
  return new InfoClient({ url: o.url, clock: o.clock, logger: o.logger, weightBudget: budget });
}
