/**
 * Adapters from the Hyperliquid info client to the positions stage's ports: REST history for
 * gap repair and resume (FillHistory), and clearinghouseState across every perp dex for
 * seeding and reconciliation (PositionSource). Backfilled wire fills are also handed to the
 * raw store, so the audit trail holds every fill a signal was derived from.
 */
import type { Clock, Decimal, Logger, RawEvent } from '../core/index.js';
import { dec, errorMessage, isIngestError } from '../core/index.js';
import type { FillHistory, FillHistoryResult, PositionSnapshot, PositionSource } from '../positions/index.js';
import type { InfoClient } from '../protocol/index.js';
import { backfillRawEvents } from '../listeners/index.js';

/** How long the list of HIP-3 dexes is trusted before it is fetched again. */
const DEX_LIST_TTL_MS = 10 * 60_000;

export interface InfoAdaptersOptions {
  readonly info: InfoClient;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Called for each backfilled fill, for the raw store. */
  readonly onBackfilledRaw?: (event: RawEvent) => void;
  /** Influencer ids tracking a user, to attribute backfilled raw events. */
  readonly influencersOf?: (user: string) => readonly string[];
}

export class InfoFillHistory implements FillHistory {
  constructor(private readonly o: InfoAdaptersOptions) {}

  async userFillsByTime(user: string, startMs: number, endMs: number): Promise<FillHistoryResult> {
    const r = await this.o.info.userFillsByTimeAll(user, startMs, endMs);
    const onRaw = this.o.onBackfilledRaw;
    if (onRaw) {
      const ids = this.o.influencersOf?.(user) ?? [''];
      for (const e of backfillRawEvents(r, ids, this.o.clock.now())) onRaw(e);
    }
    return { fills: r.events, truncated: r.truncated };
  }
}

export class InfoPositionSource implements PositionSource {
  private dexes: readonly string[] = [''];
  private dexesAt = -Infinity;
  private readonly log: Logger;

  constructor(private readonly o: InfoAdaptersOptions) {
    this.log = o.logger.child({ component: 'app.position-source' });
  }

  async positions(user: string): Promise<PositionSnapshot> {
    const dexes = await this.dexList();
    const positions = new Map<string, Decimal>();
    let time = Infinity;
    // One request per dex (weight 2 each): clearinghouseState without `dex` omits HIP-3 positions.
    // The snapshot is as of the EARLIEST answer: a later dex's time would claim fills that
    // happened after an earlier dex was read (a restart then "verified" a correct position
    // back to the stale one with a RECONCILE). Fills a later dex already includes are handled
    // by the engine's seed-overlap rule and by skipping verification of newer markets.
    for (const dex of dexes) {
      const state = await this.o.info.clearinghouseState(user, dex);
      time = Math.min(time, state.time);
      for (const ap of state.assetPositions) {
        const szi = dec(ap.position.szi);
        if (!szi.isZero()) positions.set(ap.position.coin, szi);
      }
    }
    return { positions, time: Number.isFinite(time) && time > 0 ? time : this.o.clock.now() };
  }

  /**
   * One perpDexs request at a time however many influencers seed at once (30 000 seeding
   * together sent 30 000 of them, and logged each failure).
   */
  private dexList(): Promise<readonly string[]> {
    const now = this.o.clock.now();
    if (now - this.dexesAt < DEX_LIST_TTL_MS) return Promise.resolve(this.dexes);
    this.dexFetch ??= this.fetchDexList(now).finally(() => (this.dexFetch = null));
    return this.dexFetch;
  }

  private dexFetch: Promise<readonly string[]> | null = null;

  private async fetchDexList(now: number): Promise<readonly string[]> {
    try {
      const list = await this.o.info.perpDexs();
      this.dexes = ['', ...list.flatMap((d) => (d === null ? [] : [d.name]))];
      this.dexesAt = now;
    } catch (err) {
      if (isIngestError(err) && err.code === 'ABORTED') throw err; // shutdown: stop seeding
      // Keep the last known list: seeding the main dex is better than not seeding at all.
      this.log.warn({ err }, `perpDexs failed, using ${this.dexes.length} known dexes: ${errorMessage(err)}`);
    }
    return this.dexes;
  }
}
