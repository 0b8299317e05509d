/**
 * Secrets (SMTP password, Twilio token, FCM key, webhook HMAC key) come either inline from the
 * config or from an environment variable the config names, `<name>` or `<name>Env`. Operators
 * usually want the second: the config file can then be committed and the secret injected.
 */
import { NotifierConfigError } from './config.js';

/**
 * Returns the secret set as `config[name]` or in the env var named by `config[name + 'Env']`.
 * `at` is the path of `config` inside the whole notifier config, for error messages.
 */
export function resolveSecret(plugin: string, config: object, name: string, at = ''): string {
  const fields = config as Record<string, unknown>;
  const inline = fields[name];
  const envName = fields[`${name}Env`];
  if (inline !== undefined && envName !== undefined) {
    throw new NotifierConfigError(plugin, [`set ${at}${name} or ${at}${name}Env, not both`]);
  }
  if (typeof inline === 'string') return inline;
  if (typeof envName === 'string') {
    const value = process.env[envName];
    if (value === undefined || value === '') {
      throw new NotifierConfigError(plugin, [`${at}${name}Env names ${envName}, which is not set`]);
    }
    return value;
  }
  throw new NotifierConfigError(plugin, [`${at}${name} or ${at}${name}Env is required`]);
}

/** The schema pair for a secret: the value itself, or the name of the env var holding it. */
export function secretSchema(name: string, minLength = 1): Record<string, object> {
  return {
    [name]: { type: 'string', minLength },
    [`${name}Env`]: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
  };
}

/**
 * Replaces every occurrence of a secret in `text`. Error texts partly come from peers (an SMTP
 * reply, a webhook receiver's body) that may echo what we sent them.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    // Very short values would blank out ordinary words; they are not meaningful secrets anyway.
    if (secret.length >= 4) out = out.replaceAll(secret, '[redacted]');
  }
  return out;
}
