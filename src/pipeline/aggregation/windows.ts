/**
 * Window alignment and window keys (M0 aggregation spec). Integer ms UTC aligned to origin_ms:
 * epochs of epoch_window_ms, tick windows of publish_cadence_ms inside an epoch, rolling
 * windows of size R ending at a tick end. An event belongs to [start, end).
 */
import { hash } from 'node:crypto';
import { ByteWriter, frameI64, frameStr } from '../envelope/index.js';

export interface WindowSettings {
  readonly originMs: number;
  readonly epochWindowMs: number;
  readonly publishCadenceMs: number;
  readonly allowedLatenessMs: number;
}

export interface TickWindow {
  readonly epochId: number;
  readonly tickIndex: number;
  readonly startMs: number;
  readonly endMs: number;
}

/** Floor division that stays correct for times before origin (negative offsets). */
function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

export function checkSettings(s: WindowSettings): void {
  if (!Number.isSafeInteger(s.epochWindowMs) || s.epochWindowMs <= 0)
    throw new Error('epoch_window_ms must be a positive integer');
  if (!Number.isSafeInteger(s.publishCadenceMs) || s.publishCadenceMs <= 0)
    throw new Error('publish_cadence_ms must be a positive integer');
  // Ticks must tile an epoch exactly, otherwise a tick would straddle two epochs.
  if (s.epochWindowMs % s.publishCadenceMs !== 0)
    throw new Error('epoch_window_ms must be a multiple of publish_cadence_ms');
  if (!Number.isSafeInteger(s.allowedLatenessMs) || s.allowedLatenessMs < 0)
    throw new Error('allowed_lateness_ms must be a non-negative integer');
}

export function epochOf(
  s: WindowSettings,
  eventTimeMs: number,
): { epochId: number; startMs: number; endMs: number } {
  const epochId = floorDiv(eventTimeMs - s.originMs, s.epochWindowMs);
  const startMs = s.originMs + epochId * s.epochWindowMs;
  return { epochId, startMs, endMs: startMs + s.epochWindowMs };
}

export function tickOf(s: WindowSettings, eventTimeMs: number): TickWindow {
  const epoch = epochOf(s, eventTimeMs);
  const tickIndex = floorDiv(eventTimeMs - epoch.startMs, s.publishCadenceMs);
  const startMs = epoch.startMs + tickIndex * s.publishCadenceMs;
  return { epochId: epoch.epochId, tickIndex, startMs, endMs: startMs + s.publishCadenceMs };
}

/** Rolling window of size R ending at a tick end: [end − R, end). */
export function rollingWindow(tickEndMs: number, sizeMs: number): { startMs: number; endMs: number } {
  return { startMs: tickEndMs - sizeMs, endMs: tickEndMs };
}

export interface WindowKeyInput {
  readonly marketId: string;
  readonly epochId: number;
  /** -1 for windows that are not tick windows (epoch, rolling). */
  readonly tickIndex: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly featureSchemaVersion: number;
}

/**
 * Preimage: market ‖ epoch_id ‖ tick_index ‖ start ‖ end ‖ schema_version, framed exactly as
 * event_id frames its components (envelope frameStr/frameI64: u32 BE length then bytes); numbers
 * are i64 BE so negative epochs (before origin) and tick −1 stay unambiguous.
 */
const kw = new ByteWriter(128);

function writeKey(k: WindowKeyInput): void {
  kw.reset();
  frameStr(kw, k.marketId);
  frameI64(kw, k.epochId);
  frameI64(kw, k.tickIndex);
  frameI64(kw, k.startMs);
  frameI64(kw, k.endMs);
  frameI64(kw, k.featureSchemaVersion);
}

export function windowKeyPreimage(k: WindowKeyInput): Buffer {
  writeKey(k);
  return Buffer.from(kw.finish());
}

export function windowKeyOf(k: WindowKeyInput): string {
  writeKey(k);
  return hash('sha256', kw.view_(), 'hex');
}
