/** Shared fakes for obs tests: a status snapshot with one dual and one single (after a fault) influencer. */
import type { StatusProvider, StatusSnapshot } from '../../src/obs/index.js';

export const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);

export function sampleStatus(now = NOW): StatusSnapshot {
  return {
    generatedAt: now,
    service: { version: '0.1.0', instance: 'ingest-0', egress: 'ip-a' },
    coverage: { dual: 1, single: 1, dark: 0 },
    influencers: [
      {
        influencer: 'alice',
        address: '0x1111111111111111111111111111111111111111',
        coverage: 'dual',
        failovers: 0,
        lastFailoverReason: null,
        listeners: [
          {
            id: 'alice/primary',
            kind: 'user-stream',
            role: 'primary',
            state: 'live',
            healthy: true,
            lagMs: 42,
            lastEventAt: now - 1200,
            pool: 'ip-a',
          },
          {
            id: 'alice/secondary',
            kind: 'market-stream',
            role: 'secondary',
            state: 'live',
            healthy: true,
            lagMs: 57,
            lastEventAt: now - 1300,
            pool: 'ip-b',
          },
        ],
      },
      {
        influencer: 'bob',
        address: '0x2222222222222222222222222222222222222222',
        coverage: 'single',
        failovers: 3,
        lastFailoverReason: 'primary-degraded',
        listeners: [
          {
            id: 'bob/primary',
            kind: 'market-stream',
            role: 'primary',
            state: 'live',
            healthy: true,
            lagMs: 61,
            lastEventAt: now - 800,
            pool: 'ip-b',
          },
          {
            id: 'bob/secondary',
            kind: 'user-stream',
            role: 'secondary',
            state: 'reconnecting',
            healthy: false,
            lagMs: 7400,
            lastEventAt: now - 95_000,
            pool: 'ip-a',
          },
        ],
      },
    ],
  };
}

export function fakeStatusProvider(snapshot: () => StatusSnapshot = () => sampleStatus()): StatusProvider {
  return { status: () => snapshot() };
}
