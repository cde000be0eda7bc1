/**
 * Stable event identity (issue #4, docs/hyperliquid-protocol.md §3.3 and §3.6). The same fill has the
 * same id whichever listener, kind (userFills or trades), snapshot, backfill or replay
 * delivered it: sha256 over `user|coin|tid|side`. The side is part of the key because a
 * self-trade gives the account two fills with one tid. When tid is 0 or missing (dust
 * conversions, pre-tid history), the documented fallback `user|coin|oid|time|px|sz` is
 * used, with the side appended for the same self-trade reason.
 */
import { hash } from 'node:crypto';

export interface EventIdInput {
  readonly user: string;
  readonly coin: string;
  readonly side: 'B' | 'A';
  readonly tid: number | null | undefined;
  readonly oid?: number | null | undefined;
  readonly time: number;
  /** Canonical decimal strings (decStr). */
  readonly px: string;
  readonly sz: string;
}

export function eventIdKey(e: EventIdInput): string {
  const user = e.user.toLowerCase();
  if (e.tid !== null && e.tid !== undefined && e.tid !== 0) return `${user}|${e.coin}|${e.tid}|${e.side}`;
  return `${user}|${e.coin}|${e.oid ?? ''}|${e.time}|${e.px}|${e.sz}|${e.side}`;
}

export function eventId(e: EventIdInput): string {
  // One-shot hash (Node >= 20.12): no Hash object per event (~20% cheaper per id, measured).
  return hash('sha256', eventIdKey(e), 'hex');
}
