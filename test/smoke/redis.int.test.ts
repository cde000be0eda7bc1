// Smoke: a real round trip through the test Redis with ioredis: hash set/get and a pub/sub message.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { services, uniqueName } from '../harness/index.js';

describe('redis smoke', () => {
  let client: Redis;
  let subscriber: Redis;

  beforeAll(() => {
    client = new Redis(services().redis.url);
    subscriber = new Redis(services().redis.url);
  });
  afterAll(async () => {
    await Promise.all([client.quit(), subscriber.quit()]);
  });

  it('stores and reads back a hash', async () => {
    const key = uniqueName('smoke_hash');
    await client.hset(key, { address: '0xabc', label: 'whale', weight: '1.5' });
    expect(await client.hgetall(key)).toEqual({ address: '0xabc', label: 'whale', weight: '1.5' });
    expect(await client.hget(key, 'label')).toBe('whale');
    await client.del(key);
    expect(await client.exists(key)).toBe(0);
  });

  it('delivers a pub/sub message', async () => {
    const channel = uniqueName('smoke_chan');
    const received = new Promise<[string, string]>((resolve) => {
      subscriber.once('message', (ch: string, msg: string) => resolve([ch, msg]));
    });
    await subscriber.subscribe(channel);
    const receivers = await client.publish(channel, 'reload');
    expect(receivers).toBe(1);
    expect(await received).toEqual([channel, 'reload']);
  });
});
