import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Fill, Trade } from '../../../src/protocol/schemas/fill.js';
import { acceptFill, acceptTrade } from '../../../src/protocol/schemas/fill-fast.js';
import { ODD_WIRE_VALUES, expectAgreement } from './agreement.js';

const fills = (
  JSON.parse(readFileSync(new URL('../../fixtures/hyperliquid/fills.json', import.meta.url), 'utf8')) as {
    fills: Record<string, unknown>[];
  }
).fills;

const withoutLiquidation = fills.map((f) => {
  const { liquidation: _drop, ...rest } = f;
  return rest;
});

const USERS = ['0x360878d351f05975e25f1807a27895e1e5e004fb', '0x0000000000000000000000000000000000000001'];

const trade: Record<string, unknown> = {
  coin: 'BTC',
  side: 'B',
  px: '66653.0',
  sz: '0.001',
  time: 1781528065899,
  hash: '0xe29fd267b4d2c6f0e41904231bbec90000daea4d4fd5e5c286687dba73d6a0db',
  tid: 745210434703679,
  users: USERS,
};

/** Values a field can be swapped for: right and wrong types, edge decimals and integers. */
const oddValue = fc.oneof(
  fc.constantFrom(
    ...ODD_WIRE_VALUES,
    ' 1',
    '123456789012345678901',
    '1.123456789012345678901',
    '12345678901234567890.12345678901234567890',
    'b',
    'BTC',
    '0x360878D351F05975E25F1807A27895E1E5E004FB',
    '0x360878d351f05975e25f1807a27895e1e5e004f',
    Infinity,
  ),
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.double(),
  fc.array(fc.constantFrom('0x360878d351f05975e25f1807a27895e1e5e004fb', 'x', 1), { maxLength: 3 }),
);

/** A base row with up to 3 fields replaced, removed or added. */
function mutated(bases: readonly Record<string, unknown>[], fields: readonly string[]) {
  const edit = fc.record({
    field: fc.constantFrom(...fields, 'extra'),
    value: oddValue,
    remove: fc.boolean(),
  });
  return fc
    .record({ base: fc.constantFrom(...bases), edits: fc.array(edit, { maxLength: 3 }) })
    .map(({ base, edits }) => {
      const removed = new Set<string>();
      const set = new Map<string, unknown>();
      for (const e of edits) {
        if (e.remove) {
          removed.add(e.field);
          set.delete(e.field);
        } else {
          removed.delete(e.field);
          set.set(e.field, e.value);
        }
      }
      const row: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(base)) if (!removed.has(k) && !set.has(k)) row[k] = v;
      for (const [k, v] of set) row[k] = v;
      return row;
    });
}

const FILL_FIELDS = [
  'coin',
  'px',
  'sz',
  'side',
  'time',
  'startPosition',
  'dir',
  'closedPnl',
  'hash',
  'oid',
  'crossed',
  'fee',
  'tid',
  'feeToken',
  'builderFee',
  'liquidation',
  'cloid',
  'twapId',
];
const TRADE_FIELDS = ['coin', 'side', 'px', 'sz', 'time', 'hash', 'tid', 'users'];

describe('hand-written acceptors agree with the zod schemas', () => {
  it('accept every recorded fill without a liquidation, as zod parses it', () => {
    expect(withoutLiquidation.length).toBeGreaterThan(0);
    for (const f of withoutLiquidation) {
      const fast = acceptFill(f);
      expect(fast).not.toBeNull();
      expect(fast).toEqual(Fill.parse(f));
    }
  });

  it('leave a liquidation fill to zod (its address is lower-cased there)', () => {
    const liq = fills.find((f) => f['liquidation'] !== undefined);
    expect(liq).toBeDefined();
    expect(Fill.safeParse(liq).success).toBe(true);
    expect(acceptFill(liq)).toBeNull();
  });

  it('fills: never accept what zod refuses, and accept only what zod returns unchanged', () => {
    expectAgreement(mutated(withoutLiquidation, FILL_FIELDS), acceptFill, () => Fill, {
      seed: 18,
      numRuns: 4000,
      minEach: 100,
    });
  });

  it('fills: the acceptor only falls back where zod refuses or transforms', () => {
    fc.assert(
      fc.property(mutated(withoutLiquidation, FILL_FIELDS), (row) => {
        const slow = Fill.safeParse(row);
        if (!slow.success || row['liquidation'] !== undefined) return;
        expect(acceptFill(row)).not.toBeNull();
      }),
      { numRuns: 4000, seed: 19 },
    );
  });

  it('trades: never accept what zod refuses, and accept only what zod returns unchanged', () => {
    expectAgreement(mutated([trade], TRADE_FIELDS), acceptTrade, () => Trade, {
      seed: 20,
      numRuns: 4000,
      minEach: 100,
    });
  });

  it('trades: upper-case users go to zod, which lower-cases them', () => {
    const upper = { ...trade, users: ['0x360878D351F05975E25F1807A27895E1E5E004FB', USERS[1]] };
    expect(acceptTrade(upper)).toBeNull();
    expect(Trade.parse(upper).users[0]).toBe('0x360878d351f05975e25f1807a27895e1e5e004fb');
    expect(acceptTrade(trade)).toEqual(Trade.parse(trade));
  });
});
