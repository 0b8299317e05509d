/** Static clients the protocol tests share, declared through config like an operator would. */
export const CIBA = 'urn:openid:params:grant-type:ciba';

export const TEST_CLIENTS = [
  { client_id: 'poll', client_secret: 'poll-secret', client_name: 'Poll RP', grant_types: [CIBA, 'refresh_token'], backchannel_token_delivery_mode: 'poll' },
  { client_id: 'other', client_secret: 'other-secret', grant_types: [CIBA], backchannel_token_delivery_mode: 'poll' },
  { client_id: 'coded', client_secret: 'coded-secret', grant_types: [CIBA], backchannel_token_delivery_mode: 'poll', backchannel_user_code_parameter: true },
  { client_id: 'posting', client_secret: 'posting-secret', grant_types: [CIBA], backchannel_token_delivery_mode: 'poll', token_endpoint_auth_method: 'client_secret_post' },
  { client_id: 'refresh-only', client_secret: 'refresh-secret', grant_types: ['refresh_token'] },
  { client_id: 'narrow', client_secret: 'narrow-secret', grant_types: [CIBA], backchannel_token_delivery_mode: 'poll', scope: 'openid profile' },
];
