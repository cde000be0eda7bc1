/**
 * The stored form of a Cursor (JSON in a Redis hash field). Parsed once when read back, so a
 * damaged record fails with a message naming the influencer and market instead of corrupting
 * a position.
 */
import { z } from 'zod';
import { isDecimalString, parseAt } from '../core/index.js';
import type { Cursor } from './ports.js';

export const StoredCursor = z
  .object({
    time: z.number().int().nonnegative(),
    eventId: z.string(),
    eventIdsAtTime: z.array(z.string()),
    position: z.string().refine(isDecimalString, 'expected a decimal string'),
  })
  .strict();
export type StoredCursor = z.infer<typeof StoredCursor>;

export function encodeCursor(c: Cursor): string {
  return JSON.stringify({
    time: c.time,
    eventId: c.eventId,
    eventIdsAtTime: [...c.eventIdsAtTime],
    position: c.position,
  });
}

export function decodeCursor(text: string, where: string): Cursor {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    raw = text;
  }
  return parseAt(StoredCursor, raw, `cursor ${where}`);
}
