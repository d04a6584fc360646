// "421 Too many connections" at the door is retried with back-off; other refusals are not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedServer, type ScriptedServer } from '../servers/scripted-ftp-server.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

describe('connecting to a busy server', () => {
  let busy: ScriptedServer;
  let gw: TestGateway;
  beforeAll(async () => {
    busy = await startScriptedServer({ files: { '/a.txt': Buffer.from('a') }, busyConnections: 2 });
    gw = await startGateway({ b: `ftp://u:p@127.0.0.1:${busy.port}/?minIdle=0` }); // no warm-up: it would meet the 421s first
  });
  afterAll(async () => {
    await gw?.close();
    await busy?.close();
  });

  it('retries a 421 greeting with back-off and then serves the request', async () => {
    const started = Date.now();
    const res = await fetch(`${gw.base}/api/v1/sites/b/files/a.txt`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('a');
    // Two refusals cost the first two back-off delays (250 ms + 750 ms).
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });
});
