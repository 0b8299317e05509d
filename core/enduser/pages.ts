/**
 * The end-user pages: bundled templates and texts (templates/, messages/), any of which a
 * deployer replaces with a file of the same name in `enduser.templatesDir` (`review.html`,
 * `enduser.css`, `messages/en.json`, a new `messages/de.json`, …). Loaded and checked once at
 * start-up.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config/load.js';
import type { Config } from '../config/types.js';
import { fromRoot } from '../paths.js';
import type { Problem } from './authentication.js';
import { Messages } from './messages.js';
import type { RequestView } from './request-view.js';
import { compileTemplate, type Render } from './template.js';

const BUNDLED = fromRoot('core', 'enduser');

/** What each template may use; a deployer's template naming anything else is refused. */
const VARIABLES = {
  layout: ['lang', 'title', 'content'],
  review: ['clientName', 'logoUri', 'bindingMessage', 'scopes', 'scope', 'description', 'minutesLeft', 'csrf', 'passwordRequired', 'problem', 'username'],
  outcome: ['approved', 'clientName'],
  notice: ['title', 'text'],
} as const;

type PageName = keyof typeof VARIABLES;

export type NoticeKind = 'deadLink' | 'stale' | 'locked' | 'tooManyAttempts';

export interface ReviewForm {
  csrf: string;
  /** Why the previous attempt was refused, if it was. */
  problem: Exclude<Problem, 'locked' | 'too_many_attempts'> | null;
  /** What the user typed before, so a wrong password does not cost them the username too. */
  username: string;
}

export class Pages {
  private constructor(
    readonly messages: Messages,
    readonly css: string,
    private readonly templates: Record<PageName, Render>,
  ) {}

  static load(config: Config): Pages {
    const own = config.enduser.templatesDir;
    if (own !== null && !existsSync(own)) throw new ConfigError([`enduser.templatesDir: ${own} does not exist`]);
    const file = (name: string) => (own !== null && existsSync(join(own, name)) ? join(own, name) : join(BUNDLED, 'templates', name));
    const ownMessages = own !== null && existsSync(join(own, 'messages')) ? join(own, 'messages') : null;
    const messages = Messages.load(join(BUNDLED, 'messages'), ownMessages, config.enduser.defaultLocale);
    const templates = Object.fromEntries(
      (Object.keys(VARIABLES) as PageName[]).map((name) => {
        const path = file(`${name}.html`);
        return [name, compileTemplate(path, readFileSync(path, 'utf8'), VARIABLES[name], messages)];
      }),
    ) as Record<PageName, Render>;
    return new Pages(messages, readFileSync(file('enduser.css'), 'utf8'), templates);
  }

  locale(acceptLanguage: string | undefined): string {
    return this.messages.negotiate(acceptLanguage);
  }

  review(locale: string, view: RequestView, form: ReviewForm): string {
    const content = this.templates.review(locale, {
      clientName: view.clientName,
      logoUri: view.logoUri,
      bindingMessage: view.bindingMessage,
      scopes: view.scopes,
      minutesLeft: Math.max(1, Math.ceil(view.secondsLeft / 60)),
      csrf: form.csrf,
      passwordRequired: view.passwordRequired,
      problem: form.problem && this.messages.text(locale, `problem.${form.problem}`),
      username: form.username,
    });
    return this.page(locale, this.messages.format(locale, 'review.title', { clientName: view.clientName }), content);
  }

  outcome(locale: string, approved: boolean, clientName: string): string {
    const content = this.templates.outcome(locale, { approved, clientName });
    return this.page(locale, this.messages.text(locale, approved ? 'outcome.approvedTitle' : 'outcome.deniedTitle'), content);
  }

  notice(locale: string, kind: NoticeKind, variables: Record<string, number> = {}): string {
    const title = this.messages.text(locale, `notice.${kind}.title`);
    return this.page(locale, title, this.templates.notice(locale, { title, text: this.messages.format(locale, `notice.${kind}.text`, variables) }));
  }

  private page(locale: string, title: string, content: string): string {
    return this.templates.layout(locale, { lang: locale, title, content });
  }
}
