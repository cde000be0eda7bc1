/**
 * One human-readable line per signal for the terminal (the embedded default prints signals as
 * they happen). Aligned columns so a trader can scan a stream of them.
 */
import type { Signal } from '../positions/index.js';

export function signalLine(s: Signal): string {
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
