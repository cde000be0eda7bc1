/**
 * An append-only NDJSON file, shared by the local sinks of the embedded default (no servers).
 * One write per batch, fsync'd by default, so what a local sink acknowledged survives a crash
 * like what Kafka acknowledged does. Appends are whole lines (whole-lines.ts): a batch that
 * fails part-way (disk full) is cut back off the file, and a torn tail a crash left is cut
 * when the file is opened, so a later record is never glued onto half a line.
 */
import { createReadStream } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { SinkError, errorMessage } from '../../core/index.js';
import type { Logger } from '../../core/index.js';
import { appendWhole, openLineFile, repairTornTail } from '../whole-lines.js';
import type { LineFileHandle, OpenLineFile } from '../whole-lines.js';

export interface NdjsonAppenderOptions {
  /** fsync after each batch (default true). */
  readonly fsync?: boolean;
  /** File-system port; tests inject short writes and ENOSPC through it. */
  readonly openFile?: OpenLineFile;
  readonly logger?: Logger;
}

export class NdjsonAppender {
  private file: Promise<{ handle: LineFileHandle; size: number }> | null = null;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly fsync: boolean;
  private readonly openFile: OpenLineFile;

  constructor(
    readonly path: string,
    private readonly options: NdjsonAppenderOptions = {},
  ) {
    this.fsync = options.fsync ?? true;
    this.openFile = options.openFile ?? openLineFile;
  }

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
    const f = this.file;
    this.file = null;
    if (f) await (await f.catch(() => null))?.handle.close();
  }

  private open(): Promise<{ handle: LineFileHandle; size: number }> {
    this.file ??= (async () => {
      await mkdir(dirname(this.path), { recursive: true });
      const handle = await this.openFile(this.path);
      try {
        const { size, cut } = await repairTornTail(handle);
        if (cut > 0) {
          this.options.logger?.warn(
            { path: this.path, bytes: cut },
            'cut a torn last line off the file (a write interrupted by a crash or a full disk)',
          );
        }
        return { handle, size };
      } catch (err) {
        await handle.close().catch(() => undefined);
        throw err;
      }
    })().catch((err: unknown) => {
      this.file = null;
      throw err;
    });
    return this.file;
  }

  private async write(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    let file: { handle: LineFileHandle; size: number } | undefined;
    try {
      file = await this.open();
      const buf = Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');
      file.size = await appendWhole(file.handle, buf, file.size, this.fsync);
    } catch (cause) {
      // Could not cut the partial batch back off: reopen next time, which repairs the tail.
      if ((cause as { truncated?: boolean }).truncated === false && file) this.drop(file.handle);
      throw new SinkError('SINK_WRITE', `append to ${this.path} failed: ${errorMessage(cause)}`, {
        cause,
        retriable: true,
      });
    }
  }

  private drop(handle: LineFileHandle): void {
    this.file = null;
    void handle.close().catch(() => undefined);
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
