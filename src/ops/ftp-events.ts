// What the FTP layer reports to operations (metrics), without depending on it: src/ftp calls
// these functions, src/ops/metrics.ts listens. No imports, so src/ftp can use it freely.
// Sites are labels; paths, users and passwords never pass through here.

export interface FtpEventListener {
  /** A final reply line from an FTP server (e.g. 226), on any session of the site. */
  reply?(site: string, code: number): void;
  /** Time a request waited for a session from the pool (idle one, new login, or queue). */
  poolWait?(site: string, seconds: number): void;
  /** A data transfer finished (successfully or not), with its duration. */
  transfer?(site: string, direction: 'download' | 'upload', seconds: number, ok: boolean): void;
}

const listeners = new Set<FtpEventListener>();

/** Listen to FTP events; returns the function that stops listening. */
export function onFtpEvents(listener: FtpEventListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function emit<K extends keyof FtpEventListener>(name: K, ...args: Parameters<NonNullable<FtpEventListener[K]>>): void {
  for (const l of listeners) {
    try {
      (l[name] as ((...a: typeof args) => void) | undefined)?.(...args);
    } catch {
      // an observer never breaks FTP
    }
  }
}

export const ftpEvents = {
  reply: (site: string, code: number) => emit('reply', site, code),
  poolWait: (site: string, seconds: number) => emit('poolWait', site, seconds),
  transfer: (site: string, direction: 'download' | 'upload', seconds: number, ok: boolean) =>
    emit('transfer', site, direction, seconds, ok),
  /** Are metrics listening? (lets the FTP layer skip work when nobody is) */
  get observed(): boolean {
    return listeners.size > 0;
  },
};

/**
 * A reader of one control connection's log messages (basic-ftp's `ftp.log`, which receives
 * every chunk read as "< ...") that reports each final reply line ("226 Transfer complete",
 * not the "211-" lines of a multi-line reply). Keeps an incomplete last line for the next chunk.
 */
export function replyCounter(site: string): (message: string) => void {
  let partial = '';
  return (message: string) => {
    if (!message.startsWith('< ') || listeners.size === 0) return;
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
