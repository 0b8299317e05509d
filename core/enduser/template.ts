/**
 * The small template language of the end-user pages, HTML-escaping by default:
 *
 *   {{name}}                  a variable, escaped
 *   {{{name}}}                a variable as HTML (only for markup the OP rendered itself)
 *   {{@key}}                  the message `key` in the page's locale, escaped, its `{name}`s
 *                             filled with the (escaped) variables
 *   {{#name}} … {{/name}}     the inside once when the variable is set (non-empty, not false),
 *                             once per item when it is a list (the item's members are variables)
 *   {{^name}} … {{/name}}     the inside when the variable is not set
 *
 * Templates are checked when they are loaded — unknown variables, unknown message keys,
 * messages naming variables the page does not have, unclosed sections — so a deployer's
 * mistake stops start-up instead of breaking a page later.
 */
import { ConfigError } from '../config/load.js';
import { PLACEHOLDER, type Messages } from './messages.js';

export type Value = string | number | boolean | null | Scope[];
export interface Scope {
  [name: string]: Value;
}

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'variable'; name: string; raw: boolean }
  | { kind: 'message'; key: string }
  | { kind: 'section'; name: string; inverted: boolean; children: Node[] };

const TAG = /\{\{\{(\w+)\}\}\}|\{\{([#^/@]?)([\w.]+)\}\}/g;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

export type Render = (locale: string, scope: Scope) => string;

/** `variables`: every name the template may use, list items' members included. */
export function compileTemplate(file: string, source: string, variables: readonly string[], messages: Messages): Render {
  const nodes = parse(file, source);
  const problems = check(nodes, new Set(variables), messages).map((p) => `enduser template ${file}: ${p}`);
  if (problems.length) throw new ConfigError(problems);
  return (locale, scope) => render(nodes, [scope], locale, messages);
}

function parse(file: string, source: string): Node[] {
  const root: Node[] = [];
  const open: Array<{ section: Extract<Node, { kind: 'section' }>; parent: Node[] }> = [];
  let current = root;
  let last = 0;
  const text = (to: number) => {
    const chunk = source.slice(last, to);
    if (chunk.includes('{{')) throw new ConfigError([`enduser template ${file}: malformed tag near "${chunk.slice(chunk.indexOf('{{'), chunk.indexOf('{{') + 20)}"`]);
    if (chunk) current.push({ kind: 'text', text: chunk });
  };
  for (const match of source.matchAll(TAG)) {
    text(match.index);
    last = match.index + match[0].length;
    const [, rawName, sigil, name = ''] = match;
    if (rawName) current.push({ kind: 'variable', name: rawName, raw: true });
    else if (sigil === '') current.push({ kind: 'variable', name, raw: false });
    else if (sigil === '@') current.push({ kind: 'message', key: name });
    else if (sigil === '/') {
      const closing = open.pop();
      if (closing?.section.name !== name) throw new ConfigError([`enduser template ${file}: {{/${name}}} closes no open section`]);
      current = closing.parent;
    } else {
      const section = { kind: 'section' as const, name, inverted: sigil === '^', children: [] };
      current.push(section);
      open.push({ section, parent: current });
      current = section.children;
    }
  }
  text(source.length);
  if (open.length) throw new ConfigError([`enduser template ${file}: {{#${open.at(-1)?.section.name}}} is not closed`]);
  return root;
}

function check(nodes: Node[], variables: ReadonlySet<string>, messages: Messages): string[] {
  return nodes.flatMap((node): string[] => {
    switch (node.kind) {
      case 'text':
        return [];
      case 'variable':
        return variables.has(node.name) ? [] : [`unknown variable {{${node.name}}}`];
      case 'section':
        return [...(variables.has(node.name) ? [] : [`unknown variable {{#${node.name}}}`]), ...check(node.children, variables, messages)];
      case 'message':
        if (!messages.has(node.key)) return [`unknown message {{@${node.key}}}`];
        return messages
          .variants(node.key)
          .flatMap((text) => [...text.matchAll(PLACEHOLDER)].map((m) => m[1] as string))
          .filter((name) => !variables.has(name))
          .map((name) => `message ${node.key} names {${name}}, which this page does not have`);
    }
  });
}

function lookup(scopes: Scope[], name: string): Value | undefined {
  for (let i = scopes.length - 1; i >= 0; i -= 1) {
    const scope = scopes[i] as Scope;
    if (Object.hasOwn(scope, name)) return scope[name];
  }
  return undefined;
}

function isSet(value: Value | undefined): boolean {
  return Array.isArray(value) ? value.length > 0 : value !== undefined && value !== null && value !== false && value !== '';
}

function show(value: Value | undefined): string {
  return value === undefined || value === null || Array.isArray(value) ? '' : String(value);
}

function render(nodes: Node[], scopes: Scope[], locale: string, messages: Messages): string {
  let out = '';
  for (const node of nodes) {
    if (node.kind === 'text') out += node.text;
    else if (node.kind === 'variable') out += node.raw ? show(lookup(scopes, node.name)) : escapeHtml(show(lookup(scopes, node.name)));
    else if (node.kind === 'message') {
      out += escapeHtml(messages.text(locale, node.key)).replace(PLACEHOLDER, (_, name: string) => escapeHtml(show(lookup(scopes, name))));
    } else {
      const value = lookup(scopes, node.name);
      if (isSet(value) === node.inverted) continue;
      const items = Array.isArray(value) && !node.inverted ? value : [{}];
      for (const item of items) out += render(node.children, [...scopes, item], locale, messages);
    }
  }
  return out;
}
