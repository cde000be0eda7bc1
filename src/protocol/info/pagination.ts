/**
 * Backfill across `userFillsByTime` pages (docs/hyperliquid-protocol.md §5.3): ≤2000 fills per page,
 * only the 10 000 most recent fills reachable. Boundaries are inclusive, so the next page
 * starts at the last returned time and the boundary millisecond comes back twice: dedupe on
 * eventId. Server ordering is unconfirmed (§3.4), so each page is sorted ascending here.
 * `truncated` tells the caller the backfill may not explain everything. Every row is judged by
 * the same FillGuard as live fills; a bad row is dead-lettered and the rest of its page kept.
 */
import type { DeadLetter, EventSource, FillEvent } from '../../core/index.js';
import { normalizeAddress } from '../../core/index.js';
import { FillGuard } from '../fill-guard.js';
import { DEFAULT_MAX_DEAD_LETTER_PAYLOAD, truncatePayload } from '../frame-parser.js';
import { fillToEvent } from '../normalize.js';
import type { Fill } from '../schemas/fill.js';

export interface InfoCallOptions {
  readonly signal?: AbortSignal;
}

/** The one call pagination needs (InfoClient satisfies it; tests pass a fake). */
export interface FillsByTimeSource {
  userFillsByTime(
    user: string,
    startTime: number,
    endTime?: number,
    opts?: InfoCallOptions,
  ): Promise<readonly unknown[]>;
}

export const FILLS_PAGE_SIZE = 2000;
export const FILLS_HORIZON = 10_000;

export interface BackfillResult {
  /** Unique fills, ascending by time (stable within a millisecond in server order). */
  readonly events: FillEvent[];
  /** The validated wire fills, aligned with `events` (for raw storage). */
  readonly raw: Fill[];
  readonly pages: number;
  /** True when the 10 000-fill horizon was reached or a page could not advance. */
  readonly truncated: boolean;
  readonly truncatedReason: 'horizon' | 'stuck_page' | null;
}

export interface BackfillOptions extends InfoCallOptions {
  readonly pageSize?: number;
  readonly horizon?: number;
  /** Stamped on every event; default `{listenerId:'backfill', listenerKind:'rest', delivery:'backfill'}`. */
  readonly listenerId?: string;
  readonly now?: () => number;
  /** The boundary validator shared with the WebSocket paths; default: one on `now`'s clock. */
  readonly guard?: FillGuard;
  /** Where refused rows go (the dead-letter path). */
  readonly onDeadLetter?: (dl: DeadLetter) => void;
}

export async function userFillsByTimeAll(
  client: FillsByTimeSource,
  user: string,
  startTime: number,
  endTime: number,
  opts: BackfillOptions = {},
): Promise<BackfillResult> {
  const addr = normalizeAddress(user);
  const pageSize = opts.pageSize ?? FILLS_PAGE_SIZE;
  const horizon = opts.horizon ?? FILLS_HORIZON;
  const now = opts.now ?? Date.now;
  const guard = opts.guard ?? new FillGuard({ clock: { now } });
  const byId = new Map<string, { event: FillEvent; raw: Fill; order: number }>();
  let order = 0;
  let pages = 0;
  let from = startTime;
  let truncatedReason: BackfillResult['truncatedReason'] = null;
  for (;;) {
    const page = await client.userFillsByTime(
      addr,
      from,
      endTime,
      opts.signal ? { signal: opts.signal } : {},
    );
    pages++;
    if (page.length === 0) break;
    const source: EventSource = {
      listenerId: opts.listenerId ?? 'backfill',
      listenerKind: 'rest',
      delivery: 'backfill',
      receivedAt: now(),
    };
    let maxTime = -Infinity;
    const valid: Fill[] = [];
    for (let i = 0; i < page.length; i++) {
      const r = guard.fill(page[i], `userFillsByTime[${i}]`);
      if (r.ok) {
        valid.push(r.value);
        continue;
      }
      opts.onDeadLetter?.({
        reason: r.reason,
        detail: `${r.detail} (user ${addr})`,
        listenerId: source.listenerId,
        channel: 'userFillsByTime',
        receivedAt: source.receivedAt,
        payload: truncatePayload(r.payload, DEFAULT_MAX_DEAD_LETTER_PAYLOAD),
      });
    }
    // Paging advances by accepted rows only: a refused future time never moves the page cursor.
    for (const f of valid.sort((a, b) => a.time - b.time)) {
      maxTime = Math.max(maxTime, f.time);
      const event = fillToEvent(addr, f, source);
      if (!byId.has(event.eventId)) byId.set(event.eventId, { event, raw: f, order: order++ });
    }
    if (byId.size >= horizon) {
      truncatedReason = 'horizon';
      break;
    }
    if (page.length < pageSize || maxTime >= endTime) break;
    if (maxTime <= from) {
      // A full page inside one millisecond: the next page would be identical.
      truncatedReason = 'stuck_page';
      break;
    }
    from = maxTime;
  }
  const rows = [...byId.values()].sort((a, b) => a.event.time - b.event.time || a.order - b.order);
  return {
    events: rows.map((r) => r.event),
    raw: rows.map((r) => r.raw),
    pages,
    truncated: truncatedReason !== null,
    truncatedReason,
  };
}
