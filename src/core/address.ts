/**
 * Account addresses. Hyperliquid lower-cases addresses in acks and frames, so the canonical
 * form everywhere inside the service is lower-case 0x + 40 hex. Checksummed (mixed-case)
 * input is accepted and normalized; anything else is a clear error.
 */
import { z } from 'zod';

const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;

export type Address = string & { readonly __brand: 'Address' };

export function isAddress(s: string): boolean {
  return ADDRESS_RE.test(s);
}

/** Throws RangeError naming the bad input. */
export function normalizeAddress(s: string): Address {
  const t = s.trim();
  if (!ADDRESS_RE.test(t)) {
    throw new RangeError(`invalid address ${JSON.stringify(s)}: expected 0x followed by 40 hex digits`);
  }
  return t.toLowerCase() as Address;
}

export const Address = z
  .string()
  .trim()
  .regex(ADDRESS_RE, 'expected 0x followed by 40 hex digits')
  .transform((s) => s.toLowerCase() as Address);
