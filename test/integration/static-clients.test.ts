import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/config/load.js';
import { startOp } from '../support/op.js';

describe('static clients from config', () => {
  it('stop start-up with a line naming the broken client', async () => {
    const failure = await startOp({
      config: { clients: [{ client_id: 'bad', client_secret: 's', grant_types: ['urn:openid:params:grant-type:ciba'] }] },
    }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).problems).toEqual([
      'clients[0] (bad): backchannel_token_delivery_mode is required with the urn:openid:params:grant-type:ciba grant',
    ]);
  });

  it('read a secret from the named environment variable', async () => {
    const failure = await startOp({
      env: {},
      config: { clients: [{ client_id: 'envy', client_secret_env: 'ENVY_SECRET', grant_types: ['refresh_token'] }] },
    }).catch((err: unknown) => err);
    expect((failure as ConfigError).problems).toEqual(['clients[0].client_secret_env: environment variable ENVY_SECRET is not set']);
  });
});
