import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../core/config/load.js';

function problems(overrides: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    loadConfig({ env, overrides });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('configuration', () => {
  it('loads the defaults with the seed property names', () => {
    const config = loadConfig({ env: {} });
    expect(config.backchannelAuthenticationResponseInterval).toBe(5);
    expect(config.backchannelLoginHintClaims).toEqual(['sub', 'username', 'email', 'phone_number']);
    expect(config.store.type).toBe('embedded');
  });

  it('reports one line per violation, naming the property and the rule', () => {
    const found = problems({ port: 'eighty', backchannelAuthenticationResponseInterval: 0, nonsense: true, store: { type: 'sqlite' } });
    expect(found).toHaveLength(4);
    expect(found).toEqual(
      expect.arrayContaining([
        'port: must be integer',
        'backchannelAuthenticationResponseInterval: must be >= 1',
        'nonsense: is not a known property',
        'store.type: must be one of "embedded", "mongo"',
      ]),
    );
  });

  it('checks that the binding message pattern compiles', () => {
    expect(problems({ backchannelBindingMessagePattern: '([' })).toEqual([
      'backchannelBindingMessagePattern: must be a valid regular expression (Unicode mode)',
    ]);
  });

  it('applies cross-field rules', () => {
    expect(problems({ devMode: false, issuer: 'http://op.example', cibaEndUserNotificationConfig: { channels: [] } })).toEqual([
      'issuer: must be an https URL unless devMode is true',
    ]);
    expect(problems({ backchannelAuthenticationResponseExpiresIn: 4000 })).toEqual([
      'backchannelAuthenticationResponseExpiresIn: must not exceed cibaMaxExpirationTimeAllowedSec',
    ]);
    expect(problems({ devMode: false, issuer: 'https://op.example' })).toEqual([
      'cibaEndUserNotificationConfig.channels: the log channel writes verification links to the log and is for devMode only',
    ]);
  });

  it('takes the common settings from the environment', () => {
    const config = loadConfig({ env: { PORT: '4000', ISSUER: 'https://op.example', MONGODB_URI: 'mongodb://db:27017', CIBA_OP_DATA_DIR: '/var/lib/ciba' } });
    expect(config.port).toBe(4000);
    expect(config.issuer).toBe('https://op.example');
    expect(config.store).toMatchObject({ type: 'mongo', mongodbUri: 'mongodb://db:27017', dataDir: '/var/lib/ciba' });
    expect(problems({}, { PORT: 'abc' })).toEqual(['port: must be integer']);
  });

  it('merges a config file over the defaults and names a broken one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ciba-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ port: 4100, tokens: { accessTokenLifetimeSec: 60 } }));
    const config = loadConfig({ file, env: {} });
    expect(config.port).toBe(4100);
    expect(config.tokens).toEqual({ accessTokenLifetimeSec: 60, idTokenLifetimeSec: 3600, refreshTokenLifetimeSec: 2592000 });
    writeFileSync(file, '{ not json');
    expect(() => loadConfig({ file, env: {} })).toThrow(/config file .*is not valid JSON/);
    expect(() => loadConfig({ file: join(dir, 'missing.json'), env: {} })).toThrow(/cannot be read \(ENOENT\)/);
  });
});
