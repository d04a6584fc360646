#!/usr/bin/env bash
# Start/stop a real Pure-FTPd on 127.0.0.1 for integration tests, without installing it:
# Debian's pure-ftpd conflicts with vsftpd, so the package is fetched with `apt-get download`
# (cached in FTPGATE_DEB_CACHE, default /tmp/ftpgate-debs) and unpacked with `dpkg -x` into DIR.
#
#   bash test/servers/pure-ftpd.sh start DIR   -> prints ftp://USER:PASS@127.0.0.1:PORT/ (also DIR/url)
#   bash test/servers/pure-ftpd.sh stop  DIR
#
# The account is a virtual user (pure-pw, PureDB in DIR) mapped to the system user
# PURE_USER (default ftpgate), chrooted in DIR/root, the folder the tests seed and read.
# Env: PURE_USER (ftpgate), PURE_PASS (ftpgate-test-pw), PURE_PORT, PURE_PASV_MIN/PURE_PASV_MAX.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

cmd=${1:-}; dir=${2:-}
[[ ( $cmd == start || $cmd == stop ) && -n $dir ]] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
log() { echo "pure-ftpd.sh: $*" >&2; }
if [[ $cmd == stop ]]; then stop_pidfile "$dir/pure-ftpd.pid" pure-ftpd; exit 0; fi

user=${PURE_USER:-ftpgate}; pass=${PURE_PASS:-ftpgate-test-pw}
mkdir -p "$dir"; dir=$(cd "$dir" && pwd)
stop_pidfile "$dir/pure-ftpd.pid" pure-ftpd

[[ -x $dir/pkg/usr/sbin/pure-ftpd ]] || unpack_debs "$dir/pkg" pure-ftpd
bin=$dir/pkg/usr/sbin/pure-ftpd; pw=$dir/pkg/usr/bin/pure-pw

ensure_user "$user" "$pass"
mkdir -p "$dir/root"; chown "$user:" "$dir/root"

rm -f "$dir/pureftpd.passwd" "$dir/pureftpd.pdb"
printf '%s\n%s\n' "$pass" "$pass" |
  "$pw" useradd "$user" -f "$dir/pureftpd.passwd" -u "$(id -u "$user")" -g "$(id -g "$user")" -d "$dir/root" >/dev/null
# pure-pw hashes with argon2id at a cost that makes every login take seconds here (a pool
# opens many sessions): store a SHA-512 crypt hash instead, which pure-ftpd accepts as well.
hash=$(openssl passwd -6 "$pass")
awk -F: -v OFS=: -v h="$hash" '{ $2 = h; print }' "$dir/pureftpd.passwd" >"$dir/pureftpd.passwd.new"
mv "$dir/pureftpd.passwd.new" "$dir/pureftpd.passwd"; chmod 600 "$dir/pureftpd.passwd"
"$pw" mkdb "$dir/pureftpd.pdb" -f "$dir/pureftpd.passwd"

port=${PURE_PORT:-$(free_port)}
pasv_min=${PURE_PASV_MIN:-$(free_range 63000 100 100 64000)}
pasv_max=${PURE_PASV_MAX:-$((pasv_min + 99))}
port_free "$port" || { log "port $port is already in use"; exit 1; }

# -S bind, -p passive range, -P the address PASV replies name, -l virtual users only,
# -E no anonymous, -A chroot, -H no DNS, -D show dot files, -d log protocol to syslog,
# -c/-C enough sessions for the pool tests, -I idle timeout (minutes), -0 keep partial uploads' names.
"$bin" -S "127.0.0.1,$port" -p "$pasv_min:$pasv_max" -P 127.0.0.1 -l "puredb:$dir/pureftpd.pdb" \
  -E -A -H -D -c 200 -C 200 -I 15 -U 133:022 -g "$dir/pure-ftpd.pid.daemon" \
  >>"$dir/pure-ftpd.out" 2>&1 </dev/null &
echo $! >"$dir/pure-ftpd.pid"

wait_greeting "$dir/pure-ftpd.pid" pure-ftpd "$port" "$dir/pure-ftpd.out" || { stop_pidfile "$dir/pure-ftpd.pid" pure-ftpd; exit 1; }
url="ftp://$(urlenc "$user"):$(urlenc "$pass")@127.0.0.1:$port/"
echo "$url" >"$dir/url"
log "up: pid $(cat "$dir/pure-ftpd.pid"), port $port, pasv $pasv_min-$pasv_max, root $dir/root"
echo "$url"
