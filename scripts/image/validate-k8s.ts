// Validates deploy/k8s (and its distributed/ kustomization) offline, for `npm run test:image`: every manifest document against the
// Kubernetes JSON schema of its kind (kubernetes-models bundles the schemas generated from the
// API's OpenAPI spec; @kubernetes-models/prometheus-operator the ServiceMonitor CRD), the
// kustomization's resources exist, and each Deployment's / StatefulSet's ingest.yaml (the ConfigMap it mounts) plus its literal
// INGEST_* environment load through the service's own config loader, as the pod would at start.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ConfigMap, PersistentVolumeClaim, Secret, Service } from 'kubernetes-models/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { loadConfig } from '../../src/config/index.js';

const DIR = new URL('../../deploy/k8s/', import.meta.url).pathname;

interface Validatable {
  validate(): void;
}
type Model = new (data: never) => Validatable;
const MODELS: Record<string, Model> = {
  'v1/ConfigMap': ConfigMap as unknown as Model,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim as unknown as Model,
  'v1/Secret': Secret as unknown as Model,
  'v1/Service': Service as unknown as Model,
  'apps/v1/Deployment': Deployment as unknown as Model,
  'apps/v1/StatefulSet': StatefulSet as unknown as Model,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget as unknown as Model,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy as unknown as Model,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor as unknown as Model,
};

interface Doc {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string };
  [k: string]: unknown;
}

const problems: string[] = [];
const docs: { file: string; dir: string; doc: Doc }[] = [];
// deploy/k8s itself and each kustomization below it (distributed/: the three roles).
const dirs = [
  DIR,
  ...readdirSync(DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => join(DIR, e.name)),
];
for (const dir of dirs) {
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    const file = join(dir, name).slice(DIR.length);
    for (const parsed of parseAllDocuments(readFileSync(join(dir, name), 'utf8'))) {
      if (parsed.errors.length > 0) problems.push(`${file}: ${parsed.errors[0]?.message}`);
      const doc = parsed.toJS() as Doc | null;
      if (doc !== null) docs.push({ file, dir, doc });
    }
  }
}

let checked = 0;
for (const { file, dir, doc } of docs) {
  const key = `${doc.apiVersion}/${doc.kind}`;
  const where = `${file} ${key} ${doc.metadata?.name ?? '(no name)'}`;
  if (key === 'kustomize.config.k8s.io/v1beta1/Kustomization') {
    for (const r of (doc['resources'] as string[] | undefined) ?? []) {
      if (!existsSync(join(dir, r))) problems.push(`${where}: resource ${r} does not exist`);
    }
    continue;
  }
  const model = MODELS[key];
  if (model === undefined) {
    problems.push(`${where}: no schema known for ${key}; add it to MODELS in this script`);
    continue;
  }
  try {
    new model(doc as never).validate();
    checked++;
  } catch (err) {
    problems.push(`${where}: ${(err as Error).message}`);
  }
}

// The pod's config: the ingest.yaml of the ConfigMap it mounts (from its own directory) plus the
// container's literal environment (role and listener group included).
for (const { file, dir, doc } of docs.filter(
  (d) => d.doc.kind === 'Deployment' || d.doc.kind === 'StatefulSet',
)) {
  const spec = doc['spec'] as {
    template: {
      spec: {
        containers: { env?: { name: string; value?: string }[] }[];
        volumes?: { configMap?: { name: string } }[];
      };
    };
  };
  const cmName = spec.template.spec.volumes?.find((v) => v.configMap)?.configMap?.name;
  const configMap = docs.find(
    (d) => d.dir === dir && d.doc.kind === 'ConfigMap' && d.doc.metadata?.name === cmName,
  )?.doc;
  if (configMap === undefined) {
    problems.push(
      `${file} ${doc.metadata?.name}: mounts ConfigMap ${cmName}, not in its kustomization's directory`,
    );
    continue;
  }
  const ingestYaml = (configMap['data'] as Record<string, string> | undefined)?.['ingest.yaml'];
  const env: Record<string, string> = {};
  for (const e of spec.template.spec.containers[0]?.env ?? []) {
    if (e.name.startsWith('INGEST_') && e.value !== undefined) env[e.name] = e.value;
  }
  try {
    loadConfig({
      env,
      // The config path reads the ConfigMap; *_FILE secrets read a placeholder.
      readFile: (p) => (p === env['INGEST_CONFIG'] ? (ingestYaml ?? '') : 'placeholder-secret'),
    });
    checked++;
  } catch (err) {
    problems.push(`${file} ${doc.metadata?.name}: its config does not load: ${(err as Error).message}`);
  }
}

if (problems.length > 0) {
  console.error(`deploy/k8s: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`deploy/k8s: ${checked} checks passed (manifest schemas, kustomization, pod config)`);
