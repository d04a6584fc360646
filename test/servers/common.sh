#!/usr/bin/env bash
# Shared helpers for the real-server scripts in this folder (sourced, not run).
# Every server listens on 127.0.0.1 only.

SUDO=; [[ $(id -u) == 0 ]] || SUDO=sudo

# free_port: an ephemeral port that binds on 127.0.0.1 right now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# free_range START COUNT STEP LIMIT: first START+k*STEP whose COUNT ports all bind on 127.0.0.1
# (SO_REUSEADDR as FTP servers do, so ports in TIME_WAIT from earlier transfers count as free).
free_range() {
  python3 - "$@" <<'PY'
import socket, sys
start, count, step, limit = map(int, sys.argv[1:])
def free(p):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try: s.bind(("127.0.0.1", p)); return True
    except OSError: return False
    finally: s.close()
for base in range(start, limit, step):
    if all(free(p) for p in range(base, base + count)): print(base); break
PY
}

# port_free PORT: nothing listens on 127.0.0.1:PORT.
port_free() { [[ $(free_range "$1" 1 1 $(($1 + 1))) == "$1" ]]; }

# greeting PORT [implicit]: a 220 greeting arrives on 127.0.0.1:PORT (inside TLS for "implicit").
greeting() {
  python3 - "$@" <<'PY'
import socket, ssl, sys
port = int(sys.argv[1]); implicit = len(sys.argv) > 2 and sys.argv[2] == "implicit"
try:
    s = socket.create_connection(("127.0.0.1", port), timeout=1)
    if implicit:
        ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s)
    ok = s.recv(512).startswith(b"220"); s.sendall(b"QUIT\r\n"); s.close()
except OSError: ok = False
sys.exit(0 if ok else 1)
PY
}

# urlenc TEXT: percent-encode everything but unreserved characters.
urlenc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }

# pid_alive PID NAME: running (not a zombie) and its command line mentions NAME (pid reuse).
pid_alive() { [[ $(ps -o stat= -p "$1" 2>/dev/null) == [^Z]* ]] && grep -qa "$2" "/proc/$1/cmdline" 2>/dev/null; }

# stop_pidfile FILE NAME: stop the server whose pid is in FILE, with its children, then forget it.
stop_pidfile() {
  local file=$1 name=$2 pid
  [[ -f $file ]] || return 0
  pid=$(cat "$file")
  if [[ -n $pid ]] && pid_alive "$pid" "$name"; then
    $SUDO pkill -TERM -P "$pid" 2>/dev/null || true
    $SUDO kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do pid_alive "$pid" "$name" || break; sleep 0.1; done
    if pid_alive "$pid" "$name"; then $SUDO pkill -KILL -P "$pid" 2>/dev/null || true; $SUDO kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$file"
}

# wait_greeting PIDFILE NAME PORT LOGS... [-- implicit]: wait up to 10 s for 220; on failure print the logs.
wait_greeting() {
  local pidfile=$1 name=$2 port=$3 mode=${WAIT_MODE:-}; shift 3
  for i in $(seq 100); do
    if greeting "$port" $mode && pid_alive "$(cat "$pidfile")" "$name"; then return 0; fi
    if ! pid_alive "$(cat "$pidfile")" "$name" || [[ $i == 100 ]]; then
      echo "$name did not answer 220 on 127.0.0.1:$port" >&2
      cat "$@" >&2 2>/dev/null || true
      return 1
    fi
    sleep 0.1
  done
}

# The test account every server gets (a system user, so that files on disk have an owner).
ensure_user() {
  local user=$1 pass=$2 home
  id "$user" >/dev/null 2>&1 || $SUDO useradd --create-home --shell /bin/bash "$user"
  home=$(getent passwd "$user" | cut -d: -f6)
  $SUDO mkdir -p "$home"; $SUDO chown "$user:" "$home"
  echo "$user:$pass" | $SUDO chpasswd
}

# unpack_debs DEST PACKAGE...: Debian packages that conflict with the installed FTP server are
# never installed: `apt-get download` them once into a cache folder (FTPGATE_DEB_CACHE, default
# /tmp/ftpgate-debs, reused by later runs) and `dpkg -x` them into DEST.
unpack_debs() {
  local dest=$1; shift
  local cache=${FTPGATE_DEB_CACHE:-/tmp/ftpgate-debs} missing=() p
  mkdir -p "$cache" "$dest"; chmod 777 "$cache" 2>/dev/null || true   # apt's _apt user writes there
  for p in "$@"; do compgen -G "$cache/${p}_*.deb" >/dev/null || missing+=("$p"); done
  if ((${#missing[@]})); then
    echo "fetching ${missing[*]} into $cache" >&2
    (cd "$cache" && { apt-get download "${missing[@]}" >&2 || { $SUDO apt-get update -qq >&2 && apt-get download "${missing[@]}" >&2; }; }) ||
      { echo "apt-get download ${missing[*]} failed" >&2; return 1; }
  fi
  for p in "$@"; do
    local deb; deb=$(ls -t "$cache/${p}"_*.deb | head -1)
    dpkg -x "$deb" "$dest"
  done
}
