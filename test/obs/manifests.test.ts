/**
 * Checks on deploy/k8s and deploy/docker-compose.yml that a typo would otherwise only reveal
 * in a cluster: probes on the right paths and port, non-root, a grace period that covers the
 * flush, and configuration that the real config loader accepts (file + environment). For the
 * three roles of distributed mode (deploy/k8s/distributed), also the invariants that keep an
 * influencer covered: A and B anti-affine and on disjoint node pools, one PDB over both groups.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { ENV_VARS, loadConfig } from '../../src/config/index.js';

const root = new URL('../../', import.meta.url);
const read = (p: string): string => readFileSync(new URL(p, root), 'utf8');

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- free-form manifests

function docs(p: string): Obj[] {
  return parseAllDocuments(read(p)).map((d) => {
    expect(d.errors, p).toEqual([]);
    return d.toJS() as Obj;
  });
}

describe('deploy/k8s', () => {
  const all = readdirSync(new URL('deploy/k8s/', root))
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => docs(`deploy/k8s/${f}`));
  const deployments = all.filter((d) => d['kind'] === 'Deployment');

  it('has Deployment, Service, ServiceMonitor, PodDisruptionBudget, ConfigMap and Secret', () => {
    const kinds = new Set(all.map((d) => d['kind']));
    for (const k of [
      'Deployment',
      'Service',
      'ServiceMonitor',
      'PodDisruptionBudget',
      'ConfigMap',
      'Secret',
    ]) {
      expect(kinds.has(k), k).toBe(true);
    }
  });

  it('runs one replica per egress instance, non-root, with probes on /health and /ready', () => {
    expect(deployments.length).toBeGreaterThanOrEqual(1);
    for (const d of deployments) {
      const spec = d['spec'];
      expect(spec.replicas).toBe(1);
      expect(spec.strategy.type).toBe('Recreate');
      const pod = spec.template.spec;
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(60);
      const c = pod.containers[0];
      expect(c.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
      });
      expect(c.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http-metrics' });
      expect(c.startupProbe.httpGet).toEqual({ path: '/health', port: 'http-metrics' });
      expect(c.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http-metrics' });
      expect(c.ports).toEqual([{ name: 'http-metrics', containerPort: 9464, protocol: 'TCP' }]);
      expect(c.lifecycle.preStop.exec.command).toEqual(['sleep', '5']);
      expect(c.resources.requests.memory).toBeDefined();
      expect(c.resources.limits.memory).toBeDefined();
      const known = new Set(
        ENV_VARS.flatMap((v) => [v.name, `${v.name}_FILE`]).concat(['INGEST_CONFIG', 'NODE_OPTIONS']),
      );
      for (const e of c.env as { name: string }[]) expect(known.has(e.name), e.name).toBe(true);
      const claim = (pod.volumes as Obj[]).find((v) => v['name'] === 'spool');
      expect(claim?.['persistentVolumeClaim']).toBeDefined();
    }
  });

  it('the ConfigMap holds a configuration the service accepts, with no secrets in it', () => {
    const cm = all.find((d) => d['kind'] === 'ConfigMap') as Obj;
    const text = cm['data']['ingest.yaml'] as string;
    expect(text).not.toMatch(/password:/);
    const loaded = loadConfig({
      path: '/etc/ingest/config/ingest.yaml',
      env: { INGEST_KAFKA_SASL_PASSWORD: 'x', INGEST_CLICKHOUSE_PASSWORD: 'y', INGEST_REDIS_PASSWORD: 'z' },
      readFile: () => text,
    });
    expect(loaded.config.http.port).toBe(9464);
    expect(loaded.config.tracing.exporter).toBe('none');
  });

  it('a NetworkPolicy admits only the ops port, for the pods the Deployments create', () => {
    const podLabels = deployments[0]?.['spec'].template.metadata.labels as Record<string, string>;
    const np = all.find((d) => d['kind'] === 'NetworkPolicy') as Obj;
    expect(np, 'deploy/k8s/networkpolicy.yaml').toBeDefined();
    for (const [k, v] of Object.entries(np['spec'].podSelector.matchLabels as Record<string, string>)) {
      expect(podLabels[k]).toBe(v);
    }
    expect(np['spec'].policyTypes).toContain('Ingress');
    const ports = (np['spec'].ingress as Obj[]).flatMap((r) => r['ports'] as Obj[]);
    expect(ports).toEqual([{ port: 'http-metrics', protocol: 'TCP' }]);
    const kustomization = parseYaml(read('deploy/k8s/kustomization.yaml')) as Obj;
    expect(kustomization['resources']).toContain('networkpolicy.yaml');
  });

  it('binds the ops port for probes and protects status data with a token from a file', () => {
    for (const d of deployments) {
      const env = d['spec'].template.spec.containers[0].env as { name: string; value?: string }[];
      expect(env.find((e) => e.name === 'INGEST_HTTP_HOST')?.value).toBe('0.0.0.0');
      expect(env.find((e) => e.name === 'INGEST_HTTP_TOKEN_FILE')?.value).toMatch(
        /^\/etc\/ingest\/secrets\//,
      );
    }
    const secret = all.find(
      (d) => d['kind'] === 'Secret' && d['metadata'].name === 'hl-ingest-secrets',
    ) as Obj;
    expect(secret['stringData']['http-token']).toBeDefined();
  });

  it('Service, ServiceMonitor and PDB select the pods the Deployments create', () => {
    const podLabels = deployments[0]?.['spec'].template.metadata.labels as Record<string, string>;
    const svc = all.find((d) => d['kind'] === 'Service') as Obj;
    const sm = all.find((d) => d['kind'] === 'ServiceMonitor') as Obj;
    const pdb = all.find((d) => d['kind'] === 'PodDisruptionBudget') as Obj;
    for (const [k, v] of Object.entries(svc['spec'].selector as Record<string, string>))
      expect(podLabels[k]).toBe(v);
    for (const [k, v] of Object.entries(pdb['spec'].selector.matchLabels as Record<string, string>)) {
      expect(podLabels[k]).toBe(v);
    }
    for (const [k, v] of Object.entries(sm['spec'].selector.matchLabels as Record<string, string>)) {
      expect(svc['metadata'].labels[k]).toBe(v);
    }
    expect(sm['spec'].endpoints[0]).toMatchObject({ port: 'http-metrics', path: '/metrics' });
    expect(svc['spec'].ports[0].name).toBe('http-metrics');
  });
});

/** True when a matchLabels selector selects a pod with these labels. */
function selects(selector: Obj | undefined, labels: Record<string, string>): boolean {
  const match = (selector?.['matchLabels'] ?? {}) as Record<string, string>;
  expect(selector?.['matchExpressions'], 'only matchLabels selectors are checked here').toBeUndefined();
  return Object.keys(match).length > 0 && Object.entries(match).every(([k, v]) => labels[k] === v);
}

describe('deploy/k8s/distributed (the three roles)', () => {
  const dir = 'deploy/k8s/distributed/';
  const files = readdirSync(new URL(dir, root)).filter((f) => f.endsWith('.yaml'));
  const all = files.filter((f) => f !== 'kustomization.yaml').flatMap((f) => docs(`${dir}${f}`));
  const sets = new Map(
    all.filter((d) => d['kind'] === 'StatefulSet').map((d) => [d['metadata'].name as string, d] as const),
  );
  const podLabels = (name: string): Record<string, string> =>
    sets.get(name)?.['spec'].template.metadata.labels;
  const envOf = (name: string): Record<string, string> =>
    Object.fromEntries(
      (sets.get(name)?.['spec'].template.spec.containers[0].env as { name: string; value?: string }[])
        .filter((e) => e.value !== undefined)
        .map((e) => [e.name, e.value as string]),
    );
  const pdbs = all.filter((d) => d['kind'] === 'PodDisruptionBudget');
  const A = 'ingest-listeners-a';
  const B = 'ingest-listeners-b';
  const P = 'ingest-processor';

  it('has the three roles, each with its INGEST_ROLE / INGEST_LISTENER_GROUP, and a kustomization of every file', () => {
    expect([...sets.keys()].sort()).toEqual([A, B, P]);
    expect(envOf(A)).toMatchObject({ INGEST_ROLE: 'listeners', INGEST_LISTENER_GROUP: 'A' });
    expect(envOf(B)).toMatchObject({ INGEST_ROLE: 'listeners', INGEST_LISTENER_GROUP: 'B' });
    expect(envOf(P)['INGEST_ROLE']).toBe('processor');
    expect(envOf(P)['INGEST_LISTENER_GROUP']).toBeUndefined();
    const kustomization = parseYaml(read(`${dir}kustomization.yaml`)) as Obj;
    expect([...(kustomization['resources'] as string[])].sort()).toEqual(
      files.filter((f) => f !== 'kustomization.yaml').sort(),
    );
  });

  it('each role: non-root, probes on the ops port, resources, its own spool PVC, a config the service loads', () => {
    const known = new Set(
      // POD_IP: the downward-API value INGEST_ADVERTISE_URL is built from.
      ENV_VARS.flatMap((v) => [v.name, `${v.name}_FILE`]).concat(['INGEST_CONFIG', 'NODE_OPTIONS', 'POD_IP']),
    );
    const cm = all.find((d) => d['kind'] === 'ConfigMap') as Obj;
    for (const [name, set] of sets) {
      const pod = set['spec'].template.spec;
      expect(pod.securityContext.runAsNonRoot, name).toBe(true);
      expect(pod.terminationGracePeriodSeconds, name).toBeGreaterThanOrEqual(60);
      const c = pod.containers[0];
      expect(c.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http-metrics' });
      expect(c.startupProbe.httpGet).toEqual({ path: '/health', port: 'http-metrics' });
      expect(c.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http-metrics' });
      expect(c.ports).toEqual([{ name: 'http-metrics', containerPort: 9464, protocol: 'TCP' }]);
      expect(c.resources.requests.cpu, name).toBeDefined();
      expect(c.resources.requests.memory, name).toBeDefined();
      expect(c.resources.limits.memory, name).toBeDefined();
      for (const e of c.env as { name: string }[]) expect(known.has(e.name), `${name} ${e.name}`).toBe(true);
      // Each member advertises a URL other pods reach (`ingest cluster status`); Kubernetes only
      // expands $(POD_IP) when POD_IP is defined earlier in the list.
      const envNames = (c.env as { name: string }[]).map((e) => e.name);
      const advert = (c.env as { name: string; value?: string }[]).find(
        (e) => e.name === 'INGEST_ADVERTISE_URL',
      );
      expect(advert?.value, name).toBe('http://$(POD_IP):9464');
      expect(envNames.indexOf('POD_IP'), name).toBeGreaterThan(-1);
      expect(envNames.indexOf('POD_IP'), name).toBeLessThan(envNames.indexOf('INGEST_ADVERTISE_URL'));
      // The spool is locked per process and holds what is not yet acknowledged: one PVC per pod.
      expect(set['spec'].volumeClaimTemplates.map((v: Obj) => v['metadata'].name)).toEqual(['spool']);
      expect(c.volumeMounts.find((m: Obj) => m['name'] === 'spool').mountPath).toBe('/var/lib/ingest');
      expect(pod.volumes.find((v: Obj) => v['configMap'])?.configMap.name).toBe(cm['metadata'].name);
      const env = envOf(name);
      const loaded = loadConfig({
        env: { ...env, INGEST_REDIS_PASSWORD: 'z' }, // the one secret given as secretKeyRef
        // The config path reads the ConfigMap; the *_FILE secrets a placeholder.
        readFile: (f) =>
          f === env['INGEST_CONFIG'] ? (cm['data']['ingest.yaml'] as string) : 'placeholder-secret',
      });
      expect(loaded.config.distributed.role).toBe(env['INGEST_ROLE']);
      expect(loaded.config.distributed.handoff).toBe('kafka');
      expect(loaded.config.http.port).toBe(9464);
    }
  });

  it('group A and group B are anti-affine (never one node) and on disjoint node pools', () => {
    for (const [self, other] of [
      [A, B],
      [B, A],
    ] as const) {
      const affinity = sets.get(self)?.['spec'].template.spec.affinity;
      const required = affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution as Obj[];
      expect(
        required.some(
          (t) =>
            t['topologyKey'] === 'kubernetes.io/hostname' && selects(t['labelSelector'], podLabels(other)),
        ),
        `${self} must not schedule onto a node running ${other}`,
      ).toBe(true);
      // Not onto a node running itself either: pods on one node share its egress IP.
      expect(
        required.some(
          (t) =>
            t['topologyKey'] === 'kubernetes.io/hostname' && selects(t['labelSelector'], podLabels(self)),
        ),
      ).toBe(true);
    }
    const pool = (name: string): string[] =>
      sets
        .get(name)
        ?.[
          'spec'
        ].template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms.flatMap(
          (t: Obj) =>
            (t['matchExpressions'] as Obj[])
              .filter((e) => e['operator'] === 'In')
              .flatMap((e) => e['values']),
        );
    expect(pool(A).length).toBeGreaterThan(0);
    expect(pool(A).filter((v) => pool(B).includes(v))).toEqual([]);
  });

  it('one PDB selects the listener pods of both groups with maxUnavailable 1; the processors have theirs', () => {
    const listenerPdbs = pdbs.filter(
      (p) => selects(p['spec'].selector, podLabels(A)) || selects(p['spec'].selector, podLabels(B)),
    );
    // Exactly one budget governs listener pods, and it spans both groups: per-group PDBs would
    // each allow one pod down, i.e. A and B down together.
    expect(listenerPdbs.length).toBe(1);
    const [listeners] = listenerPdbs as [Obj];
    expect(selects(listeners['spec'].selector, podLabels(A))).toBe(true);
    expect(selects(listeners['spec'].selector, podLabels(B))).toBe(true);
    expect(selects(listeners['spec'].selector, podLabels(P))).toBe(false);
    expect(listeners['spec'].maxUnavailable).toBe(1);
    expect(listeners['spec'].minAvailable).toBeUndefined();
    const processor = pdbs.filter((p) => selects(p['spec'].selector, podLabels(P)));
    expect(processor.length).toBe(1);
    expect(processor[0]?.['spec'].maxUnavailable).toBe(1);
  });

  it('rollouts take one pod at a time: listeners through the PDB (OnDelete + evicting script), processors rolling', () => {
    for (const name of [A, B]) expect(sets.get(name)?.['spec'].updateStrategy.type, name).toBe('OnDelete');
    const script = `${dir}rollout-listeners.sh`;
    expect(existsSync(new URL(script, root))).toBe(true);
    const text = read(script);
    // Evicts (the PDB is consulted), never deletes (which would bypass it); waits for Ready.
    expect(text).toContain('/eviction');
    expect(text).not.toMatch(/kubectl[^\n]*\bdelete\b/);
    expect(text).toMatch(/wait --for=condition=Ready/);
    expect(text).toContain(A);
    expect(text).toContain(B);
    execFileSync('bash', ['-n', new URL(script, root).pathname]);
    // StatefulSets never surge; RollingUpdate replaces one pod at a time, each after the previous is Ready.
    expect(sets.get(P)?.['spec'].updateStrategy.type).toBe('RollingUpdate');
    expect(sets.get(P)?.['spec'].updateStrategy.rollingUpdate?.maxUnavailable).toBeUndefined();
  });

  it('the Service selects every role, the ServiceMonitor the Service, job stays hl-influencer-ingest', () => {
    const svc = all.find((d) => d['kind'] === 'Service') as Obj;
    const sm = all.find((d) => d['kind'] === 'ServiceMonitor') as Obj;
    for (const name of [A, B, P])
      expect(selects({ matchLabels: svc['spec'].selector }, podLabels(name))).toBe(true);
    expect(selects(sm['spec'].selector, svc['metadata'].labels)).toBe(true);
    expect(svc['metadata'].labels[sm['spec'].jobLabel]).toBe('hl-influencer-ingest');
    for (const name of [A, B, P]) expect(sets.get(name)?.['spec'].serviceName).toBe(svc['metadata'].name);
  });
});

describe('deploy/docker-compose.yml', () => {
  const compose = parseYaml(read('deploy/docker-compose.yml')) as Obj;

  it('wires the service to Redis, Kafka and ClickHouse through known INGEST_* variables', () => {
    const ingest = compose['services'].ingest as Obj;
    expect(Object.keys(compose['services'] as Obj)).toEqual(
      expect.arrayContaining(['ingest', 'redis', 'kafka', 'clickhouse']),
    );
    expect(compose['services'].kafka.image).toMatch(/^apache\/kafka:/);
    const env = ingest['environment'] as Record<string, string>;
    expect(env['INGEST_REDIS_URL']).toBe('redis://redis:6379');
    expect(env['INGEST_KAFKA_BROKERS']).toBe('kafka:9092');
    expect(env['INGEST_CLICKHOUSE_URL']).toBe('http://clickhouse:8123');
    const known = new Set(ENV_VARS.map((v) => v.name).concat(['INGEST_CONFIG']));
    for (const name of Object.keys(env)) expect(known.has(name), name).toBe(true);
  });

  it('its environment and config file load with the real config loader', () => {
    const env = compose['services'].ingest.environment as Record<string, string>;
    const resolved = Object.fromEntries(
      Object.entries(env).map(([k, v]) => [k, String(v).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1')]),
    );
    const loaded = loadConfig({
      env: resolved,
      readFile: (p) => {
        expect(p).toBe('/etc/ingest/ingest.yaml');
        return read('deploy/compose/ingest.yaml');
      },
    });
    expect(loaded.config.sinks.kafka.brokers).toEqual(['kafka:9092']);
    expect(loaded.config.sinks.kafka.replicationFactor).toBe(1);
  });
});

describe('Dockerfile', () => {
  const text = read('Dockerfile');
  it('is multi-stage, non-root, production deps only, with a fetch-based HEALTHCHECK', () => {
    expect(text.match(/^FROM /gm)?.length).toBe(2);
    expect(text).toMatch(/ARG NODE_IMAGE=node:20-bookworm-slim/);
    expect(text).toMatch(/npm ci --omit=dev/);
    expect(text).toMatch(/^USER node$/m);
    expect(text).toMatch(/^EXPOSE 9464$/m);
    expect(text).toMatch(/^HEALTHCHECK .*\n\s+CMD \["node", "-e", "fetch\(.*\/health/m);
    expect(text).toContain('CMD ["node", "dist/src/cli/main.js", "run"]');
  });

  it('the runtime stage has what src imports: every package src/ names is a production dependency', () => {
    // The image installs `dependencies` only (npm ci --omit=dev); an import of a devDependency
    // would pass every test here and crash the container at start.
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    const sources = (readdirSync(new URL('src/', root), { recursive: true }) as string[])
      .filter((f) => f.endsWith('.ts'))
      .map((f) => `src/${f}`);
    expect(sources.length).toBeGreaterThan(50);
    const imported = new Map<string, string>();
    // Static imports/re-exports (possibly multi-line), side-effect imports, dynamic import().
    const specifier =
      /^\s*(?:import|export)\b[^;]*?\bfrom\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;
    for (const file of sources) {
      for (const m of read(file).matchAll(specifier)) {
        const spec = (m[1] ?? m[2] ?? m[3]) as string;
        if (spec.startsWith('.') || spec.startsWith('node:')) continue;
        const name = spec.startsWith('@')
          ? spec.split('/').slice(0, 2).join('/')
          : (spec.split('/')[0] as string);
        if (!builtinModules.includes(name)) imported.set(name, file);
      }
    }
    expect(imported.size).toBeGreaterThan(5);
    for (const [name, file] of imported) {
      expect(pkg.dependencies[name], `${file} imports ${name}, which is not in dependencies`).toBeDefined();
    }
  });
});
