#!/usr/bin/env bash
# Run a command with a real vsftpd on 127.0.0.1, announced to the tests through
# FTPGATE_TEST_VSFTPD_URL and FTPGATE_TEST_VSFTPD_ROOT; vsftpd is stopped afterwards.
#   bash test/servers/with-vsftpd.sh npx vitest run
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d /tmp/ftpgate-vsftpd.XXXXXX)
chmod 755 "$dir"
trap 'bash "$here/vsftpd.sh" stop "$dir"' EXIT
FTPGATE_TEST_VSFTPD_URL=$(bash "$here/vsftpd.sh" start "$dir")
export FTPGATE_TEST_VSFTPD_URL FTPGATE_TEST_VSFTPD_ROOT="$dir/root"
echo "with-vsftpd: $FTPGATE_TEST_VSFTPD_URL root $FTPGATE_TEST_VSFTPD_ROOT" >&2
"$@"
