/**
 * Configuration: `config/default.json` ← a file (`--config` / CIBA_OP_CONFIG) ← a few env vars
 * ← programmatic overrides (tests), then checked against `config/schema.json` and a handful of
 * cross-field rules. Every violation becomes one line naming the property and the rule, and
 * start-up stops.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { fromRoot } from '../paths.js';
import type { Config } from './types.js';
import { fapiConfigProblems } from '../oauth/fapi.js';

function configPath(file: string): string {
  return fromRoot('config', file);
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Json = Record<string, unknown>;

function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Objects merge member by member; arrays and scalars replace. */
export function deepMerge(base: Json, override: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

function readJson(path: string, what: string): Json {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`${what} ${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (!isPlainObject(parsed)) throw new Error('not a JSON object');
    return parsed;
  } catch (err) {
    throw new ConfigError([`${what} ${path}: is not valid JSON (${(err as Error).message})`]);
  }
}

/** The few settings operators most often set per environment. */
function fromEnv(env: NodeJS.ProcessEnv): Json {
  const out: Json = {};
  const store: Json = {};
  const keys: Json = {};
  if (env.PORT !== undefined) out.port = /^\d+$/.test(env.PORT) ? Number(env.PORT) : env.PORT;
  if (env.HOST) out.host = env.HOST;
  if (env.ISSUER) out.issuer = env.ISSUER;
  if (env.LOG_LEVEL) out.logLevel = env.LOG_LEVEL;
  if (env.CIBA_OP_ADMIN_TOKEN) out.adminToken = env.CIBA_OP_ADMIN_TOKEN;
  if (env.CIBA_OP_METRICS_TOKEN) out.metrics = { token: env.CIBA_OP_METRICS_TOKEN };
  if (env.CIBA_OP_DATA_DIR) store.dataDir = env.CIBA_OP_DATA_DIR;
  if (env.MONGODB_URI) Object.assign(store, { type: 'mongo', mongodbUri: env.MONGODB_URI });
  if (env.CIBA_OP_KEY_ENCRYPTION_KEY) keys.encryptionKey = env.CIBA_OP_KEY_ENCRYPTION_KEY;
  if (Object.keys(store).length) out.store = store;
  if (Object.keys(keys).length) out.keys = keys;
  return out;
}

const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
(addFormatsModule as unknown as (a: Ajv) => void)(ajv);
ajv.addKeyword({
  keyword: 'regexp',
  type: 'string',
  schemaType: 'boolean',
  errors: true,
  validate: function regexp(this: unknown, _schema: boolean, data: string) {
    try {
      new RegExp(data, 'u');
      return true;
    } catch {
      (regexp as unknown as { errors: Partial<ErrorObject>[] }).errors = [
        { keyword: 'regexp', message: 'must be a valid regular expression (Unicode mode)', params: {} },
      ];
      return false;
    }
  },
});
const validateSchema = ajv.compile(readJson(configPath('schema.json'), 'schema'));

function describe(error: ErrorObject): string {
  const where = error.instancePath ? error.instancePath.slice(1).replace(/\//g, '.') : '(root)';
  if (error.keyword === 'additionalProperties') {
    return `${where === '(root)' ? '' : `${where}.`}${String(error.params.additionalProperty)}: is not a known property`;
  }
  if (error.keyword === 'enum') {
    return `${where}: must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return `${where}: ${error.message ?? 'is invalid'}`;
}

/** Rules the schema cannot express. */
function crossFieldProblems(config: Config): string[] {
  const problems: string[] = [];
  if (!config.devMode && !config.issuer.startsWith('https://')) {
    problems.push('issuer: must be an https URL unless devMode is true');
  }
  const notification = config.backchannelClientNotification;
  if (notification.leaseSec * 1000 <= notification.timeoutMs) {
    problems.push('backchannelClientNotification.leaseSec: must exceed timeoutMs, or a slow attempt would lose its lease mid-flight');
  }
  if (notification.retryMaxDelayMs < notification.retryInitialDelayMs) {
    problems.push('backchannelClientNotification.retryMaxDelayMs: must not be below retryInitialDelayMs');
  }
  if (config.backchannelAuthenticationResponseExpiresIn > config.cibaMaxExpirationTimeAllowedSec) {
    problems.push('backchannelAuthenticationResponseExpiresIn: must not exceed cibaMaxExpirationTimeAllowedSec');
  }
  for (const acr of config.defaultAcrValues) {
    if (!config.acrValuesSupported.includes(acr)) problems.push(`defaultAcrValues: ${acr} is not in acrValuesSupported`);
  }
  for (const grant of config.dynamicGrantTypeDefault) {
    if (!config.grantTypesSupported.includes(grant)) problems.push(`dynamicGrantTypeDefault: ${grant} is not in grantTypesSupported`);
  }
  if (config.store.type === 'mongo' && !config.store.mongodbUri) {
    problems.push('store.mongodbUri: is required when store.type is mongo (or set MONGODB_URI)');
  }
  if (config.scopesSupported.includes('offline_access') && !config.grantTypesSupported.includes('refresh_token')) {
    problems.push('scopesSupported: offline_access needs refresh_token in grantTypesSupported');
  }
  if (!config.devMode && config.cibaEndUserNotificationConfig.channels.includes('log')) {
    problems.push('cibaEndUserNotificationConfig.channels: the log channel writes verification links to the log and is for devMode only');
  }
  problems.push(...fapiConfigProblems(config));
  return problems;
}

export interface LoadOptions {
  /** A JSON file overriding the defaults (`--config`, else CIBA_OP_CONFIG). */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Applied last; tests use it. */
  overrides?: Json;
}

export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  let merged = readJson(configPath('default.json'), 'defaults');
  const file = options.file ?? env.CIBA_OP_CONFIG;
  if (file) merged = deepMerge(merged, readJson(file, 'config file'));
  merged = deepMerge(merged, fromEnv(env));
  if (options.overrides) merged = deepMerge(merged, options.overrides);

  if (!validateSchema(merged)) {
    throw new ConfigError((validateSchema.errors ?? []).map(describe));
  }
  const config = merged as unknown as Config;
  const problems = crossFieldProblems(config);
  if (problems.length) throw new ConfigError(problems);
  return config;
}
