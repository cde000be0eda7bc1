/**
 * The simulator's frames have the same keys and JSON types as real recorded frames (samples
 * copied from docs/hyperliquid-protocol.md): userFills snapshot and live, trades, user (fills and
 * liquidation), orderUpdates, userTwapSliceFills, clearinghouseState, allDexsClearinghouseState.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { DOC_FILL } from '../kit/index.js';
import { TestClient, delivered } from './helpers.js';

const FILL = DOC_FILL;
const SAMPLES: Record<string, unknown> = {
  userFillsSnapshot: {
    channel: 'userFills',
    data: { isSnapshot: true, user: '0x31ca8395cf837de08b24da3f660e77761dfb974b', fills: [FILL] },
  },
  userFillsLive: {
    channel: 'userFills',
    data: { user: '0x31ca8395cf837de08b24da3f660e77761dfb974b', fills: [FILL] },
  },
  trades: {
    channel: 'trades',
    data: [
      {
        coin: 'BTC',
        side: 'B',
        px: '72581.0',
        sz: '0.00017',
        time: 1787259217020,
        hash: '0x' + '0'.repeat(64),
        tid: 877707108085800,
        users: ['0x9b54264d7502f80163ea949038aad771eae67e38', '0x706bb519b05b7dc01d048af9a5e29d1ef5d6d9e3'],
      },
    ],
  },
  userEventsFills: {
    channel: 'user',
    data: {
      fills: [
        {
          coin: 'BTC',
          px: '79146.0',
          sz: '0.001',
          side: 'A',
          time: 1769940855551,
          startPosition: '0.00093',
          dir: 'Long > Short',
          closedPnl: '0.046128',
          hash: '0x5f8b9c337a197c4061050434769793020e020019151c9b1203544786391d562b',
          oid: 308254271324,
          crossed: false,
          fee: '0.019785',
          builderFee: '0.007914',
          tid: 404237815023429,
          cloid: '0x50663504b0f4fedea00080176229d94f',
          feeToken: 'USDC',
          twapId: null,
        },
      ],
    },
  },
  userEventsLiquidation: {
    channel: 'user',
    data: {
      liquidation: {
        lid: 123,
        liquidator: '0x…',
        liquidated_user: '0x…',
        liquidated_ntl_pos: '1000.0',
        liquidated_account_value: '50.0',
      },
    },
  },
  orderUpdates: {
    channel: 'orderUpdates',
    data: [
      {
        order: {
          coin: 'BTC',
          side: 'B',
          limitPx: '31795.0',
          sz: '0.00037',
          oid: 57118842019,
          timestamp: 1785261289146,
          origSz: '0.00037',
          cloid: '0xa1f0cddc17303d07f3fd128d5b35071d',
        },
        status: 'open',
        statusTimestamp: 1785261289146,
      },
    ],
  },
  userTwapSliceFills: {
    channel: 'userTwapSliceFills',
    data: {
      isSnapshot: true,
      user: '0xe746435d136c4714383a64ee28e35c8bdb8d5cb1',
      twapSliceFills: [
        {
          fill: {
            coin: 'BTC',
            px: '64597.0',
            sz: '0.02066',
            side: 'B',
            time: 1786016924051,
            startPosition: '4.04958',
            dir: 'Open Long',
            closedPnl: '0.0',
            hash: '0x' + '0'.repeat(64),
            oid: 511398503711,
            crossed: true,
            fee: '0.600558',
            tid: 541377480024384,
            feeToken: 'USDC',
            twapId: null,
          },
          twapId: 2087225,
        },
      ],
    },
  },
};
const STATE = {
  assetPositions: [
    {
      position: {
        coin: 'ETH',
        cumFunding: { allTime: '514.085417', sinceChange: '0.0', sinceOpen: '0.0' },
        entryPx: '2986.3',
        leverage: { rawUsd: '-95.059824', type: 'isolated', value: 20 },
        liquidationPx: '2866.26936529',
        marginUsed: '4.967826',
        maxLeverage: 50,
        positionValue: '100.02765',
        returnOnEquity: '-0.0026789',
        szi: '0.0335',
        unrealizedPnl: '-0.0134',
      },
      type: 'oneWay',
    },
  ],
  crossMaintenanceMarginUsed: '0.0',
  crossMarginSummary: {
    accountValue: '13104.514502',
    totalMarginUsed: '0.0',
    totalNtlPos: '0.0',
    totalRawUsd: '13104.514502',
  },
  marginSummary: {
    accountValue: '13109.482328',
    totalMarginUsed: '4.967826',
    totalNtlPos: '100.02765',
    totalRawUsd: '13009.454678',
  },
  time: 1708622398623,
  withdrawable: '13104.514502',
};
SAMPLES['clearinghouseState'] = {
  channel: 'clearinghouseState',
  data: { dex: '', user: '0x…', clearinghouseState: STATE },
};
SAMPLES['allDexsClearinghouseState'] = {
  channel: 'allDexsClearinghouseState',
  data: { user: '0x…', clearinghouseStates: [['', STATE]] },
};

/** Keys that are optional on the wire (present on some rows only). */
const OPTIONAL = new Set(['cloid', 'builderFee', 'liquidation', 'feeTrialEscrow', 'rawUsd']);
/** Keys whose value is number-or-null / string-or-null. */
const NULLABLE = new Set(['twapId', 'liquidationPx']);

const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

function compare(ours: unknown, sample: unknown, path: string, out: string[]): void {
  const k = path.split('.').pop() ?? '';
  if (NULLABLE.has(k) && (ours === null || sample === null)) return;
  if (kind(ours) !== kind(sample)) return void out.push(`${path}: ${kind(ours)} vs sample ${kind(sample)}`);
  if (Array.isArray(ours) && Array.isArray(sample)) {
    // a tuple ([dex, state]) compares position-wise; a list compares every element to the sample's first
    const tuple = new Set(sample.map(kind)).size > 1;
    if (tuple) sample.forEach((s, i) => compare(ours[i], s, `${path}[${i}]`, out));
    else if (sample.length) for (const e of ours) compare(e, sample[0], `${path}[]`, out);
    return;
  }
  if (kind(ours) === 'object') {
    const o = ours as Record<string, unknown>;
    const s = sample as Record<string, unknown>;
    for (const key of new Set([...Object.keys(o), ...Object.keys(s)])) {
      if (!(key in o) || !(key in s)) {
        if (!OPTIONAL.has(key)) out.push(`${path}.${key}: ${key in o ? 'extra' : 'missing'}`);
        continue;
      }
      compare(o[key], s[key], `${path}.${key}`, out);
    }
  }
}

describe('frame shapes match recorded samples', () => {
  let sim: Simulator;
  let c: TestClient;
  beforeAll(async () => {
    sim = await startSimulator({ seed: 21, accounts: 2, tickMs: 0 });
    sim.step(200);
    const user = sim.accounts[0] as string;
    c = await TestClient.connect(sim.wsUrl);
    c.subscribe({ type: 'userFills', user });
    c.subscribe({ type: 'userEvents', user });
    c.subscribe({ type: 'orderUpdates', user });
    c.subscribe({ type: 'userTwapSliceFills', user });
    c.subscribe({ type: 'clearinghouseState', user });
    c.subscribe({ type: 'allDexsClearinghouseState', user });
    for (const coin of ['BTC', 'ETH', 'SOL']) c.subscribe({ type: 'trades', coin });
    await c.waitFor(() => c.channel('subscriptionResponse').length === 9);
    for (
      let i = 0;
      i < 300 &&
      !(
        c.channel('user').some((f) => 'liquidation' in (f['data'] as object)) &&
        c.channel('userTwapSliceFills').length > 1
      );
      i++
    ) {
      sim.step(1);
      await delivered(sim, [c]);
    }
  });
  afterAll(async () => {
    c.close();
    await sim.close();
  });

  const check = (name: string, frame: Record<string, unknown> | undefined): void => {
    expect(frame, `a ${name} frame`).toBeDefined();
    const problems: string[] = [];
    compare(frame, SAMPLES[name], name, problems);
    expect(problems).toEqual([]);
  };
  const data = (f: Record<string, unknown>): Record<string, unknown> => f['data'] as Record<string, unknown>;

  it('userFills snapshot and live', () => {
    const fills = c.channel('userFills');
    check(
      'userFillsSnapshot',
      fills.find((f) => data(f)['isSnapshot'] === true),
    );
    check(
      'userFillsLive',
      fills.find((f) => !('isSnapshot' in data(f))),
    );
  });
  it('trades', () => check('trades', c.channel('trades')[0]));
  it('user: fills and liquidation', () => {
    const user = c.channel('user');
    check(
      'userEventsFills',
      user.find((f) => 'fills' in data(f)),
    );
    check(
      'userEventsLiquidation',
      user.find((f) => 'liquidation' in data(f)),
    );
  });
  it('orderUpdates', () => check('orderUpdates', c.channel('orderUpdates')[0]));
  it('userTwapSliceFills snapshot (and live without isSnapshot)', () => {
    const frames = c.channel('userTwapSliceFills');
    check(
      'userTwapSliceFills',
      frames.find(
        (f) => data(f)['isSnapshot'] === true && (data(f)['twapSliceFills'] as unknown[]).length > 0,
      ),
    );
    const live = frames.find((f) => !('isSnapshot' in data(f)));
    expect(live).toBeDefined();
    const problems: string[] = [];
    compare(
      { ...live, data: { isSnapshot: true, ...data(live ?? {}) } },
      SAMPLES['userTwapSliceFills'],
      'live',
      problems,
    );
    expect(problems).toEqual([]);
  });
  it('clearinghouseState and allDexsClearinghouseState', () => {
    check(
      'clearinghouseState',
      c
        .channel('clearinghouseState')
        .find(
          (f) => (data(f)['clearinghouseState'] as { assetPositions: unknown[] }).assetPositions.length > 0,
        ),
    );
    check('allDexsClearinghouseState', c.channel('allDexsClearinghouseState')[0]);
  });
});
