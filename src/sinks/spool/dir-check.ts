/**
 * Turns a failure to create or write the spool directory into one error that says what is
 * wrong. Node's recursive mkdir reports a read-only file system as `ENOENT … mkdir`, which
 * sends operators looking for a missing path; here the nearest existing parent is probed for
 * write access, so the message names the read-only or unwritable directory instead.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { SinkError, errorMessage } from '../../core/index.js';

async function nearestExisting(path: string): Promise<string> {
  let p = resolve(path);
  for (;;) {
    try {
      await stat(p);
      return p;
    } catch {
      const up = dirname(p);
      if (up === p) return p;
      p = up;
    }
  }
}

/** Explains why `dir` could not be created or written; `cause` is the original error. */
export async function spoolDirError(dir: string, cause: unknown): Promise<SinkError> {
  const at = await nearestExisting(dir);
  let why = errorMessage(cause);
  try {
    const st = await stat(at);
    if (!st.isDirectory()) why = `${at} is not a directory`;
    else await access(at, constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EROFS') why = `${at} is on a read-only file system`;
    else if (code === 'EACCES' || code === 'EPERM') {
      const uid = typeof process.getuid === 'function' ? process.getuid() : '?';
      why = `${at} is not writable by this process (uid ${uid})`;
    }
  }
  return new SinkError(
    'SPOOL_DIR_UNUSABLE',
    `spool directory ${dir} cannot be used: ${why}; point sinks.spool.dir (INGEST_SPOOL_DIR) at a writable directory`,
    { cause, context: { dir } },
  );
}
