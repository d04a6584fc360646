// The data-connection strategy: passive mode only, EPSV first and PASV when the server
// refuses EPSV (RFC 1579's fallback). The address inside a PASV reply is never followed:
// the data connection goes to the control connection's peer, with the port from the reply.
// That keeps servers behind NAT working and stops a hostile server from aiming us elsewhere.
import type { FTPContext, FTPResponse } from 'basic-ftp';
import { enterPassiveModeIPv6, FTPError } from 'basic-ftp';
import { connectForPassiveTransfer, parsePasvResponse } from 'basic-ftp/dist/transfer.js';
import { FtpConnectionError } from './errors.js';
import { keepAlive } from './keepalive.js';

type PassiveCommand = 'EPSV' | 'PASV';

/** What a site has taught us; shared by all sessions of that site. */
export interface PassiveMemory {
  command?: PassiveCommand;
}

async function enterPasvAtControlPeer(ftp: FTPContext): Promise<FTPResponse> {
  const res = await ftp.request('PASV');
  const { port } = parsePasvResponse(res.message);
  const peer = ftp.socket.remoteAddress;
  if (!peer) throw new Error("Control socket is disconnected, can't get remote address.");
  if (!(port > 0 && port < 65536)) throw new Error(`PASV reply names no usable port: ${res.message}`);
  await connectForPassiveTransfer(peer, port, ftp);
  return res;
}

/** Replies that mean "this server will not do that command", as opposed to a passing failure. */
const REFUSAL_CODES = new Set([500, 501, 502, 504, 550]);

/** `EPSV: 550 Permission denied.` when err is a refusal reply, else undefined. */
function refusalOf(command: string, err: unknown): string | undefined {
  return err instanceof FTPError && REFUSAL_CODES.has(err.code) ? `${command}: ${err.message}` : undefined;
}

/** The server refused both EPSV and PASV with a reply: it does not do passive mode (for us). */
export class PassiveRefusedError extends FtpConnectionError {
  constructor(
    readonly replies: string[],
    hint = '',
  ) {
    super(`the FTP server refused passive mode (${replies.join('; ')})${hint}`);
  }
}

export function passiveStrategy(memory: PassiveMemory): (ftp: FTPContext) => Promise<FTPResponse> {
  return async (ftp) => {
    let epsvRefused: string | undefined;
    if (memory.command !== 'PASV') {
      try {
        // basic-ftp's EPSV already connects to the control peer: EPSV replies carry only a port.
        const res = await enterPassiveModeIPv6(ftp);
        keepAlive(ftp.dataSocket);
        memory.command = 'EPSV';
        return res;
      } catch (err) {
        // Once EPSV has worked for this site, a failure is a real failure, not a refusal.
        if (memory.command === 'EPSV' || ftp.closed) throw err;
        epsvRefused = refusalOf('EPSV', err);
      }
    }
    let res: FTPResponse;
    try {
      res = await enterPasvAtControlPeer(ftp);
    } catch (err) {
      const pasvRefused = refusalOf('PASV', err);
      if (memory.command === undefined && epsvRefused && pasvRefused) throw new PassiveRefusedError([epsvRefused, pasvRefused]);
      throw err;
    }
    keepAlive(ftp.dataSocket);
    memory.command = 'PASV';
    return res;
  };
}
