// The processor's hand-written acceptor for bronze `fills` records (src/distributed/bronze-fast.ts)
// against the zod schema it stands in for: it accepts every golden fills record as zod parses it,
// never accepts what zod refuses, and returns exactly what zod would.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BRONZE_GOLDEN_RECORDS,
  BronzeRecord,
  decodeBronze,
  encodeBronze,
} from '../../src/distributed/index.js';
import { acceptBronzeFills } from '../../src/distributed/bronze-fast.js';
import { ODD_WIRE_VALUES, expectAgreement } from '../protocol/schemas/agreement.js';

type Row = Record<string, unknown>;

/** The golden records as the processor's JSON.parse sees them. */
const wire = BRONZE_GOLDEN_RECORDS.map((g) => JSON.parse(encodeBronze(g.record).value) as Row);
const fillsRecords = wire.filter((w) => w['kind'] === 'fills');

const ADDRESS = '0x360878d351f05975e25f1807a27895e1e5e004fb';

/** Values a field can be swapped for: right and wrong types, edge decimals, ids and integers. */
const oddValue = fc.oneof(
  fc.constantFrom(
    ...ODD_WIRE_VALUES,
    'fills',
    'positions',
    'live',
    'snapshot',
    'rest',
    'user-stream',
    'market',
    ADDRESS,
    ADDRESS.toUpperCase().replace('0X', '0x'),
    1,
    { markPx: '1', method: 'market' },
    { markPx: '1', method: 'market', liquidatedUser: ADDRESS },
    { markPx: 1, method: 'market' },
    { listenerId: 'inf-1/primary', listenerKind: 'user-stream', delivery: 'live', receivedAt: 1 },
    { listenerId: '', listenerKind: 'user-stream', delivery: 'live', receivedAt: 1 },
  ),
  fc.string({ maxLength: 6 }),
  fc.integer(),
  fc.double(),
);

const FILL_FIELDS = [
  'eventId',
  'user',
  'coin',
  'side',
  'px',
  'sz',
  'time',
  'startPosition',
  'dir',
  'tid',
  'oid',
  'hash',
  'crossed',
  'fee',
  'closedPnl',
  'liquidation',
  'twapId',
  'source',
];
const ENVELOPE_FIELDS = ['v', 'influencerId', 'listenerId', 'receivedAt', 'kind', 'fills'];
const SOURCE_FIELDS = ['listenerId', 'listenerKind', 'delivery', 'receivedAt'];

interface Edit {
  readonly where: 'envelope' | 'fill' | 'source' | 'liquidation';
  readonly field: string;
  readonly value: unknown;
  readonly remove: boolean;
}

function apply(o: Row, e: Edit): Row {
  if (e.remove) return Object.fromEntries(Object.entries(o).filter(([k]) => k !== e.field));
  return { ...o, [e.field]: e.value };
}

/** A golden fills record (deep-copied) with up to 3 fields replaced, removed or added, at any level. */
const mutated = fc
  .record({
    base: fc.constantFrom(...fillsRecords),
    edits: fc.array(
      fc
        .oneof(
          fc.record({
            where: fc.constant('envelope' as const),
            field: fc.constantFrom(...ENVELOPE_FIELDS, 'extra'),
          }),
          fc.record({ where: fc.constant('fill' as const), field: fc.constantFrom(...FILL_FIELDS, 'extra') }),
          fc.record({
            where: fc.constant('source' as const),
            field: fc.constantFrom(...SOURCE_FIELDS, 'extra'),
          }),
          fc.record({
            where: fc.constant('liquidation' as const),
            field: fc.constantFrom('liquidatedUser', 'markPx', 'method', 'extra'),
          }),
        )
        .chain((at) =>
          fc.record({ value: oddValue, remove: fc.boolean() }).map((x) => ({ ...at, ...x }) as Edit),
        ),
      { maxLength: 3 },
    ),
  })
  .map(({ base, edits }) => {
    let rec = JSON.parse(JSON.stringify(base)) as Row;
    for (const e of edits) {
      if (e.where === 'envelope') {
        rec = apply(rec, e);
        continue;
      }
      const fills = rec['fills'];
      if (!Array.isArray(fills) || fills.length === 0) continue;
      const fill = fills[0] as unknown;
      if (typeof fill !== 'object' || fill === null) continue;
      let f = fill as Row;
      if (e.where === 'fill') f = apply(f, e);
      else {
        const inner = f[e.where];
        if (typeof inner !== 'object' || inner === null) continue;
        f = { ...f, [e.where]: apply(inner as Row, e) };
      }
      rec = { ...rec, fills: [f, ...fills.slice(1)] };
    }
    return rec;
  });

describe('bronze fills acceptor agrees with the zod schema', () => {
  it('accepts every golden fills record as zod parses it, and leaves other kinds to zod', () => {
    expect(fillsRecords.length).toBeGreaterThanOrEqual(2);
    for (const w of fillsRecords) {
      const fast = acceptBronzeFills(w);
      expect(fast).not.toBeNull();
      expect(fast).toEqual(BronzeRecord.parse(w));
    }
    const others = wire.filter((w) => w['kind'] !== 'fills');
    expect(others.length).toBeGreaterThan(0);
    for (const w of others) expect(acceptBronzeFills(w)).toBeNull();
  });

  it('never accepts what zod refuses, and accepts only what zod returns unchanged', () => {
    expectAgreement(mutated, acceptBronzeFills, () => BronzeRecord, {
      seed: 17,
      numRuns: 5000,
      minEach: 300,
    });
  });

  it('leaves a refused record to zod, whose words still name the problem', () => {
    const base = fillsRecords[0] as Row;
    const fills = base['fills'] as Row[];
    const bad = { ...base, fills: [{ ...fills[0], px: '1e5' }] };
    expect(acceptBronzeFills(bad)).toBeNull();
    const r = decodeBronze({ key: String(base['influencerId']), value: JSON.stringify(bad), headers: {} });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/fills\.0\.px.*plain decimal string/);
  });
});
