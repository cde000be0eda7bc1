/** Partition names as NATS stream/subject tokens: reversible, and free of the characters NATS reserves. */
import { describe, expect, it } from 'vitest';
import { fromNatsToken, natsToken } from '../../../src/pipeline/eventlog/index.js';

describe('natsToken', () => {
  it('escapes everything outside [A-Za-z0-9_-] and round-trips', () => {
    for (const p of ['BTC#0', 'hl:ETH-PERP#12', 'a.b*c>d e', 'x=y', 'ü€', 'plain_name-1']) {
      const t = natsToken(p);
      expect(t).toMatch(/^[A-Za-z0-9_=-]+$/);
      expect(fromNatsToken(t)).toBe(p);
    }
    expect(natsToken('BTC#0')).toBe('BTC=230');
  });
});
