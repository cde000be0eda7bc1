/**
 * The connector metadata file, `connectors/<name>/connector.yaml` (254Carbon connectors):
 * who the connector is, how it runs, what it emits and how native markets map to canonical
 * market ids with their time bounds. This zod schema is the one place its defaults live.
 */
import { z } from 'zod';
import { PAYLOAD_TYPES } from '../envelope/index.js';
import type { PayloadType } from '../envelope/index.js';

export const CONNECTOR_MANIFEST_FILE = 'connector.yaml';

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?$/;
const Semver = z.string().regex(SEMVER, 'expected a semver version such as 1.2.0');
const Slug = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,62}$/, 'expected lower-case letters, digits and dashes, starting with a letter');

export const CONNECTOR_MODES = ['batch', 'streaming', 'hybrid'] as const;
export const ConnectorMode = z.enum(CONNECTOR_MODES);
export type ConnectorMode = z.infer<typeof ConnectorMode>;

export const PayloadTypeName = z.enum(PAYLOAD_TYPES as [PayloadType, ...PayloadType[]]);

/** Time bounds (M0 §7) for one market; the manifest's `timeBounds` is the default for all. */
export const TimeBounds = z
  .object({
    maxSkewMs: z
      .number()
      .int()
      .nonnegative()
      .default(5_000)
      .describe('How far in the future event time may be.'),
    maxStalenessMs: z
      .number()
      .int()
      .positive()
      .default(300_000)
      .describe('How far in the past event time may be, relative to ingest time.'),
  })
  .strict();
export type TimeBounds = z.infer<typeof TimeBounds>;

export const MarketMapping = z
  .object({
    native: z
      .string()
      .min(1)
      .describe("The source's symbol (e.g. BTC), or * for every symbol not listed explicitly."),
    marketId: z
      .string()
      .min(1)
      .max(200)
      .describe('Canonical market id (e.g. hl.perp.BTC); with native *, {native} is replaced by the symbol.'),
    domain: z.string().min(1).describe('Domain (e.g. crypto.perp).'),
    shards: z
      .number()
      .int()
      .min(1)
      .max(1024)
      .default(1)
      .describe('Partitions for a hot market: partition_key market_id#n, n from the event id.'),
    maxSkewMs: z.number().int().nonnegative().optional().describe('Overrides timeBounds.maxSkewMs.'),
    maxStalenessMs: z.number().int().positive().optional().describe('Overrides timeBounds.maxStalenessMs.'),
  })
  .strict();
export type MarketMapping = z.infer<typeof MarketMapping>;

export const ConnectorRetry = z
  .object({
    maxAttempts: z.number().int().positive().default(8),
    backoff: z
      .object({
        initialDelayMs: z.number().int().positive().default(250),
        maxDelayMs: z.number().int().positive().default(30_000),
        factor: z.number().min(1).default(2),
        jitter: z.number().min(0).max(1).default(0.5),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export const ConnectorManifest = z
  .object({
    name: Slug.describe('Connector id; equals the folder name.'),
    version: Semver.describe('Connector version: major for removed/renamed payload fields or types.'),
    kind: Slug.describe(
      'Implementation (factory) that runs it: synthetic, fixture, hyperliquid-market-data, ...',
    ),
    description: z.string().default(''),
    source: z
      .object({
        id: Slug.describe('source_id in every envelope.'),
        version: z.string().min(1).default('1').describe('source_version: the source API/format version.'),
      })
      .strict(),
    mode: ConnectorMode,
    schedule: z
      .object({
        everyMs: z.number().int().positive().describe('Poll interval for batch/hybrid connectors.'),
      })
      .strict()
      .optional(),
    enabled: z.boolean().default(true).describe('false: listed and validated, never run.'),
    output: z
      .object({
        topic: z.string().min(1).default('normalized.market.v1'),
        quarantineTopic: z.string().min(1).default('quarantine.v1'),
      })
      .strict()
      .prefault({}),
    payloadTypes: z
      .array(PayloadTypeName)
      .min(1)
      .describe('Payload types it may emit; anything else is quarantined.'),
    retries: ConnectorRetry.prefault({}),
    timeBounds: TimeBounds.prefault({}),
    markets: z
      .array(MarketMapping)
      .min(1)
      .describe('Native symbol → market id mapping table (versioned with the connector).'),
    owner: z.string().min(1).describe('Team or person answerable for it.'),
    options: z
      .record(z.string(), z.unknown())
      .default({})
      .describe('Implementation-specific settings, validated by its factory.'),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.mode !== 'streaming' && m.schedule === undefined) {
      ctx.addIssue({ code: 'custom', path: ['schedule'], message: `required when mode is ${m.mode}` });
    }
    const seen = new Set<string>();
    m.markets.forEach((mk, i) => {
      if (seen.has(mk.native))
        ctx.addIssue({
          code: 'custom',
          path: ['markets', i, 'native'],
          message: `duplicate native symbol "${mk.native}"`,
        });
      seen.add(mk.native);
    });
    if (new Set(m.payloadTypes).size !== m.payloadTypes.length) {
      ctx.addIssue({ code: 'custom', path: ['payloadTypes'], message: 'duplicate payload type' });
    }
    if (m.retries.backoff.initialDelayMs > m.retries.backoff.maxDelayMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['retries', 'backoff', 'initialDelayMs'],
        message: 'must not exceed maxDelayMs',
      });
    }
  });
export type ConnectorManifest = z.output<typeof ConnectorManifest>;

/** Major version of a semver string (the registry's versioning checks compare these). */
export function semverMajor(v: string): number {
  return Number(SEMVER.exec(v)?.[1] ?? Number.NaN);
}

/** Per-market bounds with the manifest default applied. */
export function boundsFor(m: ConnectorManifest, mk: MarketMapping): TimeBounds {
  return {
    maxSkewMs: mk.maxSkewMs ?? m.timeBounds.maxSkewMs,
    maxStalenessMs: mk.maxStalenessMs ?? m.timeBounds.maxStalenessMs,
  };
}
