/**
 * The HTTP client handed to the twilio library. It is Twilio's own RequestClient (axios, Basic
 * auth, form encoding, error parsing all unchanged) with one difference: requests go to the
 * configured API base URL instead of https://api.twilio.com. Twilio documents replacing the
 * client through the `httpClient` option; its `edge`/`region` options only rename hosts under
 * twilio.com, so they cannot point at a private gateway or a test peer.
 */
import type https from 'node:https';
import twilio from 'twilio';

type RequestOptions<T> = Parameters<InstanceType<typeof twilio.RequestClient>['request']>[0] & { data?: T };

export class TwilioHttpClient extends twilio.RequestClient {
  private readonly base: URL;

  constructor(base: URL, options: { timeoutMs: number; ca?: string }) {
    super({ timeout: options.timeoutMs, keepAlive: true, ...(options.ca ? { ca: options.ca } : {}) });
    this.base = base;
  }

  override request<T>(options: RequestOptions<T>) {
    const uri = new URL(options.uri);
    uri.protocol = this.base.protocol;
    uri.host = this.base.host;
    return super.request<T>({ ...options, uri: uri.href });
  }

  /** Closes the keep-alive sockets RequestClient's agent holds. */
  close(): void {
    (this.axios.defaults.httpsAgent as https.Agent | undefined)?.destroy();
  }
}
