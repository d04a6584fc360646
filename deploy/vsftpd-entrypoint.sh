#!/bin/sh
# Create the FTP account from FTP_USER/FTP_PASSWORD, then run vsftpd in the foreground.
set -eu
if ! id "$FTP_USER" >/dev/null 2>&1; then
  useradd --home-dir /srv/ftp --no-create-home --shell /usr/sbin/nologin "$FTP_USER"
fi
# PAM (pam_shells) wants the user's shell listed in /etc/shells.
grep -qx /usr/sbin/nologin /etc/shells || echo /usr/sbin/nologin >> /etc/shells
echo "$FTP_USER:$FTP_PASSWORD" | chpasswd
chown "$FTP_USER" /srv/ftp
exec /usr/sbin/vsftpd /etc/vsftpd.conf
