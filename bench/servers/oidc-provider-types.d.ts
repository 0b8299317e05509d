/** The part of oidc-provider 9's API the bench launcher uses (the package ships no types). */
declare module 'oidc-provider' {
  import type { IncomingMessage, Server } from 'node:http';

  export interface KoaContext {
    path: string;
    method: string;
    query: Record<string, string | string[] | undefined>;
    req: IncomingMessage;
    status: number;
    type: string;
    body: unknown;
  }
  export type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

  export interface AdapterPayload {
    [claim: string]: unknown;
    grantId?: string;
    userCode?: string;
    uid?: string;
    consumed?: number;
  }
  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export interface BackchannelAuthenticationRequest {
    jti: string;
    clientId: string;
    accountId: string;
    scope: string;
    grantId?: string;
    error?: string;
    isExpired: boolean;
    exp: number;
  }
  export interface Grant {
    addOIDCScope(scope: string): void;
    save(): Promise<string>;
  }
  export interface Client {
    clientId: string;
    clientName?: string;
  }
  export interface Account {
    accountId: string;
    claims(): Promise<{ sub: string }> | { sub: string };
  }

  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    use(middleware: Middleware): this;
    listen(port: number, host: string, callback?: () => void): Server;
    backchannelResult(
      request: BackchannelAuthenticationRequest,
      result: Grant,
      options?: { acr?: string; amr?: string[]; authTime?: number },
    ): Promise<void>;
    readonly BackchannelAuthenticationRequest: { find(id: string): Promise<BackchannelAuthenticationRequest | undefined> };
    readonly Client: { find(id: string): Promise<Client | undefined> };
    readonly Grant: new (init: { accountId: string; clientId: string }) => Grant;
  }
}
