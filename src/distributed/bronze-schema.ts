/**
 * The wire schema of the bronze topic `ingestion.hyperliquid.raw.v1` (version 1): the zod
 * source of contracts/distributed/bronze-record.v1.schema.json. One Kafka message carries one
 * HandoffRecord as UTF-8 JSON. Amounts stay exact: every decimal is a plain decimal string
 * (never a JS number), so the processor rebuilds the same Decimal the listener parsed.
 */
import { z } from 'zod';
import { DELIVERY_KINDS, LISTENER_KINDS } from '../core/index.js';

export const BRONZE_SCHEMA_VERSION = 1;
export const BRONZE_TOPIC = 'ingestion.hyperliquid.raw.v1';

/** A plain decimal string (no exponent); shared with the hand-written acceptor (bronze-fast.ts). */
export const BRONZE_DECIMAL_RE = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;
export const BRONZE_ADDRESS_RE = /^0x[0-9a-f]{40}$/;

const DecimalString = z.string().regex(BRONZE_DECIMAL_RE, 'expected a plain decimal string (no exponent)');
const AddressString = z.string().regex(BRONZE_ADDRESS_RE, 'expected 0x followed by 40 lower-case hex digits');
const Ms = z.number().int().min(0);
const Id = z.string().min(1);

const BronzeFill = z
  .object({
    eventId: Id,
    user: AddressString,
    coin: Id,
    side: z.enum(['B', 'A']),
    px: DecimalString,
    sz: DecimalString,
    time: Ms,
    startPosition: DecimalString.nullable(),
    dir: z.string().nullable(),
    tid: z.number().int().nullable(),
    oid: z.number().int().nullable(),
    hash: z.string().nullable(),
    crossed: z.boolean().nullable(),
    fee: z.string().nullable(),
    closedPnl: z.string().nullable(),
    liquidation: z
      .object({ liquidatedUser: z.string().optional(), markPx: z.string(), method: z.string() })
      .strict()
      .nullable(),
    twapId: z.number().int().nullable(),
    source: z
      .object({
        listenerId: Id,
        listenerKind: z.enum([...LISTENER_KINDS, 'rest']),
        delivery: z.enum(DELIVERY_KINDS),
        receivedAt: Ms,
      })
      .strict(),
  })
  .strict();

const Envelope = {
  v: z.literal(BRONZE_SCHEMA_VERSION).describe('Schema version; also in the `schema-version` header.'),
  influencerId: Id.describe('Also the message key: one influencer stays on one partition, in order.'),
  listenerId: Id.describe('The listener that received it, e.g. `inf-42/primary`.'),
  receivedAt: Ms.describe('Local receipt time at the listener process (ms since epoch).'),
};

export const BronzeRecord = z.discriminatedUnion('kind', [
  z
    .object({
      ...Envelope,
      kind: z.literal('fills'),
      fills: z.array(BronzeFill).describe('Fills as one listener received them (one frame / page).'),
    })
    .strict(),
  z
    .object({
      ...Envelope,
      kind: z.literal('positions'),
      user: AddressString,
      time: Ms.describe('As-of time of the snapshot (ms).'),
      positions: z.record(z.string(), DecimalString).describe('Signed size by coin.'),
      dexes: z.array(z.string()).optional().describe("Perp dexes covered ('' = main dex); absent = all."),
    })
    .strict(),
  z
    .object({
      ...Envelope,
      kind: z.literal('listener-state'),
      role: z.enum(['primary', 'secondary']).describe('The slot: primary (group A) or secondary (group B).'),
      healthy: z.boolean().describe('Subscribed and receiving, not degraded.'),
      state: z.string().max(200).describe('The listener state in words, e.g. `reconnecting (stall)`.'),
    })
    .strict()
    .describe(
      "A listener's health, published on change and every listenerStateIntervalMs; the processor derives quality.degradedListener from both slots.",
    ),
]);
export type BronzeRecord = z.infer<typeof BronzeRecord>;
