import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ALL_METRIC_NAMES, HANDOFF_METRIC_NAMES, HandoffMetrics, Metrics } from '../../src/obs/index.js';
import { dashboardExprs, promqlMetricNames, validateAlertRules, validateDashboard } from './deploy-lint.js';

const root = new URL('../../', import.meta.url);
const dashboard = JSON.parse(
  readFileSync(new URL('deploy/grafana/ingest-dashboard.json', root), 'utf8'),
) as Record<string, unknown>;
const alerts: unknown = parseYaml(readFileSync(new URL('deploy/prometheus/alerts.yaml', root), 'utf8'));

/**
 * Every metric family a scrape can contain: ours plus prom-client's process/runtime metrics, and
 * the hand-off metrics a `listeners` or `processor` process registers on top.
 */
async function exportedNames(): Promise<Set<string>> {
  const registry = new Registry();
  new Metrics({ registry });
  HandoffMetrics.on(registry);
  return new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
}

const PREFIXES = ['ingest_', 'process_', 'nodejs_'];

describe('validateDashboard', () => {
  it('accepts the shipped dashboard', () => {
    expect(validateDashboard(dashboard)).toEqual([]);
  });

  it('catches broken dashboards', () => {
    const panel = (id: number, x: number, y: number, extra: Record<string, unknown> = {}) => ({
      id,
      type: 'timeseries',
      title: `p${id}`,
      datasource: { type: 'prometheus', uid: 'x' },
      gridPos: { h: 4, w: 12, x, y },
      targets: [{ refId: 'A', expr: 'up' }],
      ...extra,
    });
    const good = { title: 't', schemaVersion: 39, panels: [panel(1, 0, 0), panel(2, 12, 0)] };
    expect(validateDashboard(good)).toEqual([]);

    expect(validateDashboard(null)).toEqual(['dashboard is not a JSON object']);
    expect(validateDashboard({ ...good, title: '' })).toEqual(['title missing']);
    expect(validateDashboard({ ...good, schemaVersion: undefined })).toEqual([
      'schemaVersion missing or not an integer',
    ]);
    expect(validateDashboard({ ...good, panels: [] })).toEqual(['panels[] missing or empty']);
    expect(validateDashboard({ ...good, panels: [panel(1, 0, 0), panel(1, 12, 0)] })).toEqual([
      'panels[1] (p1): duplicate id 1',
    ]);
    expect(validateDashboard({ ...good, panels: [panel(1, 0, 0), panel(2, 6, 2)] })).toEqual([
      'panels[1] (p2): overlaps panel 1',
    ]);
    expect(validateDashboard({ ...good, panels: [panel(1, 20, 0)] })).toEqual([
      'panels[0] (p1): gridPos wider than 24 columns',
    ]);
    expect(
      validateDashboard({ ...good, panels: [panel(1, 0, 0, { gridPos: { h: 4, w: 12, x: 0 } })] }),
    ).toEqual(['panels[0] (p1): gridPos {h,w,x,y} missing or invalid']);
    expect(validateDashboard({ ...good, panels: [panel(1, 0, 0, { targets: [{ expr: 'up' }] })] })).toEqual([
      'panels[0] (p1): targets[0].refId missing',
    ]);
    expect(validateDashboard({ ...good, panels: [panel(1, 0, 0, { targets: [{ refId: 'A' }] })] })).toEqual([
      'panels[0] (p1): targets[0].expr missing',
    ]);
    expect(
      validateDashboard({ ...good, panels: [panel(1, 0, 0, { datasource: undefined, type: '' })] }),
    ).toEqual(['panels[0] (p1): type missing', 'panels[0] (p1): datasource missing']);
  });
});

describe('promqlMetricNames', () => {
  it('finds metric families and ignores label values, functions and keywords', () => {
    expect(
      promqlMetricNames(
        'histogram_quantile(0.99, sum by (le) (rate(ingest_end_to_end_latency_seconds_bucket{sink="ingest_fake"}[5m]))) / ingest_budget_limit',
      ),
    ).toEqual(['ingest_end_to_end_latency_seconds', 'ingest_budget_limit']);
    expect(promqlMetricNames('rate(process_cpu_seconds_total[5m])', PREFIXES)).toEqual([
      'process_cpu_seconds_total',
    ]);
  });
});

describe('the Grafana dashboard', () => {
  it('only uses metrics the service exports', async () => {
    const known = await exportedNames();
    const used = dashboardExprs(dashboard).flatMap((e) => promqlMetricNames(e, PREFIXES));
    expect(used.length).toBeGreaterThan(30);
    expect(used.filter((n) => !known.has(n))).toEqual([]);
  });

  it('covers what the issue asks for', () => {
    const used = new Set(dashboardExprs(dashboard).flatMap((e) => promqlMetricNames(e)));
    for (const name of [
      'ingest_influencers_coverage',
      'ingest_failovers_total',
      'ingest_listener_lag_seconds',
      'ingest_listener_skew_seconds',
      'ingest_signals_emitted_total',
      'ingest_end_to_end_latency_seconds',
      'ingest_sink_queue_depth',
      'ingest_spool_bytes',
      'ingest_dead_letters_total',
      'ingest_budget_used',
      'ingest_reconnects_total',
      'ingest_gaps_detected_total',
    ]) {
      expect(used.has(name), name).toBe(true);
    }
  });
});

describe('the dashboard in distributed mode', () => {
  const panels = dashboard['panels'] as { title: string; targets?: { expr: string }[] }[];
  const exprsOf = (title: RegExp): string[] =>
    panels.filter((p) => title.test(p.title)).flatMap((p) => (p.targets ?? []).map((t) => t.expr));

  it('uses every hand-off metric', () => {
    const used = new Set(dashboardExprs(dashboard).flatMap((e) => promqlMetricNames(e)));
    for (const name of Object.values(HANDOFF_METRIC_NAMES)) expect(used.has(name), name).toBe(true);
  });

  it('has per-group panels (listeners live, influencers owned, bronze publish rate and latency)', () => {
    for (const [title, metric] of [
      [/^Live listeners by group/, 'ingest_listeners'],
      [/^Influencers .*owned by group/, 'ingest_influencers_owned'],
      [/^Bronze publish by group/, 'ingest_bronze_records_published_total'],
      [/^Bronze publish latency by group/, 'ingest_bronze_publish_latency_seconds_bucket'],
    ] as const) {
      const exprs = exprsOf(title);
      expect(exprs.length, String(title)).toBeGreaterThan(0);
      expect(
        exprs.some((e) => e.includes(metric) && /by \((le, )?group\)/.test(e)),
        String(title),
      ).toBe(true);
    }
  });

  it('has per-process panels for processors and listener processes', () => {
    for (const [title, metric] of [
      [/^Bronze partitions owned per processor/, 'ingest_bronze_partitions_owned'],
      [/^Bronze consumed per processor/, 'ingest_bronze_records_consumed_total'],
      [/^Bronze lag/, 'ingest_bronze_consumer_lag_records'],
      [/^Commit age/, 'ingest_bronze_last_commit_timestamp_seconds'],
      [/^Influencers owned per listener process/, 'ingest_influencers_owned'],
      [/^Live listeners per listener process/, 'ingest_listeners'],
      [/^Bronze published per listener process/, 'ingest_bronze_records_published_total'],
    ] as const) {
      const exprs = exprsOf(title);
      expect(
        exprs.some((e) => e.includes(metric) && /by \(instance/.test(e)),
        String(title),
      ).toBe(true);
    }
  });

  it('every panel filters on the instance variable, and the variable lists processors too', () => {
    for (const p of panels)
      for (const t of p.targets ?? []) expect(t.expr, p.title).toContain('instance=~"$instance"');
    // Coverage is only exported where listeners run; sink queues exist in every role.
    const definitions = dashboardExprs(dashboard).filter((e) => e.startsWith('label_values('));
    expect(definitions).toEqual(['label_values(ingest_sink_queue_depth, instance)']);
  });
});

describe('the Prometheus alert rules', () => {
  const { errors, rules } = validateAlertRules(alerts);

  it('parse, and every rule has alert, expr, for, severity and summary', () => {
    expect(errors).toEqual([]);
    expect(rules.length).toBeGreaterThanOrEqual(7);
  });

  it('catch a broken rule file', () => {
    expect(validateAlertRules({}).errors).toEqual(['groups[] missing']);
    const bad = {
      groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'up', for: 'soon', labels: {}, annotations: {} }] }],
    };
    expect(validateAlertRules(bad).errors).toEqual([
      'group g rules[0]: for missing or not a duration',
      'group g rules[0]: labels.severity missing or not critical|warning|info',
      'group g rules[0]: annotations.summary missing',
    ]);
  });

  it('only use metrics the service exports', async () => {
    const known = await exportedNames();
    const used = rules.flatMap((r) => promqlMetricNames(r.expr, PREFIXES));
    expect(used.filter((n) => !known.has(n))).toEqual([]);
    expect(used.filter((n) => (ALL_METRIC_NAMES as readonly string[]).includes(n)).length).toBeGreaterThan(5);
  });

  it('include the alerts the issue asks for', () => {
    const names = rules.map((r) => r.alert);
    for (const a of [
      'IngestInfluencerSingleListener',
      'IngestInfluencerDark',
      'IngestSpoolGrowing',
      'IngestDeadLettersGrowing',
      'IngestBudgetExhausted',
      'IngestNoSignalsWhileMarketsTrade',
      'IngestReconnectStorm',
    ]) {
      expect(names).toContain(a);
    }
    const single = rules.find((r) => r.alert === 'IngestInfluencerSingleListener');
    expect(single?.for).toBe('5m');
    expect(rules.find((r) => r.alert === 'IngestBudgetExhausted')?.expr).toContain('>= 0.9');
  });
});
