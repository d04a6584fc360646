// A real vsftpd that refuses passive mode (pasv_enable=NO, port_enable=YES), for the active-mode
// tests. Same approach as test/servers/vsftpd.sh (owned by another engineer, not used here):
// a system user with a password and a home, a config written to a temporary folder, vsftpd
// in the foreground on 127.0.0.1, ready once it answers 220. Needs root and /usr/sbin/vsftpd.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const VSFTPD = '/usr/sbin/vsftpd';
const USER = 'ftpgate-active';
const PASSWORD = 'ftpgate-active-pw';

export function canRunVsftpd(): boolean {
  return existsSync(VSFTPD) && process.getuid?.() === 0;
}

export interface ActiveVsftpd {
  url: string;
  /** The FTP root on this machine (owned by the FTP user). */
  root: string;
  log(): Promise<string>;
  close(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function greeting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.setTimeout(1000);
    s.once('data', (d: Buffer) => {
      s.end('QUIT\r\n');
      resolve(d.toString().startsWith('220'));
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });
}

export interface ActiveVsftpdOptions {
  /** Explicit FTPS (AUTH TLS) with a throwaway self-signed certificate, TLS on data connections too. */
  tls?: boolean;
}

export async function startActiveVsftpd(options: ActiveVsftpdOptions = {}): Promise<ActiveVsftpd> {
  const dir = await mkdtemp(join(tmpdir(), 'ftpgate-vsftpd-active-'));
  await chmod(dir, 0o755);
  // The user: an existing home (vsftpd enters it before local_root) and a shell from /etc/shells.
  try {
    execFileSync('id', [USER], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--create-home', '--shell', '/bin/bash', USER], { stdio: 'ignore' });
  }
  execFileSync('chpasswd', { input: `${USER}:${PASSWORD}\n` });
  const uid = Number(execFileSync('id', ['-u', USER]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', USER]).toString().trim());
  const root = join(dir, 'root');
  await mkdir(root);
  await chown(root, uid, gid);
  await mkdir('/var/run/vsftpd/empty', { recursive: true });
  const port = await freePort();
  const conf = join(dir, 'vsftpd.conf');
  const tls: string[] = [];
  if (options.tls) {
    const pem = join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', pem, '-out', pem], { stdio: 'ignore' });
    tls.push(
      'ssl_enable=YES',
      `rsa_cert_file=${pem}`,
      `rsa_private_key_file=${pem}`,
      'force_local_logins_ssl=YES',
      'force_local_data_ssl=YES',
      // vsftpd's default, spelled out: a data connection must resume the control connection's TLS session.
      'require_ssl_reuse=YES',
      'ssl_ciphers=HIGH',
    );
  }
  await writeFile(
    conf,
    [
      'listen=YES',
      'listen_ipv6=NO',
      'listen_address=127.0.0.1',
      `listen_port=${port}`,
      'background=NO',
      'seccomp_sandbox=NO',
      'isolate=NO',
      'isolate_network=NO',
      'anonymous_enable=NO',
      'local_enable=YES',
      'write_enable=YES',
      'local_umask=022',
      'chroot_local_user=YES',
      'allow_writeable_chroot=YES',
      `local_root=${root}`,
      'secure_chroot_dir=/var/run/vsftpd/empty',
      'pam_service_name=vsftpd',
      // The point of this server: no passive mode, active mode only, and not from port 20.
      'pasv_enable=NO',
      'port_enable=YES',
      'connect_from_port_20=NO',
      'force_dot_files=YES',
      'utf8_filesystem=YES',
      'max_clients=50',
      'max_per_ip=50',
      'idle_session_timeout=600',
      'data_connection_timeout=120',
      'xferlog_enable=YES',
      'xferlog_std_format=NO',
      `vsftpd_log_file=${join(dir, 'vsftpd.log')}`,
      'dual_log_enable=NO',
      'log_ftp_protocol=YES',
      ...tls,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(VSFTPD, [conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));
  const close = async () => {
    if (!exited) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 2000))]);
    }
    // Session processes of this server (children of the one we started) end with it.
    await rm(dir, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    if (await greeting(port)) break;
    if (exited || i >= 50) {
      await close();
      throw new Error(`vsftpd did not answer 220 on 127.0.0.1:${port}: ${stderr || '(no output: a config error?)'}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `${options.tls ? 'ftps' : 'ftp'}://${USER}:${PASSWORD}@127.0.0.1:${port}/`,
    root,
    log: () => readFile(join(dir, 'vsftpd.log'), 'utf8').catch(() => ''),
    close,
  };
}
