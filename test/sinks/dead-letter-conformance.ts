// One conformance suite every DeadLetterPublisher adapter must pass (the local NDJSON log in unit
// tests, the Kafka DLQ topic in integration tests): what publish acknowledged is there, one
// document per letter in publish order, written as deadLetterDocument says; an empty batch
// writes nothing; close can be called twice and later publishes fail by code.
import { expect, it } from 'vitest';
import type { DeadLetter } from '../../src/core/index.js';
import { deadLetterDocument } from '../../src/sinks/index.js';
import type { DeadLetterDocument, DeadLetterPublisher } from '../../src/sinks/index.js';

export interface DeadLetterFixture {
  readonly publisher: DeadLetterPublisher;
  /** Every document delivered so far, in delivery order (reads the sink itself). */
  read(): Promise<DeadLetterDocument[]>;
}

function letter(n: number, listenerId = 'inf-a/primary'): DeadLetter {
  return {
    reason: 'invalid_json',
    detail: `frame ${n} is not JSON`,
    listenerId,
    channel: n % 2 === 0 ? null : 'userFills',
    receivedAt: 1_700_000_000_000 + n,
    payload: `{"broken": ${n}`,
  };
}

export function deadLetterPublisherConformance(make: () => Promise<DeadLetterFixture>): void {
  it('once publish resolves, every letter is there as its document, in publish order', async () => {
    const { publisher, read } = await make();
    try {
      const letters = [letter(1), letter(2), letter(3)];
      await publisher.publish(letters.slice(0, 2));
      await publisher.publish(letters.slice(2));
      expect(await read()).toEqual(letters.map(deadLetterDocument));
      expect(await publisher.ping()).toBe(true);
    } finally {
      await publisher.close();
    }
  });

  it('an empty batch resolves and writes nothing', async () => {
    const { publisher, read } = await make();
    try {
      await publisher.publish([letter(1)]);
      await expect(publisher.publish([])).resolves.toBeUndefined();
      expect(await read()).toEqual([deadLetterDocument(letter(1))]);
    } finally {
      await publisher.close();
    }
  });

  it('close keeps what was acknowledged, can be called twice, and later publishes fail by code', async () => {
    const { publisher, read } = await make();
    await publisher.publish([letter(1)]);
    await publisher.close();
    await expect(publisher.close()).resolves.toBeUndefined();
    await expect(publisher.publish([letter(2)])).rejects.toMatchObject({ code: 'SINK_UNAVAILABLE' });
    expect(await read()).toEqual([deadLetterDocument(letter(1))]);
  });
}
