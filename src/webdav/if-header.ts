// The If header (RFC 4918 section 10.4), parsed and evaluated by the gateway before any
// method runs. Its lock tokens are also the tokens the request submits.
import { GatewayError } from '../core/errors.js';
import { davTargetOfUrl, type DavTarget } from './dav-path.js';

interface Condition {
  not: boolean;
  /** A state token (lock token or any URI, e.g. DAV:no-lock)... */
  token?: string;
  /** ...or an entity tag, quotes included. */
  etag?: string;
}

export interface IfList {
  /** The tagged resource, or undefined for the request URI. */
  resource?: DavTarget;
  conditions: Condition[];
}

/** Parse an If header. Syntax errors are 400s. */
export function parseIf(header: string): IfList[] {
  const lists: IfList[] = [];
  let rest = header.trim();
  let tag: DavTarget | undefined;
  const bad = () => new GatewayError('bad_request', 'malformed If header');
  while (rest.length > 0) {
    if (rest.startsWith('<')) {
      const end = rest.indexOf('>');
      if (end < 0) throw bad();
      try {
        tag = davTargetOfUrl(rest.slice(1, end));
      } catch {
        // A resource outside /dav/ cannot carry our locks: a list about it never matches.
        tag = { site: '\0elsewhere', path: undefined as never };
      }
      rest = rest.slice(end + 1).trimStart();
      if (!rest.startsWith('(')) throw bad();
    }
    if (!rest.startsWith('(')) throw bad();
    const close = findClose(rest);
    if (close < 0) throw bad();
    lists.push({ resource: tag, conditions: parseConditions(rest.slice(1, close), bad) });
    rest = rest.slice(close + 1).trimStart();
  }
  if (lists.length === 0) throw bad();
  return lists;
}

/** The ")" ending a list, skipping those inside <...> and [...]. */
function findClose(text: string): number {
  let inAngle = false;
  let inSquare = false;
  for (let i = 1; i < text.length; i++) {
    const c = text[i];
    if (inAngle) inAngle = c !== '>';
    else if (inSquare) inSquare = c !== ']';
    else if (c === '<') inAngle = true;
    else if (c === '[') inSquare = true;
    else if (c === ')') return i;
  }
  return -1;
}

function parseConditions(text: string, bad: () => Error): Condition[] {
  const conditions: Condition[] = [];
  let rest = text.trim();
  while (rest.length > 0) {
    let not = false;
    const m = /^not\s*/i.exec(rest);
    if (m) {
      not = true;
      rest = rest.slice(m[0].length);
    }
    if (rest.startsWith('<')) {
      const end = rest.indexOf('>');
      if (end < 0) throw bad();
      conditions.push({ not, token: rest.slice(1, end).trim() });
      rest = rest.slice(end + 1).trimStart();
    } else if (rest.startsWith('[')) {
      const end = rest.indexOf(']');
      if (end < 0) throw bad();
      conditions.push({ not, etag: rest.slice(1, end).trim() });
      rest = rest.slice(end + 1).trimStart();
    } else {
      throw bad();
    }
  }
  if (conditions.length === 0) throw bad();
  return conditions;
}

/** Every state token in the header: the lock tokens this request submits. */
export function submittedTokens(lists: IfList[]): Set<string> {
  const tokens = new Set<string>();
  for (const list of lists) for (const c of list.conditions) if (c.token && !c.not) tokens.add(c.token);
  return tokens;
}

export interface ConditionOracle {
  /** Is this lock token a current lock covering the resource? */
  tokenMatches(resource: DavTarget, token: string): boolean;
  /** The resource's current entity tag, or undefined when it does not exist. */
  etagOf(resource: DavTarget): Promise<string | undefined>;
}

/** True when at least one list holds entirely (RFC 4918 section 10.4.3). */
export async function evaluateIf(lists: IfList[], requestTarget: DavTarget, oracle: ConditionOracle): Promise<boolean> {
  for (const list of lists) {
    const resource = list.resource ?? requestTarget;
    let holds = true;
    for (const c of list.conditions) {
      let value: boolean;
      if (resource.site === '\0elsewhere') value = false;
      else if (c.token !== undefined) value = oracle.tokenMatches(resource, c.token);
      else value = weakless(await oracle.etagOf(resource)) === weakless(c.etag);
      if (value === c.not) {
        holds = false;
        break;
      }
    }
    if (holds) return true;
  }
  return false;
}

function weakless(etag: string | undefined): string | undefined {
  return etag?.replace(/^W\//, '');
}

/**
 * The lock tokens a request outside WebDAV (REST, tus, multipart) presents: those of a WebDAV
 * `If: (<token>)` header and of a `Lock-Token: <token>` header. Only the tokens count here
 * (the core checks them against the locks); a malformed If header is a 400.
 */
export function lockTokensOf(headers: Record<string, string | string[] | undefined>): Set<string> {
  const tokens = new Set<string>();
  const ifHeader = headers.if;
  if (typeof ifHeader === 'string' && ifHeader.trim() !== '') for (const t of submittedTokens(parseIf(ifHeader))) tokens.add(t);
  const lockToken = headers['lock-token'];
  if (typeof lockToken === 'string') {
    const m = /^\s*<([^<>\s]+)>\s*$/.exec(lockToken);
    if (!m) throw new GatewayError('bad_request', 'malformed Lock-Token header: expected <token>');
    tokens.add(m[1]!);
  }
  return tokens;
}
