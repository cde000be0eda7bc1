/**
 * The local-mode durable dedup store: an append-only file of 32-byte ids plus an IdSet loaded
 * from it on open. A torn last id (crash mid-write) is cut off; losing it only means that one
 * event may be seen again, which the event log's idempotent append absorbs.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { IdSet, SinkError } from '../../core/index.js';
import type { DedupStore } from './store.js';

const ID_BYTES = 32;

export class FileDedupStore implements DedupStore {
  readonly kind = 'file';
  private readonly ids = new IdSet(1 << 16);
  private fd: number | null;

  constructor(
    private readonly file: string,
    private readonly fsync: boolean,
  ) {
    mkdirSync(dirname(file), { recursive: true });
    if (existsSync(file)) {
      const buf = readFileSync(file);
      const whole = buf.length - (buf.length % ID_BYTES);
      for (let p = 0; p < whole; p += ID_BYTES) this.ids.add(buf.toString('hex', p, p + ID_BYTES));
      if (whole !== buf.length) {
        const fd = openSync(file, 'r+');
        ftruncateSync(fd, whole);
        closeSync(fd);
      }
    }
    this.fd = openSync(file, 'a');
  }

  get size(): number {
    return this.ids.size;
  }

  get memoryBytes(): number {
    return this.ids.bytes;
  }

  seen(ids: readonly string[]): Promise<readonly boolean[]> {
    return Promise.resolve(ids.map((id) => this.ids.has(id)));
  }

  remember(ids: readonly string[]): Promise<void> {
    if (this.fd === null)
      return Promise.reject(new SinkError('SINK_UNAVAILABLE', `dedup store ${this.file} is closed`));
    const buf = Buffer.allocUnsafe(ids.length * ID_BYTES);
    let n = 0;
    for (const id of ids) {
      if (this.ids.add(id)) n += buf.write(id, n, ID_BYTES, 'hex');
    }
    if (n > 0) writeSync(this.fd, buf, 0, n);
    if (this.fsync && n > 0) fsyncSync(this.fd);
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (this.fd !== null) {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = null;
    }
    return Promise.resolve();
  }
}
