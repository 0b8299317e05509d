/** api.http.post's refusals, made before any connection: the URL rules every outbound call gets, then the allow-list. */
import { describe, expect, it } from 'vitest';
import { boundedHttpPost, type HttpPostPolicy } from '../../core/scripts/http-post.js';

const policy: HttpPostPolicy = { allowList: ['api.example.com', '127.0.0.1:8443'], allowLoopbackHttp: false, dryRun: true };
const post = (url: string, overrides: Partial<HttpPostPolicy> = {}) => boundedHttpPost(url, { a: 1 }, {}, { ...policy, ...overrides });

describe('api.http.post', () => {
  it('refuses what the outbound rules refuse, naming the reason', async () => {
    await expect(post('not a url')).rejects.toThrow('api.http.post(): not an absolute URL');
    await expect(post('http://api.example.com/x')).rejects.toThrow('api.http.post(): only https URLs are allowed');
    await expect(post('https://user:pw@api.example.com/x')).rejects.toThrow('api.http.post(): URLs with credentials are refused');
    await expect(post('http://127.0.0.1:8443/x', { allowLoopbackHttp: false })).rejects.toThrow('api.http.post(): only https URLs are allowed');
  });

  it('refuses hosts not on scripts.httpAllowList, private or public', async () => {
    await expect(post('https://other.example.com/x')).rejects.toThrow('api.http.post(): host other.example.com is not on scripts.httpAllowList');
    await expect(post('https://10.0.0.5/x')).rejects.toThrow(/^api\.http\.post\(\): 10\.0\.0\.5 is not a public address$/);
  });

  it('accepts an allow-listed host, private ones included, and performs nothing in a dry run', async () => {
    expect(await post('https://api.example.com/x')).toEqual({ status: 0, contentType: null, body: null });
    expect(await post('https://127.0.0.1:8443/x')).toEqual({ status: 0, contentType: null, body: null });
  });
});
