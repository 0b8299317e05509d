/**
 * Where the OP may call out to on a client's behalf. A client-supplied URL (jwks_uri,
 * sector_identifier_uri, notification endpoints) must not turn the OP into a probe of its own
 * network (SSRF): addresses that are not public — loopback, private, link-local (where cloud
 * metadata services answer), carrier-grade NAT, multicast, reserved, documentation — are refused
 * unless the URL's host is on the operator's allow-list. Plain http is for loopback in devMode.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

export interface OutboundPolicy {
  /** host or host:port entries whose URLs may reach non-public addresses. */
  allowPrivateHosts: readonly string[];
  /** devMode: plain http to a loopback host. */
  allowLoopbackHttp: boolean;
}

export class OutboundRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboundRefused';
  }
}

/** IANA special-purpose ranges (RFC 6890 and successors); IPv4-mapped IPv6 addresses match the IPv4 rules. */
const NON_PUBLIC_V4: ReadonlyArray<[string, number]> = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];

/** Includes NAT64 and 6to4, which can carry a private IPv4 address inside. */
const NON_PUBLIC_V6: ReadonlyArray<[string, number]> = [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
];

const NON_PUBLIC = new BlockList();
for (const [network, prefix] of NON_PUBLIC_V4) NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of NON_PUBLIC_V6) NON_PUBLIC.addSubnet(network, prefix, 'ipv6');

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The hostname as an IP literal (URL keeps IPv6 literals in brackets), or null for a name. */
export function ipLiteral(hostname: string): string | null {
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) ? bare : null;
}

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return !NON_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Whether the operator allowed this URL's host to be a non-public address. */
export function privateAllowed(url: URL, policy: OutboundPolicy): boolean {
  return policy.allowPrivateHosts.includes(url.host) || policy.allowPrivateHosts.includes(url.hostname);
}

/** Checks what the URL says before any connection: absolute, https (or loopback http in devMode), no credentials. */
export function outboundUrl(raw: string | URL, policy: OutboundPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OutboundRefused('not an absolute URL');
  }
  if (url.username || url.password) throw new OutboundRefused('URLs with credentials are refused');
  const loopbackHttp = url.protocol === 'http:' && policy.allowLoopbackHttp && LOOPBACK_NAMES.has(url.hostname);
  if (url.protocol !== 'https:' && !loopbackHttp) throw new OutboundRefused('only https URLs are allowed');
  const literal = ipLiteral(url.hostname);
  if (literal !== null && !isPublicAddress(literal) && !privateAllowed(url, policy)) {
    throw new OutboundRefused(`${url.host} is not a public address`);
  }
  return url;
}

/** Checks an address a hostname resolved to, at connection time (so DNS rebinding cannot slip past). */
export function checkResolvedAddress(url: URL, address: string, policy: OutboundPolicy): void {
  if (!isPublicAddress(address) && !privateAllowed(url, policy)) {
    throw new OutboundRefused(`${url.hostname} resolves to ${address}, which is not a public address`);
  }
}

/**
 * Every address `hostname` (a name, not a literal) resolves to, each checked against the policy
 * for `url`: refused if any one is refused, so a name cannot hide a private address behind a
 * public one. The one place outbound connections resolve names.
 */
export function lookupChecked(
  url: URL,
  hostname: string,
  policy: OutboundPolicy,
  options: LookupOptions,
  done: (err: Error | null, addresses: LookupAddress[]) => void,
): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) return done(err, []);
    try {
      for (const { address } of addresses) checkResolvedAddress(url, address, policy);
    } catch (refused) {
      return done(refused as Error, []);
    }
    done(null, addresses);
  });
}
