import { describe, expect, it } from 'vitest';
import {
  Influencer,
  InfluencerInput,
  applyAssignments,
  checkRecords,
  diffInfluencers,
  formatDiff,
  toInfluencer,
} from '../../src/influencers/index.js';
import { ADDR, rec } from './fixtures.js';

describe('Influencer schema', () => {
  it('normalizes a checksummed address to lower case and fills defaults', () => {
    const i = InfluencerInput.parse({ id: 'whale-1', address: '0xAbCdEf0000000000000000000000000000000001' });
    expect(i.address).toBe('0xabcdef0000000000000000000000000000000001');
    const full = toInfluencer(i, '2026-02-02T00:00:00.000Z');
    expect(full).toMatchObject({ label: 'whale-1', enabled: true, priority: 0, markets: [], version: 1 });
    expect(Influencer.safeParse(full).success).toBe(true);
  });

  it('rejects bad addresses, bad ids and unknown keys, naming the field', () => {
    const r = Influencer.safeParse({ ...rec('a', 1), address: '0x123', id: 'Bad Id', colour: 'red' });
    expect(r.success).toBe(false);
    const paths = r.error?.issues.map((i) => i.path.join('.') || (i as { keys?: string[] }).keys?.join(','));
    expect(paths).toEqual(expect.arrayContaining(['address', 'id', 'colour']));
  });

  it('requires integer priority and known market classes and listener kinds', () => {
    expect(Influencer.safeParse(rec('a', 1, { priority: 1.5 })).success).toBe(false);
    expect(Influencer.safeParse({ ...rec('a', 1), signal: { marketClasses: ['futures'] } }).success).toBe(
      false,
    );
    expect(Influencer.safeParse({ ...rec('a', 1), listeners: { kinds: ['rest'] } }).success).toBe(false);
    expect(Influencer.safeParse({ ...rec('a', 1), signal: { aggregation: 'order', extra: 1 } }).success).toBe(
      false,
    );
  });
});

describe('checkRecords', () => {
  it('rejects invalid records, duplicate ids and duplicate addresses, keeping the rest', () => {
    const snap = checkRecords([
      { key: 'a', value: rec('a', 1) },
      { key: 'b', value: { ...rec('b', 2), priority: 'high' } },
      { key: 'c', value: rec('c', 1) },
      { key: 'd', value: rec('d', 4) },
      { key: 'x', value: rec('e', 5) },
    ]);
    expect(snap.influencers.map((i) => i.id)).toEqual(['a', 'd']);
    expect(snap.rejected.map((r) => r.id)).toEqual(['b', 'c', 'x']);
    expect(snap.rejected[0]?.issues[0]).toMatch(/^priority: /);
    expect(snap.rejected[1]?.issues[0]).toMatch(/already used by "a"/);
  });
});

describe('applyAssignments (set key=value)', () => {
  const base = rec('a', 1);
  it('sets typed values, nested keys and bumps bookkeeping', () => {
    const after = applyAssignments(
      base,
      [
        'priority=7',
        'markets=BTC, ETH',
        'enabled=false',
        'signal.aggregation=order',
        'listeners.kinds=user-stream',
      ],
      '2026-03-03T00:00:00.000Z',
    );
    expect(after).toMatchObject({
      priority: 7,
      markets: ['BTC', 'ETH'],
      enabled: false,
      signal: { aggregation: 'order' },
      listeners: { kinds: ['user-stream'] },
      version: 2,
      updatedAt: '2026-03-03T00:00:00.000Z',
      createdAt: base.createdAt,
    });
    expect(
      applyAssignments(after, ['signal.aggregation=', 'markets='], 'x'.replace('x', base.updatedAt)).signal,
    ).toEqual({});
  });

  it('normalizes a new address', () => {
    expect(
      applyAssignments(base, [`address=${ADDR(9).toUpperCase().replace('0X', '0x')}`], base.updatedAt)
        .address,
    ).toBe(ADDR(9));
  });

  it('fails on unknown keys, bookkeeping keys, bad values and missing =', () => {
    expect(() => applyAssignments(base, ['colour=red'], base.updatedAt)).toThrow(
      /unknown key "colour" \(settable: /,
    );
    expect(() => applyAssignments(base, ['version=9'], base.updatedAt)).toThrow(/unknown key "version"/);
    expect(() => applyAssignments(base, ['id=b'], base.updatedAt)).toThrow(/unknown key "id"/);
    expect(() => applyAssignments(base, ['priority=high'], base.updatedAt)).toThrow(
      /priority: expected an integer/,
    );
    expect(() => applyAssignments(base, ['enabled=maybe'], base.updatedAt)).toThrow(
      /enabled: expected true or false/,
    );
    expect(() => applyAssignments(base, ['address=0x12'], base.updatedAt)).toThrow(/address: /);
    expect(() => applyAssignments(base, ['label'], base.updatedAt)).toThrow(/expected key=value/);
    expect(() => applyAssignments(base, [], base.updatedAt)).toThrow(/nothing to set/);
  });
});

describe('diffInfluencers', () => {
  it('classifies added, removed, changed (with fields) and unchanged; bookkeeping is ignored', () => {
    const before = [rec('a', 1), rec('b', 2), rec('c', 3)];
    const after = [
      rec('a', 1, { version: 9, updatedAt: '2027-01-01T00:00:00.000Z' }),
      rec('b', 2, { enabled: false, signal: { aggregation: 'order' } }),
      rec('d', 4),
    ];
    const d = diffInfluencers(before, after);
    expect(d.added.map((i) => i.id)).toEqual(['d']);
    expect(d.removed.map((i) => i.id)).toEqual(['c']);
    expect(d.unchanged).toEqual(['a']);
    expect(d.changed).toHaveLength(1);
    expect(d.changed[0]?.fields).toEqual(['enabled', 'signal.aggregation']);
    expect(formatDiff(d)).toEqual([
      `+ d ${ADDR(4)} "D"`,
      `- c ${ADDR(3)} "C"`,
      '~ b enabled: true -> false',
      '~ b signal.aggregation: (unset) -> "order"',
    ]);
    expect(diffInfluencers(before, after, { prune: false }).removed).toEqual([]);
  });
});
