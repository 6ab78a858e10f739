#!/bin/sh
# Installs this release: the files into /opt/coffer (PREFIX), the command at /usr/local/bin/coffer,
# the default configuration at /etc/coffer/coffer.properties (kept when one exists), the user
# coffer and the systemd unit coffer.service (enabled, not started). Run as root from the
# unpacked archive: sudo ./install.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
prefix=${PREFIX:-/opt/coffer}
[ "$(id -u)" = 0 ] || { echo "install.sh: run it as root" >&2; exit 1; }
mkdir -p "$prefix/bin" "$prefix/lib" /etc/coffer
cp "$here/bin/coffer" "$prefix/bin/coffer"
cp "$here/lib/"* "$prefix/lib/"
chmod 755 "$prefix/bin/coffer"
ln -sf "$prefix/bin/coffer" /usr/local/bin/coffer
[ -e /etc/coffer/coffer.properties ] || cp "$here/etc/coffer.properties" /etc/coffer/coffer.properties
if ! id -u coffer >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/coffer --shell /usr/sbin/nologin coffer 2>/dev/null || adduser --system --home /var/lib/coffer coffer
fi
mkdir -p /var/lib/coffer && chown coffer: /var/lib/coffer && chmod 750 /var/lib/coffer
if [ -d /etc/systemd/system ]; then
  sed "s#/opt/coffer#$prefix#g" "$here/systemd/coffer.service" >/etc/systemd/system/coffer.service
  if command -v systemctl >/dev/null 2>&1 && systemctl daemon-reload 2>/dev/null; then
    systemctl enable coffer.service >/dev/null 2>&1 || true
    echo "installed; start it with: systemctl start coffer"
    exit 0
  fi
fi
echo "installed into $prefix; run: coffer server --data-dir /var/lib/coffer --config /etc/coffer/coffer.properties"
