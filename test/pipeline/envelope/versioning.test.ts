/**
 * Versioning rules (254Carbon): a payload field removed, renamed, moved, retyped or rescaled
 * needs a new payload version, and a connector that drops a payload type needs a major bump.
 * Checked for the code against the committed baselines, and the rules themselves on edits.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CONNECTORS_LOCK_FILE,
  ConnectorRegistry,
  lockBreaks,
  lockOf,
} from '../../../src/pipeline/connectors/index.js';
import type { LockedConnector } from '../../../src/pipeline/connectors/index.js';
import {
  layoutBreaks,
  PAYLOAD_LAYOUTS,
  PAYLOAD_TYPES,
  PIPELINE_CONTRACT_FILES,
} from '../../../src/pipeline/envelope/index.js';
import type { PayloadLayout } from '../../../src/pipeline/envelope/index.js';

const root = resolve(import.meta.dirname, '../../..');
const committedLayouts = (
  JSON.parse(readFileSync(resolve(root, PIPELINE_CONTRACT_FILES.layouts), 'utf8')) as {
    layouts: PayloadLayout[];
  }
).layouts;
const committedLock = (
  JSON.parse(readFileSync(resolve(root, CONNECTORS_LOCK_FILE), 'utf8')) as { connectors: LockedConnector[] }
).connectors;
const current = PAYLOAD_TYPES.map((t) => PAYLOAD_LAYOUTS[t]);
const trade = PAYLOAD_LAYOUTS.TRADE_TICK_V1;

const withTrade = (fields: PayloadLayout['fields']): PayloadLayout[] =>
  current.map((l) => (l.payloadType === 'TRADE_TICK_V1' ? { ...l, fields } : l));

describe('payload layout versioning', () => {
  it('the code keeps every committed layout', () => {
    expect(committedLayouts.length).toBeGreaterThanOrEqual(6);
    expect(layoutBreaks(committedLayouts, current)).toEqual([]);
  });

  it('a removed field is breaking', () => {
    expect(layoutBreaks(committedLayouts, withTrade(trade.fields.slice(0, 3)))).toEqual([
      'TRADE_TICK_V1.tradeId: removed (needs a new payload version and a connector major bump)',
    ]);
  });

  it('a renamed field is breaking', () => {
    const fields = trade.fields.map((f) => (f.name === 'sz' ? { ...f, name: 'size' } : f));
    expect(layoutBreaks(committedLayouts, withTrade(fields))).toEqual([
      'TRADE_TICK_V1.sz: renamed or moved to "size" (needs a new payload version and a connector major bump)',
    ]);
  });

  it('a rescaled field and a reordered enum are breaking', () => {
    const fields = trade.fields.map((f) =>
      f.name === 'px' ? { ...f, scale: 6 } : f.name === 'side' ? { ...f, values: ['SELL', 'BUY'] } : f,
    );
    const problems = layoutBreaks(committedLayouts, withTrade(fields));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('TRADE_TICK_V1.px: scale 8 → 6');
    expect(problems[1]).toContain('TRADE_TICK_V1.side: enum values changed');
  });

  it('a removed payload type or a reused code is breaking', () => {
    const problems = layoutBreaks(committedLayouts, [
      ...current.filter((l) => l.payloadType !== 'CANDLE_V1'),
      { ...trade, payloadType: 'TRADE_TICK_V2' },
    ]);
    expect(problems).toContain(
      'CANDLE_V1: removed; published payload types stay (add a new version instead)',
    );
    expect(problems).toContain('TRADE_TICK_V2: code 1 already used by TRADE_TICK_V1');
  });

  it('an appended field and an appended enum value are compatible', () => {
    const fields = [
      ...trade.fields.map((f) => (f.name === 'side' ? { ...f, values: ['BUY', 'SELL', 'UNKNOWN'] } : f)),
      { name: 'venue', type: 'str', doc: 'x' } as const,
    ];
    expect(layoutBreaks(committedLayouts, withTrade(fields))).toEqual([]);
  });
});

describe('connector versioning', () => {
  const manifests = ConnectorRegistry.load(resolve(root, 'connectors')).valid.map((e) => e.manifest);

  it('the committed connectors respect the committed lock', () => {
    expect(committedLock.length).toBeGreaterThan(0);
    expect(lockBreaks(committedLock, lockOf(manifests))).toEqual([]);
  });

  const locked: LockedConnector[] = [
    { name: 'x', version: '1.4.2', payloadTypes: ['BOOK_TOP_V1', 'TRADE_TICK_V1'] },
  ];

  it('dropping a payload type (e.g. TRADE_TICK_V1 for a new TRADE_TICK_V2) needs a major bump', () => {
    expect(
      lockBreaks(locked, [{ name: 'x', version: '1.5.0', payloadTypes: ['BOOK_TOP_V1', 'TRADE_TICK_V2'] }]),
    ).toEqual(['x: drops TRADE_TICK_V1 without a major version bump (1.4.2 → 1.5.0)']);
    expect(
      lockBreaks(locked, [{ name: 'x', version: '2.0.0', payloadTypes: ['BOOK_TOP_V1', 'TRADE_TICK_V2'] }]),
    ).toEqual([]);
  });

  it('adding a payload type is a minor change; a lower version is refused', () => {
    expect(
      lockBreaks(locked, [
        { name: 'x', version: '1.5.0', payloadTypes: ['BOOK_TOP_V1', 'CANDLE_V1', 'TRADE_TICK_V1'] },
      ]),
    ).toEqual([]);
    expect(
      lockBreaks(locked, [{ name: 'x', version: '1.4.1', payloadTypes: ['BOOK_TOP_V1', 'TRADE_TICK_V1'] }]),
    ).toEqual(['x: version 1.4.1 is lower than published 1.4.2']);
  });
});
