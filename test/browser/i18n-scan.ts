// Finds interface text of the page that bypasses the catalogue (public/assets/i18n.js): string
// literals in the page's scripts that read like words for people but are not a t() key, t() keys
// the German catalogue lacks, and text or labels in index.html without a data-i18n* attribute.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'acorn';
import { ancestor } from 'acorn-walk';
import type { Node } from 'acorn';

const ASSETS = join(import.meta.dirname, '../../public/assets');

const parseModule = (file: string) => parse(readFileSync(join(ASSETS, file), 'utf8'), { ecmaVersion: 'latest', sourceType: 'module', locations: true });

/** The German catalogue (English key → German), read from the source (the module itself needs a browser). */
export function germanCatalogue(): Map<string, string> {
  const entries = new Map<string, string>();
  ancestor(parseModule('i18n.js'), {
    VariableDeclarator(node: any) {
      if (node.id.name !== 'DE') return;
      for (const p of node.init.properties) entries.set(p.key.type === 'Literal' ? String(p.key.value) : p.key.name, String(p.value.value));
    },
  });
  return entries;
}
const germanKeys = () => new Set(germanCatalogue().keys());

/** Text that only a program reads: ids, classes, selectors, keys, MIME types, URLs, headers. */
const NOT_PROSE: RegExp[] = [
  /^[\s\W\d]*$/, // punctuation, digits, arrows
  /^(Arrow(Left|Right|Up|Down)|Enter|Escape|Backspace|Delete|Home|End|Page(Up|Down)|Tab|ContextMenu|F2|Space|Meta|Control|Shift)$/,
  /^(?=.*-)[a-z]+(-[a-z]*)*( [a-z]+(-[a-z]*)*)*$/, // class lists: "ico ico-directory"
  /^[a-z]+(, [a-z]+)+$/, // selector lists: "textarea, input"
  /^[A-Z][a-z]+(-[A-Z][a-z]+)+$/, // HTTP header names: Content-Type, X-Requested-With
  /^(GET|HEAD|PUT|POST|DELETE|PATCH|MOVE|COPY|OPTIONS)$/,
  /^(KB|MB|GB|TB|B|KiB|MiB|GiB|TiB)$/,
  /^ftpgate\b/, // the product's name, and its storage keys
];

const looksLikeProse = (text: string) => {
  const s = text.trim();
  if (NOT_PROSE.some((re) => re.test(s))) return false;
  if (/^[a-z0-9_.:/#@?=&%*+-]+$/.test(s)) return false; // ids, classes, URLs, event names
  if (/^[#.[]/.test(s) || /^[a-z]+\[/.test(s)) return false; // CSS selectors
  return /[A-Za-z]{2,}/.test(s) && (/^[A-Z][a-z]/.test(s) || /[a-z]{2,}[ ,.…?!]/.test(s));
};

/** Strings a browser API or a header defines, where they read like words. */
const EXEMPT: Record<string, string[]> = {
  'upload.js': ['Files'], // DataTransfer.types of a drag that carries files
  'tus-client.js': ['Location'], // the response header of a created upload
};

export interface Finding {
  file: string;
  line: number;
  text: string;
  why: string;
}

/** Every bypass of the catalogue in the page's scripts. */
export function scanScripts(keys = germanKeys()): Finding[] {
  const findings: Finding[] = [];
  const files = readdirSync(ASSETS).filter((f) => f.endsWith('.js') && f !== 'i18n.js');
  for (const file of files) {
    const add = (node: Node, text: string, why: string) => findings.push({ file, line: node.loc!.start.line, text, why });
    const isKeyOfT = (node: Node, parents: Node[]) => {
      const call = parents[parents.length - 2] as any;
      return call?.type === 'CallExpression' && call.callee.type === 'Identifier' && call.callee.name === 't' && call.arguments[0] === node;
    };
    // Imports and console output are for programs and developers.
    const quiet = (parents: Node[]) =>
      parents.some((p: any) => p.type === 'ImportDeclaration' || p.type === 'ExportNamedDeclaration' && p.source || (p.type === 'CallExpression' && p.callee.type === 'MemberExpression' && p.callee.object.name === 'console'));
    ancestor(parseModule(file), {
      Literal(node: any, _state: unknown, parents: Node[]) {
        if (typeof node.value !== 'string' || quiet(parents)) return;
        if (isKeyOfT(node, parents)) {
          if (!keys.has(node.value)) add(node, node.value, 't() key missing from the German catalogue');
        } else if (looksLikeProse(node.value) && !EXEMPT[file]?.includes(node.value)) {
          add(node, node.value, 'interface text outside t()');
        }
      },
      TemplateLiteral(node: any, _state: unknown, parents: Node[]) {
        if (quiet(parents)) return;
        if (isKeyOfT(node, parents)) return add(node, '`…`', 't() key built at run time');
        for (const q of node.quasis) if (looksLikeProse(q.value.cooked)) add(q, q.value.cooked, 'interface text in a template outside t()');
      },
    });
  }
  return findings;
}

/** Text and labels of index.html that translatePage() would not translate. */
export function scanHtml(keys = germanKeys()): Finding[] {
  const html = readFileSync(join(ASSETS, '../index.html'), 'utf8');
  const findings: Finding[] = [];
  const lineOf = (at: number) => html.slice(0, at).split('\n').length;
  const attr = (attrs: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(attrs)?.[1];
  for (const m of html.matchAll(/<(\w+)([^>]*)>([^<]*)/g)) {
    const [, tag, attrs = '', after = ''] = m;
    const line = lineOf(m.index);
    const text = after.trim();
    const voidTag = ['img', 'input', 'meta', 'link', 'br'].includes(tag!);
    if (text && !voidTag && !['title', 'script', 'style'].includes(tag!) && looksLikeProse(text)) {
      const key = attr(attrs, 'data-i18n');
      if (key !== text) findings.push({ file: 'index.html', line, text, why: 'text without data-i18n' });
    }
    for (const [name, mark] of [['aria-label', 'data-i18n-label'], ['placeholder', 'data-i18n-ph'], ['title', 'data-i18n-title']] as const) {
      const value = attr(attrs, name);
      if (value && looksLikeProse(value) && attr(attrs, mark) !== value) findings.push({ file: 'index.html', line, text: value, why: `${name} without ${mark}` });
    }
    for (const mark of ['data-i18n', 'data-i18n-label', 'data-i18n-ph', 'data-i18n-title']) {
      const key = attr(attrs, mark);
      if (key !== undefined && !keys.has(key)) findings.push({ file: 'index.html', line, text: key, why: `${mark} key missing from the German catalogue` });
    }
  }
  return findings;
}
