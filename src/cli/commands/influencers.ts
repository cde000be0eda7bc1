/**
 * `ingest influencers add|remove|enable|disable|set|list|show|import|export`: the ops tool for
 * the influencers stored in Redis. Everything is validated before anything is written; every
 * change is one Redis transaction with its audit entry and change notice (see
 * src/influencers/redis-store.ts), so the running service reloads within a second.
 * Errors are one line; exit codes: 2 usage, 3 invalid, 4 not found, 5 Redis unreachable, 6 conflict.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { stringify as toYaml } from 'yaml';
import {
  ConfigError,
  IngestError,
  ValidationError,
  errorMessage,
  normalizeAddress,
} from '../../core/index.js';
import { loadConfig, systemEnv } from '../../config/index.js';
import { changedFields, formatDiff, parseInfluencerDocument } from '../../influencers/index.js';
import type { Influencer } from '../../influencers/index.js';
import { RedisInfluencerStore } from '../../influencers/redis-store.js';
import { printable } from '../printable.js';

interface CommonOptions {
  readonly redisUrl?: string;
  readonly config?: string;
  readonly json?: boolean;
  readonly actor?: string;
}

/**
 * Ops must not believe a stored override is in force: `throttling.maxSignalsPerMinute` is
 * validated and kept, but no signal cap exists yet (capping means coalescing or delaying
 * signals, a contract decision still open). `backoff.*` and `throttling.resubscribeMinIntervalMs`
 * are applied: they govern how this influencer's refused subscriptions are retried.
 */
const UNAPPLIED_NOTE =
  'note: throttling.maxSignalsPerMinute is stored but not applied by this version: signals are ' +
  'not capped\n';

const out = (s: string): void => {
  process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
};

function common(cmd: Command): Command {
  return cmd
    .option('--redis-url <url>', 'Redis URL (default: config redis.url / INGEST_REDIS_URL)')
    .option('--config <path>', 'service config file for the Redis settings (default: INGEST_CONFIG)')
    .option('--json', 'machine-readable output')
    .option('--actor <name>', 'who is making the change, for the audit stream (default: $USER)');
}

function actorOf(o: CommonOptions): string {
  const env = systemEnv();
  return o.actor ?? env['USER'] ?? env['LOGNAME'] ?? 'unknown';
}

async function withStore<T>(o: CommonOptions, fn: (store: RedisInfluencerStore) => Promise<T>): Promise<T> {
  const { config } = loadConfig({ path: o.config, env: systemEnv() });
  const store = new RedisInfluencerStore({
    connection: { ...config.redis, url: o.redisUrl ?? config.redis.url },
  });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function list(v: string | undefined): string[] | undefined {
  return v === undefined
    ? undefined
    : v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
}

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+|-+$/g, '')
    .slice(0, 64);
}

interface AddOptions extends CommonOptions {
  readonly id?: string;
  readonly label?: string;
  readonly priority?: string;
  readonly markets?: string;
  readonly disabled?: boolean;
  readonly aggregation?: string;
  readonly marketClasses?: string;
  readonly listenerKinds?: string;
}

function addInput(address: string, o: AddOptions): Record<string, unknown> {
  let normalized = address;
  try {
    normalized = normalizeAddress(address);
  } catch (e) {
    throw new ValidationError(`address: ${errorMessage(e)}`, [errorMessage(e)]);
  }
  if (o.priority !== undefined && !/^-?\d+$/.test(o.priority.trim())) {
    throw new ValidationError(`priority: expected an integer, got ${JSON.stringify(o.priority)}`, []);
  }
  const id =
    o.id ?? (o.label !== undefined && slug(o.label) !== '' ? slug(o.label) : `a${normalized.slice(2, 10)}`);
  const signal: Record<string, unknown> = {};
  if (o.aggregation !== undefined) signal['aggregation'] = o.aggregation;
  if (o.marketClasses !== undefined) signal['marketClasses'] = list(o.marketClasses);
  return {
    id,
    address: normalized,
    ...(o.label !== undefined ? { label: o.label } : {}),
    enabled: o.disabled !== true,
    ...(o.priority !== undefined ? { priority: Number(o.priority) } : {}),
    ...(o.markets !== undefined ? { markets: list(o.markets) } : {}),
    signal,
    ...(o.listenerKinds !== undefined ? { listeners: { kinds: list(o.listenerKinds) } } : {}),
  };
}

function row(i: Influencer): string[] {
  return [
    i.id,
    i.address,
    i.label,
    i.enabled ? 'yes' : 'no',
    String(i.priority),
    i.markets.length === 0 ? '*' : i.markets.join(','),
    String(i.version),
  ].map(printable);
}

function table(rows: string[][]): string {
  const head = ['ID', 'ADDRESS', 'LABEL', 'ENABLED', 'PRIORITY', 'MARKETS', 'VERSION'];
  const all = [head, ...rows];
  // reduce, not Math.max(...rows): a spread of 100 000 rows overflows the call stack.
  const widths = head.map((_, c) => all.reduce((w, r) => Math.max(w, (r[c] ?? '').length), 0));
  return all
    .map((r) =>
      r
        .map((v, c) => v.padEnd(widths[c] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function changeLines(id: string, before: Influencer, after: Influencer): string[] {
  const fields = changedFields(before, after);
  return formatDiff({ added: [], removed: [], unchanged: [], changed: [{ id, before, after, fields }] });
}

function readInfluencerFile(file: string): unknown[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError('CONFIG_NOT_FOUND', `cannot read ${file}: ${errorMessage(e)}`);
  }
  try {
    return parseInfluencerDocument(text, file);
  } catch (e) {
    throw new ValidationError(errorMessage(e), [errorMessage(e)]);
  }
}

export function registerInfluencers(program: Command): void {
  const inf = program
    .command('influencers')
    .description('Manage the influencers the service follows (stored in Redis; the service reloads live).');

  common(inf.command('add <address>').description('Add an influencer.'))
    .option('--id <id>', 'internal id (slug); default: from the label, else from the address')
    .option('--label <text>', 'display name; default: the id')
    .option('--priority <n>', 'integer, higher = more important (gets user-stream slots first)')
    .option('--markets <coins>', 'comma-separated coins to signal on; default: all')
    .option('--disabled', 'add it disabled')
    .option('--aggregation <mode>', 'block | order (default: service config)')
    .option('--market-classes <list>', 'perp,hip3,spot,outcome (default: service config)')
    .option('--listener-kinds <list>', 'user-stream,market-stream (default: service config)')
    .action(async (address: string, o: AddOptions) => {
      const input = addInput(address, o);
      const rec = await withStore(o, (s) => s.add(input, actorOf(o)));
      out(o.json === true ? JSON.stringify(rec) : printable(`added ${rec.id} ${rec.address} "${rec.label}"`));
    });

  common(inf.command('remove <ref>').description('Remove an influencer (by id or address).')).action(
    async (ref: string, o: CommonOptions) => {
      const rec = await withStore(o, (s) => s.remove(ref, actorOf(o)));
      if ('invalid' in rec) {
        out(o.json === true ? JSON.stringify({ removed: rec }) : `removed invalid record ${rec.id}`);
      } else {
        out(o.json === true ? JSON.stringify({ removed: rec }) : `removed ${rec.id} ${rec.address}`);
      }
    },
  );

  for (const [name, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    common(
      inf.command(`${name} <ref>`).description(`${name === 'enable' ? 'Enable' : 'Disable'} an influencer.`),
    ).action(async (ref: string, o: CommonOptions) => {
      const change = await withStore(o, (s) => s.setEnabled(ref, enabled, actorOf(o)));
      if (o.json === true)
        out(JSON.stringify({ changed: change !== undefined, influencer: change?.after ?? null }));
      else out(change === undefined ? `${ref} already ${name}d; nothing changed` : `${name}d ${change.id}`);
    });
  }

  common(
    inf
      .command('set <ref> <assignments...>')
      .description(
        'Change fields: key=value ... (e.g. priority=5 markets=BTC,ETH signal.aggregation=order).',
      ),
  ).action(async (ref: string, assignments: string[], o: CommonOptions) => {
    const change = await withStore(o, (s) => s.set(ref, assignments, actorOf(o)));
    if (assignments.some((a) => a.startsWith('throttling.maxSignalsPerMinute=')))
      process.stderr.write(UNAPPLIED_NOTE);
    if (o.json === true) out(JSON.stringify(change.after));
    else if (change.before !== undefined && change.after !== undefined) {
      const lines = changeLines(change.id, change.before, change.after);
      out(lines.length > 0 ? lines.join('\n') : `${change.id}: values unchanged (version bumped)`);
    }
  });

  common(inf.command('list').description('List influencers.')).action(async (o: CommonOptions) => {
    const snap = await withStore(o, (s) => s.load());
    if (o.json === true) out(JSON.stringify(snap));
    else {
      out(table(snap.influencers.map(row)));
      for (const r of snap.rejected) {
        process.stderr.write(printable(`invalid record ${r.id}: ${r.issues.join('; ')}`) + '\n');
      }
    }
  });

  common(inf.command('show <ref>').description('Show one influencer (by id or address).')).action(
    async (ref: string, o: CommonOptions) => {
      const rec = await withStore(o, (s) => s.get(ref));
      out(o.json === true ? JSON.stringify(rec) : toYaml(rec).split('\n').map(printable).join('\n'));
    },
  );

  common(inf.command('import <file>').description('Make Redis match a YAML/JSON file (prints the diff).'))
    .option('--dry-run', 'print the diff, change nothing')
    .option('--prune', 'also remove influencers that are not in the file')
    .action(async (file: string, o: CommonOptions & { dryRun?: boolean; prune?: boolean }) => {
      const raws = readInfluencerFile(file);
      const plan = await withStore(o, async (s) => {
        const p = await s.planImport(raws, { prune: o.prune === true });
        if (o.dryRun !== true) await s.applyImport(p, actorOf(o));
        return p;
      });
      const d = plan.diff;
      if (o.json === true) {
        out(
          JSON.stringify({
            dryRun: o.dryRun === true,
            added: d.added.map((a) => a.id),
            removed: d.removed.map((r) => r.id),
            changed: d.changed.map((c) => ({ id: c.id, fields: c.fields })),
            unchanged: d.unchanged.length,
          }),
        );
        return;
      }
      for (const line of formatDiff(d)) out(line);
      const summary = `${d.added.length} added, ${d.changed.length} changed, ${d.removed.length} removed, ${d.unchanged.length} unchanged`;
      out(o.dryRun === true ? `dry run: ${summary}; nothing written` : `imported: ${summary}`);
    });

  common(inf.command('export').description('Write every influencer as YAML or JSON (importable).'))
    .option('--out <file>', 'write to a file instead of stdout')
    .option('--format <fmt>', 'yaml | json (default: from --out extension, else yaml)')
    .action(async (o: CommonOptions & { out?: string; format?: string }) => {
      const format = o.format ?? (o.out?.endsWith('.json') === true || o.json === true ? 'json' : 'yaml');
      if (format !== 'yaml' && format !== 'json') {
        throw new IngestError('CLI_USAGE', `--format: expected yaml or json, got ${JSON.stringify(format)}`);
      }
      const snap = await withStore(o, (s) => s.load());
      const doc = { influencers: snap.influencers };
      const text = format === 'json' ? `${JSON.stringify(doc, null, 2)}\n` : toYaml(doc);
      if (o.out === undefined) process.stdout.write(text);
      else {
        writeFileSync(o.out, text);
        out(`exported ${snap.influencers.length} influencers to ${o.out}`);
      }
      for (const r of snap.rejected)
        process.stderr.write(`skipped invalid record ${r.id}: ${r.issues.join('; ')}\n`);
    });
}
