/**
 * Structural checks for the deploy/ artifacts: the Grafana dashboard (what Grafana's import
 * needs, plus a sane layout) and loose PromQL name extraction, so the dashboard and alert tests
 * can tell "uses a metric we do not export" from "fine". Kept as plain functions so their own
 * tests can feed them broken input.
 */

export interface GridPos {
  readonly h: number;
  readonly w: number;
  readonly x: number;
  readonly y: number;
}

const GRID_WIDTH = 24;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isGridPos(v: unknown): v is GridPos {
  return (
    isObject(v) &&
    ['h', 'w', 'x', 'y'].every((k) => Number.isInteger(v[k]) && (v[k] as number) >= 0) &&
    (v['h'] as number) > 0 &&
    (v['w'] as number) > 0
  );
}

function overlaps(a: GridPos, b: GridPos): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** Every problem found (empty when the dashboard is importable and laid out without overlaps). */
export function validateDashboard(dashboard: unknown): string[] {
  const errors: string[] = [];
  if (!isObject(dashboard)) return ['dashboard is not a JSON object'];
  if (typeof dashboard['title'] !== 'string' || dashboard['title'] === '') errors.push('title missing');
  if (!Number.isInteger(dashboard['schemaVersion'])) errors.push('schemaVersion missing or not an integer');
  const panels = dashboard['panels'];
  if (!Array.isArray(panels) || panels.length === 0) return [...errors, 'panels[] missing or empty'];
  const ids = new Set<unknown>();
  const placed: { id: unknown; pos: GridPos }[] = [];
  panels.forEach((p: unknown, i) => {
    const where = `panels[${i}]`;
    if (!isObject(p)) return errors.push(`${where} is not an object`);
    const name = `${where} (${String(p['title'])})`;
    if (!Number.isInteger(p['id'])) errors.push(`${name}: id missing`);
    else if (ids.has(p['id'])) errors.push(`${name}: duplicate id ${String(p['id'])}`);
    ids.add(p['id']);
    if (typeof p['type'] !== 'string' || p['type'] === '') errors.push(`${name}: type missing`);
    if (typeof p['title'] !== 'string' || p['title'] === '') errors.push(`${where}: title missing`);
    if (!isGridPos(p['gridPos'])) errors.push(`${name}: gridPos {h,w,x,y} missing or invalid`);
    else {
      const pos = p['gridPos'];
      if (pos.x + pos.w > GRID_WIDTH) errors.push(`${name}: gridPos wider than ${GRID_WIDTH} columns`);
      for (const other of placed) {
        if (overlaps(pos, other.pos)) errors.push(`${name}: overlaps panel ${String(other.id)}`);
      }
      placed.push({ id: p['id'], pos });
    }
    if (p['type'] === 'row') return;
    if (!isObject(p['datasource'])) errors.push(`${name}: datasource missing`);
    const targets = p['targets'];
    if (!Array.isArray(targets) || targets.length === 0) return errors.push(`${name}: targets[] missing`);
    const refIds = new Set<unknown>();
    targets.forEach((t: unknown, j) => {
      if (!isObject(t)) return errors.push(`${name}: targets[${j}] is not an object`);
      if (typeof t['refId'] !== 'string' || t['refId'] === '')
        errors.push(`${name}: targets[${j}].refId missing`);
      else if (refIds.has(t['refId'])) errors.push(`${name}: duplicate refId ${t['refId']}`);
      refIds.add(t['refId']);
      if (typeof t['expr'] !== 'string' || t['expr'].trim() === '')
        errors.push(`${name}: targets[${j}].expr missing`);
    });
  });
  return errors;
}

/** Every PromQL expression in the dashboard (panel targets and query variables). */
export function dashboardExprs(dashboard: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const p of (dashboard['panels'] as Record<string, unknown>[] | undefined) ?? []) {
    for (const t of (p['targets'] as Record<string, unknown>[] | undefined) ?? []) {
      if (typeof t['expr'] === 'string') out.push(t['expr']);
    }
  }
  const templating = dashboard['templating'] as { list?: Record<string, unknown>[] } | undefined;
  for (const v of templating?.list ?? []) {
    if (typeof v['definition'] === 'string') out.push(v['definition']);
  }
  return out;
}

const HISTOGRAM_SUFFIXES = /_(bucket|sum|count)$/;

/**
 * Metric names a PromQL expression refers to, with the given prefixes. Loose on purpose:
 * label values inside quotes are removed first, so `{sink="ingest_x"}` is not a metric.
 * Histogram series suffixes are stripped back to the family name.
 */
export function promqlMetricNames(expr: string, prefixes: readonly string[] = ['ingest_']): string[] {
  const unquoted = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const names = new Set<string>();
  for (const m of unquoted.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const id = m[0];
    if (prefixes.some((p) => id.startsWith(p))) names.add(id.replace(HISTOGRAM_SUFFIXES, ''));
  }
  return [...names];
}

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: { readonly severity: string };
  readonly annotations: { readonly summary: string; readonly description?: string };
}

/** Problems in a Prometheus rule file's parsed YAML; also returns the alert rules found. */
export function validateAlertRules(doc: unknown): { errors: string[]; rules: AlertRule[] } {
  const errors: string[] = [];
  const rules: AlertRule[] = [];
  if (!isObject(doc) || !Array.isArray(doc['groups']) || doc['groups'].length === 0) {
    return { errors: ['groups[] missing'], rules };
  }
  doc['groups'].forEach((g: unknown, i) => {
    if (!isObject(g) || typeof g['name'] !== 'string') return errors.push(`groups[${i}]: name missing`);
    if (!Array.isArray(g['rules']) || g['rules'].length === 0)
      return errors.push(`group ${g['name']}: rules[] missing`);
    g['rules'].forEach((r: unknown, j) => {
      const where = `group ${String(g['name'])} rules[${j}]`;
      if (!isObject(r)) return errors.push(`${where}: not an object`);
      if (typeof r['alert'] !== 'string' || r['alert'] === '') errors.push(`${where}: alert missing`);
      if (typeof r['expr'] !== 'string' || r['expr'].trim() === '') errors.push(`${where}: expr missing`);
      if (typeof r['for'] !== 'string' || !/^\d+[smhd]$/.test(r['for']))
        errors.push(`${where}: for missing or not a duration`);
      const labels = r['labels'];
      if (!isObject(labels) || !['critical', 'warning', 'info'].includes(String(labels['severity']))) {
        errors.push(`${where}: labels.severity missing or not critical|warning|info`);
      }
      const ann = r['annotations'];
      if (!isObject(ann) || typeof ann['summary'] !== 'string' || ann['summary'] === '') {
        errors.push(`${where}: annotations.summary missing`);
      }
      rules.push(r as unknown as AlertRule);
    });
  });
  return { errors, rules };
}
