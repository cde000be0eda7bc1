import { describe, expect, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import { ensureTopic } from '../../src/distributed/index.js';
import { RetriesExhaustedError } from '../../src/core/index.js';

const FAST = { initialDelayMs: 1, maxDelayMs: 1, factor: 1, maxAttempts: 5, jitter: 0 };

interface Step {
  readonly throws?: Error;
  readonly partitions?: { partitionId: number; leader: number }[];
}

/** An admin whose Metadata answers walk through `steps` (the last one repeats). */
function fakeKafka(opts: { listed: string[]; steps: Step[] }) {
  const calls: string[] = [];
  let i = 0;
  const admin = {
    connect: async () => void calls.push('connect'),
    disconnect: async () => void calls.push('disconnect'),
    listTopics: async () => (calls.push('listTopics'), opts.listed),
    createTopics: async () => (calls.push('createTopics'), false),
    fetchTopicMetadata: async ({ topics }: { topics: string[] }) => {
      calls.push('metadata');
      const step: Step = opts.steps[Math.min(i++, opts.steps.length - 1)] ?? {};
      if (step.throws) throw step.throws;
      return { topics: topics.map((name) => ({ name, partitions: step.partitions ?? [] })) };
    },
  };
  return { kafka: { admin: () => admin } as unknown as Kafka, calls };
}

const spec = { topic: 'bronze', partitions: 2, replicationFactor: 1, create: true };

describe('ensureTopic', () => {
  it('returns only once every partition has a leader, after the broker first did not know the topic', async () => {
    const { kafka, calls } = fakeKafka({
      listed: [],
      steps: [
        { throws: new Error('This server does not host this topic-partition') },
        { partitions: [] },
        {
          partitions: [
            { partitionId: 0, leader: 1 },
            { partitionId: 1, leader: -1 },
          ],
        },
        {
          partitions: [
            { partitionId: 0, leader: 1 },
            { partitionId: 1, leader: 1 },
          ],
        },
      ],
    });
    await ensureTopic(kafka, spec, FAST);
    expect(calls).toEqual([
      'connect',
      'listTopics',
      'createTopics',
      'metadata',
      'metadata',
      'metadata',
      'metadata',
      'disconnect',
    ]);
  });

  it('waits for leaders on a topic that already exists too, without creating it', async () => {
    const { kafka, calls } = fakeKafka({
      listed: ['bronze'],
      steps: [{ partitions: [] }, { partitions: [{ partitionId: 0, leader: 1 }] }],
    });
    await ensureTopic(kafka, { ...spec, create: false }, FAST);
    expect(calls).toEqual(['connect', 'listTopics', 'metadata', 'metadata', 'disconnect']);
  });

  it('names the leaderless partitions when the broker never serves them, and disconnects', async () => {
    const { kafka, calls } = fakeKafka({
      listed: ['bronze'],
      steps: [
        {
          partitions: [
            { partitionId: 0, leader: 1 },
            { partitionId: 1, leader: -1 },
          ],
        },
      ],
    });
    const err = await ensureTopic(kafka, spec, FAST).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetriesExhaustedError);
    expect(String((err as Error).message)).toMatch(/bronze/);
    expect(String(((err as Error).cause as Error).message)).toMatch(/no leader for partitions 1/);
    expect(calls.filter((c) => c === 'metadata')).toHaveLength(5);
    expect(calls.at(-1)).toBe('disconnect');
  });

  it('a missing topic without createTopics is one SINK_CONFIG error and no wait', async () => {
    const { kafka, calls } = fakeKafka({ listed: [], steps: [{ partitions: [] }] });
    await expect(ensureTopic(kafka, { ...spec, create: false }, FAST)).rejects.toMatchObject({
      code: 'SINK_CONFIG',
    });
    expect(calls).toEqual(['connect', 'listTopics', 'disconnect']);
  });
});
