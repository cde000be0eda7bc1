/** Shared builders for influencer tests. */
import type { Address } from '../../src/core/index.js';
import type { Influencer } from '../../src/influencers/index.js';

export const ADDR = (n: number): string => `0x${n.toString(16).padStart(40, '0')}`;

export function rec(id: string, n: number, extra: Partial<Influencer> = {}): Influencer {
  return {
    id,
    address: ADDR(n) as Address,
    label: id.toUpperCase(),
    enabled: true,
    priority: 0,
    markets: [],
    signal: {},
    listeners: {},
    backoff: {},
    throttling: {},
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    version: 1,
    ...extra,
  };
}
