// Server-side HTML for the no-JavaScript pages: every piece of data goes through esc().
import type { Entry } from '../core/types.js';
import type { RemotePath } from '../core/paths.js';
import type { SiteSummary } from '../core/types.js';

export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const enc = encodeURIComponent;

function browseHref(site: string, segments: readonly string[]): string {
  return `/browse/${enc(site)}/` + segments.map((s) => enc(s) + '/').join('');
}

function fileHref(site: string, segments: readonly string[]): string {
  return `/api/v1/sites/${enc(site)}/files/` + segments.map(enc).join('/');
}

function humanSize(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let n = bytes;
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${n.toFixed(n < 10 ? 1 : 0)} ${units[i]}`;
}

export function sitesHtml(sites: readonly SiteSummary[]): string {
  const items = sites
    .map((s) => {
      const note = s.credentials === 'pass-through' ? ' <small>(sign-in)</small>' : s.readOnly ? ' <small>(read-only)</small>' : '';
      return `<li><a href="${esc(browseHref(s.name, []))}">${esc(s.name)}</a>${note}</li>`;
    })
    .join('');
  return `<h1>Sites</h1><ul class="plain-sites">${items || '<li>No site is configured.</li>'}</ul>`;
}

function breadcrumbHtml(site: string, path: RemotePath): string {
  const links = [`<a href="/browse/">Sites</a>`, `<a href="${esc(browseHref(site, []))}">${esc(site)}</a>`];
  path.segments.forEach((s, i) => links.push(`<a href="${esc(browseHref(site, path.segments.slice(0, i + 1)))}">${esc(s)}</a>`));
  return `<nav aria-label="Breadcrumb" class="plain-crumbs">${links.join(' / ')}</nav>`;
}

export function listingHtml(site: string, path: RemotePath, entries: readonly Entry[]): string {
  const sorted = [...entries].sort(
    (a, b) => Number(b.type === 'directory') - Number(a.type === 'directory') || a.name.localeCompare(b.name),
  );
  const rows = sorted.map((e) => {
    const segments = [...path.segments, e.name];
    const isDir = e.type === 'directory';
    const href = isDir ? browseHref(site, segments) : fileHref(site, segments);
    const when = e.modified ? e.modified.toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : '';
    return (
      `<tr><td><a href="${esc(href)}">${esc(e.name)}${isDir ? '/' : ''}</a></td>` +
      `<td class="num">${isDir ? '' : esc(humanSize(e.size))}</td><td>${esc(when)}</td></tr>`
    );
  });
  const up = path.isRoot
    ? ''
    : `<tr><td><a href="${esc(browseHref(site, path.parent.segments))}" rel="up">Parent folder</a></td><td></td><td></td></tr>`;
  const body = up + (rows.join('') || '<tr><td colspan="3">This folder is empty.</td></tr>');
  return (
    breadcrumbHtml(site, path) +
    `<h1>${esc(path.toString())}</h1>` +
    `<table class="plain-list"><thead><tr><th scope="col">Name</th><th scope="col">Size</th><th scope="col">Modified</th></tr></thead>` +
    `<tbody>${body}</tbody></table>`
  );
}

export function messageHtml(title: string, detail: string, extra = ''): string {
  return `<h1>${esc(title)}</h1><p>${esc(detail)}</p>${extra}`;
}
