/** Calls to a test OP's admin API, as an operator's tooling would make them. */
export interface AdminResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, asserted on field by field. */
  body: Record<string, any>;
}

export async function adminCall(baseUrl: string, token: string | null, method: string, path: string, body?: unknown): Promise<AdminResponse> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(token !== null ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}
