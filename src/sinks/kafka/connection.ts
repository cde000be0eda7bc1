/**
 * The kafkajs connection (brokers, client id, TLS, SASL) from the config's `sinks.kafka`
 * section, built once: the service's publisher, the aggregation outputs, `ingest signals tail`,
 * distributed mode and `ingest cluster status` all reach a TLS/SASL cluster the same way.
 * Typed structurally, so the kernel does not depend on src/config.
 */
import type { SASLOptions } from 'kafkajs';
import type { ConnectionOptions } from 'node:tls';
import { kafkaTlsOptions } from './tls.js';
import type { KafkaTlsFiles } from './tls.js';

export interface KafkaConnectionSettings {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly tls: KafkaTlsFiles & { readonly enabled: boolean };
  readonly sasl?:
    | {
        readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
        readonly username: string;
        readonly password?: string | undefined;
      }
    | undefined;
}

export interface KafkaConnection {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly ssl?: ConnectionOptions;
  readonly sasl?: SASLOptions;
}

/** PEM files are read here; SASL applies only once its password is set (from the secret). */
export async function kafkaConnection(
  k: KafkaConnectionSettings,
  clientId = k.clientId,
): Promise<KafkaConnection> {
  const ssl = k.tls.enabled ? await kafkaTlsOptions(k.tls) : undefined;
  const sasl: SASLOptions | undefined =
    k.sasl?.password === undefined
      ? undefined
      : { mechanism: k.sasl.mechanism, username: k.sasl.username, password: k.sasl.password };
  return {
    brokers: [...k.brokers],
    clientId,
    ...(ssl === undefined ? {} : { ssl }),
    ...(sasl === undefined ? {} : { sasl }),
  };
}
