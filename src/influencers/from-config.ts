/**
 * Picks the InfluencerSource adapter the service config asks for. For the composition root
 * only (it imports the ioredis adapter). Typed structurally so this module does not depend on
 * src/config: pass `config.influencers` and `config.redis`.
 */
import { InternalError, normalizeAddress } from '../core/index.js';
import type { Clock } from '../core/index.js';
import { FileInfluencerSource } from './file-source.js';
import { RedisInfluencerSource } from './redis-adapter.js';
import type { RedisConnectionOptions } from './redis-adapter.js';
import { StaticInfluencerSource } from './source.js';
import type { InfluencerSource } from './source.js';

export interface InfluencerSourceSettings {
  readonly influencers: {
    readonly source: 'redis' | 'file' | 'simulator';
    readonly file?: string | undefined;
  };
  readonly redis: RedisConnectionOptions;
}

export interface InfluencerSourceDeps {
  /** The simulator's account addresses (required when influencers.source is simulator). */
  readonly simulatorAccounts?: readonly string[];
  readonly clock?: Clock;
}

/** The simulator's accounts as influencers `sim-0`, `sim-1`, ... in account order. */
export function simulatorInfluencers(accounts: readonly string[]): unknown[] {
  return accounts.map((a, i) => ({ id: `sim-${i}`, address: normalizeAddress(a), label: `Simulated ${i}` }));
}

export function createInfluencerSource(
  settings: InfluencerSourceSettings,
  deps: InfluencerSourceDeps = {},
): InfluencerSource {
  switch (settings.influencers.source) {
    case 'redis':
      return new RedisInfluencerSource({ connection: settings.redis });
    case 'file': {
      const path = settings.influencers.file;
      if (path === undefined)
        throw new InternalError('influencers.file is required (the config schema checks this)');
      return new FileInfluencerSource(deps.clock === undefined ? { path } : { path, clock: deps.clock });
    }
    case 'simulator':
      return new StaticInfluencerSource(
        // Bookkeeping is filled so the records pass the full schema like any other source.
        simulatorInfluencers(deps.simulatorAccounts ?? []).map((r) => ({
          ...(r as object),
          enabled: true,
          priority: 0,
          markets: [],
          signal: {},
          listeners: {},
          backoff: {},
          throttling: {},
          createdAt: '1970-01-01T00:00:00.000Z',
          updatedAt: '1970-01-01T00:00:00.000Z',
          version: 1,
        })),
      );
  }
}
