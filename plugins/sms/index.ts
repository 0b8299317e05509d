/**
 * SMS notifier: a short text with the binding message and the link, sent with the official
 * twilio client (Programmable Messaging, `POST /2010-04-01/Accounts/{sid}/Messages.json`).
 */
import twilio from 'twilio';
import type { EndUserMessage, Notifier, NotifierLogger, NotifierOptions, NotifyResult } from '../notifier.js';
import { commonSchema, NotifierConfigError, requireExactlyOne, validateConfig, type Branding } from '../shared/config.js';
import { deliver, NotifyFailure, silentLogger } from '../shared/delivery.js';
import { httpsUrl } from '../shared/http-post.js';
import { resolveSecret, secretSchema } from '../shared/secrets.js';
import { compileTemplate, templateVariables } from '../shared/template.js';
import { classifyTwilioError } from './twilio-errors.js';
import { TwilioHttpClient } from './twilio-http.js';

export interface SmsNotifierConfig {
  accountSid: string;
  /** Either the account's auth token ... */
  authToken?: string;
  authTokenEnv?: string;
  /** ... or an API key (recommended: revocable on its own). */
  apiKeySid?: string;
  apiKeySecret?: string;
  apiKeySecretEnv?: string;
  /** Sender: a number in E.164 or an alphanumeric sender id, or a Messaging Service. */
  from?: string;
  messagingServiceSid?: string;
  /** Default https://api.twilio.com; a private gateway, or a test peer. */
  apiBaseUrl?: string;
  ca?: string;
  timeoutMs?: number;
  /** See shared/template.ts for the variables. */
  bodyTemplate?: string;
  branding?: Partial<Branding>;
}

const sid = (prefix: string) => ({ type: 'string', pattern: `^${prefix}[0-9a-fA-F]{32}$` });

export const smsConfigSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['accountSid'],
  properties: {
    accountSid: sid('AC'),
    ...secretSchema('authToken'),
    apiKeySid: sid('SK'),
    ...secretSchema('apiKeySecret'),
    from: { type: 'string', pattern: '^(\\+[1-9][0-9]{1,14}|[A-Za-z0-9 ]{1,11})$' },
    messagingServiceSid: sid('MG'),
    apiBaseUrl: { type: 'string', format: 'uri', default: 'https://api.twilio.com' },
    ca: commonSchema.ca,
    timeoutMs: commonSchema.timeoutMs,
    bodyTemplate: {
      type: 'string',
      minLength: 1,
      default:
        '{{productName}}: {{clientName}} asks you to approve a sign-in.' +
        '{{#bindingMessage}} Code: {{bindingMessage}}.{{/bindingMessage}}' +
        ' {{link}} (expires in {{expiresInMinutes}} min)',
    },
    branding: commonSchema.branding,
  },
} as const;

type ValidConfig = SmsNotifierConfig & { apiBaseUrl: string; timeoutMs: number; bodyTemplate: string; branding: Branding };

const E164 = /^\+[1-9][0-9]{1,14}$/;

export function createSmsNotifier(config: SmsNotifierConfig, options: NotifierOptions = {}): Notifier {
  const valid = validateConfig<ValidConfig>('sms', smsConfigSchema, config);
  const sender = requireExactlyOne('sms', valid, ['from', 'messagingServiceSid']);
  const [username, password] = credentials(valid);
  const render = compileTemplate('sms', 'bodyTemplate', valid.bodyTemplate);
  const now = options.now ?? Date.now;

  const http = new TwilioHttpClient(httpsUrl('sms', 'apiBaseUrl', valid.apiBaseUrl), {
    timeoutMs: valid.timeoutMs,
    ...(valid.ca ? { ca: valid.ca } : {}),
  });
  const client = new twilio.Twilio(username, password, { accountSid: valid.accountSid, httpClient: http });

  const context = {
    channel: 'sms' as const,
    logger: options.logger ?? silentLogger,
    timeoutMs: valid.timeoutMs,
    secrets: () => [password],
    classify: classifyTwilioError,
  };

  return {
    channel: 'sms',
    send(message: EndUserMessage, messageLogger?: NotifierLogger): Promise<NotifyResult> {
      return deliver(context, message, async () => {
        if (!E164.test(message.to)) {
          throw new NotifyFailure('invalid_recipient', 'to is not an E.164 phone number', false);
        }
        const body = render(templateVariables(message, valid.branding, now()));
        const sent = await client.messages.create({
          to: message.to,
          body,
          ...(sender === 'from' ? { from: valid.from! } : { messagingServiceSid: valid.messagingServiceSid! }),
        });
        return sent.sid;
      }, messageLogger);
    },
    async close() {
      http.close();
    },
  };
}

/** Basic auth pair: the API key and its secret, or the account SID and its auth token. */
function credentials(config: ValidConfig): [string, string] {
  if (config.apiKeySid === undefined) {
    if (config.apiKeySecret !== undefined || config.apiKeySecretEnv !== undefined) {
      throw new NotifierConfigError('sms', ['apiKeySecret needs apiKeySid']);
    }
    return [config.accountSid, resolveSecret('sms', config, 'authToken')];
  }
  if (config.authToken !== undefined || config.authTokenEnv !== undefined) {
    throw new NotifierConfigError('sms', ['set authToken or apiKeySid/apiKeySecret, not both']);
  }
  return [config.apiKeySid, resolveSecret('sms', config, 'apiKeySecret')];
}
