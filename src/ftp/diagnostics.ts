// What the FTP back end tells whoever listens, on node:diagnostics_channel (undici's pattern):
// src/ftp publishes, src/ops/metrics.ts (or a tracer, or a test) subscribes, so nothing here
// depends on anything above the back end. Publishing costs nothing while no one subscribes.
// Messages carry site names and numbers only: never a path, a user name or a password.
//
//   ftpgate:ftp:reply       { site, code }                       a final reply line (e.g. 226) on any session
//   ftpgate:ftp:pool:wait   { site, seconds }                    time a request waited for a pooled session
//   ftpgate:ftp:transfer    { site, direction, seconds, ok }     a data transfer ended (direction: download | upload)
import { channel } from 'node:diagnostics_channel';

export interface FtpReplyMessage {
  site: string;
  code: number;
}
export interface FtpPoolWaitMessage {
  site: string;
  seconds: number;
}
export interface FtpTransferMessage {
  site: string;
  direction: 'download' | 'upload';
  seconds: number;
  ok: boolean;
}

export const FTP_CHANNELS = {
  reply: 'ftpgate:ftp:reply',
  poolWait: 'ftpgate:ftp:pool:wait',
  transfer: 'ftpgate:ftp:transfer',
} as const;

const replyChannel = channel(FTP_CHANNELS.reply);
const poolWaitChannel = channel(FTP_CHANNELS.poolWait);
const transferChannel = channel(FTP_CHANNELS.transfer);

/** The publishers the pool and the sessions call (one line each). */
export const ftpEvents = {
  reply(site: string, code: number): void {
    if (replyChannel.hasSubscribers) replyChannel.publish({ site, code } satisfies FtpReplyMessage);
  },
  poolWait(site: string, seconds: number): void {
    if (poolWaitChannel.hasSubscribers) poolWaitChannel.publish({ site, seconds } satisfies FtpPoolWaitMessage);
  },
  transfer(site: string, direction: 'download' | 'upload', seconds: number, ok: boolean): void {
    if (transferChannel.hasSubscribers) transferChannel.publish({ site, direction, seconds, ok } satisfies FtpTransferMessage);
  },
};

/**
 * A reader of one control connection's log messages (basic-ftp's `ftp.log`, which receives
 * every chunk read as "< ...") that publishes each final reply line ("226 Transfer complete",
 * not the "211-" lines of a multi-line reply). Keeps an incomplete last line for the next chunk.
 */
export function replyCounter(site: string): (message: string) => void {
  let partial = '';
  return (message: string) => {
    if (!message.startsWith('< ') || !replyChannel.hasSubscribers) return;
    const text = partial + message.slice(2);
    const lines = text.split(/\r?\n/);
    partial = lines.pop() ?? '';
    if (partial.length > 4096) partial = '';
    for (const line of lines) {
      const m = /^([1-5]\d\d)(?: |$)/.exec(line);
      if (m) ftpEvents.reply(site, Number(m[1]));
    }
  };
}
