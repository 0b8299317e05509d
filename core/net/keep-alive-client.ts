/**
 * A small HTTP/1.1 client for the OP's many short POSTs to the same few endpoints (ping and push
 * callbacks): a pool of keep-alive connections per destination (scheme, host and port) with TLS
 * session reuse, and no DNS lookup for IP literals. It asks of a response only what a callback
 * needs — the status — and reads the rest only to keep the connection for the next request.
 *
 * It is not a general HTTP client, by design: one request per connection at a time (no
 * pipelining), redirects are never followed (a 3xx is a status like any other), and a response is
 * kept reading only when it is framed by Content-Length (or has no body): anything else — chunked,
 * read-until-close, `Connection: close`, HTTP/1.0, leftover bytes — closes the connection once the
 * status is known. Node's http client costs ~3× more CPU per request on this path
 * (bench/RESULTS.md, "Ping and push callbacks").
 *
 * SSRF (address-policy.ts) holds as in guarded-fetch.ts: the caller checks the URL; a host name
 * is resolved here when a connection is opened, every address it resolves to is checked, and the
 * connection goes to the checked address (pinned: the TLS name is still the host name), so DNS
 * rebinding cannot slip a refused address in. A pooled connection keeps the address it was checked
 * with. Every exchange has one deadline (connecting included) and reads at most
 * `maxResponseBytes`.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, createSecureContext, type SecureContext } from 'node:tls';
import { ipLiteral, lookupChecked, type OutboundPolicy } from './address-policy.js';

export class AttemptTimeout extends Error {
  constructor(ms: number) {
    super(`no complete answer within ${ms} ms`);
    this.name = 'AttemptTimeout';
  }
}

/** A failure with a code like node's network errors (`lastError` records the code). */
class ResponseError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ResponseError';
  }
}

export interface KeepAliveOptions {
  policy: OutboundPolicy;
  /** TLS trust for https destinations; one context for all connections (parsing CAs is costly). */
  secureContext?: SecureContext;
  /** Idle connections are closed after this; below the 5 s keep-alive common on servers. */
  idleTimeoutMs?: number;
}

export interface ExchangeLimits {
  timeoutMs: number;
  maxResponseBytes: number;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: |\r|$)/;
const DEFAULT_IDLE_MS = 4000;
/** Idle connections kept per destination at most. */
const MAX_IDLE = 256;
/** Destinations are client-chosen (registered endpoints): past this many, unused ones are dropped. */
const MAX_DESTINATIONS = 1024;

interface Destination {
  readonly key: string;
  readonly idle: Connection[];
  /** The last TLS session ticket, to resume rather than handshake anew. */
  session: Buffer | undefined;
}

/** What a response's head says about reading on. */
interface Head {
  status: number;
  /** Bytes of body still to read before the connection can be reused; null: it cannot be. */
  bodyBytes: number | null;
}

function parseHead(text: string): Head | null {
  const status = STATUS_LINE.exec(text);
  if (!status) return null;
  const code = Number(status[2]);
  let keepAlive = status[1] === '1';
  let length: number | null = null;
  let framed = true;
  const lines = text.split('\r\n');
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (name === 'content-length') {
      const value = line.slice(colon + 1).trim();
      if (!/^\d{1,15}$/.test(value) || (length !== null && length !== Number(value))) framed = false;
      else length = Number(value);
    } else if (name === 'transfer-encoding') {
      framed = false;
    } else if (name === 'connection') {
      const value = line.slice(colon + 1).toLowerCase();
      if (value.includes('close')) keepAlive = false;
      else if (value.includes('keep-alive')) keepAlive = true;
    }
  }
  if (code === 204 || code === 304) return { status: code, bodyBytes: keepAlive ? 0 : null };
  return { status: code, bodyBytes: keepAlive && framed && length !== null ? length : null };
}

/** One request on one connection, from writing it to the end of the response's body. */
class Exchange {
  private buffered: Buffer | null = null;
  private read = 0;
  private head: Head | null = null;
  private bodyLeft = 0;
  private settled = false;
  private ended = false;

  constructor(
    private readonly conn: Connection,
    private readonly maxBytes: number,
    private readonly resolve: (status: number) => void,
    private readonly reject: (err: Error) => void,
    /** Called once when the exchange is over, whichever way. */
    private readonly onEnd: () => void,
  ) {}

  /** Before the status: fails the exchange. After it: only the connection is lost. */
  fail(err: Error): void {
    if (this.ended) return;
    if (!this.settled) {
      this.settled = true;
      this.reject(err);
    }
    this.end(false);
  }

  private end(reusable: boolean): void {
    this.ended = true;
    this.onEnd();
    this.conn.finish(reusable);
  }

  onData(chunk: Buffer): void {
    this.read += chunk.length;
    if (this.head) return this.onBody(chunk.length);
    this.buffered = this.buffered ? Buffer.concat([this.buffered, chunk]) : chunk;
    const end = this.buffered.indexOf(HEADER_END);
    if (end < 0) {
      if (this.read > this.maxBytes) this.fail(new ResponseError('ERR_RESPONSE_HEAD_TOO_LARGE', `response head larger than ${this.maxBytes} bytes`));
      return;
    }
    const head = parseHead(this.buffered.toString('latin1', 0, end));
    const rest = this.buffered.length - end - HEADER_END.length;
    this.buffered = null;
    if (!head) return this.fail(new ResponseError('ERR_INVALID_HTTP_RESPONSE', 'the answer is not an HTTP/1.x response'));
    if (head.status < 200) {
      // 1xx: informational (100, 103) — the final answer follows; 101 would switch protocols.
      if (head.status === 101) return this.fail(new ResponseError('ERR_INVALID_HTTP_RESPONSE', 'unexpected 101 Switching Protocols'));
      this.read = 0;
      if (rest > 0) this.onData(chunk.subarray(chunk.length - rest));
      return;
    }
    this.head = head;
    this.settled = true;
    this.resolve(head.status);
    // The body is read only to reuse the connection, and only as far as the bound allows.
    if (head.bodyBytes === null || this.read - rest + head.bodyBytes > this.maxBytes) return this.end(false);
    this.bodyLeft = head.bodyBytes;
    this.onBody(rest);
  }

  private onBody(bytes: number): void {
    this.bodyLeft -= bytes;
    if (this.bodyLeft === 0) this.end(true);
    else if (this.bodyLeft < 0) this.end(false); // bytes beyond the response: not ours to guess
  }
}

/** A socket and its one exchange at a time; its listeners stay for its whole life. */
class Connection {
  exchange: Exchange | null = null;
  /** When it last went idle (Date.now()), for the idle sweep. */
  idleSince = 0;
  private closed = false;

  constructor(
    readonly socket: Socket,
    private readonly pool: KeepAliveClient,
    readonly destination: Destination,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => (this.exchange ? this.exchange.onData(chunk) : this.destroy()));
    socket.on('error', (err: Error) => (this.exchange ? this.exchange.fail(err) : this.destroy()));
    socket.on('end', () => this.lost());
    socket.on('close', () => this.lost());
  }

  private lost(): void {
    if (this.exchange) this.exchange.fail(new ResponseError('ECONNRESET', 'the connection closed before the response was complete'));
    else this.destroy();
  }

  /** The exchange is over: keep the connection for the next one, or close it. */
  finish(reusable: boolean): void {
    this.exchange = null;
    if (!reusable || this.closed) return this.destroy();
    this.pool.release(this, this.destination);
  }

  destroy(): void {
    this.exchange = null;
    if (!this.closed) {
      this.closed = true;
      this.pool.forget(this, this.destination);
      this.socket.destroy();
    }
  }
}

export class KeepAliveClient {
  private readonly destinations = new Map<string, Destination>();
  private readonly busy = new Set<Connection>();
  private readonly secureContext: SecureContext;
  private readonly idleTimeoutMs: number;
  private closed = false;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(private readonly options: KeepAliveOptions) {
    this.secureContext = options.secureContext ?? createSecureContext();
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_MS;
  }

  /**
   * Sends `head` (request line and headers, ending in an empty line) and `body` to the URL's
   * destination; resolves with the response's status as soon as it is known. Rejects with
   * `OutboundRefused` when the host resolves to a refused address, `AttemptTimeout` after
   * `timeoutMs` (connecting included), or the network error.
   */
  request(url: URL, head: string, body: string, limits: ExchangeLimits): Promise<number> {
    if (this.closed) return Promise.reject(new Error('the client is closed'));
    const key = `${url.protocol}//${url.host}`;
    let destination = this.destinations.get(key);
    if (!destination) {
      if (this.destinations.size >= MAX_DESTINATIONS) this.pruneUnused();
      destination = { key, idle: [], session: undefined };
      this.destinations.set(key, destination);
    }
    const dest = destination;
    return new Promise<number>((resolve, reject) => {
      let timedOut = false;
      let exchange: Exchange | null = null;
      // One deadline for connecting, the answer's head and the reading of its body (the caller
      // has its status by then; a body that trickles only costs the connection).
      const timer = setTimeout(() => {
        timedOut = true;
        if (exchange) exchange.fail(new AttemptTimeout(limits.timeoutMs));
        else reject(new AttemptTimeout(limits.timeoutMs));
      }, limits.timeoutMs);
      const start = (conn: Connection): void => {
        if (timedOut) return conn.destroy();
        this.busy.add(conn);
        exchange = new Exchange(conn, limits.maxResponseBytes, resolve, reject, () => clearTimeout(timer));
        conn.exchange = exchange;
        conn.socket.write(head + body);
      };
      const idle = this.takeIdle(dest);
      if (idle) start(idle);
      else
        this.connect(url, dest, limits.timeoutMs).then(start, (err: Error) => {
          clearTimeout(timer);
          if (!timedOut) reject(err);
        });
    });
  }

  /**
   * The most recently used idle connection. Any kept past the idle timeout is closed instead: the
   * sweep runs only every half timeout, and a server closing its end at about that age would
   * otherwise reset the request.
   */
  private takeIdle(dest: Destination): Connection | undefined {
    const before = Date.now() - this.idleTimeoutMs;
    for (let conn = dest.idle.pop(); conn; conn = dest.idle.pop()) {
      if (conn.idleSince > before) return conn;
      conn.destroy();
    }
    return undefined;
  }

  /** Called by a connection whose exchange ended cleanly. */
  release(conn: Connection, dest: Destination): void {
    this.busy.delete(conn);
    // A destination dropped while this connection was being opened is not pooled any more.
    if (this.closed || this.destinations.get(dest.key) !== dest || dest.idle.length >= MAX_IDLE) return conn.destroy();
    conn.idleSince = Date.now();
    dest.idle.push(conn);
    this.sweepSoon();
  }

  /** Called by a connection that closed. */
  forget(conn: Connection, dest: Destination): void {
    this.busy.delete(conn);
    const at = dest.idle.indexOf(conn);
    if (at >= 0) dest.idle.splice(at, 1);
  }

  /**
   * Idle connections are closed by one sweep every half idle timeout, while there are any: cheaper
   * than arming and disarming a socket timer around every request.
   */
  private sweepSoon(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => this.sweep(), Math.max(1, this.idleTimeoutMs / 2));
    this.sweeper.unref();
  }

  private sweep(): void {
    const before = Date.now() - this.idleTimeoutMs;
    let idle = 0;
    for (const dest of this.destinations.values()) {
      // Oldest first: the idle list is used last-in, first-out.
      while (dest.idle.length > 0 && (dest.idle[0] as Connection).idleSince <= before) (dest.idle[0] as Connection).destroy();
      idle += dest.idle.length;
    }
    if (idle === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }

  /** Forgets destinations with no connection, idle or busy (and their TLS session tickets). */
  private pruneUnused(): void {
    const inUse = new Set<Destination>();
    for (const conn of this.busy) inUse.add(conn.destination);
    for (const [key, dest] of this.destinations) if (dest.idle.length === 0 && !inUse.has(dest)) this.destinations.delete(key);
  }

  close(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    this.closed = true;
    for (const conn of this.busy) conn.destroy();
    for (const dest of this.destinations.values()) for (const conn of [...dest.idle]) conn.destroy();
    this.destinations.clear();
  }

  private async connect(url: URL, dest: Destination, timeoutMs: number): Promise<Connection> {
    const literal = ipLiteral(url.hostname);
    // A literal was checked with the URL; a name is checked for every address it resolves to now.
    const addresses = literal !== null ? [literal] : await this.resolve(url, url.hostname);
    // Addresses in the resolver's order, the next one only when connecting to one fails.
    for (let i = 0; ; i++) {
      try {
        return new Connection(await this.open(url, dest, addresses[i] as string, literal !== null ? null : url.hostname, timeoutMs), this, dest);
      } catch (err) {
        if (i + 1 >= addresses.length) throw err;
      }
    }
  }

  private open(url: URL, dest: Destination, address: string, servername: string | null, timeoutMs: number): Promise<Socket> {
    const secure = url.protocol === 'https:';
    const port = Number(url.port) || (secure ? 443 : 80);
    return new Promise<Socket>((resolve, reject) => {
      const s = secure
        ? tlsConnect({
            host: address,
            port,
            // The certificate is checked against the name (or the literal), not the pinned address.
            ...(servername === null ? {} : { servername }),
            secureContext: this.secureContext,
            session: dest.session,
          })
        : netConnect({ host: address, port });
      const ready = secure ? 'secureConnect' : 'connect';
      const onError = (err: Error): void => {
        s.destroy();
        reject(err);
      };
      s.once('error', onError);
      // A connection that never completes is given up with the attempt, not left to the kernel.
      const onTimeout = (): void => void s.destroy(new ResponseError('ETIMEDOUT', `no connection within ${timeoutMs} ms`));
      s.setTimeout(timeoutMs, onTimeout);
      s.once(ready, () => {
        s.off('error', onError);
        s.off('timeout', onTimeout);
        s.setTimeout(0);
        resolve(s);
      });
      if (secure) s.on('session', (session: Buffer) => (dest.session = session));
    });
  }

  /** Every address of the name, each checked against the policy (lookupChecked). */
  private resolve(url: URL, hostname: string): Promise<string[]> {
    return new Promise((resolve, reject) => {
      lookupChecked(url, hostname, this.options.policy, {}, (err, addresses) => {
        if (err) return reject(err);
        if (addresses.length === 0) return reject(new ResponseError('ENOTFOUND', `${hostname} has no address`));
        resolve(addresses.map((a) => a.address));
      });
    });
  }
}
