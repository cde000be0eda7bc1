/**
 * `channel:"error"` strings (docs/hyperliquid-protocol.md §1.4) -> a typed classification and error.
 * Only some errors echo the request; the caller correlates those by echo and attributes the
 * rest (user cap, subscription cap) to the oldest matching in-flight subscribe.
 */
import type { ErrorCode } from '../../core/index.js';
import { SourceError } from '../../core/index.js';

export const SERVER_ERROR_KINDS = [
  'user_cap',
  'subscription_cap',
  'message_rate',
  'already_subscribed',
  'already_unsubscribed',
  'invalid_subscription',
  'parse_error',
  'post_pending',
  'unknown',
] as const;
export type ServerErrorKind = (typeof SERVER_ERROR_KINDS)[number];

export interface ClassifiedServerError {
  readonly kind: ServerErrorKind;
  readonly text: string;
  /** The echoed request/subscription when the string carries one as JSON. */
  readonly echo: Record<string, unknown> | null;
  /** The number in "Cannot track more than N total users." etc. */
  readonly limit: number | null;
}

function echoAfter(text: string): Record<string, unknown> | null {
  const i = text.indexOf('{');
  if (i < 0) return null;
  try {
    const v: unknown = JSON.parse(text.slice(i));
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
    const rec = v as Record<string, unknown>;
    // "Error parsing JSON..." echoes the whole request; unwrap to the subscription.
    const sub = rec['subscription'];
    if (typeof sub === 'object' && sub !== null && !Array.isArray(sub)) return sub as Record<string, unknown>;
    return rec;
  } catch {
    return null;
  }
}

function limitIn(text: string): number | null {
  const m = /more than (\d+)/.exec(text);
  return m?.[1] ? Number(m[1]) : null;
}

export function classifyServerError(text: string): ClassifiedServerError {
  const t = text.trim();
  const base = { text: t, echo: null, limit: null };
  if (/^Cannot track more than \d+ total users/i.test(t))
    return { ...base, kind: 'user_cap', limit: limitIn(t) };
  if (/^Cannot subscribe to more than \d+ channels/i.test(t))
    return { ...base, kind: 'subscription_cap', limit: limitIn(t) };
  if (/^Cannot send more than \d+ messages/i.test(t))
    return { ...base, kind: 'message_rate', limit: limitIn(t) };
  if (/^Already subscribed/i.test(t)) return { ...base, kind: 'already_subscribed', echo: echoAfter(t) };
  if (/^Already unsubscribed/i.test(t)) return { ...base, kind: 'already_unsubscribed', echo: echoAfter(t) };
  if (/^Invalid subscription/i.test(t)) return { ...base, kind: 'invalid_subscription', echo: echoAfter(t) };
  if (/^Error parsing JSON/i.test(t)) return { ...base, kind: 'parse_error', echo: echoAfter(t) };
  if (/too many pending post requests/i.test(t)) return { ...base, kind: 'post_pending' };
  return { ...base, kind: 'unknown' };
}

const CODE_OF: Record<ServerErrorKind, ErrorCode> = {
  user_cap: 'SOURCE_USER_CAP',
  subscription_cap: 'SOURCE_SUBSCRIPTION_CAP',
  message_rate: 'SOURCE_MESSAGE_RATE',
  already_subscribed: 'SOURCE_SUBSCRIBE',
  already_unsubscribed: 'SOURCE_SUBSCRIBE',
  invalid_subscription: 'SOURCE_SUBSCRIBE',
  parse_error: 'SOURCE_SUBSCRIBE',
  post_pending: 'SOURCE_SERVER_ERROR',
  unknown: 'SOURCE_SERVER_ERROR',
};

/** The typed error for a server error frame; `context.kind` keeps the classification. */
export function serverErrorToSourceError(
  c: ClassifiedServerError,
  extra: Record<string, unknown> = {},
): SourceError {
  const what =
    c.kind === 'user_cap'
      ? `server refused a user-specific subscription: per-IP unique-user cap (${c.limit ?? '?'}) reached`
      : c.kind === 'subscription_cap'
        ? `server refused a subscription: per-IP subscription cap (${c.limit ?? '?'}) reached`
        : c.kind === 'message_rate'
          ? `server refused messages: per-IP outbound message rate (${c.limit ?? '?'}/min) exceeded`
          : `server error (${c.kind})`;
  return new SourceError(CODE_OF[c.kind], `${what}: ${JSON.stringify(c.text.slice(0, 300))}`, {
    retriable: c.kind === 'message_rate' || c.kind === 'unknown',
    context: { kind: c.kind, serverText: c.text.slice(0, 300), ...extra },
  });
}
