#!/usr/bin/env bash
# Run a command with every real FTP server this machine can run, on 127.0.0.1, announced to the
# tests as FTPGATE_TEST_<NAME>_URL and FTPGATE_TEST_<NAME>_ROOT (see test/helpers/ftp-servers.ts):
#   vsftpd            plain FTP, LIST only                    (Debian package vsftpd, installed)
#   vsftpd-tls        explicit FTPS, require_ssl_reuse=YES    (same binary, test CA made here)
#   vsftpd-implicit   implicit FTPS                           (same binary and CA)
#   pure-ftpd         MLSD                                    (apt-get download + dpkg -x)
#   proftpd           MLSD                                    (apt-get download + dpkg -x)
# Also exported: FTPGATE_TEST_TLS_CERTS (the CA folder: ca.pem, other-ca.pem).
# Every server is stopped afterwards.
#   bash test/servers/with-servers.sh npx vitest run test/contract/rest.test.ts
# A server that cannot start is left out with a warning, unless FTPGATE_REQUIRE_EXTERNAL=1
# (then the run fails before the command). FTPGATE_SERVERS="vsftpd proftpd" picks a subset.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

run=$(mktemp -d /tmp/ftpgate-servers.XXXXXX)
chmod 755 "$run"
started=()
cleanup() {
  local entry
  for entry in "${started[@]}"; do bash "$here/${entry%%:*}" stop "${entry#*:}" >/dev/null 2>&1 || true; done
  rm -rf "$run"
}
trap cleanup EXIT

# One block of passive ports per server, so that no two servers ever race for the same port.
# Above the ephemeral range (32768-60999 on Linux), where client sockets of the tests take ports.
base=$(free_range 61000 500 500 64000)
[[ -n $base ]] || { echo "with-servers: no free block of 500 passive ports" >&2; exit 1; }
export VSFTPD_TLS_CERTS=$run/certs FTPGATE_TEST_TLS_CERTS=$run/certs

wanted=${FTPGATE_SERVERS:-vsftpd vsftpd-tls vsftpd-implicit pure-ftpd proftpd}
failed=()
i=0
for name in $wanted; do
  key=$(echo "$name" | tr '[:lower:]' '[:upper:]' | tr -c 'A-Z0-9\n' '_')
  dir=$run/$name; min=$((base + 100 * i)); max=$((min + 99)); i=$((i + 1))
  case $name in
    vsftpd)          script=vsftpd.sh;     args=();         export VSFTPD_PASV_MIN=$min VSFTPD_PASV_MAX=$max ;;
    vsftpd-tls)      script=vsftpd-tls.sh; args=(explicit); export VSFTPD_PASV_MIN=$min VSFTPD_PASV_MAX=$max ;;
    vsftpd-implicit) script=vsftpd-tls.sh; args=(implicit); export VSFTPD_PASV_MIN=$min VSFTPD_PASV_MAX=$max ;;
    pure-ftpd)       script=pure-ftpd.sh;  args=();         export PURE_PASV_MIN=$min PURE_PASV_MAX=$max ;;
    proftpd)         script=proftpd.sh;    args=();         export PROFTPD_PASV_MIN=$min PROFTPD_PASV_MAX=$max ;;
    *) echo "with-servers: unknown server $name" >&2; exit 2 ;;
  esac
  started+=("$script:$dir")
  if url=$(bash "$here/$script" start "$dir" "${args[@]}"); then
    export "FTPGATE_TEST_${key}_URL=$url" "FTPGATE_TEST_${key}_ROOT=$dir/root"
    echo "with-servers: $name $url root $dir/root" >&2
  else
    failed+=("$name")
    echo "with-servers: $name did not start" >&2
  fi
done
if ((${#failed[@]})) && [[ ${FTPGATE_REQUIRE_EXTERNAL:-} == 1 ]]; then
  echo "with-servers: FTPGATE_REQUIRE_EXTERNAL=1 and ${failed[*]} did not start" >&2
  exit 1
fi
"$@"
