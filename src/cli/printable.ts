/**
 * Text from stored records (labels, ids, validation messages) before it reaches a terminal: a
 * label written behind the CLI's back may hold escape sequences that recolour, retitle or
 * rewrite the operator's terminal. Control characters (C0, DEL, C1) and bidirectional
 * overrides are shown as visible `\u{…}` escapes instead of being sent raw.
 */

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`);
}
