// TCP keepalive on FTP connections: a multi-GiB transfer leaves the control connection idle
// for its whole length, and NATs and firewalls forget idle TCP connections (often after a few
// minutes), so that the final 226 never arrives. Probes after 30 s of silence keep the state.
import type { Socket } from 'node:net';

export const KEEPALIVE_MS = 30_000;

/** Keepalive on a data connection (a stand-in or TLS socket proxies it to the TCP socket). */
export function keepAlive(socket: Socket | undefined): void {
  socket?.setKeepAlive?.(true, KEEPALIVE_MS);
}
