#!/usr/bin/env bash
# Start/stop vsftpd with FTPS for integration tests: a certificate for 127.0.0.1 signed by a
# test CA made here with openssl, ssl_enable=YES and require_ssl_reuse=YES (every data
# connection must resume the control connection's TLS session), logins and data forced to TLS.
#
#   bash test/servers/vsftpd-tls.sh start DIR [explicit|implicit]
#       -> prints ftps://USER:PASS@127.0.0.1:PORT/?ca=CERTS/ca.pem        (explicit, AUTH TLS)
#          or     ftps://USER:PASS@127.0.0.1:PORT/?tls=implicit&ca=...   (implicit_ssl=YES)
#   bash test/servers/vsftpd-tls.sh stop DIR
#
# Env: VSFTPD_TLS_CERTS (folder for the CA and certificates, default DIR/certs; made once and
#      reused, so an explicit and an implicit server can share one CA), plus vsftpd.sh's.
# The certs folder also holds other-ca.pem, a CA that signed nothing here (for wrong-CA tests).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

cmd=${1:-}; dir=${2:-}; mode=${3:-explicit}
[[ ( $cmd == start || $cmd == stop ) && -n $dir && ( $mode == explicit || $mode == implicit ) ]] ||
  { echo "usage: $0 start|stop DIR [explicit|implicit]" >&2; exit 2; }
if [[ $cmd == stop ]]; then exec bash "$here/vsftpd.sh" stop "$dir"; fi

mkdir -p "$dir"; dir=$(cd "$dir" && pwd)
certs=${VSFTPD_TLS_CERTS:-$dir/certs}
mkdir -p "$certs"; certs=$(cd "$certs" && pwd)

# make_certs: a test CA, a server certificate for 127.0.0.1 (CN and IP SAN) it signed, and an
# unrelated CA. Quiet and idempotent.
make_certs() {
  [[ -s $certs/server.pem && -s $certs/ca.pem && -s $certs/other-ca.pem ]] && return 0
  (
    cd "$certs"
    ossl() { openssl "$@" 2>/dev/null; }
    ossl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=ftpgate test CA" \
      -keyout ca.key -out ca.pem -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
    ossl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=ftpgate other CA" \
      -keyout other-ca.key -out other-ca.pem -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
    ossl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout server.key -out server.csr
    printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' >server.ext
    ossl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 -extfile server.ext -out server.pem
    chmod 600 ./*.key
  ) || { echo "vsftpd-tls.sh: openssl failed" >&2; exit 1; }
  openssl verify -CAfile "$certs/ca.pem" "$certs/server.pem" >/dev/null
}
make_certs

VSFTPD_EXTRA_CONF="ssl_enable=YES
rsa_cert_file=$certs/server.pem
rsa_private_key_file=$certs/server.key
require_ssl_reuse=YES
force_local_logins_ssl=YES
force_local_data_ssl=YES
ssl_ciphers=HIGH
$(if [[ $mode == implicit ]]; then echo implicit_ssl=YES; fi)"
export VSFTPD_EXTRA_CONF

url=$(bash "$here/vsftpd.sh" start "$dir")
url=${url/#ftp:/ftps:}
if [[ $mode == implicit ]]; then url="${url}?tls=implicit&ca=$certs/ca.pem"; else url="${url}?ca=$certs/ca.pem"; fi
echo "$url" >"$dir/url"
echo "$url"
