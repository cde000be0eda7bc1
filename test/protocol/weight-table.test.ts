/**
 * The one REST weight table against docs/hyperliquid-protocol.md §5.2: every documented weight
 * class and per-item list, read from the reference itself, and the simulator charging from the
 * same table (it once kept its own copy, which had drifted).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_INFO_WEIGHT,
  INFO_PER_60_ITEM_TYPES,
  INFO_PER_ITEM_TYPES,
  INFO_WEIGHT_PER_MINUTE,
  baseWeight,
  itemWeight,
} from '../../src/protocol/index.js';
import * as simLimits from '../../src/sim/limits.js';

const doc = readFileSync(new URL('../../docs/hyperliquid-protocol.md', import.meta.url), 'utf8');
const section = doc.slice(doc.indexOf('### 5.2 REST `/info`'), doc.indexOf('### 5.3'));

/** The backticked request names in the §5.2 bullet text between `from` and `to`. */
function namesBetween(from: string, to: string): string[] {
  const start = section.indexOf(from);
  const end = section.indexOf(to, start + from.length);
  expect(start, `"${from}" in §5.2`).toBeGreaterThanOrEqual(0);
  expect(end, `"${to}" in §5.2`).toBeGreaterThan(start);
  return [...section.slice(start, end).matchAll(/`([A-Za-z0-9]+)`/g)].map((m) => m[1] as string);
}

describe('REST weight table (docs/hyperliquid-protocol.md §5.2)', () => {
  it('charges the documented budget and base weights', () => {
    expect(section).toContain('**1200 per minute**');
    expect(INFO_WEIGHT_PER_MINUTE).toBe(1200);
    const weight2 = namesBetween('Weight 2:', 'Weight 60:');
    expect(weight2).toEqual([
      'l2Book',
      'allMids',
      'clearinghouseState',
      'orderStatus',
      'spotClearinghouseState',
      'exchangeStatus',
    ]);
    for (const t of weight2) expect(baseWeight(t), t).toBe(2);
    expect(namesBetween('Weight 60:', 'Weight 20:')).toEqual(['userRole']);
    expect(baseWeight('userRole')).toBe(60);
    for (const t of namesBetween('Weight 20:', '[DOC]')) expect(baseWeight(t), t).toBe(20);
    expect(DEFAULT_INFO_WEIGHT).toBe(20);
  });

  it('adds one weight per 20 items for exactly the documented requests, rounding up', () => {
    const perItem = namesBetween('per 20 items returned', '[DOC]');
    expect(perItem).toHaveLength(13);
    expect([...INFO_PER_ITEM_TYPES].sort()).toEqual([...perItem].sort());
    for (const t of perItem) {
      expect(itemWeight(t, 2000), t).toBe(100);
      expect(itemWeight(t, 21), t).toBe(2);
    }
    // The worked example: a full 2000-fill page costs 20 + 100.
    expect(section).toContain('20 + 100 = **120 weight**');
    expect(baseWeight('userFillsByTime') + itemWeight('userFillsByTime', 2000)).toBe(120);
    expect(itemWeight('clearinghouseState', 500)).toBe(0);
    expect([...INFO_PER_60_ITEM_TYPES]).toEqual(['candleSnapshot']);
    expect(itemWeight('candleSnapshot', 61)).toBe(2);
  });

  it('is the table the simulator charges from', () => {
    expect(simLimits.baseWeight).toBe(baseWeight);
    expect(simLimits.itemWeight).toBe(itemWeight);
    // The drift the old copy had: these three were missing from the simulator's per-item list.
    for (const t of ['delegatorHistory', 'delegatorRewards', 'validatorStats']) {
      expect(simLimits.itemWeight(t, 40), t).toBe(2);
    }
  });
});
