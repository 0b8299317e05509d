/** The verification pages: the request to decide on, the outcome, and one neutral dead end. */
import type { AuthRequestRecord, ClientRecord } from '../store/ports.js';
import { escapeHtml, page } from './html.js';

const SCOPE_WORDS: Record<string, string> = {
  openid: 'Confirm who you are',
  profile: 'Your name and profile details',
  email: 'Your email address',
  phone: 'Your phone number',
  address: 'Your postal address',
  offline_access: 'Keep access while you are away',
};

export function decisionPage(record: AuthRequestRecord, client: ClientRecord | null, linkToken: string, now: number): string {
  const clientName = escapeHtml(client?.metadata.client_name ?? record.clientId);
  const minutesLeft = Math.max(1, Math.ceil((record.expiresAt - now) / 60_000));
  const scopes = record.scope.map((s) => `<li>${escapeHtml(SCOPE_WORDS[s] ?? s)}</li>`).join('');
  const binding = record.bindingMessage
    ? `<p>Check that this code matches the one shown where you started:</p><p class="binding" id="binding-message">${escapeHtml(record.bindingMessage)}</p>`
    : '';
  return page(
    `Sign-in request from ${client?.metadata.client_name ?? record.clientId}`,
    `<h1><span id="client-name">${clientName}</span> asks you to sign in</h1>
${binding}
<p>It would receive:</p>
<ul>${scopes}</ul>
<p>This request expires in ${minutesLeft} minute${minutesLeft === 1 ? '' : 's'}.</p>
<form method="post" action="/verify">
<input type="hidden" name="token" value="${escapeHtml(linkToken)}">
<button class="approve" type="submit" name="decision" value="approve">Approve</button>
<button class="deny" type="submit" name="decision" value="deny">Deny</button>
</form>`,
  );
}

export function outcomePage(approved: boolean): string {
  return approved
    ? page('Request approved', '<h1 id="outcome">You approved the request</h1><p>You can close this page.</p>')
    : page('Request denied', '<h1 id="outcome">You denied the request</h1><p>Nothing was shared. You can close this page.</p>');
}

/** Same page for unknown, used and expired links: it must not reveal whether a request exists. */
export function deadLinkPage(): string {
  return page('Link not valid', '<h1 id="outcome">This link is no longer valid</h1><p>It may have expired or already been used.</p>');
}
