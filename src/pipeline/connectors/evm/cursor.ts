/**
 * The follower's cursor: the last canonical blocks it emitted (height, hash, timestamp), enough
 * of them to find the common ancestor of a reorg up to maxReorgDepth. Persisted after each block
 * (file in local mode, atomically by rename; memory in tests).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError } from '../../../core/index.js';

export interface CursorBlock {
  readonly number: number;
  readonly hash: string;
  readonly timestampS: number;
}

/** Ascending, consecutive heights; the last is the tip. */
export interface ChainCursor {
  readonly chainId: number;
  readonly blocks: readonly CursorBlock[];
}

export interface CursorStore {
  load(): Promise<ChainCursor | undefined>;
  save(cursor: ChainCursor): Promise<void>;
}

export class MemoryCursorStore implements CursorStore {
  saved: ChainCursor | undefined;
  async load(): Promise<ChainCursor | undefined> {
    return this.saved;
  }
  async save(cursor: ChainCursor): Promise<void> {
    this.saved = cursor;
  }
}

export class FileCursorStore implements CursorStore {
  constructor(private readonly path: string) {}

  async load(): Promise<ChainCursor | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const c = JSON.parse(text) as ChainCursor;
    if (typeof c.chainId !== 'number' || !Array.isArray(c.blocks)) {
      throw new ConfigError('CONFIG_INVALID', `EVM follower cursor ${this.path} is not {chainId, blocks[]}`);
    }
    return c;
  }

  async save(cursor: ChainCursor): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp`;
    await writeFile(tmp, JSON.stringify(cursor));
    await rename(tmp, this.path); // a kill mid-write leaves the previous cursor whole
  }
}
