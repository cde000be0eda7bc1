/**
 * An append-only NDJSON file, shared by the local sinks of the embedded default (no servers).
 * One write per batch, fsync'd by default, so what a local sink acknowledged survives a crash
 * like what Kafka acknowledged does.
 */
import { createReadStream } from 'node:fs';
import { access, mkdir, open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { SinkError, errorMessage } from '../../core/index.js';

export class NdjsonAppender {
  private handle: Promise<FileHandle> | null = null;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  /** `fsync`: sync after each batch (default true). */
  constructor(
    readonly path: string,
    private readonly fsync = true,
  ) {}

  append(lines: readonly string[]): Promise<void> {
    if (this.closed) return Promise.reject(new SinkError('SINK_UNAVAILABLE', `${this.path} is closed`));
    const run = this.chain.then(() => this.write(lines));
    this.chain = run.catch(() => undefined);
    return run;
  }

  async writable(): Promise<boolean> {
    try {
      await this.open();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.chain;
    const h = this.handle;
    this.handle = null;
    if (h) await (await h.catch(() => null))?.close();
  }

  private open(): Promise<FileHandle> {
    this.handle ??= (async () => {
      await mkdir(dirname(this.path), { recursive: true });
      return open(this.path, 'a');
    })().catch((err: unknown) => {
      this.handle = null;
      throw err;
    });
    return this.handle;
  }

  private async write(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    try {
      const h = await this.open();
      await h.write(lines.map((l) => `${l}\n`).join(''), null, 'utf8');
      if (this.fsync) await h.sync();
    } catch (cause) {
      throw new SinkError('SINK_WRITE', `append to ${this.path} failed: ${errorMessage(cause)}`, {
        cause,
        retriable: true,
      });
    }
  }
}

/** Parsed lines of an NDJSON file, skipping blank and unparseable ones (a torn last line). */
export async function* readNdjson(path: string): AsyncIterable<unknown> {
  try {
    await access(path);
  } catch {
    return; // nothing written yet
  }
  const input = createReadStream(path, { encoding: 'utf8' });
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    if (line.trim() === '') continue;
    try {
      yield JSON.parse(line) as unknown;
    } catch {
      // a torn line from a crash mid-append: skip it
    }
  }
}
