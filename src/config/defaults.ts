/**
 * The schema's defaults, parsed once. A component built without a config (a test, a bench, a
 * library user) falls back to these, so each default still lives in one place: the schema.
 * The composition root always passes the loaded config's values.
 */
import { deepFreeze, parseServiceConfig } from './loader.js';
import type { ServiceConfig } from './schema.js';

export const CONFIG_DEFAULTS: ServiceConfig = deepFreeze(parseServiceConfig({}));
