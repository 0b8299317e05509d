/**
 * Ping mode (CIBA §10.2): the callback tells the client only that the request is decided, by
 * its id; the client then fetches the outcome at the token endpoint. That token request is never
 * answered `slow_down`: by then the request is no longer pending, and only pending requests
 * count polls (core/ciba/grant.ts).
 */

/** The body, exactly `{"auth_req_id":"…"}`. */
export function pingBody(authReqId: string): string {
  return JSON.stringify({ auth_req_id: authReqId });
}
