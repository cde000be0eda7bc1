/**
 * The InfluencerSource port and the record checks every adapter shares. A source returns the
 * valid records and, separately, the ones it had to reject (which id, which field), so the
 * watcher can keep the last good version of exactly those and let the others move on.
 */
import { formatIssues } from '../core/index.js';
import { Influencer } from './model.js';

export interface RejectedRecord {
  /** The record's id (or the position/key it was found at when the id itself is unreadable). */
  readonly id: string;
  /** One line per problem, each naming the field. */
  readonly issues: readonly string[];
}

export interface InfluencerSnapshot {
  readonly influencers: readonly Influencer[];
  readonly rejected: readonly RejectedRecord[];
  /**
   * The source's global change counter, for sources that keep one (Redis): `null` when the
   * counter is missing, i.e. nothing was ever committed there or the store was wiped (a
   * restart without persistence, a flush). Absent for sources without a counter.
   */
  readonly version?: number | null;
}

export type ChangeReason = 'notification' | 'reconnect' | 'file';

export interface ChangeHint {
  readonly reason: ChangeReason;
  /** Ids the notification named, when known (a full reload happens anyway). */
  readonly ids?: readonly string[];
}

export interface InfluencerSource {
  /** For logs: 'redis', 'file:<path>', 'static'. */
  readonly name: string;
  /** The current set. Throws when the source itself is unreachable or unreadable. */
  load(): Promise<InfluencerSnapshot>;
  /** Calls onChange when the set may have changed. Returns a function that stops watching. */
  watch(onChange: (hint: ChangeHint) => void): () => void;
  close(): Promise<void>;
}

/**
 * Validates raw records (already JSON-decoded) one by one. An id or an address used twice
 * rejects the later record, so one bad edit cannot take another influencer's slot.
 */
export function checkRecords(raws: readonly { key: string; value: unknown }[]): InfluencerSnapshot {
  const influencers: Influencer[] = [];
  const rejected: RejectedRecord[] = [];
  const ids = new Set<string>();
  const addresses = new Map<string, string>();
  for (const { key, value } of raws) {
    const r = Influencer.safeParse(value);
    if (!r.success) {
      rejected.push({ id: key, issues: formatIssues(r.error) });
      continue;
    }
    const rec = Object.freeze(r.data);
    if (rec.id !== key && key !== '' && !key.startsWith('#')) {
      rejected.push({ id: key, issues: [`id: record under "${key}" says id "${rec.id}"`] });
      continue;
    }
    if (ids.has(rec.id)) {
      rejected.push({ id: rec.id, issues: [`id: duplicate id "${rec.id}"`] });
      continue;
    }
    const owner = addresses.get(rec.address);
    if (owner !== undefined) {
      rejected.push({ id: rec.id, issues: [`address: ${rec.address} is already used by "${owner}"`] });
      continue;
    }
    ids.add(rec.id);
    addresses.set(rec.address, rec.id);
    influencers.push(rec);
  }
  return { influencers, rejected };
}

/** A fixed list (tests, and the simulator's accounts). `set` replaces it and notifies watchers. */
export class StaticInfluencerSource implements InfluencerSource {
  readonly name = 'static';
  private records: readonly unknown[];
  private readonly watchers = new Set<(hint: ChangeHint) => void>();

  constructor(records: readonly unknown[]) {
    this.records = records;
  }

  set(records: readonly unknown[]): void {
    this.records = records;
    for (const w of this.watchers) w({ reason: 'notification' });
  }

  load(): Promise<InfluencerSnapshot> {
    return Promise.resolve(checkRecords(this.records.map((value, i) => ({ key: idOf(value, i), value }))));
  }

  watch(onChange: (hint: ChangeHint) => void): () => void {
    this.watchers.add(onChange);
    return () => this.watchers.delete(onChange);
  }

  close(): Promise<void> {
    this.watchers.clear();
    return Promise.resolve();
  }
}

/** The id a raw record claims, or `#<index>` when it has none (used in reject messages). */
export function idOf(value: unknown, index: number): string {
  const id =
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>)['id'] : undefined;
  return typeof id === 'string' && id !== '' ? id : `#${index}`;
}
