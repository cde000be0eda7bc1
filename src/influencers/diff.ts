/**
 * The difference between two influencer sets, by id: what the watcher emits on reload and
 * what `import` prints. Only content fields count (bookkeeping such as updatedAt does not),
 * so an untouched record is `unchanged` whatever source it came from.
 */
import { changedFields, fieldValue } from './model.js';
import type { Influencer } from './model.js';

export interface InfluencerChange {
  readonly id: string;
  readonly before: Influencer;
  readonly after: Influencer;
  /** Dotted content fields that differ, e.g. ['enabled', 'signal.aggregation']. */
  readonly fields: readonly string[];
}

export interface InfluencerDiff {
  readonly added: readonly Influencer[];
  readonly removed: readonly Influencer[];
  readonly changed: readonly InfluencerChange[];
  readonly unchanged: readonly string[];
}

export function isEmptyDiff(d: InfluencerDiff): boolean {
  return d.added.length === 0 && d.removed.length === 0 && d.changed.length === 0;
}

function byId(set: Iterable<Influencer> | ReadonlyMap<string, Influencer>): Map<string, Influencer> {
  if (set instanceof Map) return new Map(set as ReadonlyMap<string, Influencer>);
  return new Map([...(set as Iterable<Influencer>)].map((i) => [i.id, i]));
}

/**
 * `prune: false` treats ids missing from `after` as unchanged (import without --prune),
 * so they are neither removed nor listed as changed.
 */
export function diffInfluencers(
  beforeSet: Iterable<Influencer> | ReadonlyMap<string, Influencer>,
  afterSet: Iterable<Influencer> | ReadonlyMap<string, Influencer>,
  options: { prune?: boolean } = {},
): InfluencerDiff {
  const before = byId(beforeSet);
  const after = byId(afterSet);
  const added: Influencer[] = [];
  const removed: Influencer[] = [];
  const changed: InfluencerChange[] = [];
  const unchanged: string[] = [];
  for (const [id, a] of [...after].sort(([x], [y]) => x.localeCompare(y))) {
    const b = before.get(id);
    if (b === undefined) added.push(a);
    else {
      const fields = changedFields(b, a);
      if (fields.length > 0) changed.push({ id, before: b, after: a, fields });
      else unchanged.push(id);
    }
  }
  for (const [id, b] of [...before].sort(([x], [y]) => x.localeCompare(y))) {
    if (after.has(id)) continue;
    if (options.prune === false) unchanged.push(id);
    else removed.push(b);
  }
  return { added, removed, changed, unchanged };
}

const show = (v: unknown): string => (v === undefined ? '(unset)' : JSON.stringify(v));

/** Human lines: `+ id address`, `- id address`, `~ id field: before -> after`. */
export function formatDiff(d: InfluencerDiff): string[] {
  const lines: string[] = [];
  for (const a of d.added) lines.push(`+ ${a.id} ${a.address} "${a.label}"`);
  for (const r of d.removed) lines.push(`- ${r.id} ${r.address} "${r.label}"`);
  for (const c of d.changed) {
    for (const f of c.fields) {
      lines.push(`~ ${c.id} ${f}: ${show(fieldValue(c.before, f))} -> ${show(fieldValue(c.after, f))}`);
    }
  }
  return lines;
}
