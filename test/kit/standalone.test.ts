/**
 * The kit index is also loaded outside vitest: by child-process fixtures (test/sinks/fixtures)
 * and benches. Anything it exports that imports vitest breaks those processes at load time
 * ("Vitest failed to access its internal state"), so it is loaded here in a plain node.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('test/kit/index.ts outside vitest', () => {
  it('loads in a plain node process (no vitest import behind it)', () => {
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        "import('./test/kit/index.ts').then((k) => console.log(Object.keys(k).sort().join(',')))",
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('until');
  });
});
