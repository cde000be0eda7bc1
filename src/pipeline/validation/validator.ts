/**
 * The validation stages in M0 §7 order for one mapped draft: time bounds, source sanity,
 * outliers, cross-source divergence (schema is checked when the payload is encoded). Hard
 * failures return a quarantine reason; soft findings return quality flags. Quarantined drafts
 * do not feed the rolling statistics.
 */
import { QUALITY_FLAGS } from '../envelope/index.js';
import type { NormalizedDraft, TimeBounds } from '../connectors/index.js';
import type { QuarantineReason } from '../quarantine/index.js';
import type { Divergence, DivergenceSettings, PriceKind } from './divergence.js';
import { DivergenceTracker } from './divergence.js';
import type { OutlierSettings } from './outliers.js';
import { OutlierDetector } from './outliers.js';
import { checkSanity, referencePrice } from './sanity.js';
import { checkTimeBounds } from './time-bounds.js';

export interface ValidatorSettings {
  readonly outlier: OutlierSettings;
  readonly divergence: DivergenceSettings;
}

export type Verdict =
  | { readonly ok: true; readonly flags: number; readonly divergence?: Divergence }
  | {
      readonly ok: false;
      readonly reason: QuarantineReason;
      readonly detail: string;
      readonly flags: number;
    };

const KIND: Partial<Record<NormalizedDraft['payloadType'], PriceKind>> = {
  TRADE_TICK_V1: 'trade',
  BOOK_TOP_V1: 'mid',
  ASSET_CTX_V1: 'mark',
};

export class Validator {
  private readonly outliers: OutlierDetector;
  private readonly divergence: DivergenceTracker;

  constructor(settings: ValidatorSettings) {
    this.outliers = new OutlierDetector(settings.outlier);
    this.divergence = new DivergenceTracker(settings.divergence);
  }

  check(d: NormalizedDraft, marketId: string, ingestTimeMs: number, bounds: TimeBounds): Verdict {
    const time = checkTimeBounds(d.eventTimeMs, ingestTimeMs, bounds);
    if (time !== 'ok') {
      const lim =
        time === 'FUTURE_EVENT_TIME' ? `skew ${bounds.maxSkewMs}` : `staleness ${bounds.maxStalenessMs}`;
      return {
        ok: false,
        reason: time,
        detail: `event time ${d.eventTimeMs} vs ingest ${ingestTimeMs}: beyond max ${lim} ms`,
        flags: 0,
      };
    }
    const sanity = checkSanity(d);
    if (sanity.problem !== undefined)
      return { ok: false, reason: 'SANITY_FAILED', detail: `${d.payloadType}: ${sanity.problem}`, flags: 0 };
    let flags = sanity.flags;
    const px = referencePrice(d);
    if (px === undefined) return { ok: true, flags };
    if (this.outliers.observe(`${marketId}|${d.payloadType}`, px)) flags |= QUALITY_FLAGS.OUTLIER_DETECTED;
    const kind = KIND[d.payloadType];
    if (kind === undefined) return { ok: true, flags };
    const divergence = this.divergence.observe(marketId, kind, px, d.eventTimeMs);
    if (divergence === undefined) return { ok: true, flags };
    return { ok: true, flags: flags | QUALITY_FLAGS.SOURCE_DIVERGENCE, divergence };
  }
}
