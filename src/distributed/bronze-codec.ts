/**
 * HandoffRecord <-> bronze Kafka message (schema v1, bronze-schema.ts). Key = influencerId;
 * value = UTF-8 JSON; headers name the schema version, content type, kind and listener, so a
 * consumer can route or drop without parsing the value. decodeBronze never throws: a bad
 * message comes back as a ValidationError that names the problem (topic position added by
 * the caller), so one poison record cannot crash the processor.
 */
import { ValidationError, dec, decStr, formatIssues } from '../core/index.js';
import type { Address, FillEvent, FillLiquidation } from '../core/index.js';
import type { HandoffRecord } from '../handoff/index.js';
import { acceptBronzeFills } from './bronze-fast.js';
import { BRONZE_SCHEMA_VERSION, BronzeRecord } from './bronze-schema.js';

export const BRONZE_HEADERS = {
  schemaVersion: 'schema-version',
  contentType: 'content-type',
  kind: 'record-kind',
  listenerId: 'listener-id',
} as const;

/** What the sink hands to kafkajs (strings; kafkajs encodes them as UTF-8). */
export interface BronzeMessage {
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** What a consumer read (kafkajs gives Buffers; header values may be arrays or absent). */
export interface BronzeMessageIn {
  readonly key: Buffer | string | null;
  readonly value: Buffer | string | null;
  readonly headers?: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
}

export type DecodeResult =
  | { readonly ok: true; readonly record: HandoffRecord }
  | { readonly ok: false; readonly error: ValidationError };

/** Fixed key order, so the same record always encodes to the same bytes. */
function liquidationOf(l: FillLiquidation): FillLiquidation {
  return {
    ...(l.liquidatedUser === undefined ? {} : { liquidatedUser: l.liquidatedUser }),
    markPx: l.markPx,
    method: l.method,
  };
}

function toWire(record: HandoffRecord): BronzeRecord {
  const envelope = {
    v: BRONZE_SCHEMA_VERSION,
    influencerId: record.influencerId,
    listenerId: record.listenerId,
    receivedAt: record.receivedAt,
  } as const;
  if (record.kind === 'listener-state') {
    return {
      ...envelope,
      kind: 'listener-state',
      role: record.role,
      healthy: record.healthy,
      state: record.state,
    };
  }
  if (record.kind === 'positions') {
    return {
      ...envelope,
      kind: 'positions',
      user: record.user,
      time: record.time,
      positions: { ...record.positions },
      ...(record.dexes === undefined ? {} : { dexes: [...record.dexes] }),
    };
  }
  return {
    ...envelope,
    kind: 'fills',
    fills: record.fills.map((f) => ({
      eventId: f.eventId,
      user: f.user,
      coin: f.coin,
      side: f.side,
      px: decStr(f.px),
      sz: decStr(f.sz),
      time: f.time,
      startPosition: f.startPosition === null ? null : decStr(f.startPosition),
      dir: f.dir,
      tid: f.tid,
      oid: f.oid,
      hash: f.hash,
      crossed: f.crossed,
      fee: f.fee,
      closedPnl: f.closedPnl,
      liquidation: f.liquidation === null ? null : liquidationOf(f.liquidation),
      twapId: f.twapId,
      source: { ...f.source },
    })),
  };
}

export function encodeBronze(record: HandoffRecord): BronzeMessage {
  return {
    key: record.influencerId,
    value: JSON.stringify(toWire(record)),
    headers: {
      [BRONZE_HEADERS.schemaVersion]: String(BRONZE_SCHEMA_VERSION),
      [BRONZE_HEADERS.contentType]: 'application/json',
      [BRONZE_HEADERS.kind]: record.kind,
      [BRONZE_HEADERS.listenerId]: record.listenerId,
    },
  };
}

function text(v: Buffer | string | null | undefined): string | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? v : v.toString('utf8');
}

function header(m: BronzeMessageIn, name: string): string | null {
  const v = m.headers?.[name];
  return text(Array.isArray(v) ? v[0] : v);
}

function fail(message: string, issues: readonly string[] = [message]): DecodeResult {
  return { ok: false, error: new ValidationError(`bronze record: ${message}`, [...issues]) };
}

function fromWire(w: BronzeRecord): HandoffRecord {
  const envelope = { influencerId: w.influencerId, listenerId: w.listenerId, receivedAt: w.receivedAt };
  if (w.kind === 'listener-state') {
    return { ...envelope, kind: 'listener-state', role: w.role, healthy: w.healthy, state: w.state };
  }
  if (w.kind === 'positions') {
    return {
      ...envelope,
      kind: 'positions',
      user: w.user,
      time: w.time,
      positions: w.positions,
      ...(w.dexes === undefined ? {} : { dexes: w.dexes }),
    };
  }
  return {
    ...envelope,
    kind: 'fills',
    fills: w.fills.map((f): FillEvent => ({
      ...f,
      user: f.user as Address,
      px: dec(f.px),
      sz: dec(f.sz),
      startPosition: f.startPosition === null ? null : dec(f.startPosition),
      liquidation:
        f.liquidation === null
          ? null
          : {
              markPx: f.liquidation.markPx,
              method: f.liquidation.method,
              ...(f.liquidation.liquidatedUser === undefined
                ? {}
                : { liquidatedUser: f.liquidation.liquidatedUser }),
            },
    })),
  };
}

/** Parses one bronze message; never throws. */
export function decodeBronze(m: BronzeMessageIn): DecodeResult {
  const version = header(m, BRONZE_HEADERS.schemaVersion);
  if (version !== null && version !== String(BRONZE_SCHEMA_VERSION)) {
    return fail(`unsupported schema-version header '${version}' (this build reads ${BRONZE_SCHEMA_VERSION})`);
  }
  const value = text(m.value);
  if (value === null) return fail('empty value (tombstone?)');
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch (e) {
    return fail(`value is not JSON (${(e as Error).message})`);
  }
  // A well-formed fills record skips zod's walk (bronze-fast.ts); anything else zod judges.
  let wire = acceptBronzeFills(json);
  if (wire === null) {
    const parsed = BronzeRecord.safeParse(json);
    if (!parsed.success) {
      const issues = formatIssues(parsed.error);
      return fail(`value does not match schema v${BRONZE_SCHEMA_VERSION}: ${issues.join('; ')}`, issues);
    }
    wire = parsed.data;
  }
  const key = text(m.key);
  if (key !== wire.influencerId) {
    return fail(`key '${key ?? '(none)'}' differs from influencerId '${wire.influencerId}'`);
  }
  return { ok: true, record: fromWire(wire) };
}
