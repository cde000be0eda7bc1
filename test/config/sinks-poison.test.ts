// The two settings behind poison-record handling: sinks.poison and sinks.kafka.maxMessageBytes.
import { describe, expect, it } from 'vitest';
import { parseServiceConfig } from '../../src/config/index.js';

describe('sinks.poison and sinks.kafka.maxMessageBytes', () => {
  it('default to dead-lettering and about 1 MB', () => {
    const c = parseServiceConfig({});
    expect(c.sinks.poison).toBe('dead-letter');
    expect(c.sinks.kafka.maxMessageBytes).toBe(1_000_000);
    expect(c.sinks.poisonMaxPerMinute).toBe(20);
    const set = parseServiceConfig({ sinks: { poison: 'stall', kafka: { maxMessageBytes: 4096 } } });
    expect(set.sinks.poison).toBe('stall');
    expect(set.sinks.kafka.maxMessageBytes).toBe(4096);
  });

  it('refuse unknown policies and sizes below a useful message, naming the key', () => {
    expect(() => parseServiceConfig({ sinks: { poison: 'drop' } })).toThrow(/sinks\.poison/);
    expect(() => parseServiceConfig({ sinks: { poisonMaxPerMinute: 0 } })).toThrow(
      /sinks\.poisonMaxPerMinute/,
    );
    expect(() => parseServiceConfig({ sinks: { kafka: { maxMessageBytes: 10 } } })).toThrow(
      /sinks\.kafka\.maxMessageBytes/,
    );
  });
});
