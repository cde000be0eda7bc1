/**
 * The `distributed` section (issue #17): which part of the pipeline this process runs. Role
 * `all` is today's single process (listeners, fan-in, positions, sinks) joined by the
 * in-process hand-off; `listeners` and `processor` are the two tiers of distributed mode,
 * joined by the Kafka hand-off. The hand-off follows from the role (schema.ts resolves it).
 */
import { z } from 'zod';
import { DistributedKafkaConfig } from './schema-distributed-kafka.js';

export { DistributedKafkaConfig } from './schema-distributed-kafka.js';

export const PROCESS_ROLES = ['all', 'listeners', 'processor'] as const;
export const LISTENER_GROUPS = ['A', 'B'] as const;
export const HANDOFF_KINDS = ['in-process', 'kafka'] as const;

export const DistributedConfig = z
  .object({
    role: z
      .enum(PROCESS_ROLES)
      .default('all')
      .describe(
        'What this process runs: `all` (one process, the default), `listeners` (listener tier, publishes to the hand-off) or `processor` (fan-in, positions and signals from the hand-off). `ingest run --role` overrides it.',
      ),
    listenerGroup: z
      .enum(LISTENER_GROUPS)
      .default('A')
      .describe(
        "Listener group of a `listeners` process: A runs each influencer's primary listener, B its secondary (deploy them on disjoint egress IPs).",
      ),
    handoff: z
      .enum(HANDOFF_KINDS)
      .optional()
      .describe(
        'Hand-off between listeners and fan-in; unset, it follows from the role: `in-process` for `all`, `kafka` otherwise.',
      ),
    listenerStateIntervalMs: z
      .number()
      .int()
      .min(100)
      .max(60_000)
      .default(5000)
      .describe(
        "Distributed mode: how often a listener process re-publishes each listener's health to the bronze topic (also on every change). A processor flags an influencer's signals degraded (quality.degradedListener) when a slot is unhealthy or has been silent for 3 intervals.",
      ),
    advertiseUrl: z
      .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
      .optional()
      .describe(
        "The ops URL other hosts reach this process at, advertised to its consumer group so `ingest cluster status` finds its /status.json (Kubernetes: `http://$(POD_IP):9464`). Unset: the ops server's address, or this host's first non-loopback IPv4 when http.host is 0.0.0.0.",
      ),
    kafka: DistributedKafkaConfig.prefault({}).describe(
      'The Kafka hand-off: bronze topic, listener-group coordination topic, groups (brokers from sinks.kafka).',
    ),
  })
  .strict();
export type DistributedConfig = z.infer<typeof DistributedConfig>;
