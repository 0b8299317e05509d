/**
 * The message texts (email subject and bodies, SMS text, push title and body) are small
 * templates a deployer can replace. The language is a tiny mustache subset, enough for
 * "show the binding message if there is one":
 *
 *   {{name}}                      the value of a variable
 *   {{#name}} ... {{/name}}       the inside, when the variable is not empty
 *   {{^name}} ... {{/name}}       the inside, when the variable is empty
 *
 * Templates are compiled at construction; an unknown variable or an unclosed section is a
 * configuration error then, not a broken message later.
 */
import type { EndUserMessage } from '../notifier.js';
import { NotifierConfigError, type Branding } from './config.js';

export const TEMPLATE_VARIABLES = [
  'productName',
  'supportEmail',
  'brandColor',
  'clientName',
  'clientId',
  'clientLogoUri',
  'bindingMessage',
  'link',
  'expiresInMinutes',
  'scopes',
] as const;

export type TemplateVariables = Record<(typeof TEMPLATE_VARIABLES)[number], string>;

export type Render = (variables: TemplateVariables) => string;

const SECTION = /\{\{([#^])(\w+)\}\}([\s\S]*?)\{\{\/\2\}\}/g;
const VARIABLE = /\{\{(\w+)\}\}/g;
const ANY_TAG = /\{\{[#^/]?(\w+)\}\}/g;

/**
 * `name` says which template a configuration error is about; `escape` is applied to every
 * interpolated value (HTML escaping for HTML templates).
 */
export function compileTemplate(
  plugin: string,
  name: string,
  source: string,
  escape: (value: string) => string = (v) => v,
): Render {
  for (const [, variable] of source.matchAll(ANY_TAG)) {
    if (!(TEMPLATE_VARIABLES as readonly string[]).includes(variable!)) {
      throw new NotifierConfigError(plugin, [
        `template ${name}: unknown variable {{${variable}}}; known: ${TEMPLATE_VARIABLES.join(', ')}`,
      ]);
    }
  }
  const render: Render = (variables) =>
    sections(source, variables).replace(VARIABLE, (_, variable: string) =>
      escape(variables[variable as keyof TemplateVariables]),
    );
  // Rendered with every variable empty and then with every variable set, a well-formed
  // template leaves no tag behind whichever branch each section takes.
  for (const sample of ['', 'x']) {
    const variables = Object.fromEntries(TEMPLATE_VARIABLES.map((v) => [v, sample])) as TemplateVariables;
    if (render(variables).includes('{{')) {
      throw new NotifierConfigError(plugin, [`template ${name}: a {{#section}} or {{^section}} is not closed, or a tag is malformed`]);
    }
  }
  return render;
}

function sections(text: string, variables: TemplateVariables): string {
  return text.replace(SECTION, (_, kind: string, variable: string, inside: string) =>
    (variables[variable as keyof TemplateVariables] !== '') === (kind === '#') ? sections(inside, variables) : '',
  );
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The variables every template sees, from one message. */
export function templateVariables(message: EndUserMessage, branding: Branding, now: number): TemplateVariables {
  return {
    productName: branding.productName,
    supportEmail: branding.supportEmail ?? '',
    brandColor: branding.color,
    clientName: message.client.name,
    clientId: message.client.id,
    // Only https logos: the email client fetches it, and plain http would leak that it did.
    clientLogoUri: message.client.logoUri?.startsWith('https://') ? message.client.logoUri : '',
    bindingMessage: message.bindingMessage ?? '',
    link: message.link,
    expiresInMinutes: String(Math.max(1, Math.ceil((message.expiresAt - now) / 60_000))),
    scopes: message.scopes.join(' '),
  };
}
