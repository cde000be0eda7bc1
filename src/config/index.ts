/**
 * Service configuration: the one schema (ServiceConfig), the loader (file + environment,
 * strict, frozen), the environment table, secret masking and the generated documentation.
 * The environment is read only through loadConfig's `env` parameter.
 */
export { ServiceConfig, ServiceConfigInput } from './schema.js';
export type { DeepReadonly } from './schema.js';
export {
  NETWORK_URLS,
  EgressPool,
  HyperliquidConfig,
  HyperliquidLimits,
  SourceConfig,
  InfluencersConfig,
  ListenersConfig,
  FaninConfig,
  PositionsConfig,
} from './schema-ingest.js';
export {
  KafkaConfig,
  ClickhouseConfig,
  LocalSinkConfig,
  SpoolConfig,
  SinksConfig,
  RedisConfig,
  HttpConfig,
  LogConfig,
  TracingConfig,
  MetricsConfig,
} from './schema-infra.js';
export { PipelineConfig } from './schema-pipeline.js';
export {
  DistributedConfig,
  DistributedKafkaConfig,
  PROCESS_ROLES,
  LISTENER_GROUPS,
  HANDOFF_KINDS,
} from './schema-distributed.js';
export { loadConfig, parseServiceConfig, deepFreeze, formatConfigIssues } from './loader.js';
export type { LoadConfigOptions, LoadedConfig } from './loader.js';
export { ENV_VARS, CONFIG_PATH_ENV, systemEnv } from './env.js';
export type { Env, EnvVar, EnvKind } from './env.js';
export { maskSecrets, SECRET_PATHS, MASK } from './secrets.js';
export { renderConfigReference, renderDefaultYaml } from './docs.js';
export { CONFIG_DEFAULTS } from './defaults.js';
