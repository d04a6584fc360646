// Share links: made by a gateway account, used by anyone holding the link, for nothing
// outside its own file or folder; expiry, password (rate-limited), download count, revocation,
// and drop boxes that never list nor overwrite.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { basic, rawRequest } from '../helpers/http.js';
import { startDisk, writeUsersFile, type Disk } from '../security/fixtures.js';

describe('share links', () => {
  let disk: Disk;
  let gw: TestGateway;
  let dir: string;
  const alice = { authorization: basic('alice', 'alice-pw'), 'content-type': 'application/json' };
  const bob = { authorization: basic('bob', 'bob-pw'), 'content-type': 'application/json' };

  beforeAll(async () => {
    disk = await startDisk({
      'alice/report.txt': 'the report',
      'alice/photos/a.jpg': 'jpeg bytes',
      'alice/photos/sub/b.txt': 'inside',
      'alice/private/secret.txt': 'not shared',
      'alice/inbox/': '',
      'alice/inbox/existing.txt': 'already here',
      'bob/x.txt': 'bob',
    });
    dir = await mkdtemp(join(tmpdir(), 'ftpgate-shares-'));
    const usersFile = await writeUsersFile(dir, [
      { name: 'alice', password: 'alice-pw', sites: ['acc'], root: '/alice' },
      { name: 'bob', password: 'bob-pw', sites: ['acc'], root: '/bob', readOnly: true },
    ]);
    const ftp = { host: '127.0.0.1', port: disk.server.port, poolSize: 3, listingCacheTtlMs: 0 };
    gw = await startGateway(
      { acc: { ...ftp, auth: 'accounts' }, fixed: { ...ftp, user: 'ftpteam', password: 'Ftp-S3cret-Value' } },
      { usersFile, loginFailuresPerAddress: 1000, loginFailuresPerUser: 5 },
    );
  });
  afterAll(async () => {
    await gw?.close();
    await disk?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const make = async (body: object, headers = alice) => {
    const res = await fetch(`${gw.base}/api/v1/sites/acc/shares`, { method: 'POST', headers, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as { id: string; url: string; code?: string } };
  };
  const visit = (path: string, init?: RequestInit) => fetch(`${gw.base}${path}`, { redirect: 'manual', ...init });

  it('shares a file without an account, and the owner lists and revokes it', async () => {
    const link = await make({ path: '/report.txt' });
    expect(link.status).toBe(201);
    expect(link.body.id).toMatch(/^[A-Za-z0-9_-]{22}$/); // 128 bits
    const res = await visit(link.body.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment/);
    expect(await res.text()).toBe('the report');

    const mine = (await (await fetch(`${gw.base}/api/v1/sites/acc/shares`, { headers: alice })).json()) as { shares: { id: string }[] };
    expect(mine.shares.map((s) => s.id)).toContain(link.body.id);
    const bobs = (await (await fetch(`${gw.base}/api/v1/sites/acc/shares`, { headers: bob })).json()) as { shares: unknown[] };
    expect(bobs.shares).toEqual([]); // others never see it
    expect((await fetch(`${gw.base}/api/v1/sites/acc/shares/${link.body.id}`, { method: 'DELETE', headers: { authorization: bob.authorization } })).status).toBe(404);
    expect((await fetch(`${gw.base}/api/v1/sites/acc/shares/${link.body.id}`, { method: 'DELETE', headers: { authorization: alice.authorization } })).status).toBe(204);
    expect((await visit(link.body.url)).status).toBe(404);
  });

  it('shares a folder as a page and as a zip, and nothing outside it', async () => {
    const link = await make({ path: '/photos' });
    const page = await (await visit(link.body.url)).text();
    expect(page).toContain(`/s/${link.body.id}/file/a.jpg`);
    expect(page).toContain(`/s/${link.body.id}/browse/sub`);
    expect(page).not.toContain('secret');
    expect(await (await visit(`/s/${link.body.id}/file/a.jpg`)).text()).toBe('jpeg bytes');
    expect(await (await visit(`/s/${link.body.id}/browse/sub`)).text()).toContain(`/s/${link.body.id}/file/sub/b.txt`);
    expect(await (await visit(`/s/${link.body.id}/file/sub/b.txt`)).text()).toBe('inside');
    // A sibling folder cannot be reached, in any spelling.
    for (const path of ['/file/../private/secret.txt', '/file/%2e%2e/private/secret.txt', '/file/..%2Fprivate%2Fsecret.txt', '/browse/..']) {
      const res = await rawRequest(gw.base, 'GET', `/s/${link.body.id}${path}`);
      expect(res.status, path).toBe(400);
      expect(res.body).not.toContain('not shared');
    }
    const zip = await visit(`/s/${link.body.id}/zip`);
    expect(zip.status).toBe(200);
    const file = join(dir, 'photos.zip');
    await writeFile(file, Buffer.from(await zip.arrayBuffer()));
    expect(execFileSync('unzip', ['-Z1', file], { encoding: 'utf8' }).split('\n').filter(Boolean).sort()).toEqual(['a.jpg', 'sub/', 'sub/b.txt']);
  });

  it('expires', async () => {
    const link = await make({ path: '/report.txt', expiresInSeconds: 1 });
    expect((await visit(link.body.url)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await visit(link.body.url)).status).toBe(410);
  });

  it('counts downloads and stops at the limit', async () => {
    const link = await make({ path: '/report.txt', maxDownloads: 2 });
    expect((await visit(link.body.url)).status).toBe(200);
    expect((await visit(link.body.url)).status).toBe(200);
    expect((await visit(link.body.url)).status).toBe(410);
  });

  it('asks for its password, refuses a wrong one, rate-limits guessing, and opens with the right one', async () => {
    const link = await make({ path: '/report.txt', password: 'open sesame' });
    const first = await visit(link.body.url);
    expect(first.status).toBe(401);
    expect(await first.text()).toContain('<form method="post"');
    const form = (password: string) =>
      visit(`/s/${link.body.id}/unlock`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ password }).toString() });
    expect((await form('wrong')).status).toBe(401);
    const right = await form('open sesame');
    expect(right.status).toBe(303);
    const cookie = right.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const opened = await visit(link.body.url, { headers: { cookie: cookie.split(';')[0]! } });
    expect(await opened.text()).toBe('the report');
    // Guessing: after the per-name limit (5 here) the link answers 429 with Retry-After.
    let last = 0;
    for (let i = 0; i < 6; i++) last = (await form(`guess ${i}`)).status;
    expect(last).toBe(429);
    const limited = await form('open sesame');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // The record never shows its hash.
    const mine = await (await fetch(`${gw.base}/api/v1/sites/acc/shares`, { headers: alice })).text();
    expect(mine).not.toContain('$2');
    expect(mine).toContain('"hasPassword":true');
  });

  it('takes files into a drop box, never lists it and never overwrites what is there', async () => {
    const link = await make({ path: '/inbox', kind: 'dropbox' });
    expect(link.status).toBe(201);
    const page = await (await visit(link.body.url)).text();
    expect(page).toContain('multipart/form-data');
    expect(page).not.toContain('existing.txt');
    const upload = async (name: string, content: string) => {
      const form = new FormData();
      form.append('file', new Blob([content]), name);
      const res = await visit(`/s/${link.body.id}/upload`, { method: 'POST', body: form, headers: { accept: 'application/json' } });
      return { status: res.status, body: (await res.json()) as { files: string[] } };
    };
    expect(await upload('existing.txt', 'someone else')).toEqual({ status: 201, body: { files: ['existing (1).txt'] } });
    expect(await upload('new.txt', 'one')).toEqual({ status: 201, body: { files: ['new.txt'] } });
    expect(await upload('new.txt', 'two')).toEqual({ status: 201, body: { files: ['new (1).txt'] } });
    const inbox = join(disk.root, 'alice', 'inbox');
    expect(await readFile(join(inbox, 'existing.txt'), 'utf8')).toBe('already here');
    expect(await readFile(join(inbox, 'new.txt'), 'utf8')).toBe('one');
    expect((await readdir(inbox)).sort()).toEqual(['existing (1).txt', 'existing.txt', 'new (1).txt', 'new.txt']);
    expect((await visit(`/s/${link.body.id}/file/existing.txt`)).status).toBe(404);
    expect((await visit(`/s/${link.body.id}/zip`)).status).toBe(404);
  });

  it('honours read-only accounts and is only for gateway accounts', async () => {
    const res = await make({ path: '/', kind: 'dropbox' }, bob);
    expect(res.status).toBe(403);
    const fixed = await fetch(`${gw.base}/api/v1/sites/fixed/shares`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path: '/alice/report.txt' }) });
    expect(fixed.status).toBe(403);
    expect((await make({ path: '/../bob/x.txt' })).status).toBe(400);
    expect((await visit('/s/AAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
  });
  it("previews a shared folder's files in a page of their own, sandboxed, and counts what it shows", async () => {
    const link = await make({ path: '/photos', maxDownloads: 1 });
    const listing = await (await visit(link.body.url)).text();
    expect(listing).toContain(`href="/s/${link.body.id}/view/a.jpg"`); // the name opens the preview
    expect(listing).toContain(`href="/s/${link.body.id}/file/a.jpg" download`); // download stays a button
    const view = await visit(`/s/${link.body.id}/view/a.jpg`);
    expect(view.status).toBe(200);
    const page = await view.text();
    expect(page).toContain(`<img src="/s/${link.body.id}/file/a.jpg?inline=1"`);
    expect(page).toContain('<script src="/assets/share-view.js" defer></script>');
    const inline = await visit(`/s/${link.body.id}/file/a.jpg?inline=1`);
    expect(inline.status).toBe(200);
    expect(inline.headers.get('content-disposition')).toBeNull(); // shown, not saved
    expect(inline.headers.get('content-security-policy')).toContain('sandbox');
    expect(await inline.text()).toBe('jpeg bytes');
    // A preview is a download: the one allowed is spent.
    expect((await visit(`/s/${link.body.id}/file/a.jpg?inline=1`)).status).toBe(410);
    // Not a preview kind, or not in the link: 404, and nothing outside the folder is named.
    expect((await visit(`/s/${link.body.id}/view/sub`)).status).toBe(404);
    expect([400, 404]).toContain((await visit(`/s/${link.body.id}/view/..%2Fprivate%2Fsecret.txt`)).status);
    expect((await visit(`/s/${link.body.id}/view/../private/secret.txt`)).status).not.toBe(200);
  });
});
