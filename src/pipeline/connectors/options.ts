/**
 * A connector's `options:` block from its connector.yaml, checked against the connector's own
 * schema. A bad block is a configuration error naming the connector and every bad field, so
 * `ingest connectors validate` and a pipeline start say the same thing.
 */
import type { z } from 'zod';
import { ConfigError } from '../../core/index.js';
import type { ConnectorContext } from './contract.js';

export function connectorOptions<S extends z.ZodType>(schema: S, ctx: ConnectorContext): z.output<S> {
  const parsed = schema.safeParse(ctx.manifest.options);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    'CONFIG_INVALID',
    `${ctx.manifest.name}: options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
  );
}
