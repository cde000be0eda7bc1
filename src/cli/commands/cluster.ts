/**
 * `ingest cluster status`: distributed mode as one picture for SREs (issue #17). Every
 * influencer's primary (listener group A) and secondary (group B) listener with its process, egress
 * IP and state, and the processor holding its bronze partition; then the problems. The picture
 * comes from Kafka's group metadata (members, their advertised ops URL, their partitions) and
 * each member's /status.json, so it needs only the service's own config: Kafka brokers,
 * `distributed.kafka` names, the influencer source and, when set, the ops token.
 *
 * Exit 0 when every influencer has two live listeners and a processor, 8 (degraded) when not,
 * 5 when Kafka or the influencer source cannot be read.
 */
import type { Command } from 'commander';
import { IngestError, errorMessage } from '../../core/index.js';
import type { ServiceConfig } from '../../config/index.js';
import type { ClusterReport, ListenerCell } from '../../distributed/index.js';
import { createInfluencerSource } from '../../influencers/from-config.js';
import { redisConnection } from '../../app/stores.js';
import { EXIT } from '../exit-codes.js';
import { loadCommandContext } from '../pipeline-context.js';
import { printable } from '../printable.js';
import { distributedKafkaOf } from './run-handoff.js';

export interface ClusterStatusOptions {
  readonly config?: string;
  readonly brokers?: string;
  readonly timeout?: string;
  readonly json?: boolean;
}

async function enabledInfluencers(config: ServiceConfig): Promise<string[]> {
  if (config.influencers.source === 'simulator')
    throw new IngestError(
      'CLI_USAGE',
      'influencers.source is simulator: a cluster follows influencers from redis or a file (INGEST_INFLUENCERS_SOURCE)',
    );
  const source = createInfluencerSource({ influencers: config.influencers, redis: redisConnection(config) });
  try {
    const snap = await source.load();
    return snap.influencers.filter((i) => i.enabled).map((i) => i.id);
  } catch (e) {
    throw new IngestError('REDIS_UNAVAILABLE', `influencer source ${source.name}: ${errorMessage(e)}`, {
      cause: e,
    });
  } finally {
    await source.close().catch(() => undefined);
  }
}

function cell(c: ListenerCell | null): string {
  if (!c) return '-- no owner';
  return [c.process, c.ip ?? '?', c.state, c.lagMs === null ? '' : `lag ${c.lagMs}ms`]
    .filter((x) => x !== '')
    .join(' ');
}

function table(rows: readonly string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) =>
    r
      .map((v, i) => (i === r.length - 1 ? v : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** The human rendering: summary, groups and members, one row per influencer, problems. */
export function renderClusterReport(r: ClusterReport): string {
  const s = r.summary;
  const lines = [
    `cluster at ${new Date(r.generatedAt).toISOString()}: ${s.influencers} influencers, ${s.dual} dual, ${s.single} single, ${s.dark} dark, ${s.withoutProcessor} without processor`,
    '',
  ];
  for (const g of r.groups) {
    const what = g.name === 'processors' ? 'processors' : `listeners ${g.name}`;
    lines.push(`${what}: group ${g.groupId}, ${g.state}, ${g.members.length} member(s)`);
    for (const m of g.members)
      lines.push(
        `  ${m.process}  ${m.opsUrl ?? '(no ops URL)'}  partitions [${m.partitions.join(',')}]  status ${m.status}`,
      );
  }
  lines.push('');
  lines.push(
    ...table([
      ['INFLUENCER', 'PRIMARY (A)', 'SECONDARY (B)', 'PROCESSOR'],
      ...r.influencers.map((i) => [
        i.influencer,
        cell(i.primary),
        cell(i.secondary),
        i.processor === null
          ? `-- none (bronze p${i.bronzePartition})`
          : `${i.processor} (p${i.bronzePartition})`,
      ]),
    ]),
  );
  lines.push('');
  if (r.problems.length === 0)
    lines.push('no problems: every influencer has two live listeners and a processor');
  else lines.push(`${r.problems.length} problem(s):`, ...r.problems.map((p) => `  - ${p}`));
  return lines.map(printable).join('\n') + '\n';
}

export async function runClusterStatus(
  o: ClusterStatusOptions,
  stdout: NodeJS.WritableStream,
): Promise<number> {
  const timeoutMs = o.timeout === undefined ? 3000 : Number(o.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1)
    throw new IngestError('CLI_USAGE', `--timeout: expected milliseconds > 0, got "${o.timeout}"`);
  const { config: loaded, logger } = await loadCommandContext(o.config);
  const config: ServiceConfig =
    o.brokers === undefined
      ? loaded
      : {
          ...loaded,
          sinks: { ...loaded.sinks, kafka: { ...loaded.sinks.kafka, brokers: o.brokers.split(',') } },
        };
  const brokers = config.sinks.kafka.brokers;
  if (brokers.length === 0 || brokers[0] === '')
    throw new IngestError(
      'CLI_USAGE',
      'no Kafka brokers: pass --brokers host:port or set INGEST_KAFKA_BROKERS',
    );
  const influencers = await enabledInfluencers(config);
  // kafkajs' connection chatter (one error line per retry) is not the report: a broker that
  // cannot be reached ends as one `ingest: Kafka …` line and exit 5, like every command.
  const quiet = logger.child({}, { level: 'silent' });
  const { d, kafka } = await distributedKafkaOf(
    config,
    quiet,
    `${config.sinks.kafka.clientId}-cluster-status`,
  );
  let report: ClusterReport;
  try {
    report = await d.probeCluster({
      kafka,
      config: config.distributed.kafka,
      influencers,
      timeoutMs,
      ...(config.http.token === undefined ? {} : { token: config.http.token }),
    });
  } catch (e) {
    throw new IngestError('SINK_UNAVAILABLE', `Kafka ${brokers.join(',')}: ${errorMessage(e)}`, { cause: e });
  }
  stdout.write(o.json === true ? `${JSON.stringify(report, null, 2)}\n` : renderClusterReport(report));
  return report.problems.length === 0 ? EXIT.OK : EXIT.DEGRADED;
}

export function registerCluster(program: Command): void {
  const cluster = program
    .command('cluster')
    .description('Distributed mode: the processes and who runs what.');
  cluster
    .command('status')
    .description(
      "Every influencer's primary and secondary listener (process, IP, state) and its processor, from Kafka's group metadata and each member's /status.json. Exit 8 when degraded.",
    )
    .option('--config <path>', 'the service config (Kafka, distributed.kafka, influencer source, ops token)')
    .option(
      '--brokers <list>',
      'Kafka brokers host:port,... (default: sinks.kafka.brokers / INGEST_KAFKA_BROKERS)',
    )
    .option('--timeout <ms>', "how long to wait for each member's /status.json", '3000')
    .option('--json', 'the whole report as JSON')
    .action(async (o: ClusterStatusOptions) => {
      process.exitCode = await runClusterStatus(o, process.stdout);
    });
}
