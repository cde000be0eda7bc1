// Last-resort cleanup so no service outlives the test run: synchronous SIGKILL + temp-dir removal
// when the vitest process gets SIGINT/SIGTERM/SIGHUP or exits without teardown, and a reaper that
// removes runs left behind by a process that was SIGKILLed (its owner pid is dead).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, killNow, removeDir } from './process.js';

const OWNER_FILE = 'owner.pid';
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Kills every service process under runDir (pid files are re-read: restarts rewrite them). */
function killRun(runDir: string): void {
  let entries: string[] = [];
  try {
    entries = readdirSync(runDir);
  } catch {
    return;
  }
  for (const entry of entries) {
    const dir = join(runDir, entry);
    let files: string[] = [];
    try {
      files = readdirSync(dir);
    } catch {
      continue;
    }
    for (const f of files) if (f.endsWith('.pid')) killNow(join(dir, f), dir);
  }
}

/** Marks runDir as owned by this process and kills/removes it if the process is interrupted. */
export function guardRun(runDir: string): () => void {
  writeFileSync(join(runDir, OWNER_FILE), `${process.pid}\n`);
  const emergency = (): void => {
    killRun(runDir);
    removeDir(runDir);
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    emergency();
    uninstall();
    // Keep the default outcome of the signal unless someone else (vitest) handles it too.
    if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
  };
  // Prepended: vitest's own SIGINT handler calls process.exit(), and its 'exit' handler calls it
  // again, which skips any 'exit' listener registered after it. Ours must run first.
  for (const sig of SIGNALS) process.prependListener(sig, onSignal);
  process.prependListener('exit', emergency);
  function uninstall(): void {
    for (const sig of SIGNALS) process.off(sig, onSignal);
    process.off('exit', emergency);
  }
  return uninstall;
}

/** Removes runs (dirs named prefix*) whose owner process is gone, killing their services first. */
export function reapStaleRuns(parentDir: string, prefix: string): string[] {
  const reaped: string[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync(parentDir).filter((e) => e.startsWith(prefix));
  } catch {
    return reaped;
  }
  for (const entry of entries) {
    const runDir = join(parentDir, entry);
    const ownerFile = join(runDir, OWNER_FILE);
    if (!existsSync(ownerFile)) continue; // still being created, or not ours
    const owner = Number.parseInt(readFileSync(ownerFile, 'utf8'), 10);
    if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) continue;
    killRun(runDir);
    removeDir(runDir);
    reaped.push(runDir);
  }
  return reaped;
}
