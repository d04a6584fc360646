// XML for the bodies the gateway reads and writes itself (PROPFIND, PROPPATCH, LOCK). Parsed
// with xml-js and resolved into (namespace, local name) pairs; dead property values are written
// back with explicit default-namespace declarations, so they keep their meaning anywhere.
import xmljs from 'xml-js';

interface RawNode {
  type: string;
  name?: string;
  text?: string | number | boolean;
  cdata?: string;
  attributes?: Record<string, string | number | undefined>;
  elements?: RawNode[];
}


export interface XmlElement {
  ns: string;
  local: string;
  /** Attributes by Clark name ({ns}local, or local alone without namespace); no xmlns declarations. */
  attributes: Map<string, string>;
  children: XmlNode[];
}
type XmlNode = XmlElement | string;

export const DAV = 'DAV:';

export function clark(ns: string, local: string): string {
  return ns ? `{${ns}}${local}` : local;
}

/** Parse a request body into its root element; throws on anything not well-formed. */
export function parseXml(text: string): XmlElement {
  const doc = xmljs.xml2js(text, { compact: false }) as RawNode;
  const roots = (doc.elements ?? []).filter((e) => e.type === 'element');
  if (roots.length !== 1) throw new Error('expected one root element');
  return resolve(roots[0]!, new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]));
}

function resolve(raw: RawNode, parentScope: Map<string, string>): XmlElement {
  // xml-js does not complain about elements left open at the end; it leaves them their parent link.
  if ('parent' in raw) throw new Error(`element ${raw.name} is not closed`);
  const scope = new Map(parentScope);
  for (const [name, value] of Object.entries(raw.attributes ?? {})) {
    const v = String(value ?? '');
    if (name === 'xmlns') scope.set('', v);
    else if (name.startsWith('xmlns:')) {
      // An empty prefixed declaration is not allowed in Namespaces 1.0 (litmus propfind_invalid2).
      if (v === '') throw new Error(`empty declaration of prefix ${name.slice(6)}`);
      scope.set(name.slice(6), v);
    }
  }
  const split = (qname: string, isAttribute: boolean): [string, string] => {
    const colon = qname.indexOf(':');
    if (colon < 0) return [isAttribute ? '' : (scope.get('') ?? ''), qname];
    const prefix = qname.slice(0, colon);
    const ns = scope.get(prefix);
    if (ns === undefined) throw new Error(`undeclared prefix ${prefix}`);
    return [ns, qname.slice(colon + 1)];
  };
  const [ns, local] = split(raw.name ?? '', false);
  const attributes = new Map<string, string>();
  for (const [name, value] of Object.entries(raw.attributes ?? {})) {
    if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
    const [ans, alocal] = split(name, true);
    attributes.set(clark(ans, alocal), String(value ?? ''));
  }
  const children: XmlNode[] = [];
  for (const child of raw.elements ?? []) {
    if (child.type === 'element') children.push(resolve(child, scope));
    else if (child.type === 'text') children.push(String(child.text ?? ''));
    else if (child.type === 'cdata') children.push(child.cdata ?? '');
  }
  return { ns, local, attributes, children };
}

export function elementsOf(el: XmlElement): XmlElement[] {
  return el.children.filter((c): c is XmlElement => typeof c !== 'string');
}

export function isDav(el: XmlElement, local: string): boolean {
  return el.ns === DAV && el.local === local;
}

const ENTITIES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', '\r': '&#13;' };

/** Text content: <, > and & (and CR, which parsers would otherwise fold into LF). */
export function escapeXml(text: string): string {
  return text.replace(/[<>&\r]/g, (c) => ENTITIES[c]!);
}

/** A double-quoted attribute value. */
export function escapeAttr(text: string): string {
  return text.replace(/[<>&"\r]/g, (c) => ENTITIES[c]!);
}

/**
 * An element as standalone XML: every element declares its namespace as the default one, and
 * namespaced attributes get prefixes declared on the spot.
 */
export function serialize(el: XmlElement, parentNs: string | undefined = undefined): string {
  let attrs = el.ns !== parentNs ? ` xmlns="${escapeAttr(el.ns)}"` : '';
  let n = 0;
  for (const [name, value] of el.attributes) {
    const m = /^\{(.*)\}(.*)$/.exec(name);
    if (m) {
      const prefix = `a${n++}`;
      attrs += ` xmlns:${prefix}="${escapeAttr(m[1]!)}" ${prefix}:${m[2]}="${escapeAttr(value)}"`;
    } else {
      attrs += ` ${name}="${escapeAttr(value)}"`;
    }
  }
  const inner = el.children.map((c) => (typeof c === 'string' ? escapeXml(c) : serialize(c, el.ns))).join('');
  return inner === '' ? `<${el.local}${attrs}/>` : `<${el.local}${attrs}>${inner}</${el.local}>`;
}

/** An empty element for a property name, e.g. in a 404 propstat or a propname answer. */
export function emptyElement(ns: string, local: string): string {
  return `<${local} xmlns="${escapeAttr(ns)}"/>`;
}

/** An RFC 4918 error body: <D:error><D:{condition}>...</D:{condition}></D:error>. */
export function errorBody(condition: string, hrefs: string[] = []): string {
  const inner = hrefs.map((h) => `<D:href>${escapeXml(h)}</D:href>`).join('');
  return `<?xml version="1.0" encoding="utf-8"?>\n<D:error xmlns:D="DAV:"><D:${condition}>${inner}</D:${condition}></D:error>`;
}
