/**
 * kafkajs `ssl` options from the config's TLS settings (PEM files read here). Shared by the
 * service's publisher and `ingest signals tail`, so both reach a TLS cluster the same way.
 */
import { readFile } from 'node:fs/promises';
import type { ConnectionOptions } from 'node:tls';

export interface KafkaTlsFiles {
  readonly rejectUnauthorized: boolean;
  readonly caFile?: string | undefined;
  readonly certFile?: string | undefined;
  readonly keyFile?: string | undefined;
}

export async function kafkaTlsOptions(tls: KafkaTlsFiles): Promise<ConnectionOptions> {
  const read = async (p: string | undefined) => (p === undefined ? undefined : await readFile(p, 'utf8'));
  const [ca, cert, key] = await Promise.all([read(tls.caFile), read(tls.certFile), read(tls.keyFile)]);
  return {
    rejectUnauthorized: tls.rejectUnauthorized,
    ...(ca === undefined ? {} : { ca: [ca] }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
  };
}
