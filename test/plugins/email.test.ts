/**
 * The email notifier against a real SMTP server (smtp-server) on 127.0.0.1, with TLS from a
 * test CA; what arrives is parsed with mailparser as a mail client would.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmailNotifier, type EmailNotifierConfig } from '../../plugins/email/index.js';
import type { Notifier, NotifierLogger } from '../../plugins/notifier.js';
import { NotifierConfigError } from '../../plugins/shared/config.js';
import { captureOutput, expectNoSecrets } from './support/capture.js';
import { testMessage } from './support/message.js';
import { testTls } from './support/tls.js';

const PASSWORD = 'smtp-Pa55word-never-logged';

interface Peer {
  port: number;
  received: Array<{ from: string; to: string[]; mail: ParsedMail }>;
  authAttempts: number;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function startSmtp(options: Partial<SMTPServerOptions> = {}): Promise<Peer> {
  const { key, cert } = testTls();
  const peer: Peer = { port: 0, received: [], authAttempts: 0 };
  const server = new SMTPServer({
    key,
    cert,
    logger: false,
    closeTimeout: 100,
    onAuth(auth, _session, callback) {
      peer.authAttempts += 1;
      if (auth.username === 'op' && auth.password === PASSWORD) callback(null, { user: 'op' });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      simpleParser(stream).then((mail) => {
        peer.received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          mail,
        });
        callback();
      }, callback);
    },
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  peer.port = (server.server.address() as net.AddressInfo).port;
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  return peer;
}

function notifier(port: number, overrides: Partial<EmailNotifierConfig> = {}, logger?: NotifierLogger): Notifier {
  const n = createEmailNotifier(
    {
      host: '127.0.0.1',
      port,
      auth: { user: 'op', password: PASSWORD },
      from: 'Acme Sign-in <no-reply@op.example.com>',
      ca: testTls().ca,
      timeoutMs: 3000,
      branding: { productName: 'Acme ID', supportEmail: 'help@op.example.com', color: '#aa3300' },
      ...overrides,
    },
    { logger },
  );
  cleanups.push(() => n.close());
  return n;
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('email notifier', () => {
  it('delivers text and HTML bodies over STARTTLS with AUTH, escaping a hostile client name in HTML', async () => {
    const peer = await startSmtp();
    const output = captureOutput();
    cleanups.push(async () => output.restore());
    const hostile = '<script>alert(1)</script> & "Evil" Corp';
    const message = testMessage({ client: { id: 'c1', name: hostile, logoUri: 'https://cdn.example.com/l.png' } });

    const result = await notifier(peer.port, {}, output.logger).send(message);

    expect(result).toMatchObject({ delivered: true, channel: 'email' });
    expect(peer.received).toHaveLength(1);
    const { from, to, mail } = peer.received[0]!;
    expect(from).toBe('no-reply@op.example.com');
    expect(to).toEqual(['alice@example.com']);
    expect(result.delivered && result.providerMessageId).toBe(mail.messageId);
    expect(mail.subject).toBe(`Acme ID: ${hostile} asks you to approve a sign-in`);
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');

    expect(mail.text).toContain(message.link);
    expect(mail.text).toContain('W4-PLX');
    expect(mail.text).toContain(hostile); // plain text is shown as text: nothing to escape
    expect(mail.text).toMatch(/expires in 5 minutes/);
    expect(mail.text).toContain('help@op.example.com');

    const html = mail.html as string;
    expect(html).toContain(`href="${message.link}"`);
    expect(html).toContain('W4-PLX');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62; &#38; &#34;Evil&#34; Corp');
    expect(html).not.toContain('<script>');
    expect(html).toContain('background:#aa3300');
    expect(html).toContain('src="https://cdn.example.com/l.png"');

    expectNoSecrets(result, [PASSWORD, message.link]);
    expectNoSecrets(output.text(), [PASSWORD, message.link]);
    expect(output.text()).toContain('"authReqId":"ar_1f0c9b7e"');
  });

  it('delivers over implicit TLS, without AUTH, and leaves out an absent binding message', async () => {
    const peer = await startSmtp({ secure: true, authOptional: true });
    const result = await notifier(peer.port, { secure: true, auth: undefined }).send(testMessage({ bindingMessage: null }));
    expect(result.delivered).toBe(true);
    expect(peer.authAttempts).toBe(0);
    const mail = peer.received[0]!.mail;
    expect(mail.text).not.toContain('matches the one shown');
    expect(mail.html).not.toContain('matches the one shown');
  });

  it('reports refused SMTP AUTH as a non-retryable auth_failed without the password', async () => {
    const peer = await startSmtp();
    const output = captureOutput();
    cleanups.push(async () => output.restore());
    const wrong = `${PASSWORD}-but-wrong`;
    const result = await notifier(peer.port, { auth: { user: 'op', password: wrong } }, output.logger).send(testMessage());

    expect(result).toMatchObject({ delivered: false, channel: 'email', error: { code: 'auth_failed', retryable: false } });
    expect(!result.delivered && result.error.message).toMatch(/refused our credentials.*535/);
    expect(peer.received).toHaveLength(0);
    expectNoSecrets(result, [wrong, PASSWORD]);
    expectNoSecrets(output.text(), [wrong, PASSWORD]);
  });

  it('takes the password from the env var the config names', async () => {
    const peer = await startSmtp();
    process.env.TEST_SMTP_PASSWORD = PASSWORD;
    cleanups.push(async () => void delete process.env.TEST_SMTP_PASSWORD);
    const result = await notifier(peer.port, { auth: { user: 'op', passwordEnv: 'TEST_SMTP_PASSWORD' } }).send(testMessage());
    expect(result.delivered).toBe(true);
  });

  it('reports a server that is down as a retryable unreachable error', async () => {
    const result = await notifier(await closedPort()).send(testMessage());
    expect(result).toMatchObject({ delivered: false, error: { code: 'unreachable', retryable: true } });
    expect(!result.delivered && result.error.message).toContain('ECONNREFUSED');
  });

  it('refuses to send the link in clear text to a server that offers no STARTTLS', async () => {
    const peer = await startSmtp({ disabledCommands: ['STARTTLS'], authOptional: true });
    const result = await notifier(peer.port, { auth: undefined }).send(testMessage());
    expect(result).toMatchObject({ delivered: false, error: { code: 'unreachable', retryable: false } });
    expect(peer.received).toHaveLength(0);
  });

  it('refuses a server certificate no configured CA vouches for, as an error retrying will not fix', async () => {
    const peer = await startSmtp();
    const result = await notifier(peer.port, { ca: undefined }).send(testMessage());
    expect(result).toMatchObject({ delivered: false, error: { code: 'unreachable', retryable: false } });
    expect(!result.delivered && result.error.message).toMatch(/TLS certificate was not accepted/);
    expect(peer.received).toHaveLength(0);
  });

  it('gives up at the message timeout when the server stalls', async () => {
    const peer = await startSmtp({
      onData(stream) {
        stream.resume(); // swallow the message and never answer
      },
    });
    const started = performance.now();
    const result = await notifier(peer.port, { timeoutMs: 400 }).send(testMessage());
    const elapsed = performance.now() - started;
    expect(result).toMatchObject({ delivered: false, error: { code: 'timeout', retryable: true } });
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(elapsed).toBeLessThan(1500);
  });

  it('sends to exactly one address: a list in `to` is refused before connecting', async () => {
    const peer = await startSmtp();
    const result = await notifier(peer.port).send(testMessage({ to: 'alice@example.com, mallory@evil.example' }));
    expect(result).toMatchObject({ delivered: false, error: { code: 'invalid_recipient', retryable: false } });
    expect(peer.received).toHaveLength(0);
  });

  it("uses a deployer's template directory, localised by the message locale", async () => {
    const peer = await startSmtp();
    const dir = mkdtempSync(path.join(tmpdir(), 'ciba-op-templates-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(path.join(dir, 'body.de.txt'), '{{clientName}} bittet um Freigabe{{#bindingMessage}}: {{bindingMessage}}{{/bindingMessage}}. {{link}}\n');
    writeFileSync(path.join(dir, 'subject.txt'), 'Anmeldung bei {{clientName}}');
    const n = notifier(peer.port, { templatesDir: dir });

    await n.send(testMessage({ locale: 'de-CH' }));
    await n.send(testMessage({ locale: 'fr' }));

    const [german, other] = peer.received.map((r) => r.mail);
    expect(german!.text).toBe(`Acme Bank bittet um Freigabe: W4-PLX. ${testMessage().link}\n`);
    expect(german!.subject).toBe('Anmeldung bei Acme Bank');
    expect(other!.text).toContain('is asking you to approve a sign-in'); // bundled body
    expect(other!.subject).toBe('Anmeldung bei Acme Bank'); // overridden default subject
  });

  it('rejects bad configuration at construction, naming the property', () => {
    const base = { host: '127.0.0.1', port: 25, from: 'a@b.example' };
    const attempt = (config: object) => () => createEmailNotifier(config as EmailNotifierConfig);
    expect(attempt({ port: 25, from: 'a@b.example' })).toThrow(/email notifier config: host is required/);
    expect(attempt({ ...base, prot: 1 })).toThrow(/prot is not a known property/);
    expect(attempt({ ...base, branding: { color: 'red;x:y' } })).toThrow(/branding\.color must match pattern/);
    expect(attempt({ ...base, auth: { user: 'u' } })).toThrow(/auth\.password or auth\.passwordEnv is required/);
    expect(attempt({ ...base, auth: { user: 'u', passwordEnv: 'NOT_SET_ANYWHERE' } })).toThrow(/auth\.passwordEnv names NOT_SET_ANYWHERE, which is not set/);
    expect(attempt({ ...base, auth: { user: 'u', password: 'p', passwordEnv: 'X' } })).toThrow(/not both/);
    expect(attempt({ host: 'h', port: 25, from: 'a@b.example' })).not.toThrow(NotifierConfigError);

    const dir = mkdtempSync(path.join(tmpdir(), 'ciba-op-templates-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(path.join(dir, 'body.html'), '<p>{{clientname}}</p>');
    expect(attempt({ ...base, templatesDir: dir })).toThrow(/unknown variable \{\{clientname\}\}/);
    writeFileSync(path.join(dir, 'body.html'), '<p>{{#bindingMessage}}{{bindingMessage}}</p>');
    expect(attempt({ ...base, templatesDir: dir })).toThrow(/not closed/);
  });
});
