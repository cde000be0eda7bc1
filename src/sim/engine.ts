/**
 * The market engine: owns the ledger, ids, mark prices and ground truth, and produces one
 * block at a time, either from the seeded random plan or from a scenario. Same seed + same
 * block times = the same market, fill for fill.
 */
import { Decimal, normalizeAddress, type Address } from '../core/index.js';
import { BlockBuilder, IdSource, type ExecContext } from './execution.js';
import { GroundTruthStore } from './ground-truth.js';
import { Ledger } from './ledger.js';
import { MarketData } from './market-data.js';
import { MARKETS, marketOf, round } from './markets.js';
import { Prng } from './prng.js';
import { noise, planRandomBlock, type PlanEnv } from './random-plan.js';
import { applyStep, type Scenario, type ScenarioStep } from './scenario.js';
import type { Block } from './types.js';

export interface EngineOptions {
  seed: number | string;
  /** Tracked accounts (lower-case). */
  accounts: readonly Address[];
  scenario?: Scenario;
  /** Upper bound of tracked-account events per random block. */
  eventsPerBlock: number;
  /** Upper bound of background-only trades per block (random mode; scenario mode when `noise`). */
  noisePerBlock: number;
  twapIdInUserFills: boolean;
}

const BACKGROUND_ACCOUNTS = 24;

/** N deterministic addresses from a seed (used for tracked and background accounts). */
export function deriveAddresses(seed: number | string, label: string, n: number): Address[] {
  const p = new Prng(`${String(seed)}/${label}`);
  return Array.from({ length: n }, () => normalizeAddress('0x' + p.hex(40)));
}

export class Engine {
  readonly ledger = new Ledger();
  readonly truth: GroundTruthStore;
  /** Candles, bbo and asset contexts derived from the trades (updated after every block). */
  readonly market: MarketData;
  readonly background: readonly Address[];
  private readonly prng: Prng;
  private readonly markPrng: Prng;
  private readonly ids: IdSource;
  private readonly marks = new Map<string, Decimal>();
  private readonly tracked: Set<Address>;
  private readonly steps = new Map<number, ScenarioStep[]>();
  private readonly planEnv: PlanEnv;
  private readonly ctx: ExecContext;
  private height = 0;
  private lastTime = 0;

  constructor(private readonly opts: EngineOptions) {
    const root = new Prng(opts.seed);
    this.prng = root.fork('market');
    this.markPrng = root.fork('marks');
    this.ids = new IdSource(root.fork('ids'));
    this.tracked = new Set(opts.accounts);
    this.background = deriveAddresses(opts.seed, 'background', BACKGROUND_ACCOUNTS);
    for (const m of MARKETS) this.marks.set(m.coin, new Decimal(m.startPx));
    this.market = new MarketData(opts.seed, this.ledger, (c) => this.mark(c));
    this.truth = new GroundTruthStore(opts.accounts, this.ledger, this.market);
    for (const s of opts.scenario?.steps ?? []) {
      const list = this.steps.get(s.at) ?? [];
      list.push(s);
      this.steps.set(s.at, list);
    }
    const mark = (coin: string): Decimal => this.marks.get(coin) ?? new Decimal(1);
    this.ctx = {
      ledger: this.ledger,
      prng: this.prng,
      ids: this.ids,
      isTracked: (u) => this.tracked.has(u),
      mark,
      twapIdInUserFills: opts.twapIdInUserFills,
    };
    this.planEnv = {
      prng: this.prng,
      ledger: this.ledger,
      tracked: opts.accounts,
      background: this.background,
      mark,
      newTwapId: () => this.ids.twapId(),
      twaps: new Map(),
    };
  }

  blockHeight(): number {
    return this.height;
  }

  mark(coin: string): Decimal {
    return this.marks.get(coin) ?? new Decimal(1);
  }

  /** Last scenario block, or undefined in random mode. */
  scenarioEnd(): number | undefined {
    return this.opts.scenario ? Math.max(0, ...this.steps.keys()) : undefined;
  }

  /** Produce the next block at (at least) `time`; block times strictly increase. */
  produce(time: number): Block {
    this.height += 1;
    this.lastTime = Math.max(time, this.lastTime + 1);
    this.walkMarks();
    const b = new BlockBuilder(this.ctx, this.height, this.lastTime);
    if (this.opts.scenario) {
      for (const step of this.steps.get(this.height) ?? []) applyStep(this.stepEnv(), b, step);
      if (this.opts.scenario.noise) noise(this.planEnv, b, this.prng.range(1, this.opts.noisePerBlock));
    } else {
      planRandomBlock(this.planEnv, b, {
        eventsPerBlock: this.opts.eventsPerBlock,
        noisePerBlock: this.opts.noisePerBlock,
      });
    }
    this.truth.record(b.block);
    this.market.record(b.block);
    return b.block;
  }

  private stepEnv(): Parameters<typeof applyStep>[0] {
    return {
      ledger: this.ledger,
      resolve: (ref) => {
        if (typeof ref === 'number') {
          const a = this.opts.accounts[ref];
          if (!a)
            throw new RangeError(
              `scenario names account #${ref} but only ${this.opts.accounts.length} exist`,
            );
          return a;
        }
        return normalizeAddress(ref);
      },
      background: () => this.prng.pick(this.background),
      newTwapId: () => this.ids.twapId(),
    };
  }

  private walkMarks(): void {
    for (const m of MARKETS) {
      const cur = this.marks.get(m.coin) ?? new Decimal(m.startPx);
      const step = (this.markPrng.next() - 0.5) * 0.004;
      let next = round(cur.times(1 + step), marketOf(m.coin)?.pxDecimals ?? 2);
      if (m.cls === 'outcome')
        next = Decimal.max(new Decimal('0.01'), Decimal.min(new Decimal('0.99'), next));
      if (next.lessThanOrEqualTo(0)) next = cur;
      this.marks.set(m.coin, next);
    }
  }
}
