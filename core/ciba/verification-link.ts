/**
 * The one-time verification link sent to the end-user. Only its SHA-256 is stored (on the auth
 * request, `linkHash`), so a database reader cannot act on pending requests.
 */
export const VERIFY_PATH = '/verify';

export function verificationUrl(issuer: string, token: string): string {
  return `${issuer}${VERIFY_PATH}?token=${token}`;
}
