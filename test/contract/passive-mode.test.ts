// Passive mode as the gateway must do it: EPSV first, PASV when EPSV is refused, and the
// address inside a PASV reply never followed (a canary listens where a hostile reply points).
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedServer, type ScriptedServer } from '../servers/scripted-ftp-server.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { bytes, sha256 } from '../helpers/http.js';

describe('passive mode', () => {
  const file = bytes(300_000, 31);
  let hostile: ScriptedServer;
  const canaries: Server[] = [];
  let canaryCalls = 0;
  let gw: TestGateway;

  beforeAll(async () => {
    hostile = await startScriptedServer({
      files: { '/data.bin': file },
      refuseEpsv: '500 EPSV not understood',
      // 127.0.0.2 stands for "some other host": each PASV reply names it, with the very port
      // of the real data listener on 127.0.0.1, and a canary listens there to catch a follower.
      pasvAddress: '127.0.0.2',
      onPassivePort: async (port) => {
        const canary = createServer((s) => {
          canaryCalls++;
          s.destroy();
        });
        canaries.push(canary);
        await new Promise<void>((r) => canary.listen(port, '127.0.0.2', r));
      },
    });
    gw = await startGateway({ h: `ftp://u:p@127.0.0.1:${hostile.port}/?poolSize=1` });
  });

  afterAll(async () => {
    await gw?.close();
    await hostile?.close();
    for (const c of canaries) c.close();
  });

  it('falls back to PASV when EPSV is refused, and remembers it', async () => {
    const res = await fetch(`${gw.base}/api/v1/sites/h/files/data.bin`);
    expect(res.status).toBe(200);
    expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(sha256(file));
    const second = await fetch(`${gw.base}/api/v1/sites/h/files/data.bin`, { headers: { range: 'bytes=1000-1999' } });
    expect(sha256(Buffer.from(await second.arrayBuffer()))).toBe(sha256(file.subarray(1000, 2000)));
    const epsv = hostile.commands.filter((c) => c === 'EPSV').length;
    const pasv = hostile.commands.filter((c) => c === 'PASV').length;
    expect(epsv).toBe(1); // asked once, then the site's answer is remembered
    expect(pasv).toBeGreaterThanOrEqual(2);
  });

  it('connects to the control connection peer, never to the address a PASV reply names', () => {
    expect(canaryCalls).toBe(0);
  });
});
