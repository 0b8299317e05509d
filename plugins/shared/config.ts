/**
 * Notifier configuration is checked once, at construction, so a typo fails startup with a
 * message naming the property instead of failing the first end-user notification.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

const addFormats = addFormatsModule.default;

// useDefaults: the schemas are the single place defaults are written down.
const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true });
addFormats(ajv);

export class NotifierConfigError extends Error {
  constructor(plugin: string, problems: string[]) {
    super(`${plugin} notifier config: ${problems.join('; ')}`);
    this.name = 'NotifierConfigError';
  }
}

const compiled = new WeakMap<object, ValidateFunction>();

/**
 * Validates `config` against `schema` and returns a copy with the schema's defaults filled in
 * (the caller's object is left untouched). Error messages name properties, never values, so a
 * misplaced secret does not end up in a startup log. `at` prefixes the property paths when the
 * value sits inside a larger config.
 */
export function validateConfig<T>(plugin: string, schema: object, config: unknown, at = ''): T {
  let validate = compiled.get(schema);
  if (!validate) compiled.set(schema, (validate = ajv.compile(schema)));
  const copy = structuredClone(config);
  if (!validate(copy)) {
    throw new NotifierConfigError(plugin, (validate.errors ?? []).map((error) => describe(error, at)));
  }
  return copy as T;
}

function describe(error: ErrorObject, at: string): string {
  const where = [at, error.instancePath.slice(1).replaceAll('/', '.')].filter(Boolean).join('.');
  const join = (name: string) => (where === '' ? name : `${where}.${name}`);
  switch (error.keyword) {
    case 'required':
      return `${join(String(error.params.missingProperty))} is required`;
    case 'additionalProperties':
      return `${join(String(error.params.additionalProperty))} is not a known property`;
    default:
      return `${where === '' ? 'config' : where} ${error.message ?? 'is invalid'}`;
  }
}

/** Rejects configs that set none, or more than one, of mutually exclusive properties. */
export function requireExactlyOne(plugin: string, config: object, names: string[]): string {
  const present = names.filter((name) => (config as Record<string, unknown>)[name] !== undefined);
  if (present.length !== 1) {
    throw new NotifierConfigError(plugin, [`set exactly one of ${names.join(', ')}`]);
  }
  return present[0]!;
}

/** Schema fragments every notifier shares. */
export const commonSchema = {
  timeoutMs: { type: 'integer', minimum: 100, maximum: 120_000, default: 10_000 },
  /** PEM trust anchors added for this notifier's TLS peer (a private CA, or a test CA). */
  ca: { type: 'string', minLength: 1 },
  branding: {
    type: 'object',
    additionalProperties: false,
    properties: {
      productName: { type: 'string', minLength: 1, maxLength: 60, default: 'Sign-in' },
      supportEmail: { type: 'string', format: 'email' },
      // A strict pattern: the colour goes into a style attribute of the HTML email.
      color: { type: 'string', pattern: '^#[0-9a-fA-F]{6}$', default: '#1a73e8' },
    },
    default: {},
  },
} as const;

export interface Branding {
  productName: string;
  supportEmail?: string;
  color: string;
}
