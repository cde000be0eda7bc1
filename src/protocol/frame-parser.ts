/**
 * Raw text -> validated frame or dead letter. This is the inbound boundary: every frame is
 * parsed once here, every rejection becomes a `DeadLetter` with a stable reason code and a
 * detail naming the field, is counted by reason and is handed to `onDeadLetter`. Non-JSON text
 * (the legacy "Websocket connection established." greeting, §1.5) is a counted dead letter,
 * never a crash.
 */
import type { z } from 'zod';
import type { Clock, DeadLetter, DeadLetterReason } from '../core/index.js';
import { DEAD_LETTER_REASONS, systemClock } from '../core/index.js';
import { ADDRESS_ISSUE, DECIMAL_BOUNDS_ISSUE, DECIMAL_ISSUE } from './schemas/common.js';
import type { AnyFrame, Channel } from './schemas/ws.js';
import { acceptFrame } from './schemas/frame-fast.js';
import type { FrameMemo } from './frame-memo.js';
import type { ParseResult } from './parsed-frame.js';
import { FRAME_SCHEMAS } from './schemas/ws.js';
import { CONFIG_DEFAULTS } from '../config/index.js';

/** Dead-letter payloads are truncated to this many characters (frames can be ~65 KB, §2.5). */
export const DEFAULT_MAX_DEAD_LETTER_PAYLOAD = 4096;
/** Frames larger than this are refused before JSON.parse (defence against runaway input). */
export const DEFAULT_MAX_FRAME_CHARS = CONFIG_DEFAULTS.hyperliquid.maxFrameBytes;

export type { ParsedFrame, ParseResult } from './parsed-frame.js';

export interface FrameParserOptions {
  /** Written into every dead letter, e.g. `inf-42/primary`. */
  readonly listenerId: string;
  readonly clock?: Clock;
  readonly maxPayloadChars?: number;
  readonly maxFrameChars?: number;
  readonly onDeadLetter?: (dl: DeadLetter) => void;
  /** Shared by the connections of one process: a text another socket already carried is not parsed again. */
  readonly memo?: FrameMemo;
}

export function truncatePayload(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…[truncated ${text.length - max} chars]`;
}

/** Turns zod issues into (reason, detail): decimal/address issues get their own reason. */
export function classifyIssues(
  channel: string,
  error: z.ZodError,
): { reason: DeadLetterReason; detail: string } {
  const issues = error.issues;
  const isDecimal = (m: string | undefined): boolean => m === DECIMAL_ISSUE || m === DECIMAL_BOUNDS_ISSUE;
  const first = issues.find((i) => isDecimal(i.message)) ?? issues.find((i) => i.message === ADDRESS_ISSUE);
  const shown = first ?? issues[0];
  const path = shown && shown.path.length > 0 ? shown.path.join('.') : '(root)';
  const reason: DeadLetterReason = isDecimal(first?.message)
    ? 'bad_decimal'
    : first?.message === ADDRESS_ISSUE
      ? 'bad_address'
      : 'schema_mismatch';
  const more = issues.length > 1 ? ` (+${issues.length - 1} more)` : '';
  return { reason, detail: `${channel}: field ${path}: ${shown?.message ?? 'invalid'}${more}` };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Stateful parser: owns the per-reason counters of one listener/connection. */
export class FrameParser {
  private readonly listenerId: string;
  private readonly clock: Clock;
  private readonly maxPayloadChars: number;
  private readonly maxFrameChars: number;
  private readonly onDeadLetter: ((dl: DeadLetter) => void) | undefined;
  private readonly memo: FrameMemo | undefined;
  private readonly rejected = new Map<DeadLetterReason, number>(DEAD_LETTER_REASONS.map((r) => [r, 0]));
  private accepted = 0;

  constructor(options: FrameParserOptions) {
    this.listenerId = options.listenerId;
    this.clock = options.clock ?? systemClock;
    this.maxPayloadChars = options.maxPayloadChars ?? DEFAULT_MAX_DEAD_LETTER_PAYLOAD;
    this.maxFrameChars = options.maxFrameChars ?? DEFAULT_MAX_FRAME_CHARS;
    this.onDeadLetter = options.onDeadLetter;
    this.memo = options.memo;
  }

  parse(text: string): ParseResult {
    if (text.length > this.maxFrameChars) {
      return this.reject(
        'oversized_frame',
        `frame of ${text.length} chars exceeds ${this.maxFrameChars}`,
        null,
        text,
      );
    }
    const known = this.memo?.get(text);
    if (known !== undefined) {
      this.accepted++;
      return known;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      return this.reject('invalid_json', `not JSON: ${(e as Error).message}`, null, text);
    }
    const r = this.parseValue(json, text);
    if (r.kind === 'frame') this.memo?.remember(text, r);
    return r;
  }

  /** For callers that already hold parsed JSON (the trades fast path); `text` is for the payload. */
  parseValue(json: unknown, text: string): ParseResult {
    if (!isRecord(json) || typeof json['channel'] !== 'string') {
      return this.reject('schema_mismatch', 'envelope: field channel: expected a string', null, text);
    }
    const channel = json['channel'];
    if (!Object.hasOwn(FRAME_SCHEMAS, channel)) {
      return this.reject(
        'unknown_channel',
        `unknown channel ${JSON.stringify(channel.slice(0, 64))}`,
        channel,
        text,
      );
    }
    // The per-block frames of every user stream skip zod when they need nothing from it.
    const fast = acceptFrame(json);
    if (fast !== null) {
      this.accepted++;
      return { kind: 'frame', channel: channel as Channel, frame: fast };
    }
    const schema = FRAME_SCHEMAS[channel as Channel];
    const r = schema.safeParse(json);
    if (!r.success) {
      const { reason, detail } = classifyIssues(channel, r.error);
      return this.reject(reason, detail, channel, text);
    }
    this.accepted++;
    return { kind: 'frame', channel: channel as Channel, frame: r.data as AnyFrame };
  }

  /** Builds, counts and hands off a dead letter. Public so normalizers can reuse the path. */
  reject(reason: DeadLetterReason, detail: string, channel: string | null, text: string): ParseResult {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
    const deadLetter: DeadLetter = {
      reason,
      detail,
      listenerId: this.listenerId,
      channel,
      receivedAt: this.clock.now(),
      payload: truncatePayload(text, this.maxPayloadChars),
    };
    this.onDeadLetter?.(deadLetter);
    return { kind: 'deadLetter', deadLetter };
  }

  /** Counters for metrics: accepted frames and rejects by reason. */
  stats(): { accepted: number; rejected: Readonly<Record<DeadLetterReason, number>> } {
    return {
      accepted: this.accepted,
      rejected: Object.fromEntries(this.rejected) as Record<DeadLetterReason, number>,
    };
  }
}
