/**
 * Influencers from a YAML or JSON file, for local runs without Redis. The file is either a
 * list of records or `{ influencers: [...] }` (what `ingest influencers export` writes).
 * Bookkeeping fields may be omitted (they default to the file's modification time). Changes
 * are noticed with fs.watch on the directory (editors replace files) and the watcher's
 * periodic reconcile covers what fs.watch misses.
 */
import { watch as fsWatch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError, errorMessage, formatIssues, systemClock } from '../core/index.js';
import type { Clock, TimerHandle } from '../core/index.js';
import { InfluencerInput, toInfluencer } from './model.js';
import { checkRecords, idOf } from './source.js';
import type { ChangeHint, InfluencerSnapshot, InfluencerSource, RejectedRecord } from './source.js';

/** Editors write in bursts; one reload per burst. */
const FILE_DEBOUNCE_MS = 100;

/** Parses file text into raw records; throws ConfigError when the document itself is unusable. */
export function parseInfluencerDocument(text: string, file: string): unknown[] {
  let doc: unknown;
  try {
    doc = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new ConfigError(
      'CONFIG_INVALID',
      `${file}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${errorMessage(e)}`,
    );
  }
  if (doc === null || doc === undefined) return [];
  if (Array.isArray(doc)) return doc;
  if (typeof doc === 'object' && Array.isArray((doc as Record<string, unknown>)['influencers'])) {
    const extra = Object.keys(doc).filter((k) => k !== 'influencers');
    if (extra.length > 0)
      throw new ConfigError('CONFIG_INVALID', `${file}: unknown key "${extra[0]}" (allowed: influencers)`);
    return (doc as { influencers: unknown[] }).influencers;
  }
  throw new ConfigError(
    'CONFIG_INVALID',
    `${file}: expected a list of influencers or { influencers: [...] }`,
  );
}

/** Input records (bookkeeping optional) -> snapshot of full records. */
export function inputsToSnapshot(raws: readonly unknown[], nowIso: string): InfluencerSnapshot {
  const rejected: RejectedRecord[] = [];
  const full: { key: string; value: unknown }[] = [];
  raws.forEach((value, i) => {
    const r = InfluencerInput.safeParse(value);
    if (r.success) full.push({ key: r.data.id, value: toInfluencer(r.data, nowIso) });
    else rejected.push({ id: idOf(value, i), issues: formatIssues(r.error) });
  });
  const checked = checkRecords(full);
  return { influencers: checked.influencers, rejected: [...rejected, ...checked.rejected] };
}

export interface FileInfluencerSourceOptions {
  readonly path: string;
  readonly clock?: Clock;
}

export class FileInfluencerSource implements InfluencerSource {
  readonly name: string;
  private readonly path: string;
  private readonly clock: Clock;

  constructor(options: FileInfluencerSourceOptions) {
    this.path = options.path;
    this.clock = options.clock ?? systemClock;
    this.name = `file:${options.path}`;
  }

  async load(): Promise<InfluencerSnapshot> {
    let text: string;
    let mtime: Date;
    try {
      [text, mtime] = await Promise.all([readFile(this.path, 'utf8'), stat(this.path).then((s) => s.mtime)]);
    } catch (e) {
      throw new ConfigError(
        'CONFIG_NOT_FOUND',
        `influencer file ${this.path} cannot be read: ${errorMessage(e)}`,
        {
          cause: e,
          retriable: true,
        },
      );
    }
    return inputsToSnapshot(parseInfluencerDocument(text, this.path), mtime.toISOString());
  }

  watch(onChange: (hint: ChangeHint) => void): () => void {
    let timer: TimerHandle | undefined;
    let watcher: FSWatcher | undefined;
    const name = basename(this.path);
    try {
      watcher = fsWatch(dirname(this.path), (_event, file) => {
        if (file !== null && file !== name) return;
        timer?.cancel();
        timer = this.clock.setTimeout(() => onChange({ reason: 'file' }), FILE_DEBOUNCE_MS);
      });
      // fs.watch errors (directory removed) only disable the fast path; reconcile still runs.
      watcher.on('error', () => watcher?.close());
    } catch {
      watcher = undefined;
    }
    return () => {
      timer?.cancel();
      watcher?.close();
    };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
