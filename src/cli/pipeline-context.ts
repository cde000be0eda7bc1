/**
 * What every pipeline command (`pipeline run`, `backfill`, `reprocess`) starts with: the config
 * from `--config` (or the embedded default) and the environment, and a logger on stderr, so
 * stdout stays free for the command's own output (summaries, JSON).
 */
import { loadConfig, systemEnv } from '../config/index.js';
import type { LoadedConfig } from '../config/index.js';
import type { Logger } from 'pino';
import { createLogger } from '../obs/index.js';

export async function loadCommandContext(
  configPath: string | undefined,
): Promise<{ config: LoadedConfig['config']; logger: Logger }> {
  const { config } = loadConfig({
    ...(configPath === undefined ? {} : { path: configPath }),
    env: systemEnv(),
  });
  const { default: pino } = await import('pino');
  const logger = createLogger({
    level: config.log.level,
    pretty: config.log.pretty,
    destination: pino.destination({ fd: 2, sync: true }),
  });
  return { config, logger };
}
