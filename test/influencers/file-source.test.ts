import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  FileInfluencerSource,
  InfluencerWatcher,
  StaticInfluencerSource,
} from '../../src/influencers/index.js';
import { ADDR, rec } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'ingest-inf-'));

describe('FileInfluencerSource', () => {
  it('reads a YAML list and a JSON { influencers } document; bookkeeping optional', async () => {
    const y = join(dir, 'a.yaml');
    writeFileSync(y, `- id: w1\n  address: "${ADDR(1)}"\n  priority: 3\n- id: w2\n  address: "${ADDR(2)}"\n`);
    const snap = await new FileInfluencerSource({ path: y }).load();
    expect(snap.influencers.map((i) => [i.id, i.priority, i.label, i.version])).toEqual([
      ['w1', 3, 'w1', 1],
      ['w2', 0, 'w2', 1],
    ]);
    const j = join(dir, 'b.json');
    writeFileSync(j, JSON.stringify({ influencers: [rec('x', 5)] }));
    expect((await new FileInfluencerSource({ path: j }).load()).influencers[0]).toEqual(rec('x', 5));
  });

  it('rejects the bad records individually and the unusable document as a whole', async () => {
    const y = join(dir, 'c.yaml');
    writeFileSync(
      y,
      `- id: ok\n  address: "${ADDR(1)}"\n- id: bad\n  address: "0x1"\n- { id: x, address: "${ADDR(3)}", colour: red }\n`,
    );
    const snap = await new FileInfluencerSource({ path: y }).load();
    expect(snap.influencers.map((i) => i.id)).toEqual(['ok']);
    expect(snap.rejected.map((r) => [r.id, r.issues[0]?.split(':')[0]])).toEqual([
      ['bad', 'address'],
      ['x', '(root)'],
    ]);
    writeFileSync(y, 'influencers: 3\n');
    await expect(new FileInfluencerSource({ path: y }).load()).rejects.toThrow(/expected a list/);
    await expect(new FileInfluencerSource({ path: join(dir, 'none.yaml') }).load()).rejects.toMatchObject({
      code: 'CONFIG_NOT_FOUND',
    });
  });

  it('notices an edit through fs.watch and the watcher applies it', async () => {
    const y = join(dir, 'live.yaml');
    writeFileSync(y, `- { id: w1, address: "${ADDR(1)}" }\n`);
    const w = new InfluencerWatcher({
      source: new FileInfluencerSource({ path: y }),
      reconcileIntervalMs: 600_000,
    });
    try {
      await w.start();
      const changed = new Promise<string[]>((resolve) =>
        w.on('change', (c) => resolve(c.diff.added.map((i) => i.id))),
      );
      writeFileSync(y, `- { id: w1, address: "${ADDR(1)}" }\n- { id: w2, address: "${ADDR(2)}" }\n`);
      expect(await changed).toEqual(['w2']);
    } finally {
      await w.close();
    }
  });
});

describe('StaticInfluencerSource', () => {
  it('serves a fixed list and notifies on set', async () => {
    const s = new StaticInfluencerSource([rec('a', 1)]);
    const hints: string[] = [];
    s.watch((h) => hints.push(h.reason));
    expect((await s.load()).influencers.map((i) => i.id)).toEqual(['a']);
    s.set([rec('b', 2)]);
    expect(hints).toEqual(['notification']);
    expect((await s.load()).influencers.map((i) => i.id)).toEqual(['b']);
  });
});

describe('createInfluencerSource', () => {
  it('accepts the service config sections as they are', async () => {
    const { parseServiceConfig } = await import('../../src/config/index.js');
    const { createInfluencerSource } = await import('../../src/influencers/from-config.js');
    const config = parseServiceConfig({ influencers: { source: 'redis' } });
    const s = createInfluencerSource(config);
    expect(s.name).toBe('redis');
    await s.close();
  });

  it('maps the simulator accounts to sim-N influencers', async () => {
    const { createInfluencerSource } = await import('../../src/influencers/from-config.js');
    const s = createInfluencerSource(
      { influencers: { source: 'simulator' }, redis: { url: 'redis://127.0.0.1:1', keyPrefix: 'x:' } },
      { simulatorAccounts: [ADDR(0xabc).toUpperCase().replace('0X', '0x'), ADDR(2)] },
    );
    const snap = await s.load();
    expect(snap.rejected).toEqual([]);
    expect(snap.influencers.map((i) => [i.id, i.address])).toEqual([
      ['sim-0', ADDR(0xabc)],
      ['sim-1', ADDR(2)],
    ]);
    expect(
      createInfluencerSource({
        influencers: { source: 'file', file: 'x.yaml' },
        redis: { url: 'redis://h', keyPrefix: '' },
      }).name,
    ).toBe('file:x.yaml');
  });
});
