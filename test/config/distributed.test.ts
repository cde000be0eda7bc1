/** The `distributed` section: role, listener group, the hand-off derived from the role. */
import { describe, expect, it } from 'vitest';
import { loadConfig, parseServiceConfig } from '../../src/config/index.js';
import { problemsOf } from './problems.js';

describe('distributed config', () => {
  it('defaults to role all, group A, in-process hand-off', () => {
    expect(parseServiceConfig({}).distributed).toMatchObject({
      role: 'all',
      listenerGroup: 'A',
      handoff: 'in-process',
    });
  });

  it('derives the kafka hand-off for listeners and processor', () => {
    expect(
      parseServiceConfig({ distributed: { role: 'listeners', listenerGroup: 'B' } }).distributed,
    ).toMatchObject({
      role: 'listeners',
      listenerGroup: 'B',
      handoff: 'kafka',
    });
    expect(parseServiceConfig({ distributed: { role: 'processor' } }).distributed.handoff).toBe('kafka');
  });

  it('holds the Kafka hand-off settings at distributed.kafka, with their defaults', () => {
    const { kafka } = parseServiceConfig({}).distributed;
    expect(kafka.bronze.topic).toBe('ingestion.hyperliquid.raw.v1');
    expect(kafka.coordination.topic).toBe('ingest.listeners.coordination.v1');
    expect(
      parseServiceConfig({ distributed: { kafka: { bronze: { partitions: 6 } } } }).distributed.kafka.bronze
        .partitions,
    ).toBe(6);
  });

  it('reads INGEST_ROLE and INGEST_LISTENER_GROUP', () => {
    const { config } = loadConfig({ env: { INGEST_ROLE: 'listeners', INGEST_LISTENER_GROUP: 'B' } });
    expect(config.distributed).toMatchObject({ role: 'listeners', listenerGroup: 'B', handoff: 'kafka' });
  });

  it('names the setting and the allowed values for a bad role or group', () => {
    const role = problemsOf(() => loadConfig({ env: { INGEST_ROLE: 'leader' } }));
    expect(role.join('\n')).toMatch(/distributed\.role/);
    expect(role.join('\n')).toMatch(/listeners/);
    const group = problemsOf(() => parseServiceConfig({ distributed: { listenerGroup: 'C' } }));
    expect(group.join('\n')).toMatch(/distributed\.listenerGroup/);
  });

  it('refuses a hand-off that contradicts the role', () => {
    expect(problemsOf(() => parseServiceConfig({ distributed: { role: 'all', handoff: 'kafka' } }))).toEqual([
      'distributed.handoff: role all runs in one process: the hand-off is in-process',
    ]);
    expect(
      problemsOf(() => parseServiceConfig({ distributed: { role: 'processor', handoff: 'in-process' } })),
    ).toEqual(['distributed.handoff: role processor needs the kafka hand-off between processes']);
  });
});
