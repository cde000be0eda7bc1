/**
 * Renders the published JSON Schema of the Signal contract from the zod source. Output is
 * deterministic (stable key order from the schema, two-space indent, trailing newline) so
 * a unit test can regenerate it in memory and fail when contracts/ is stale.
 */
import { z } from 'zod';
import { SIGNAL_SCHEMA_VERSION, Signal } from './signal.js';

export const SIGNAL_SCHEMA_ID = `https://hl-influencer-ingest/contracts/signal.v${SIGNAL_SCHEMA_VERSION}.schema.json`;
export const SIGNAL_SCHEMA_FILE = `contracts/signal.v${SIGNAL_SCHEMA_VERSION}.schema.json`;

export function signalJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(Signal, { target: 'draft-2020-12' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: SIGNAL_SCHEMA_ID,
    title: `Signal v${SIGNAL_SCHEMA_VERSION}`,
    ...rest,
    description:
      'A position change of one followed Hyperliquid trader in one market, published on Kafka ' +
      '(topic influencer_signals, key `${influencerId}|${market}`). See contracts/SIGNALS.md.',
  };
}

export function signalJsonSchemaText(): string {
  return JSON.stringify(signalJsonSchema(), null, 2) + '\n';
}
