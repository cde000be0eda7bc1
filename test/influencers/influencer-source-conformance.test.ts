// The static and file InfluencerSource adapters run the shared conformance cases (the Redis
// adapter runs them in redis-source-conformance.int.test.ts).
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
import { FileInfluencerSource, StaticInfluencerSource } from '../../src/influencers/index.js';
import { influencerSourceConformance } from './influencer-source-conformance.js';

describe('StaticInfluencerSource: conformance', () => {
  influencerSourceConformance((records) => {
    const source = new StaticInfluencerSource(records);
    return Promise.resolve({
      source,
      replace: (next) => {
        source.set(next);
        return Promise.resolve();
      },
    });
  });
});

describe('FileInfluencerSource: conformance', () => {
  let n = 0;
  influencerSourceConformance((records) => {
    // One directory per case: fs.watch watches the directory, so cases must not hear each other.
    const dir = mkdtempSync(join(tmpdir(), 'ingest-inf-conf-'));
    const path = join(dir, `influencers-${n++}.json`);
    const write = (next: readonly unknown[]): void => {
      // Write then rename, as editors do, so the source never reads a half-written file.
      writeFileSync(`${path}.tmp`, JSON.stringify({ influencers: next }));
      renameSync(`${path}.tmp`, path);
    };
    write(records);
    return Promise.resolve({
      source: new FileInfluencerSource({ path }),
      replace: (next) => {
        write(next);
        return Promise.resolve();
      },
    });
  });
});
