/**
 * The spool directory's owner lock: one live process per spool, since two writers would
 * interleave segments and double-deliver. The lock file holds `<pid> <start time>`; a holder
 * counts as live only if that process exists, is not a zombie, and (on Linux, from
 * /proc/<pid>/stat) started at the recorded time, so neither a killed process that is still a
 * zombie nor an unrelated process that reused its PID blocks a restart. The file is created
 * with O_EXCL (by link), so two instances starting together cannot both take it.
 */
import { link, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { SinkError } from '../../core/index.js';

export const LOCK_FILE = 'owner.lock';

interface ProcInfo {
  readonly state: string;
  readonly startTime: string;
}

/** /proc/<pid>/stat fields 3 (state) and 22 (start time in clock ticks); null if none. */
export function procInfo(pid: number): ProcInfo | null | 'unknown' {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      // No /proc at all (not Linux): we cannot tell.
      try {
        readFileSync('/proc/self/stat');
      } catch {
        return 'unknown';
      }
      return null;
    }
    return 'unknown';
  }
  // The command name (field 2) is in parentheses and may itself contain spaces or ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0] ?? '', startTime: rest[19] ?? '' };
}

function selfStartTime(): string {
  const info = procInfo(process.pid);
  return info !== null && info !== 'unknown' ? info.startTime : '';
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the holder recorded in a lock file still runs (as that same process). */
export function holderIsLive(pid: number, startTime: string): boolean {
  if (pid === process.pid) return false;
  const info = procInfo(pid);
  if (info === null) return false;
  if (info === 'unknown') return isAlive(pid);
  if (info.state === 'Z' || info.state === 'X') return false; // killed, not yet reaped
  return startTime === '' || info.startTime === startTime;
}

/** Takes the lock in `dir` or throws SPOOL_LOCKED naming the live holder. */
export async function acquireSpoolLock(dir: string): Promise<void> {
  const path = `${dir}/${LOCK_FILE}`;
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${process.pid} ${selfStartTime()}\n`);
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await link(tmp, path);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const [pidText, startTime = ''] = (await readFile(path, 'utf8').catch(() => '')).trim().split(' ');
      const pid = Number.parseInt(pidText ?? '', 10);
      if (Number.isInteger(pid) && pid > 0 && holderIsLive(pid, startTime)) {
        throw new SinkError('SPOOL_LOCKED', `spool ${dir} is held by another live instance (pid ${pid})`, {
          context: { dir, pid },
        });
      }
      await rm(path, { force: true }); // stale: its holder is gone
    }
    throw new SinkError('SPOOL_LOCKED', `spool ${dir}: another instance took the lock while starting`, {
      context: { dir },
    });
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Releases the lock if this process holds it. */
export async function releaseSpoolLock(dir: string): Promise<void> {
  const path = `${dir}/${LOCK_FILE}`;
  const pid = Number.parseInt((await readFile(path, 'utf8').catch(() => '')).trim().split(' ')[0] ?? '', 10);
  if (pid === process.pid) await rm(path, { force: true });
}
