import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  SIGNAL_SCHEMA_FILE,
  Signal,
  signalHeaders,
  signalIdOf,
  signalJsonSchema,
  signalJsonSchemaText,
  signalKey,
} from '../../src/positions/index.js';
import { USER, engineWith, fill } from './helpers.js';

describe('Signal contract', () => {
  it('the committed JSON Schema is current (run `npm run contracts` after changing signal.ts)', () => {
    const committed = readFileSync(resolve(import.meta.dirname, '../..', SIGNAL_SCHEMA_FILE), 'utf8');
    expect(committed).toBe(signalJsonSchemaText());
    const schema = signalJsonSchema();
    expect(schema['$id']).toMatch(/signal\.v1\.schema\.json$/);
    expect(schema['title']).toBe('Signal v1');
    expect(Object.keys(schema['properties'] as object)).toContain('sourceEventIds');
  });

  it('key, headers and deterministic ids', () => {
    expect(signalKey('inf-42', 'xyz:TSLA')).toBe('inf-42|xyz:TSLA');
    expect(signalHeaders('t1')).toEqual({
      'schema-version': '1',
      'content-type': 'application/json',
      'trace-id': 't1',
    });
    const base = {
      influencerId: 'i',
      market: 'BTC',
      timestamp: 1,
      discriminator: 'block',
      sourceEventIds: ['b', 'a'],
    };
    expect(signalIdOf(base)).toBe(signalIdOf({ ...base, sourceEventIds: ['a', 'b'] }));
    expect(signalIdOf(base)).not.toBe(signalIdOf({ ...base, discriminator: 'order:1' }));
    expect(signalIdOf(base)).not.toBe(signalIdOf({ ...base, timestamp: 2 }));
  });

  it('rejects non-canonical decimals and unknown fields', async () => {
    const { engine, signals } = engineWith();
    await engine.admit('inf-1', USER);
    engine.ingest('inf-1', fill({ side: 'B', sz: '1.50', time: 10, start: '0' }));
    await engine.close();
    const s = Signal.parse(signals[0]);
    expect(s.size).toBe('1.5');
    expect(Signal.safeParse({ ...s, size: '1.50' }).success).toBe(false);
    expect(Signal.safeParse({ ...s, deltaSize: '-0' }).success).toBe(false);
    expect(Signal.safeParse({ ...s, extra: 1 }).success).toBe(false);
  });
});
