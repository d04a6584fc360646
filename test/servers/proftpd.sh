#!/usr/bin/env bash
# Start/stop a real ProFTPD on 127.0.0.1 for integration tests, without installing it:
# Debian's proftpd-core conflicts with vsftpd, so it (and the libraries it links that a
# vsftpd machine lacks) is fetched with `apt-get download` (cached in FTPGATE_DEB_CACHE,
# default /tmp/ftpgate-debs) and unpacked with `dpkg -x` into DIR.
#
#   bash test/servers/proftpd.sh start DIR   -> prints ftp://USER:PASS@127.0.0.1:PORT/ (also DIR/url)
#   bash test/servers/proftpd.sh stop  DIR
#
# The account lives in an AuthUserFile in DIR (mapped to the system user PROFTPD_USER,
# default ftpgate) and is chrooted in DIR/root, the folder the tests seed and read.
# Env: PROFTPD_USER (ftpgate), PROFTPD_PASS (ftpgate-test-pw), PROFTPD_PORT, PROFTPD_PASV_MIN/_MAX.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

cmd=${1:-}; dir=${2:-}
[[ ( $cmd == start || $cmd == stop ) && -n $dir ]] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
log() { echo "proftpd.sh: $*" >&2; }
if [[ $cmd == stop ]]; then stop_pidfile "$dir/proftpd.pid" proftpd; exit 0; fi

user=${PROFTPD_USER:-ftpgate}; pass=${PROFTPD_PASS:-ftpgate-test-pw}
mkdir -p "$dir"; dir=$(cd "$dir" && pwd)
stop_pidfile "$dir/proftpd.pid" proftpd

# proftpd-core links libraries a vsftpd machine does not have: unpack them beside it.
[[ -x $dir/pkg/usr/sbin/proftpd ]] ||
  unpack_debs "$dir/pkg" proftpd-core libhiredis0.14 libmemcached11 libmemcachedutil2 libhashkit2 libpcre2-posix3
export LD_LIBRARY_PATH=$dir/pkg/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
bin=$dir/pkg/usr/sbin/proftpd

ensure_user "$user" "$pass"
mkdir -p "$dir/root"; chown "$user:" "$dir/root"
uid=$(id -u "$user"); gid=$(id -g "$user")
# ftpasswd format: name:crypt:uid:gid:gecos:home:shell
printf '%s:%s:%s:%s::%s:/bin/bash\n' "$user" "$(openssl passwd -6 "$pass")" "$uid" "$gid" "$dir/root" >"$dir/ftpd.passwd"
printf '%s:x:%s:\n' "$(id -gn "$user")" "$gid" >"$dir/ftpd.group"
chmod 600 "$dir/ftpd.passwd"

port=${PROFTPD_PORT:-$(free_port)}
pasv_min=${PROFTPD_PASV_MIN:-$(free_range 63500 100 100 64500)}
pasv_max=${PROFTPD_PASV_MAX:-$((pasv_min + 99))}
port_free "$port" || { log "port $port is already in use"; exit 1; }

cat >"$dir/proftpd.conf" <<CONF
ServerName          "ftpgate test ProFTPD"
ServerType          standalone
DefaultServer       on
UseIPv6             off
DefaultAddress      127.0.0.1
SocketBindTight     on
Port                $port
PassivePorts        $pasv_min $pasv_max
MasqueradeAddress   127.0.0.1
User                nobody
Group               nogroup
PidFile             $dir/proftpd.pid.daemon
ScoreboardFile      $dir/proftpd.scoreboard
DelayEngine         off
WtmpLog             off
UseReverseDNS       off
UseFtpUsers         off
AuthPAM             off
AuthOrder           mod_auth_file.c
AuthUserFile        $dir/ftpd.passwd
AuthGroupFile       $dir/ftpd.group
RequireValidShell   off
DefaultRoot         ~
AllowOverwrite      on
# Resumable uploads append (APPE) to their temporary file; ProFTPD refuses that by default.
AllowStoreRestart   on
Umask               022
MaxInstances        200
TimeoutIdle         900
TimeoutNoTransfer   900
ListOptions         "-a"
SystemLog           $dir/proftpd.log
TransferLog         $dir/xfer.log
CONF

# -n: stay in the foreground (the pid we record is the listener), -q: quiet startup.
"$bin" -n -q -c "$dir/proftpd.conf" >>"$dir/proftpd.out" 2>&1 </dev/null &
echo $! >"$dir/proftpd.pid"

wait_greeting "$dir/proftpd.pid" proftpd "$port" "$dir/proftpd.out" "$dir/proftpd.log" || { stop_pidfile "$dir/proftpd.pid" proftpd; exit 1; }
url="ftp://$(urlenc "$user"):$(urlenc "$pass")@127.0.0.1:$port/"
echo "$url" >"$dir/url"
log "up: pid $(cat "$dir/proftpd.pid"), port $port, pasv $pasv_min-$pasv_max, root $dir/root"
echo "$url"
