// The FTP back end's events reach any subscriber of the named diagnostics channels, with site
// names and numbers only; nothing is built while no one subscribes.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { FTP_CHANNELS, ftpEvents, replyCounter } from '../../src/ftp/diagnostics.js';

const subscriptions: Array<[string, (m: unknown) => void]> = [];
function listen(name: string): unknown[] {
  const got: unknown[] = [];
  const fn = (m: unknown) => got.push(m);
  subscribe(name, fn);
  subscriptions.push([name, fn]);
  return got;
}
afterEach(() => {
  for (const [name, fn] of subscriptions.splice(0)) unsubscribe(name, fn);
});

describe('ftp diagnostics channels', () => {
  it('publishes pool waits and transfers under their documented names', () => {
    const waits = listen('ftpgate:ftp:pool:wait');
    const transfers = listen('ftpgate:ftp:transfer');
    ftpEvents.poolWait('main', 0.25);
    ftpEvents.transfer('main', 'upload', 1.5, false);
    expect(waits).toEqual([{ site: 'main', seconds: 0.25 }]);
    expect(transfers).toEqual([{ site: 'main', direction: 'upload', seconds: 1.5, ok: false }]);
    expect(FTP_CHANNELS).toEqual({ reply: 'ftpgate:ftp:reply', poolWait: 'ftpgate:ftp:pool:wait', transfer: 'ftpgate:ftp:transfer' });
  });

  it('reads final reply lines from the control connection log, across reads, not commands', () => {
    const replies = listen('ftpgate:ftp:reply');
    const tap = replyCounter('main');
    tap('< 220 welcome\r\n');
    tap('< 211-Features:\r\n MLSD\r\n211 En');
    tap('< d\r\n');
    tap('> PASS 230 secret\r\n');
    expect(replies).toEqual([
      { site: 'main', code: 220 },
      { site: 'main', code: 211 },
    ]);
  });

  it('keeps no partial line while nobody listens', () => {
    const tap = replyCounter('main');
    tap('< 150 Opening'); // unheard: dropped, not kept for the next read
    const replies = listen('ftpgate:ftp:reply');
    tap('< 226 done\r\n');
    expect(replies).toEqual([{ site: 'main', code: 226 }]);
  });
});
