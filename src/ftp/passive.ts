// The data-connection strategy: passive mode only, EPSV first and PASV when the server
// refuses EPSV (RFC 1579's fallback). The address inside a PASV reply is never followed:
// the data connection goes to the control connection's peer, with the port from the reply.
// That keeps servers behind NAT working and stops a hostile server from aiming us elsewhere.
import type { FTPContext, FTPResponse } from 'basic-ftp';
import { enterPassiveModeIPv6 } from 'basic-ftp';
import { connectForPassiveTransfer, parsePasvResponse } from 'basic-ftp/dist/transfer.js';

export type PassiveCommand = 'EPSV' | 'PASV';

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

export function passiveStrategy(memory: PassiveMemory): (ftp: FTPContext) => Promise<FTPResponse> {
  return async (ftp) => {
    if (memory.command !== 'PASV') {
      try {
        // basic-ftp's EPSV already connects to the control peer: EPSV replies carry only a port.
        const res = await enterPassiveModeIPv6(ftp);
        memory.command = 'EPSV';
        return res;
      } catch (err) {
        // Once EPSV has worked for this site, a failure is a real failure, not a refusal.
        if (memory.command === 'EPSV' || ftp.closed) throw err;
      }
    }
    const res = await enterPasvAtControlPeer(ftp);
    memory.command = 'PASV';
    return res;
  };
}
