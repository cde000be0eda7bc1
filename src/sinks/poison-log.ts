/**
 * The last stop for a record every sink refused, the dead-letter sink included: one JSON line
 * per record in an append-only, fsync'd file (`poison.ndjson` in the spool directory). It has
 * no queue of its own and cannot refuse a record for its content, so the dead-letter queue
 * never stalls on a letter its sink will not take, and nothing is lost.
 */
import { errorMessage, isIngestError } from '../core/index.js';
import { NdjsonAppender } from './local/ndjson.js';

export interface PoisonLogOptions {
  readonly path: string;
  /** fsync after each line. Default true. */
  readonly fsync?: boolean;
}

/** One line of poison.ndjson. */
export interface PoisonEntry {
  /** The queue whose sink refused the record, e.g. `dead-letters`. */
  readonly sink: string;
  /** When it was written (ms). */
  readonly at: number;
  readonly code: string | null;
  readonly error: string;
  readonly record: unknown;
}

export class PoisonLog {
  private readonly file: NdjsonAppender;

  constructor(options: PoisonLogOptions) {
    this.file = new NdjsonAppender(options.path, options);
  }

  get path(): string {
    return this.file.path;
  }

  /** Rejects (retriable SinkError) when the file cannot be written; the caller retries. */
  write(sink: string, record: unknown, error: unknown, at: number): Promise<void> {
    const entry: PoisonEntry = {
      sink,
      at,
      code: isIngestError(error) ? error.code : null,
      error: errorMessage(error),
      record,
    };
    return this.file.append([JSON.stringify(entry)]);
  }

  close(): Promise<void> {
    return this.file.close();
  }
}
