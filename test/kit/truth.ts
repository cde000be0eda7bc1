/**
 * Ground truth as the service sees it: the event id the service derives from a simulator fill,
 * with price and size normalised the way the normaliser writes them.
 */
import { dec, decStr, eventId } from '../../src/core/index.js';

/** The service's event id of a ground-truth fill of `user`. */
export function truthEventId(
  user: string,
  f: { coin: string; side: 'B' | 'A'; tid: number; oid: number; time: number; px: string; sz: string },
): string {
  return eventId({
    user,
    coin: f.coin,
    side: f.side,
    tid: f.tid,
    oid: f.oid,
    time: f.time,
    px: decStr(dec(f.px)),
    sz: decStr(dec(f.sz)),
  });
}

/** One tracked account's ground truth as the e2e checks compare it with the signals. */
export interface TruthAccount {
  readonly id: string;
  /** Final ground-truth positions (signed decimal strings per coin). */
  readonly truth: Record<string, string>;
  /** Every ground-truth fill of the account. */
  readonly fills: ReadonlyArray<{ readonly coin: string; readonly time: number }>;
  /**
   * When the influencer was admitted (seeded). A market whose fills all came before it never
   * moved while tracked: the seed holds it and, correctly, no signal announces it.
   */
  readonly admittedAt: number;
}
