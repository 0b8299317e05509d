/**
 * The SSRF rules for a client's backchannel_client_notification_endpoint, where the OP sends ping
 * and push callbacks: the URL (https, or loopback http in devMode; an IP literal must be public
 * unless allow-listed) at every registration, and at dynamic registration also the addresses its
 * host resolves to. The sender checks again at connection time, since DNS answers can change.
 */
import { promises as dns } from 'node:dns';
import { oauthError } from '../errors.js';
import type { Config } from '../config/types.js';
import type { ClientMetadata } from '../store/ports.js';
import { checkResolvedAddress, ipLiteral, outboundUrl, OutboundRefused, type OutboundPolicy } from '../net/address-policy.js';

/** A registration does not wait longer than this for DNS. */
const RESOLVE_TIMEOUT_MS = 3000;

export function notificationEndpointPolicy(config: Config): OutboundPolicy {
  return { allowPrivateHosts: config.backchannelClientNotification.allowPrivateHosts, allowLoopbackHttp: config.devMode };
}

async function resolve(hostname: string): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new OutboundRefused(`${hostname} did not resolve within ${RESOLVE_TIMEOUT_MS} ms`)), RESOLVE_TIMEOUT_MS);
  });
  try {
    const found = await Promise.race([dns.lookup(hostname, { all: true }), timeout]);
    return found.map((a) => a.address);
  } catch (err) {
    if (err instanceof OutboundRefused) throw err;
    throw new OutboundRefused(`${hostname} does not resolve`);
  } finally {
    clearTimeout(timer);
  }
}

async function check(endpoint: string, policy: OutboundPolicy, resolveHost: boolean): Promise<void> {
  const url = outboundUrl(endpoint, policy);
  if (!resolveHost || ipLiteral(url.hostname) !== null) return;
  for (const address of await resolve(url.hostname)) checkResolvedAddress(url, address, policy);
}

/**
 * `resolveHost`: dynamic registration resolves the host too; clients from config are checked by
 * their URL only, so a start-up does not depend on DNS (the sender resolves at send time anyway).
 */
export async function checkNotificationEndpoint(config: Config, metadata: ClientMetadata, resolveHost = true): Promise<void> {
  const endpoint = metadata.backchannel_client_notification_endpoint;
  if (endpoint === undefined) return;
  try {
    await check(endpoint, notificationEndpointPolicy(config), resolveHost);
  } catch (err) {
    if (!(err instanceof OutboundRefused)) throw err;
    throw oauthError('invalid_client_metadata', `backchannel_client_notification_endpoint: ${err.message}`);
  }
}
