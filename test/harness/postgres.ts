// PostgreSQL 15 for tests: Debian's binaries (/usr/lib/postgresql/15/bin), a fresh cluster made by
// initdb in the run's temp dir (trust auth, superuser `postgres`), listening on 127.0.0.1 only
// with its socket in the same dir. initdb and postgres refuse to run as root, so as root both run
// as the `postgres` system user the package creates, through setpriv (it execs, so the pid we
// signal is the postmaster itself; runuser would fork and orphan it). Ready when `select 1` answers
// through `pg` (the product's client).
import { readFileSync } from 'node:fs';
import { chmod, chown, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { serviceFailure } from './errors.js';
import { ensureAptBinary, run, which } from './install.js';
import { defineService, launchIn } from './service.js';
import type { ServiceDef } from './service.js';

const BIN_DIR = '/usr/lib/postgresql/15/bin';

export function postgresService(opts: { binDir?: string } = {}): ServiceDef {
  const binDir = opts.binDir ?? BIN_DIR;
  const asRoot = process.getuid?.() === 0;
  /** As root: run as `postgres` through setpriv; otherwise as ourselves. */
  const cmd = (bin: string, args: string[]): [string, string[]] =>
    asRoot
      ? [
          which('setpriv') ?? 'setpriv',
          ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', bin, ...args],
        ]
      : [bin, args];
  return defineService({
    name: 'postgres',
    readyTimeoutMs: 30_000,
    stopTimeoutMs: 15_000,
    async install() {
      const postgres = await ensureAptBinary('postgres', join(binDir, 'postgres'), ['postgresql-15']);
      return { postgres, initdb: join(binDir, 'initdb') };
    },
    async prepare({ dir, ports, installed }) {
      const port = ports['port'] ?? 0;
      const data = join(dir, 'data');
      if (asRoot) {
        // mkdtemp makes 0700 dirs: the postgres user must be able to traverse the run dir.
        const { uid, gid } = pgIds();
        await chmod(dirname(dir), 0o711);
        await chown(dir, uid, gid).catch((cause: unknown) => {
          throw serviceFailure('postgres', {
            what: `cannot hand ${dir} to the postgres user`,
            fix: 'install postgresql-15 (it creates the postgres user) or run the tests as a non-root user',
            cause,
          });
        });
      } else {
        await mkdir(dir, { recursive: true });
      }
      const init = await run(
        ...cmd(installed['initdb'] ?? join(binDir, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres']),
        { cwd: dir, timeoutMs: 120_000 },
      );
      if (init.code !== 0) {
        throw serviceFailure('postgres', {
          what: `initdb failed (exit ${init.code}):\n${init.output.trimEnd().split('\n').slice(-20).join('\n')}`,
          fix: asRoot
            ? 'check the postgres system user exists (id postgres)'
            : 'check the temp dir is writable',
        });
      }
      const [command, args] = cmd(installed['postgres'] ?? join(binDir, 'postgres'), [
        '-D',
        data,
        '-p',
        String(port),
        '-k',
        dir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
      ]);
      return {
        endpoint: `postgres://postgres@127.0.0.1:${port}/postgres`,
        launch: launchIn(dir, command, args, 'postgres.log'),
      };
    },
    async probe(endpoint) {
      const client = new pg.Client({ connectionString: endpoint, connectionTimeoutMillis: 2_000 });
      client.on('error', () => undefined); // the probe's rejection carries the error
      try {
        await client.connect();
        await client.query('select 1');
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    hint(log) {
      if (/must not be run as root|cannot be run as root/i.test(log)) {
        return 'postgres refuses root: the harness runs it through setpriv as the postgres user; check setpriv (util-linux) exists';
      }
      if (/could not create lock file|Permission denied/i.test(log)) {
        return `the postgres user cannot write the run dir: check it owns the service dir`;
      }
      return undefined;
    },
  });
}

/** uid and gid of the `postgres` system user the Debian package creates. */
function pgIds(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (line === undefined) throw new Error('no postgres user in /etc/passwd');
  const parts = line.split(':');
  return { uid: Number(parts[2]), gid: Number(parts[3]) };
}
