/**
 * Email notifier: the verification link and binding message, as a text + HTML email, sent
 * through an SMTP relay with nodemailer over a small connection pool.
 */
import nodemailer from 'nodemailer';
import type { EndUserMessage, Notifier, NotifierLogger, NotifierOptions, NotifyResult } from '../notifier.js';
import { commonSchema, validateConfig, type Branding } from '../shared/config.js';
import { deliver, NotifyFailure, silentLogger } from '../shared/delivery.js';
import { resolveSecret, secretSchema } from '../shared/secrets.js';
import { templateVariables } from '../shared/template.js';
import { classifySmtpError } from './smtp-errors.js';
import { loadEmailTemplates } from './templates.js';

export interface EmailNotifierConfig {
  host: string;
  port: number;
  /** Implicit TLS from the first byte (port 465). */
  secure?: boolean;
  /** Without `secure`: refuse to send unless the server upgrades with STARTTLS. Default true. */
  requireTLS?: boolean;
  auth?: { user: string; password?: string; passwordEnv?: string };
  /** Sender, `address@example.com` or `Product <address@example.com>`. */
  from: string;
  ca?: string;
  timeoutMs?: number;
  maxConnections?: number;
  /** A directory whose template files replace the bundled ones (see templates.ts). */
  templatesDir?: string;
  branding?: Partial<Branding>;
}

export const emailConfigSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['host', 'port', 'from'],
  properties: {
    host: { type: 'string', minLength: 1 },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    secure: { type: 'boolean', default: false },
    // On by default: the email carries the verification link, a bearer secret.
    requireTLS: { type: 'boolean', default: true },
    auth: {
      type: 'object',
      additionalProperties: false,
      required: ['user'],
      properties: { user: { type: 'string', minLength: 1 }, ...secretSchema('password') },
    },
    from: { type: 'string', minLength: 3 },
    ca: commonSchema.ca,
    timeoutMs: commonSchema.timeoutMs,
    maxConnections: { type: 'integer', minimum: 1, maximum: 50, default: 3 },
    templatesDir: { type: 'string', minLength: 1 },
    branding: commonSchema.branding,
  },
} as const;

type ValidConfig = Required<Omit<EmailNotifierConfig, 'auth' | 'ca' | 'templatesDir' | 'branding'>> &
  Pick<EmailNotifierConfig, 'auth' | 'ca' | 'templatesDir'> & { branding: Branding };

// One address, no display name or list: `to` comes from a user record, and a comma in it
// must not turn one notification into several.
const SINGLE_ADDRESS = /^[^\s@,;<>()"]+@[^\s@,;<>()"]+\.[^\s@,;<>()"]+$/;

export function createEmailNotifier(config: EmailNotifierConfig, options: NotifierOptions = {}): Notifier {
  const valid = validateConfig<ValidConfig>('email', emailConfigSchema, config);
  const password = valid.auth ? resolveSecret('email', valid.auth, 'password', 'auth.') : undefined;
  const templates = loadEmailTemplates(valid.templatesDir);
  const now = options.now ?? Date.now;

  const transport = nodemailer.createTransport({
    pool: true,
    maxConnections: valid.maxConnections,
    host: valid.host,
    port: valid.port,
    secure: valid.secure,
    requireTLS: !valid.secure && valid.requireTLS,
    ...(valid.auth ? { auth: { user: valid.auth.user, pass: password } } : {}),
    tls: { minVersion: 'TLSv1.2', ...(valid.ca ? { ca: valid.ca } : {}) },
    connectionTimeout: valid.timeoutMs,
    greetingTimeout: valid.timeoutMs,
    socketTimeout: valid.timeoutMs,
    // Nodemailer's transcript would hold the AUTH exchange and the link; it stays off.
    logger: false,
    debug: false,
  });

  const context = {
    channel: 'email' as const,
    logger: options.logger ?? silentLogger,
    timeoutMs: valid.timeoutMs,
    secrets: () => (password ? [password] : []),
    classify: classifySmtpError,
  };

  return {
    channel: 'email',
    send(message: EndUserMessage, messageLogger?: NotifierLogger): Promise<NotifyResult> {
      return deliver(context, message, async (signal) => {
        if (!SINGLE_ADDRESS.test(message.to)) {
          throw new NotifyFailure('invalid_recipient', 'to is not a single email address', false);
        }
        const variables = templateVariables(message, valid.branding, now());
        const render = templates(message.locale);
        const info = await transport.sendMail({
          from: valid.from,
          to: message.to,
          subject: render.subject(variables),
          text: render.text(variables),
          html: render.html(variables),
          // RFC 3834: tells auto-responders (vacation replies) not to answer.
          headers: { 'Auto-Submitted': 'auto-generated' },
          signal,
        });
        return info.messageId;
      }, messageLogger);
    },
    async close() {
      transport.close();
    },
  };
}
