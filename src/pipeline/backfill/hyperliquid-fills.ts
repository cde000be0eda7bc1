/**
 * Hyperliquid fill history as a RangeSource (kind 'time'): `userFillsByTime` pages (through the
 * protocol's paginator and its fill guard) for each followed account, turned into the exact
 * records the influencer-ingester connector normalizes live (`{"kind":"fill","record":RawEvent}`),
 * so a backfilled fill gets the live event id (native id = the ingester's fill id). A chunk
 * [from, to) asks for [from, to − 1] (the endpoint's bounds are inclusive). A chunk that hits the
 * paginator's horizon is an error naming the fix (a smaller chunk), never a silent gap.
 * receivedAtMs is the fill time + 1 ms: deterministic, so a re-fetched chunk is byte-identical.
 */
import { IngesterTap, SourceError } from '../../core/index.js';
import type { RawRecord } from '../connectors/index.js';
import { influencerIngesterFactory, ingesterRecordBytes } from '../connectors/influencer/index.js';
import { AssemblingRangeSource } from './assembling-source.js';
import { backfillInfoClient } from './hl-info.js';
import type { HlRangeSourceBase } from './hl-info.js';

export interface HlFillsAccount {
  readonly influencerId: string;
  /** 0x address, lower-case. */
  readonly user: string;
}

/** `manifest`: the influencer-ingester connector's. */
export interface HlFillsRangeSourceOptions extends HlRangeSourceBase {
  readonly dir: string;
  readonly infoUrl: string;
  readonly accounts: readonly HlFillsAccount[];
}

export function hlFillsRangeSource(o: HlFillsRangeSourceOptions): AssemblingRangeSource {
  const info = backfillInfoClient({
    connector: o.manifest.name,
    url: o.infoUrl,
    clock: o.clock,
    logger: o.logger,
  });
  // Built only for its pure normalize; the tap is never fed.
  const connector = influencerIngesterFactory(new IngesterTap())({
    manifest: o.manifest,
    dir: o.dir,
    clock: o.clock,
    logger: o.logger,
  });
  return new AssemblingRangeSource({
    kind: 'time',
    connector,
    manifest: o.manifest,
    validation: o.validation,
    ...(o.onQuarantine !== undefined ? { onQuarantine: o.onQuarantine } : {}),
    fetchRaw: async (chunk, signal) => {
      const out: RawRecord[] = [];
      for (const a of o.accounts) {
        const r = await info.userFillsByTimeAll(a.user, chunk.from, chunk.to - 1, {
          signal,
          onDeadLetter: (dl) => o.logger.warn({ dl }, 'backfill: a fill was refused by the fill guard'),
        });
        if (r.truncated)
          throw new SourceError(
            'INFO_BAD_RESPONSE',
            `userFillsByTime for ${a.user} in [${chunk.from}, ${chunk.to}) was truncated (${r.truncatedReason}): use a smaller --chunk`,
          );
        r.events.forEach((e, i) => {
          const record = {
            influencerId: a.influencerId,
            user: e.user,
            market: e.coin,
            eventType: 'fill',
            eventId: e.eventId,
            listenerId: 'backfill',
            eventTime: e.time,
            ingestTime: e.time + 1,
            payload: JSON.stringify(r.raw[i]),
          };
          out.push({
            bytes: ingesterRecordBytes('fill', JSON.stringify(record)),
            receivedAtMs: e.time + 1,
            sourceUri: o.infoUrl,
          });
        });
      }
      return out;
    },
  });
}
