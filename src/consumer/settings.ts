/**
 * The consumer's tunables and their defaults, in one zod schema (the project's rule: each
 * default lives once, here). Handlers and client objects are not settings; see consumer.ts.
 */
import { z } from 'zod';
import { SIGNAL_TOPIC } from '../positions/signal-contract.js';

export const ConsumerStart = z.union([
  z.literal('latest'),
  z.literal('earliest'),
  z.object({ since: z.number().int().nonnegative() }).strict(),
]);
export type ConsumerStart = z.infer<typeof ConsumerStart>;

export const SignalConsumerSettings = z
  .object({
    brokers: z.array(z.string().min(1)).min(1, 'at least one broker (host:port)'),
    groupId: z.string().min(1),
    topic: z.string().min(1).default(SIGNAL_TOPIC),
    clientId: z.string().min(1).default('hl-signal-consumer'),
    /**
     * Where a group without committed offsets starts. `latest` by default: a trading consumer
     * that joins should not act on last week's signals. `{ since }` (ms) seeks every partition
     * to the first offset at or after that time, overriding committed offsets.
     */
    start: ConsumerStart.default('latest'),
    /** Signal ids remembered for dedupe (a bounded window, oldest evicted first). */
    dedupeWindow: z.number().int().min(1).default(100_000),
    /** Commit handled offsets to the group. `false` for throwaway readers (tail). */
    commit: z.boolean().default(true),
    /** Commit handled offsets at least this often (ms; also when idle; 0 = after every message) ... */
    commitIntervalMs: z.number().int().min(0).default(5_000),
    /** ... or after this many handled messages, whichever comes first. */
    commitThreshold: z.number().int().min(1).default(100),
    sessionTimeoutMs: z.number().int().min(1000).default(30_000),
    connectionTimeoutMs: z.number().int().min(100).default(3_000),
  })
  .strict();
export type SignalConsumerSettings = z.infer<typeof SignalConsumerSettings>;
export type SignalConsumerSettingsInput = z.input<typeof SignalConsumerSettings>;
