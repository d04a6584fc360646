// Which data-connection strategy a site's sessions use, per its `dataMode` setting:
//   passive: EPSV, then PASV (passive.ts);
//   active:  EPRT, then PORT (active.ts);
//   auto:    passive first, and when the server refuses both EPSV and PASV with a reply
//            (500, 501, 502, 504 or 550, as vsftpd with pasv_enable=NO answers 550), active
//            mode, remembered for the site (RFC 1579's fallback). A passive connection that
//            fails for another reason (timeout, refused port) is an error, not a refusal:
//            active mode would not fix a firewall between us and the server's data ports.
import type { FTPContext, FTPResponse } from 'basic-ftp';
import type { SiteConfig } from '../config/schema.js';
import { activeStrategy, type ActiveMemory } from './active.js';
import { FtpConnectionError } from './errors.js';
import { PassiveRefusedError, passiveStrategy, type PassiveMemory } from './passive.js';

export type DataMode = 'auto' | 'passive' | 'active';

/** Everything a site has taught us about its data connections; shared by its sessions. */
export interface DataMemory extends PassiveMemory, ActiveMemory {
  /** `auto` found passive mode refused and active mode working: use active from now on. */
  fellBackToActive?: boolean;
}

export type TransferStrategy = (ftp: FTPContext) => Promise<FTPResponse>;

type SiteDataSettings = Pick<SiteConfig, 'name' | 'dataMode' | 'activeAddress' | 'activePublicAddress' | 'activePortMin' | 'activePortMax'>;

export interface DataModeLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  info?(obj: object, msg?: string): void;
}

/** The mode a site's transfers use now, for health reports: "passive (EPSV)", "active (PORT)", or "auto (untried)". */
export function describeDataConnection(mode: DataMode, memory: DataMemory): string {
  if (mode === 'active' || memory.fellBackToActive) {
    return `active${memory.activeCommand ? ` (${memory.activeCommand})` : ''}`;
  }
  if (memory.command) return `passive (${memory.command})`;
  return `${mode} (untried)`;
}

/** The strategy to install as `client.prepareTransfer` for one session of the site. */
export function dataStrategy(site: SiteDataSettings, memory: DataMemory, log: DataModeLogger): TransferStrategy {
  const passive = passiveStrategy(memory);
  const active = activeStrategy(
    {
      ...(site.activeAddress ? { listenAddress: site.activeAddress } : {}),
      ...(site.activePublicAddress ? { publicAddress: site.activePublicAddress } : {}),
      ...(site.activePortMin !== undefined ? { portMin: site.activePortMin } : {}),
      ...(site.activePortMax !== undefined ? { portMax: site.activePortMax } : {}),
      site: site.name,
      log,
    },
    memory,
  );
  const mode = site.dataMode;
  if (mode === 'active') return active;
  if (mode === 'passive') {
    return async (ftp) => {
      try {
        return await passive(ftp);
      } catch (err) {
        if (err instanceof PassiveRefusedError) {
          throw new PassiveRefusedError(
            err.replies,
            `, and site "${site.name}" has dataMode=passive: set dataMode=auto or dataMode=active to let the gateway use active mode (EPRT/PORT)`,
          );
        }
        throw err;
      }
    };
  }
  return async (ftp) => {
    if (memory.fellBackToActive) return active(ftp);
    let refusal: PassiveRefusedError;
    try {
      return await passive(ftp);
    } catch (err) {
      if (!(err instanceof PassiveRefusedError) || ftp.closed) throw err;
      refusal = err;
    }
    try {
      const res = await active(ftp);
      if (!memory.fellBackToActive) {
        memory.fellBackToActive = true;
        (log.info ?? log.debug).call(log, { site: site.name, refused: refusal.replies, active: memory.activeCommand }, 'FTP server refused passive mode: using active mode for this site');
      }
      return res;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new FtpConnectionError(`${refusal.message}, and active mode failed too: ${message}`);
    }
  };
}
