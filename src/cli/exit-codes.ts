/**
 * Exit codes scripts can rely on (documented in README "Exit codes"):
 * 0 ok, 1 unexpected failure, 2 bad usage, 3 invalid input or config, 4 not found,
 * 5 a dependency (Redis, Kafka, ClickHouse, Hyperliquid) unreachable, 6 conflict
 * (duplicate), 7 the command is not available yet, 8 the command ran and found the service
 * degraded (`cluster status`: an influencer lacks a live listener or a processor).
 */
import { isIngestError } from '../core/index.js';

export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  INVALID: 3,
  NOT_FOUND: 4,
  UNAVAILABLE: 5,
  CONFLICT: 6,
  NOT_IMPLEMENTED: 7,
  DEGRADED: 8,
} as const;

export function exitCodeFor(e: unknown): number {
  if (!isIngestError(e)) return EXIT.FAILURE;
  switch (e.code) {
    case 'CLI_USAGE':
      return EXIT.USAGE;
    case 'VALIDATION':
    case 'CONFIG_INVALID':
      return EXIT.INVALID;
    case 'CONFIG_NOT_FOUND':
      return EXIT.NOT_FOUND;
    case 'CONFLICT':
      return EXIT.CONFLICT;
    case 'REDIS_UNAVAILABLE':
    case 'SINK_UNAVAILABLE':
    case 'SOURCE_CONNECTION':
      return EXIT.UNAVAILABLE;
    default:
      return typeof e.context['exitCode'] === 'number' ? e.context['exitCode'] : EXIT.FAILURE;
  }
}
