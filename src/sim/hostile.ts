/**
 * Hostile frames for the boundary tests: one per class of bad input a client must refuse
 * (future times, impossible sizes and prices, unbounded decimals, coin names that are markup,
 * prototype keys or huge, values nested too deep to serialise, binary frames). Each bad fill
 * or trade carries a made-up tid (>= HOSTILE_TID_BASE) and a well-formed body apart from its
 * one defect, so a client that lets one through shows it as an unexpected fill. Frames that
 * mix one bad fill with good-looking ones are not generated: the good fills would be made up
 * too; the per-fill path is covered by mixing with real traffic instead (`inject` between
 * the simulator's own frames).
 */

/** Every hostile tid is at or above this; real simulator tids are far below. */
export const HOSTILE_TID_BASE = 8_000_000_000_000_000;

export interface HostileFrame {
  /** The class of defect, e.g. `future-time`; matches the dead-letter reason the client gives. */
  readonly name: string;
  /** Dead-letter reason a correct client records for it. */
  readonly reason: string;
  readonly data: string | Uint8Array;
}

/** Nesting JSON.parse reads (V8 parses iteratively) but JSON.stringify cannot write back. */
const DEEP = 100_000;
const DEEP_MARK = '"__deep__"';

/**
 * The hostile `userFills` (user-stream) and `trades` (market-stream) frames for `user` on
 * `coin`, stamped relative to `now`. `channel` picks which of the two feeds they imitate.
 */
export function hostileFrames(
  user: string,
  coin: string,
  now: number,
  channel: 'userFills' | 'trades',
): HostileFrame[] {
  let tid = HOSTILE_TID_BASE;
  const other = `0x${'e'.repeat(40)}`;
  const base = (): Record<string, unknown> => {
    tid++;
    return channel === 'userFills'
      ? {
          coin,
          px: '100.5',
          sz: '1',
          side: 'B',
          time: now - 1000,
          startPosition: '0',
          dir: 'Open Long',
          closedPnl: '0',
          hash: `0x${'0'.repeat(64)}`,
          oid: tid,
          crossed: true,
          fee: '0.01',
          tid,
          feeToken: 'USDC',
        }
      : {
          coin,
          side: 'B',
          px: '100.5',
          sz: '1',
          time: now - 1000,
          hash: `0x${'0'.repeat(64)}`,
          tid,
          users: [user, other],
        };
  };
  const frame = (row: Record<string, unknown>): string =>
    channel === 'userFills'
      ? JSON.stringify({ channel: 'userFills', data: { user, fills: [row] } })
      : JSON.stringify({ channel: 'trades', data: [row] });
  const bad = (name: string, reason: string, patch: Record<string, unknown>): HostileFrame => ({
    name,
    reason,
    data: frame({ ...base(), ...patch }),
  });
  // Spliced into the text: building the value and stringifying it would throw right here.
  const deepText = frame({ ...base(), extra: '__deep__' }).replace(
    DEEP_MARK,
    `${'['.repeat(DEEP)}0${']'.repeat(DEEP)}`,
  );
  return [
    bad('future-time-year', 'future_time', { time: now + 365 * 86_400_000 }),
    bad('future-time-max-safe', 'future_time', { time: Number.MAX_SAFE_INTEGER }),
    bad('negative-size', 'impossible_value', { sz: '-5' }),
    bad('zero-size', 'impossible_value', { sz: '0' }),
    bad('zero-price', 'impossible_value', { px: '0' }),
    bad('negative-price', 'impossible_value', { px: '-100' }),
    bad('decimal-1000-digits', 'bad_decimal', { sz: `1${'0'.repeat(999)}` }),
    bad('decimal-70-digits', 'bad_decimal', { px: `0.${'1'.repeat(70)}` }),
    bad('coin-markup', 'bad_coin', { coin: '<img src=x onerror=alert(1)>' }),
    bad('coin-proto', 'bad_coin', { coin: '__proto__' }),
    bad('coin-100k', 'bad_coin', { coin: 'A'.repeat(100_000) }),
    // JSON.parse reads it; JSON.stringify of the record would throw.
    { name: 'nested-too-deep', reason: 'unserializable', data: deepText },
    { name: 'binary', reason: 'binary_frame', data: new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0x7b, 0x7d]) },
  ];
}
