/**
 * The influencer record: who we follow and how. One strict zod schema shared by every source
 * (Redis, file, static), the CLI and the watcher. Addresses are normalized to lower case; ids
 * are short slugs used in keys, logs and metric labels. `InfluencerInput` is what people write
 * (files, `add`): bookkeeping fields are optional there and filled by `toInfluencer`.
 */
import { z } from 'zod';
import { Address, LISTENER_KINDS, MARKET_CLASSES } from '../core/index.js';

export const InfluencerId = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._-]{0,63}$/,
    'expected a slug: lower-case letters, digits, . _ - (1-64 chars, starting with a letter or digit)',
  );
export type InfluencerId = z.infer<typeof InfluencerId>;

/** A coin as Hyperliquid names it (BTC, xyz:TSLA, @107, PURR/USDC, #12). */
export const Coin = z
  .string()
  .regex(/^[A-Za-z0-9@#+:/._-]{1,40}$/, 'expected a coin name such as BTC or xyz:TSLA');

/** How a refused subscription of this address is retried (unset fields: hyperliquid.reconnect). */
const Backoff = z
  .object({
    initialDelayMs: z.number().int().min(0).optional(),
    maxDelayMs: z.number().int().min(0).optional(),
    factor: z.number().min(1).optional(),
    jitter: z.number().min(0).max(1).optional(),
  })
  .strict();

const Throttling = z
  .object({
    /** Cap on signals per minute for this influencer (noisy accounts). Stored, not applied yet. */
    maxSignalsPerMinute: z.number().int().min(1).optional(),
    /** Minimum gap between two retries of a refused subscription of this influencer's address. */
    resubscribeMinIntervalMs: z.number().int().min(0).optional(),
  })
  .strict();

const contentShape = {
  id: InfluencerId,
  address: Address,
  label: z.string().trim().min(1).max(200),
  enabled: z.boolean().default(true),
  /** Higher = more important: the planner gives user-stream slots (10 per IP) by priority. */
  priority: z.number().int().min(-1_000_000).max(1_000_000).default(0),
  /** Coins to signal on; empty = all. */
  markets: z.array(Coin).default([]),
  /** Unset fields fall back to the service's `positions` config. */
  signal: z
    .object({
      aggregation: z.enum(['block', 'order']).optional(),
      marketClasses: z.array(z.enum(MARKET_CLASSES)).min(1).optional(),
    })
    .strict()
    .default({}),
  listeners: z
    .object({ kinds: z.array(z.enum(LISTENER_KINDS)).min(1).optional() })
    .strict()
    .default({}),
  backoff: Backoff.default({}),
  throttling: Throttling.default({}),
};

const metaShape = {
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  /** Per-record revision, +1 on every change. */
  version: z.number().int().min(1),
};

export const Influencer = z.object({ ...contentShape, ...metaShape }).strict();
export type Influencer = z.infer<typeof Influencer>;

/** What a person writes: no bookkeeping required, label defaults to the id. */
export const InfluencerInput = z
  .object({
    ...contentShape,
    label: contentShape.label.optional(),
    createdAt: metaShape.createdAt.optional(),
    updatedAt: metaShape.updatedAt.optional(),
    version: metaShape.version.optional(),
  })
  .strict();
export type InfluencerInput = z.infer<typeof InfluencerInput>;

/** The fields a change can touch (bookkeeping excluded): what diffs compare. */
export const CONTENT_KEYS = Object.keys(contentShape) as readonly (keyof typeof contentShape)[];
export const META_KEYS = Object.keys(metaShape) as readonly (keyof typeof metaShape)[];

export function toInfluencer(input: InfluencerInput, nowIso: string): Influencer {
  return Object.freeze({
    ...input,
    label: input.label ?? input.id,
    createdAt: input.createdAt ?? nowIso,
    updatedAt: input.updatedAt ?? input.createdAt ?? nowIso,
    version: input.version ?? 1,
  });
}

/** Stable JSON (sorted keys) so equal records compare equal as text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

/** Content fields whose values differ (dotted one level into sub-objects). */
export function changedFields(before: Influencer, after: Influencer): string[] {
  const out: string[] = [];
  for (const k of CONTENT_KEYS) {
    const a: unknown = before[k];
    const b: unknown = after[k];
    if (canonicalJson(a) === canonicalJson(b)) continue;
    if (isPlainObject(a) && isPlainObject(b)) {
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
      for (const sub of keys) if (canonicalJson(a[sub]) !== canonicalJson(b[sub])) out.push(`${k}.${sub}`);
    } else out.push(k);
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads a value at a dotted field path (for diff printing). */
export function fieldValue(rec: Influencer, field: string): unknown {
  let node: unknown = rec;
  for (const k of field.split('.')) {
    if (!isPlainObject(node)) return undefined;
    node = node[k];
  }
  return node;
}
