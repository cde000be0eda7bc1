/**
 * The write side of the Redis adapter, used by the ops CLI: add, remove, enable/disable, set
 * and import. Each operation computes its changes from what is stored, then commits them in
 * one optimistic transaction (WATCH the touched keys, check, MULTI/EXEC, retry on a race):
 * records, address index, version counter, one audit entry per record and the change notice.
 */
import type { Redis } from 'ioredis';
import { ConfigError, IngestError, ValidationError, normalizeAddress, systemClock } from '../core/index.js';
import type { Clock } from '../core/index.js';
import { diffInfluencers } from './diff.js';
import type { InfluencerDiff } from './diff.js';
import { inputsToSnapshot } from './file-source.js';
import { AUDIT_MAXLEN, RECORD_FIELD } from './keys.js';
import type { ChangeNotice } from './keys.js';
import { InfluencerInput, canonicalJson, toInfluencer } from './model.js';
import type { Influencer } from './model.js';
import { applyAssignments } from './patch.js';
import { RedisInfluencerSource, createRedis, redisUnavailable } from './redis-adapter.js';
import type { RedisConnectionOptions } from './redis-adapter.js';

export type AuditAction = 'add' | 'remove' | 'enable' | 'disable' | 'set' | 'import';

export interface RecordChange {
  readonly id: string;
  readonly before?: Influencer | undefined;
  readonly after?: Influencer | undefined;
  /**
   * Removing a record that is stored but invalid (written behind the CLI): its exact stored
   * text, which the transaction checks is unchanged and the audit keeps as `before`.
   */
  readonly rawBefore?: string | undefined;
}

/** A stored record that did not validate, as `remove` reports it. */
export interface InvalidRecord {
  readonly id: string;
  readonly invalid: true;
  readonly raw: string;
}

/** The address field of a stored record, if it has a plausible one (corrupt records too). */
function rawAddress(raw: string): string | undefined {
  try {
    const v = (JSON.parse(raw) as { address?: unknown }).address;
    return typeof v === 'string' && /^0x[0-9a-fA-F]{40}$/.test(v) ? v.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

export interface AuditEntry {
  readonly streamId: string;
  readonly actor: string;
  readonly at: string;
  readonly action: string;
  readonly id: string;
  readonly version: number;
  readonly before: Influencer | null;
  readonly after: Influencer | null;
}

export interface ImportPlan {
  readonly diff: InfluencerDiff;
  readonly changes: readonly RecordChange[];
}

/** Optimistic-lock retries before giving up on a busy key set. */
const MAX_COMMIT_ATTEMPTS = 5;
/** Keys per WATCH / pipelined read: large imports go in slices, never as one argument spread. */
const KEY_CHUNK = 1000;
/** Changes per import transaction (see applyImport). */
const IMPORT_BATCH = 1000;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const conflict = (message: string): IngestError => new IngestError('CONFLICT', message);

export interface RedisInfluencerStoreOptions {
  readonly connection: RedisConnectionOptions;
  readonly client?: Redis;
  readonly clock?: Clock;
}

export class RedisInfluencerStore extends RedisInfluencerSource {
  private readonly clock: Clock;

  constructor(options: RedisInfluencerStoreOptions) {
    super({
      connection: options.connection,
      client: options.client ?? createRedis(options.connection, 'cli'),
    });
    this.clock = options.clock ?? systemClock;
  }

  private nowIso(): string {
    return new Date(this.clock.now()).toISOString();
  }

  /** By id, or by address (through the address index). Not found is CONFIG_NOT_FOUND (exit 4). */
  async get(ref: string): Promise<Influencer> {
    await this.ensureConnected();
    const rec = await this.run(async () => {
      let id = ref;
      if (/^0x[0-9a-fA-F]{40}$/.test(ref.trim())) {
        id = (await this.client.get(this.keys.address(normalizeAddress(ref)))) ?? '';
      }
      const snap = await this.load();
      return snap.influencers.find((i) => i.id === id);
    });
    if (rec === undefined) throw new ConfigError('CONFIG_NOT_FOUND', `influencer "${ref}" not found`);
    return rec;
  }

  async add(input: unknown, actor: string): Promise<Influencer> {
    const parsed = InfluencerInput.safeParse(input);
    if (!parsed.success) throw validation(parsed.error.issues.map(issueLine));
    const now = this.nowIso();
    const rec = toInfluencer({ ...parsed.data, createdAt: now, updatedAt: now, version: 1 }, now);
    await this.commit([{ id: rec.id, after: rec }], 'add', actor);
    return rec;
  }

  /**
   * Removes by id or address. A record stored under that id that no longer validates (written
   * behind the CLI) is removed too, so ops can always clear a corrupt entry.
   */
  async remove(ref: string, actor: string): Promise<Influencer | InvalidRecord> {
    try {
      const before = await this.get(ref);
      await this.commit([{ id: before.id, before }], 'remove', actor);
      return before;
    } catch (e) {
      if (!(e instanceof ConfigError) || e.code !== 'CONFIG_NOT_FOUND') throw e;
      const raw = await this.run(() => this.client.hget(this.keys.record(ref), RECORD_FIELD));
      if (raw === null) throw e;
      await this.commit([{ id: ref, rawBefore: raw }], 'remove', actor);
      return { id: ref, invalid: true, raw };
    }
  }

  /** Returns the change, or undefined when the record already had that state (nothing written). */
  async setEnabled(ref: string, enabled: boolean, actor: string): Promise<RecordChange | undefined> {
    const before = await this.get(ref);
    if (before.enabled === enabled) return undefined;
    const after = applyAssignments(before, [`enabled=${String(enabled)}`], this.nowIso());
    await this.commit([{ id: before.id, before, after }], enabled ? 'enable' : 'disable', actor);
    return { id: before.id, before, after };
  }

  async set(ref: string, assignments: readonly string[], actor: string): Promise<RecordChange> {
    const before = await this.get(ref);
    const after = applyAssignments(before, assignments, this.nowIso());
    await this.commit([{ id: before.id, before, after }], 'set', actor);
    return { id: before.id, before, after };
  }

  /**
   * What importing `raws` would do. Every record is validated first (any invalid record fails
   * the whole import with one line per problem), and the resulting set must keep addresses unique.
   */
  async planImport(raws: readonly unknown[], options: { prune: boolean }): Promise<ImportPlan> {
    const now = this.nowIso();
    const incoming = inputsToSnapshot(raws, now);
    if (incoming.rejected.length > 0) {
      throw validation(incoming.rejected.flatMap((r) => r.issues.map((i) => `${r.id}: ${i}`)));
    }
    const current = await this.load();
    const currentById = new Map(current.influencers.map((i) => [i.id, i]));
    const planned = incoming.influencers.map((i) => {
      const before = currentById.get(i.id);
      return before === undefined
        ? { ...i, updatedAt: now, version: 1 }
        : { ...i, createdAt: before.createdAt, updatedAt: now, version: before.version + 1 };
    });
    const diff = diffInfluencers(current.influencers, planned, { prune: options.prune });
    const finalSet = new Map(currentById);
    for (const r of diff.removed) finalSet.delete(r.id);
    for (const p of [...diff.added, ...diff.changed.map((c) => c.after)]) finalSet.set(p.id, p);
    const owners = new Map<string, string>();
    for (const rec of finalSet.values()) {
      const owner = owners.get(rec.address);
      if (owner !== undefined)
        throw conflict(`address ${rec.address} would be used by both "${owner}" and "${rec.id}"`);
      owners.set(rec.address, rec.id);
    }
    const changes: RecordChange[] = [
      ...diff.added.map((after) => ({ id: after.id, after })),
      ...diff.changed.map((c) => ({ id: c.id, before: c.before, after: c.after })),
      ...diff.removed.map((before) => ({ id: before.id, before })),
    ];
    return { diff, changes };
  }

  /**
   * Up to IMPORT_BATCH changes commit as one transaction. A bigger import commits in batches:
   * one transaction of 100 000 records held Redis for tens of seconds (WATCH cost grows with
   * the keys watched times the keys written). First the removals and address moves together
   * (they free addresses others may take), then the rest in slices. Every record was validated
   * and the final set checked for unique addresses before anything is written; if a batch
   * fails, the earlier ones stay and re-running the import finishes it (it diffs again).
   */
  async applyImport(plan: ImportPlan, actor: string): Promise<void> {
    if (plan.changes.length === 0) return;
    if (plan.changes.length <= IMPORT_BATCH) {
      await this.commit(plan.changes, 'import', actor);
      return;
    }
    const frees = (c: RecordChange): boolean =>
      c.after === undefined || (c.before !== undefined && c.before.address !== c.after.address);
    const first = plan.changes.filter(frees);
    if (first.length > 0) await this.commit(first, 'import', actor);
    for (const part of chunks(
      plan.changes.filter((c) => !frees(c)),
      IMPORT_BATCH,
    )) {
      await this.commit(part, 'import', actor);
    }
  }

  /** Newest last. */
  async audit(count = 100): Promise<AuditEntry[]> {
    await this.ensureConnected();
    const rows = await this.run(() => this.client.xrevrange(this.keys.audit, '+', '-', 'COUNT', count));
    return rows.reverse().map(([streamId, flat]) => {
      const f = new Map<string, string>();
      for (let i = 0; i + 1 < flat.length; i += 2) f.set(flat[i] as string, flat[i + 1] as string);
      const rec = (k: string): Influencer | null => {
        const v = f.get(k);
        return v === undefined || v === '' ? null : (JSON.parse(v) as Influencer);
      };
      return {
        streamId,
        actor: f.get('actor') ?? '',
        at: f.get('at') ?? '',
        action: f.get('action') ?? '',
        id: f.get('id') ?? '',
        version: Number(f.get('version') ?? 0),
        before: rec('before'),
        after: rec('after'),
      };
    });
  }

  private async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      // A bug on our side (RangeError, TypeError) with Redis up is not "Redis unreachable".
      if ((e instanceof RangeError || e instanceof TypeError) && this.client.status === 'ready') throw e;
      throw redisUnavailable(e, this.url, this.client);
    }
  }

  private async mgetChunked(keys: readonly string[]): Promise<(string | null)[]> {
    const out: (string | null)[] = [];
    for (const part of chunks(keys, KEY_CHUNK)) out.push(...(await this.client.mget(part)));
    return out;
  }

  /** The one write path. Returns the new global version. */
  async commit(changes: readonly RecordChange[], action: AuditAction, actor: string): Promise<number> {
    await this.ensureConnected();
    for (let attempt = 1; attempt <= MAX_COMMIT_ATTEMPTS; attempt++) {
      const version = await this.run(() => this.tryCommit(changes, action, actor));
      if (version !== undefined) return version;
    }
    throw conflict(
      `gave up after ${MAX_COMMIT_ATTEMPTS} attempts: the influencers keep changing concurrently`,
    );
  }

  /** undefined = the WATCH fired (someone else wrote): try again. */
  private async tryCommit(
    changes: readonly RecordChange[],
    action: AuditAction,
    actor: string,
  ): Promise<number | undefined> {
    const k = this.keys;
    const addresses = new Set<string>();
    for (const c of changes) {
      if (c.before) addresses.add(c.before.address);
      if (c.after) addresses.add(c.after.address);
      const ra = c.rawBefore === undefined ? undefined : rawAddress(c.rawBefore);
      if (ra) addresses.add(ra);
    }
    const watched = [
      k.ids,
      k.version,
      ...changes.map((c) => k.record(c.id)),
      ...[...addresses].map(k.address),
    ];
    // WATCH is cumulative on a connection: chunks keep an import of 100 000 records from
    // spreading 200 000 arguments into one call (which overflowed the call stack).
    for (const keys of chunks(watched, KEY_CHUNK)) await this.client.watch(keys);
    try {
      const stored: (string | null)[] = [];
      for (const part of chunks(changes, KEY_CHUNK)) {
        const pipe = this.client.pipeline();
        for (const c of part) pipe.hget(k.record(c.id), RECORD_FIELD);
        for (const [err, value] of (await pipe.exec()) ?? []) {
          if (err) throw err;
          stored.push(typeof value === 'string' ? value : null);
        }
      }
      changes.forEach((c, i) => {
        const s = stored[i] ?? null;
        if (c.rawBefore !== undefined) {
          if (s !== c.rawBefore)
            throw conflict(`influencer "${c.id}" changed concurrently; re-run the command`);
          return;
        }
        if (c.before === undefined && s !== null) throw conflict(`influencer id "${c.id}" already exists`);
        if (c.before !== undefined && (s === null || !sameRecord(s, c.before))) {
          throw conflict(`influencer "${c.id}" changed concurrently; re-run the command`);
        }
      });
      const leaving = new Set(
        changes.filter((c) => c.before && c.before.address !== c.after?.address).map((c) => c.id),
      );
      const claimed = changes.filter(
        (c): c is RecordChange & { after: Influencer } =>
          c.after !== undefined && c.after.address !== c.before?.address,
      );
      const owners = await this.mgetChunked(claimed.map((c) => k.address(c.after.address)));
      claimed.forEach((c, i) => {
        const owner = owners[i] ?? null;
        if (owner !== null && owner !== c.id && !leaving.has(owner)) {
          throw conflict(`address ${c.after.address} is already used by "${owner}"`);
        }
      });
      const version = Number((await this.client.get(k.version)) ?? '0') + 1;
      const at = this.nowIso();
      const m = this.client.multi();
      for (const c of changes) {
        if (c.before && c.before.address !== c.after?.address) m.del(k.address(c.before.address));
        const ra = c.rawBefore === undefined ? undefined : rawAddress(c.rawBefore);
        // A corrupt record's address index is cleared only if it really points at this id.
        if (ra && (await this.client.get(k.address(ra))) === c.id) m.del(k.address(ra));
      }
      for (const c of changes) {
        if (c.after === undefined) {
          m.srem(k.ids, c.id);
          m.del(k.record(c.id));
        } else {
          m.sadd(k.ids, c.id);
          m.hset(k.record(c.id), RECORD_FIELD, JSON.stringify(c.after));
          m.set(k.address(c.after.address), c.id);
        }
        m.xadd(
          k.audit,
          'MAXLEN',
          '~',
          AUDIT_MAXLEN,
          '*',
          'actor',
          actor,
          'at',
          at,
          'action',
          action,
          'id',
          c.id,
          'version',
          String(version),
          'before',
          c.rawBefore ?? (c.before ? JSON.stringify(c.before) : ''),
          'after',
          c.after ? JSON.stringify(c.after) : '',
        );
      }
      m.set(k.version, String(version));
      const notice: ChangeNotice = { action, ids: changes.map((c) => c.id), actor, at, version };
      m.publish(k.changes, JSON.stringify(notice));
      const result = await m.exec();
      if (result === null) return undefined;
      const failed = result.find(([err]) => err !== null);
      if (failed) throw failed[0] as Error;
      return version;
    } finally {
      await this.client.unwatch().catch(() => undefined);
    }
  }
}

function issueLine(i: { path: PropertyKey[]; message: string; code?: string; keys?: string[] }): string {
  const where = i.path.length ? i.path.map(String).join('.') : '(record)';
  if (i.code === 'unrecognized_keys' && i.keys)
    return `${where}: unknown key ${i.keys.map((x) => `"${x}"`).join(', ')}`;
  return `${where}: ${i.message}`;
}

function validation(lines: readonly string[]): ValidationError {
  return new ValidationError(`invalid influencer: ${lines.join('; ')}`, lines);
}

/** Stored JSON vs the record we read: key order may differ, content may not. */
function sameRecord(stored: string, rec: Influencer): boolean {
  try {
    return canonicalJson(JSON.parse(stored)) === canonicalJson(rec);
  } catch {
    return false;
  }
}
