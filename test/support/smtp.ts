/**
 * A real SMTP server (smtp-server) on 127.0.0.1 for flows that reach the end-user by email:
 * STARTTLS with the test CA's certificate, no authentication, every message parsed with
 * mailparser as a mail client would.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { testTls } from '../plugins/support/tls.js';

export interface Smtp {
  port: number;
  mails: ParsedMail[];
  close(): Promise<void>;
}

export async function startSmtp(): Promise<Smtp> {
  const { key, cert } = testTls();
  const mails: ParsedMail[] = [];
  const server = new SMTPServer({
    key,
    cert,
    logger: false,
    authOptional: true,
    closeTimeout: 100,
    onData(stream, _session, callback) {
      simpleParser(stream).then((mail) => {
        mails.push(mail);
        callback();
      }, callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.server.address() as AddressInfo).port, mails, close: () => new Promise((r) => server.close(() => r())) };
}
