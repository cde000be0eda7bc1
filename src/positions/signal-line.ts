/**
 * One human-readable line per signal for the terminal: `npm start` prints signals as they are
 * derived, `ingest signals tail` as they are read from Kafka. It lives next to the contract (not
 * in app) so both, and the consumer module, share one format. Aligned columns for scanning.
 */
import type { Signal } from './signal.js';

/** The fields the line shows; a consumer's tolerant ReceivedSignal has them too. */
export type SignalLineInput = Pick<
  Signal,
  | 'timestamp'
  | 'influencerId'
  | 'market'
  | 'action'
  | 'side'
  | 'size'
  | 'deltaSize'
  | 'price'
  | 'quality'
  | 'sourceEventIds'
>;

export function signalLine(s: SignalLineInput): string {
  const time = new Date(s.timestamp).toISOString().slice(11, 23);
  const delta = s.deltaSize.startsWith('-') ? s.deltaSize : `+${s.deltaSize}`;
  const price = s.price === null ? '' : ` @ ${s.price}`;
  const flags = Object.entries(s.quality)
    .filter(([, v]) => v === true)
    .map(([k]) => k);
  const fills = s.sourceEventIds.length;
  return [
    time,
    s.influencerId.padEnd(12),
    s.market.padEnd(10),
    s.action.padEnd(9),
    s.side.padEnd(5),
    `size=${s.size}`.padEnd(18),
    `Δ=${delta}${price}`.padEnd(30),
    `${fills} fill${fills === 1 ? '' : 's'}`,
    flags.length ? `[${flags.join(',')}]` : '',
  ]
    .join(' ')
    .trimEnd();
}
