import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config/load.js';
import { fromRoot } from '../../core/paths.js';

describe('config examples', () => {
  it('config/production.example.json is valid with the environment it documents', () => {
    const config = loadConfig({
      file: fromRoot('config', 'production.example.json'),
      env: { MONGODB_URI: 'mongodb://db1,db2,db3/?replicaSet=rs0' },
    });
    expect(config.store).toMatchObject({ type: 'mongo', mongodbUri: 'mongodb://db1,db2,db3/?replicaSet=rs0' });
    expect(config.devMode).toBe(false);
  });
});
