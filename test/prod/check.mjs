// HTTP checks of a running gateway, as a deployment would make them:
//   node check.mjs BASE SITE DIR FILE EXPECTED_FILE
// /healthz and /readyz answer, SITE lists DIR with FILE in it, FILE downloads byte for byte as
// EXPECTED_FILE, and a WebDAV PROPFIND of DIR names FILE. Exit 1 with the reason otherwise.
import { readFileSync } from 'node:fs';

const [base, site, dir, file, expectedFile] = process.argv.slice(2);
const expected = readFileSync(expectedFile);
const seg = (p) => p.split('/').filter(Boolean).map(encodeURIComponent).join('/');
const folder = seg(dir) ? `${seg(dir)}/` : '';
const fail = (msg) => {
  process.stderr.write(`check: FAIL ${msg}\n`);
  process.exit(1);
};
async function step(name, fn) {
  try {
    await fn();
    process.stdout.write(`check: ok   ${name}\n`);
  } catch (err) {
    fail(`${name}: ${err.message}`);
  }
}
function expect(cond, msg) {
  if (!cond) throw new Error(msg);
}

await step('GET /healthz', async () => {
  const r = await fetch(`${base}/healthz`);
  expect(r.status === 200, `status ${r.status}`);
});
await step(`GET /readyz (site ${site} ok)`, async () => {
  const r = await fetch(`${base}/readyz`);
  const body = await r.json();
  expect(r.status === 200 && body.sites?.[site] === 'ok', `status ${r.status} ${JSON.stringify(body)}`);
});
await step(`listing of /${folder}`, async () => {
  const r = await fetch(`${base}/api/v1/sites/${site}/list/${folder}`);
  const body = await r.json();
  expect(r.status === 200, `status ${r.status} ${JSON.stringify(body)}`);
  const entry = body.entries?.find((e) => e.name === file);
  expect(entry, `${file} not in ${JSON.stringify(body).slice(0, 300)}`);
  expect(entry.size === expected.length, `size ${entry.size}, expected ${expected.length}`);
});
await step(`download of ${file} (${expected.length} bytes)`, async () => {
  const r = await fetch(`${base}/api/v1/sites/${site}/files/${folder}${encodeURIComponent(file)}`);
  const got = Buffer.from(await r.arrayBuffer());
  expect(r.status === 200, `status ${r.status}`);
  expect(got.equals(expected), `${got.length} bytes that differ from the file`);
});
await step(`WebDAV PROPFIND /dav/${site}/${folder}`, async () => {
  const r = await fetch(`${base}/dav/${site}/${folder}`, { method: 'PROPFIND', headers: { depth: '1' } });
  const xml = await r.text();
  expect(r.status === 207, `status ${r.status}: ${xml.slice(0, 200)}`);
  expect(xml.includes(`/dav/${site}/${folder}${encodeURIComponent(file)}`), `no href of ${file} in ${xml.slice(0, 300)}`);
});
