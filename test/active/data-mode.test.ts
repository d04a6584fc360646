// Unit tests of the data-mode choice, with a fake FTP context that answers commands from a
// script. Active mode listens for real on 127.0.0.1; passive connects go nowhere they could reach.
import { Socket } from 'node:net';
import { FTPError, type FTPContext, type FTPResponse } from 'basic-ftp';
import { afterEach, describe, expect, it } from 'vitest';
import { activeListenerCount, eprtArgument, normalizeAddress, portArgument } from '../../src/ftp/active.js';
import { dataStrategy, describeDataConnection, type DataMemory } from '../../src/ftp/data-mode.js';
import { PassiveRefusedError } from '../../src/ftp/passive.js';

type Answer = string | ((command: string) => string);

/** A context whose `request` answers by command verb; records what was sent. */
function fakeContext(answers: Record<string, Answer>) {
  const sent: string[] = [];
  let data: unknown;
  const ctx = {
    sent,
    closed: false,
    timeout: 2000,
    ipFamily: undefined,
    socket: { remoteAddress: '::ffff:127.0.0.1', localAddress: '127.0.0.1' },
    tlsOptions: {},
    tlsSessionStore: undefined,
    _newSocket: () => new Socket(),
    get dataSocket() {
      return data;
    },
    set dataSocket(s: unknown) {
      (data as { destroy?: () => void } | undefined)?.destroy?.();
      data = s;
    },
    async request(command: string): Promise<FTPResponse> {
      sent.push(command);
      const verb = command.split(' ')[0]!;
      const a = answers[verb];
      const text = typeof a === 'function' ? a(command) : (a ?? '502 Command not implemented.');
      const code = Number(text.slice(0, 3));
      if (code >= 400) throw new FTPError({ code, message: text });
      return { code, message: text };
    },
  };
  return ctx;
}
const asCtx = (c: ReturnType<typeof fakeContext>) => c as unknown as FTPContext;

const site = (dataMode: 'auto' | 'passive' | 'active', extra: Record<string, unknown> = {}) => ({ name: 't', dataMode, ...extra });
const log = { debug: () => {}, warn: () => {}, info: () => {} };

describe('data-mode selection', () => {
  afterEach(() => {
    expect(activeListenerCount()).toBe(0);
  });

  it('auto: EPSV and PASV refused with 500 → active (EPRT), remembered for the next transfers', async () => {
    const memory: DataMemory = {};
    const ctx = fakeContext({ EPSV: '500 Unknown command.', PASV: '500 Unknown command.', EPRT: '200 EPRT command successful.' });
    const strategy = dataStrategy(site('auto'), memory, log);
    const res = await strategy(asCtx(ctx));
    expect(res.code).toBe(200);
    expect(ctx.sent.map((c) => c.split(' ')[0])).toEqual(['EPSV', 'PASV', 'EPRT']);
    expect(ctx.sent[2]).toMatch(/^EPRT \|1\|127\.0\.0\.1\|(\d+)\|$/);
    expect(Number(/\|(\d+)\|$/.exec(ctx.sent[2]!)![1])).toBeGreaterThanOrEqual(1024);
    expect(memory).toMatchObject({ fellBackToActive: true, activeCommand: 'EPRT' });
    expect(activeListenerCount()).toBe(1); // waiting for the server
    ctx.dataSocket = undefined; // what basic-ftp does when the transfer ends
    expect(activeListenerCount()).toBe(0);

    const again = fakeContext({ EPRT: '200 OK' });
    await dataStrategy(site('auto'), memory, log)(asCtx(again));
    expect(again.sent.map((c) => c.split(' ')[0])).toEqual(['EPRT']);
    again.dataSocket = undefined;
    expect(describeDataConnection('auto', memory)).toBe('active (EPRT)');
  });

  it('auto: 550 to both (vsftpd with pasv_enable=NO) is a refusal too', async () => {
    const memory: DataMemory = {};
    const ctx = fakeContext({ EPSV: '550 Permission denied.', PASV: '550 Permission denied.', EPRT: '200 OK' });
    await dataStrategy(site('auto'), memory, log)(asCtx(ctx));
    expect(memory.fellBackToActive).toBe(true);
    ctx.dataSocket = undefined;
  });

  it('auto: a PASV failure that is not a refusal reply is an error, not a reason for active mode', async () => {
    const memory: DataMemory = {};
    const busy = fakeContext({ EPSV: '500 Unknown command.', PASV: '421 Too many connections.' });
    await expect(dataStrategy(site('auto'), memory, log)(asCtx(busy))).rejects.toMatchObject({ code: 421 });
    expect(busy.sent).toEqual(['EPSV', 'PASV']);

    // PASV answered, but its port cannot be reached: a firewall, not a refusal.
    const blocked = fakeContext({ EPSV: '500 Unknown command.', PASV: '227 Entering Passive Mode (127,0,0,1,0,1).' });
    await expect(dataStrategy(site('auto'), memory, log)(asCtx(blocked))).rejects.toThrow(/data connection|ECONNREFUSED/i);
    expect(blocked.sent.map((c) => c.split(' ')[0])).toEqual(['EPSV', 'PASV']);
    expect(memory.fellBackToActive).toBeUndefined();
  });

  it('auto: once passive mode has worked for the site, a refusal later does not switch modes', async () => {
    const memory: DataMemory = { command: 'PASV' };
    const ctx = fakeContext({ PASV: '550 Permission denied.' });
    await expect(dataStrategy(site('auto'), memory, log)(asCtx(ctx))).rejects.toBeInstanceOf(FTPError);
    expect(ctx.sent).toEqual(['PASV']);
  });

  it('auto: both refused and active refused too → one error naming both', async () => {
    const ctx = fakeContext({ EPSV: '500 no', PASV: '500 no', EPRT: '500 no', PORT: '500 no' });
    const err = await dataStrategy(site('auto'), {}, log)(asCtx(ctx)).catch((e: unknown) => e as Error);
    expect(err.message).toMatch(/refused passive mode \(EPSV: 500 no; PASV: 500 no\), and active mode failed too: 500 no/);
    expect(ctx.sent.map((c) => c.split(' ')[0])).toEqual(['EPSV', 'PASV', 'EPRT', 'PORT']);
  });

  it('passive: both refused → PassiveRefusedError naming the replies and the setting; never EPRT/PORT', async () => {
    const ctx = fakeContext({ EPSV: '500 Unknown command.', PASV: '502 Not implemented.' });
    const err = await dataStrategy(site('passive'), {}, log)(asCtx(ctx)).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(PassiveRefusedError);
    expect(err.message).toContain('EPSV: 500 Unknown command.; PASV: 502 Not implemented.');
    expect(err.message).toContain('dataMode=passive');
    expect(ctx.sent).toEqual(['EPSV', 'PASV']);
  });

  it('active: EPRT refused → PORT, remembered; never EPSV/PASV', async () => {
    const memory: DataMemory = {};
    const ctx = fakeContext({ EPRT: '500 Unknown command.', PORT: '200 PORT command successful.' });
    await dataStrategy(site('active'), memory, log)(asCtx(ctx));
    expect(ctx.sent.map((c) => c.split(' ')[0])).toEqual(['EPRT', 'PORT']);
    expect(ctx.sent[1]).toMatch(/^PORT 127,0,0,1,\d+,\d+$/);
    const [, , , , hi, lo] = ctx.sent[1]!.slice(5).split(',').map(Number);
    expect(hi! * 256 + lo!).toBeGreaterThanOrEqual(1024);
    ctx.dataSocket = undefined;
    expect(memory.activeCommand).toBe('PORT');
    const again = fakeContext({ PORT: '200 OK' });
    await dataStrategy(site('active'), memory, log)(asCtx(again));
    expect(again.sent.map((c) => c.split(' ')[0])).toEqual(['PORT']);
    again.dataSocket = undefined;
  });

  it('active: advertises the public address and listens in the configured range', async () => {
    const ctx = fakeContext({ EPRT: '200 OK' });
    await dataStrategy(site('active', { activePublicAddress: '203.0.113.7', activePortMin: 40100, activePortMax: 40102 }), {}, log)(asCtx(ctx));
    const m = /^EPRT \|1\|203\.0\.113\.7\|(\d+)\|$/.exec(ctx.sent[0]!);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(40100);
    expect(Number(m![1])).toBeLessThanOrEqual(40102);
    ctx.dataSocket = undefined;
  });

  it('active: a refused command closes the listener', async () => {
    const ctx = fakeContext({ EPRT: '421 Service not available.' });
    await expect(dataStrategy(site('active'), {}, log)(asCtx(ctx))).rejects.toMatchObject({ code: 421 });
    expect(activeListenerCount()).toBe(0);
  });

  it('formats EPRT and PORT arguments', () => {
    expect(eprtArgument('192.0.2.1', 50000)).toBe('|1|192.0.2.1|50000|');
    expect(eprtArgument('2001:db8::1', 1024)).toBe('|2|2001:db8::1|1024|');
    expect(portArgument('192.0.2.1', 50000)).toBe('192,0,2,1,195,80');
    expect(() => portArgument('2001:db8::1', 1024)).toThrow(/PORT cannot carry/);
    expect(normalizeAddress('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(normalizeAddress('::1')).toBe('::1');
  });

  it('describes the mode for health reports', () => {
    expect(describeDataConnection('auto', {})).toBe('auto (untried)');
    expect(describeDataConnection('auto', { command: 'EPSV' })).toBe('passive (EPSV)');
    expect(describeDataConnection('active', { activeCommand: 'PORT' })).toBe('active (PORT)');
  });
});
