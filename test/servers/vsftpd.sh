#!/usr/bin/env bash
# Start/stop a real vsftpd (Debian package) on 127.0.0.1 for integration tests.
#
#   bash test/servers/vsftpd.sh start DIR   -> prints ftp://USER:PASS@127.0.0.1:PORT/ (also DIR/url)
#   bash test/servers/vsftpd.sh stop  DIR   -> kills the server whose pid is in DIR/vsftpd.pid
#
# Env: VSFTPD_USER (ftpgate), VSFTPD_PASS (ftpgate-test-pw), VSFTPD_PORT (free port),
#      VSFTPD_PASV_MIN / VSFTPD_PASV_MAX (first free 100-port range from 40000),
#      VSFTPD_EXTRA_CONF (lines appended to the config, e.g. the TLS settings of vsftpd-tls.sh;
#      with implicit_ssl=YES the readiness probe speaks TLS),
#      VSFTPD_IPV6=1 (listen on ::1 only, listen_ipv6=YES: the URL is ftp://USER:PASS@[::1]:PORT/).
#      VSFTPD_MAX_CLIENTS / VSFTPD_MAX_PER_IP (200 each: a small cap answers 421 past it).
# Only the URL goes to stdout; all diagnostics go to stderr.
set -euo pipefail

cmd=${1:-}; dir=${2:-}
[[ ( $cmd == start || $cmd == stop ) && -n $dir ]] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
log() { echo "vsftpd.sh: $*" >&2; }
. "$(cd "$(dirname "$0")" && pwd)/common.sh" # SUDO, free_port, free_range

# alive PID: running (not a zombie waiting for init to reap it) and really our vsftpd (pid reuse).
alive() { [[ $(ps -o stat= -p "$1" 2>/dev/null) == [^Z]* ]] && grep -qa vsftpd "/proc/$1/cmdline" 2>/dev/null; }

stop() {
  local pid
  [[ -f $dir/vsftpd.pid ]] || return 0
  pid=$(cat "$dir/vsftpd.pid")
  if [[ -n $pid ]] && alive "$pid"; then
    # Children = one process pair per open session (the inner one dies with its parent:
    # vsftpd sets PDEATHSIG); kill them first, then the listener.
    $SUDO pkill -TERM -P "$pid" 2>/dev/null || true
    $SUDO kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then $SUDO kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$dir/vsftpd.pid"
}

if [[ $cmd == stop ]]; then stop; exit 0; fi

# --- install (only if missing) --------------------------------------------------------------
if [[ ! -x /usr/sbin/vsftpd ]]; then
  log "installing vsftpd"
  apt() { $SUDO env DEBIAN_FRONTEND=noninteractive apt-get "$@" >&2; }
  apt install -y vsftpd || { apt update && apt install -y vsftpd; } || true
  [[ -x /usr/sbin/vsftpd ]] || { log "apt-get install vsftpd failed"; exit 1; }
fi

user=${VSFTPD_USER:-ftpgate}; pass=${VSFTPD_PASS:-ftpgate-test-pw}
mkdir -p "$dir"; dir=$(cd "$dir" && pwd)   # vsftpd wants absolute paths
stop                                        # a leftover server from an earlier start in DIR

# --- user: needs an existing home (vsftpd chdirs there before local_root) and a shell listed in
# /etc/shells (Debian's /etc/pam.d/vsftpd runs pam_shells). Idempotent.
id "$user" >/dev/null 2>&1 || $SUDO useradd --create-home --shell /bin/bash "$user"
home=$(getent passwd "$user" | cut -d: -f6)
$SUDO mkdir -p "$home"; $SUDO chown "$user:" "$home"
echo "$user:$pass" | $SUDO chpasswd

$SUDO mkdir -p "$dir/root" /var/run/vsftpd/empty
$SUDO chown "$user:" "$dir/root"

# --- ports --------------------------------------------------------------------------------------
port=${VSFTPD_PORT:-$(free_port)}
if [[ -z ${VSFTPD_PASV_MIN:-} ]]; then pasv_min=$(free_range 40000 100 100 60000); else pasv_min=$VSFTPD_PASV_MIN; fi
pasv_max=${VSFTPD_PASV_MAX:-$((pasv_min + 99))}
# A server already on the port would answer our 220 probe below for us: refuse early.
port_free "$port" || { log "port $port is already in use"; exit 1; }
# IPv4 on 127.0.0.1 (listen=YES), or IPv6 on ::1 (listen_ipv6=YES; vsftpd does one or the other).
if [[ ${VSFTPD_IPV6:-} == 1 ]]; then
  host=::1; url_host='[::1]'
  listen_conf=$'listen=NO\nlisten_ipv6=YES\nlisten_address6=::1'
else
  host=127.0.0.1; url_host=127.0.0.1
  listen_conf=$'listen=YES\nlisten_ipv6=NO\nlisten_address=127.0.0.1'
fi

# --- config ------------------------------------------------------------------------------------
cat >"$dir/vsftpd.conf" <<EOF
$listen_conf
listen_port=$port
background=NO
seccomp_sandbox=NO
isolate=NO
isolate_network=NO
anonymous_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
chroot_local_user=YES
allow_writeable_chroot=YES
local_root=$dir/root
secure_chroot_dir=/var/run/vsftpd/empty
pam_service_name=vsftpd
pasv_enable=YES
pasv_address=127.0.0.1
pasv_min_port=$pasv_min
pasv_max_port=$pasv_max
force_dot_files=YES
utf8_filesystem=YES
max_clients=${VSFTPD_MAX_CLIENTS:-200}
max_per_ip=${VSFTPD_MAX_PER_IP:-200}
idle_session_timeout=600
data_connection_timeout=120
xferlog_enable=YES
xferlog_std_format=NO
vsftpd_log_file=$dir/vsftpd.log
dual_log_enable=NO
log_ftp_protocol=YES
${VSFTPD_EXTRA_CONF:-}
EOF
: >"$dir/vsftpd.log"

# --- run and wait for the 220 greeting -----------------------------------------------------------
nohup $SUDO /usr/sbin/vsftpd "$dir/vsftpd.conf" >>"$dir/vsftpd.out" 2>&1 </dev/null &
echo $! >"$dir/vsftpd.pid"

probe=plain; [[ ${VSFTPD_EXTRA_CONF:-} == *implicit_ssl=YES* ]] && probe=implicit
greeting() {
  python3 - "$port" "$probe" "$host" <<'EOF'
import socket, ssl, sys
try:
    s = socket.create_connection((sys.argv[3], int(sys.argv[1])), timeout=1)
    if sys.argv[2] == "implicit":
        ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s)
    ok = s.recv(512).startswith(b"220"); s.sendall(b"QUIT\r\n"); s.close()
except OSError: ok = False
sys.exit(0 if ok else 1)
EOF
}
for i in $(seq 100); do
  greeting && alive "$(cat "$dir/vsftpd.pid")" && break
  if ! alive "$(cat "$dir/vsftpd.pid")" || [[ $i == 100 ]]; then
    # vsftpd dies silently (exit 2, nothing on stdout/stderr) on a config error.
    alive "$(cat "$dir/vsftpd.pid")" || { wait "$(cat "$dir/vsftpd.pid")" && st=0 || st=$?; log "vsftpd exited with status $st"; }
    log "vsftpd did not answer 220 on $host port $port"
    cat "$dir/vsftpd.out" "$dir/vsftpd.log" >&2 || true
    stop; exit 1
  fi
  sleep 0.1
done

enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
url="ftp://$(enc "$user"):$(enc "$pass")@$url_host:$port/"
echo "$url" >"$dir/url"
log "up: pid $(cat "$dir/vsftpd.pid"), port $port, pasv $pasv_min-$pasv_max, root $dir/root"
echo "$url"
