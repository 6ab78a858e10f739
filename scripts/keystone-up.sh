#!/usr/bin/env bash
# keystone-up.sh [SWIFT_BASE_DIR]
#
# A private OpenStack Keystone (Debian 12 packages) on 127.0.0.1, and a second proxy of the Swift
# that scripts/swift-up.sh runs, authenticating through Keystone (authtoken + keystoneauth) instead
# of tempauth. Both proxies share the rings and the storage servers.
#
#   Keystone v3:        http://127.0.0.1:$KEYSTONE_PORT/v3   (sqlite database, fernet tokens)
#   Swift via Keystone: http://127.0.0.1:$KEYSTONE_SWIFT_PORT/v1/AUTH_<project id>, listed in the
#                       catalog as the public object-store endpoint of region RegionOne
#   Volume v3 (Cinder's API, served by a coffer server the tests start on 127.0.0.1:$KEYSTONE_VOLUME_PORT):
#                       http://127.0.0.1:$KEYSTONE_VOLUME_PORT/v3/<project id>, in the catalog as
#                       the volumev3 service "cinderv3", so that the openstack client finds it
#   project "coffer" (domain Default), user "coffer" / "coffer-secret" with role member, and an
#   application credential of that user; all written to SWIFT_BASE_DIR/keystone.env.
#
# Idempotent: if both are running and healthy it only prints the environment. Must run as root.
# Started after swift-up.sh (it needs the Swift it extends). Stopped by swift-down.sh.
#
# Environment overrides: KEYSTONE_PORT [5000], KEYSTONE_SWIFT_PORT [8081], KEYSTONE_VOLUME_PORT [8776], SWIFT_AIO_DIR,
# SWIFT_MEMCACHED_PORT [11211], KEYSTONE_SKIP_INSTALL [0].
set -euo pipefail
BASE=${1:-${SWIFT_AIO_DIR:-/tmp/coffer-swift}}
KS_PORT=${KEYSTONE_PORT:-5000}
KS_SWIFT_PORT=${KEYSTONE_SWIFT_PORT:-8081}
KS_VOLUME_PORT=${KEYSTONE_VOLUME_PORT:-8776}
MEMCACHED_PORT=${SWIFT_MEMCACHED_PORT:-11211}
IP=127.0.0.1
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
unset PYTHONPATH PYTHONHOME VIRTUAL_ENV || true
cd /
trap '' PIPE
log() { printf '[keystone-up %(%H:%M:%S)T] %s\n' -1 "$*" >&2 || true; }
die() { log "ERROR: $*"; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root"
[ -f "$BASE/etc/swift.conf" ] || [ -f "$BASE/etc/proxy-server.conf" ] || die "no Swift in $BASE: run scripts/swift-up.sh first"

KS=$BASE/keystone ETC=$BASE/etc RUN=$BASE/run LOGDIR=$BASE/log
ENVFILE=$BASE/keystone.env
mkdir -p "$KS/fernet-keys" "$KS/credential-keys" "$RUN" "$LOGDIR"

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
healthy() {
  curl -fsS -m 2 "http://$IP:$KS_PORT/v3" >/dev/null 2>&1 &&
    curl -fsS -m 2 "http://$IP:$KS_SWIFT_PORT/healthcheck" >/dev/null 2>&1
}
if grep -q "^KEYSTONE_ADMIN_PASSWORD=" "$ENVFILE" 2>/dev/null && grep -q "^KEYSTONE_VOLUME_PORT=" "$ENVFILE" && grep -q "^backend = dogpile.cache.memory" "$KS/keystone.conf" && pid_alive "$RUN/keystone.pid" && pid_alive "$RUN/proxy-keystone.pid" && healthy; then
  log "already running and healthy in $KS"
  cat "$ENVFILE"
  exit 0
fi
for p in keystone proxy-keystone; do
  if pid_alive "$RUN/$p.pid"; then kill -- -"$(cat "$RUN/$p.pid")" 2>/dev/null || kill "$(cat "$RUN/$p.pid")" 2>/dev/null || true; fi
  rm -f "$RUN/$p.pid"
done

if [ "${KEYSTONE_SKIP_INSTALL:-0}" != 1 ] && { ! command -v keystone-manage >/dev/null 2>&1 || ! python3 -c 'import keystonemiddleware' 2>/dev/null; }; then
  log "installing keystone and python3-keystonemiddleware (Debian packages)"
  export DEBIAN_FRONTEND=noninteractive
  # the packages would start a system-wide keystone: this one is private, so forbid that
  policy=/usr/sbin/policy-rc.d; made_policy=no
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; made_policy=yes; fi
  apt-get install -y -q --no-install-recommends keystone python3-keystonemiddleware >"$LOGDIR/keystone-install.log" 2>&1 ||
    { apt-get update -q >>"$LOGDIR/keystone-install.log" 2>&1 && apt-get install -y -q --no-install-recommends keystone python3-keystonemiddleware >>"$LOGDIR/keystone-install.log" 2>&1; } ||
    { [ $made_policy = yes ] && rm -f "$policy"; tail -20 "$LOGDIR/keystone-install.log" >&2; die "cannot install keystone"; }
  [ $made_policy = yes ] && rm -f "$policy"
fi
command -v keystone-manage >/dev/null 2>&1 || die "keystone-manage not found (apt-get install keystone)"

# ---------------------------------------------------------------- keystone
rm -f "$KS/keystone.db"
cat >"$KS/keystone.conf" <<EOF
[DEFAULT]
log_dir = $LOGDIR
log_file = keystone.log
[database]
connection = sqlite:///$KS/keystone.db
[token]
provider = fernet
expiration = 3600
[fernet_tokens]
key_repository = $KS/fernet-keys
[fernet_receipts]
key_repository = $KS/fernet-keys
[credential]
key_repository = $KS/credential-keys
[cache]
# validations are cached in keystone's process (the only one) and dropped on every revocation:
# without it each validation costs over a second here
enabled = true
backend = dogpile.cache.memory
EOF
chmod 700 "$KS/fernet-keys" "$KS/credential-keys"
ks() { keystone-manage --config-file "$KS/keystone.conf" "$@" >>"$LOGDIR/keystone-manage.log" 2>&1; }
ks db_sync || die "keystone-manage db_sync failed (see $LOGDIR/keystone-manage.log)"
ks fernet_setup --keystone-user root --keystone-group root
ks credential_setup --keystone-user root --keystone-group root
ks bootstrap --bootstrap-password admin-secret --bootstrap-admin-url "http://$IP:$KS_PORT/v3/" \
  --bootstrap-internal-url "http://$IP:$KS_PORT/v3/" --bootstrap-public-url "http://$IP:$KS_PORT/v3/" \
  --bootstrap-region-id RegionOne || die "keystone-manage bootstrap failed (see $LOGDIR/keystone-manage.log)"

# The object-store and volumev3 services and their endpoints go straight into the database:
# keystone 22 on sqlite locks itself out when creating an endpoint through the API ("database is locked").
python3 - "$KS/keystone.db" "http://$IP:$KS_SWIFT_PORT/v1/AUTH_%(project_id)s" "http://$IP:$KS_VOLUME_PORT/v3/%(project_id)s" <<'PY'
import sqlite3, sys, uuid
db = sqlite3.connect(sys.argv[1])
# readers never block a writer in WAL mode: in the default mode, a read transaction keystone
# leaves open on a pooled connection makes every later write fail ("database is locked")
db.execute("PRAGMA journal_mode=WAL")
for kind, name, url in (("object-store", "swift", sys.argv[2]), ("volumev3", "cinderv3", sys.argv[3])):
    sid = uuid.uuid4().hex
    db.execute("INSERT INTO service (id, type, enabled, extra) VALUES (?, ?, 1, ?)", (sid, kind, '{"name": "%s"}' % name))
    for iface in ("public", "internal", "admin"):
        db.execute("INSERT INTO endpoint (id, legacy_endpoint_id, interface, service_id, url, extra, enabled, region_id) "
                   "VALUES (?, NULL, ?, ?, ?, '{}', 1, 'RegionOne')", (uuid.uuid4().hex, iface, sid, url))
db.commit()
PY

start() {  # name, command...
  local name=$1; shift
  setsid "$@" </dev/null >>"$LOGDIR/$name.log" 2>&1 &
  echo $! >"$RUN/$name.pid"
}
OS_KEYSTONE_CONFIG_FILES="$KS/keystone.conf" start keystone /usr/bin/keystone-wsgi-public --host "$IP" --port "$KS_PORT"
for _ in $(seq 150); do curl -fsS -m 2 "http://$IP:$KS_PORT/v3" >/dev/null 2>&1 && break; pid_alive "$RUN/keystone.pid" || break; sleep 0.2; done
curl -fsS -m 2 "http://$IP:$KS_PORT/v3" >/dev/null 2>&1 || { tail -20 "$LOGDIR/keystone.log" >&2 2>/dev/null; die "keystone did not start (logs in $LOGDIR)"; }

# ---------------------------------------------------------------- users, catalog, application credential
python3 - "$IP" "$KS_PORT" "$KS_SWIFT_PORT" "$ENVFILE" "$KS_VOLUME_PORT" <<'PY'
import json, sys, urllib.request
ip, port, sport, envfile, vport = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
base = f"http://{ip}:{port}/v3"
def call(method, path, body=None, token=None):
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json", **({"X-Auth-Token": token} if token else {})})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.headers.get("X-Subject-Token"), (json.loads(r.read() or b"null"))
def auth(user, password, project):
    tok, _ = call("POST", "/auth/tokens", {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "domain": {"id": "default"}, "password": password}}},
        "scope": {"project": {"name": project, "domain": {"id": "default"}}}}})
    return tok
admin = auth("admin", "admin-secret", "admin")
_, proj = call("POST", "/projects", {"project": {"name": "coffer", "domain_id": "default"}}, admin)
_, user = call("POST", "/users", {"user": {"name": "coffer", "domain_id": "default", "password": "coffer-secret"}}, admin)
_, roles = call("GET", "/roles?name=member", None, admin)
call("PUT", f"/projects/{proj['project']['id']}/users/{user['user']['id']}/roles/{roles['roles'][0]['id']}", None, admin)
own = auth("coffer", "coffer-secret", "coffer")
_, cred = call("POST", f"/users/{user['user']['id']}/application_credentials",
               {"application_credential": {"name": "coffer-backups", "secret": "coffer-app-secret"}}, own)
with open(envfile, "w") as f:
    f.write(f"""KEYSTONE_AUTH_URL=http://{ip}:{port}/v3
KEYSTONE_SWIFT_URL=http://{ip}:{sport}/v1/AUTH_{proj['project']['id']}
KEYSTONE_PROJECT_ID={proj['project']['id']}
KEYSTONE_VOLUME_PORT={vport}
KEYSTONE_USERNAME=coffer
KEYSTONE_PASSWORD=coffer-secret
KEYSTONE_PROJECT_NAME=coffer
KEYSTONE_APP_CRED_ID={cred['application_credential']['id']}
KEYSTONE_APP_CRED_SECRET=coffer-app-secret
KEYSTONE_ADMIN_USERNAME=admin
KEYSTONE_ADMIN_PASSWORD=admin-secret
""")
PY

# ---------------------------------------------------------------- Swift proxy through Keystone
sed -e "s/^bind_port = .*/bind_port = $KS_SWIFT_PORT/" -e "s/^log_name = .*/log_name = proxy-keystone/" \
    -e 's/^pipeline = catch_errors .*/pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats authtoken keystoneauth copy slo dlo proxy-logging proxy-server/' \
    "$ETC/proxy-server.conf" >"$ETC/proxy-keystone.conf"
cat >>"$ETC/proxy-keystone.conf" <<EOF

[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
www_authenticate_uri = http://$IP:$KS_PORT/v3
auth_url = http://$IP:$KS_PORT/v3
auth_type = password
project_domain_id = default
user_domain_id = default
project_name = admin
username = admin
password = admin-secret
delay_auth_decision = true
# every request is validated with Keystone (no cache), so a revoked token is refused at once
token_cache_time = -1
service_token_roles_required = false

[filter:keystoneauth]
use = egg:swift#keystoneauth
operator_roles = admin, member
EOF
start proxy-keystone /usr/bin/swift-proxy-server "$ETC/proxy-keystone.conf" -v
for _ in $(seq 150); do healthy && break; pid_alive "$RUN/proxy-keystone.pid" || break; sleep 0.2; done
healthy || { tail -20 "$LOGDIR/proxy-keystone.log" >&2 2>/dev/null; die "the Keystone proxy did not start (logs in $LOGDIR)"; }
log "healthy: Keystone on $IP:$KS_PORT, Swift through Keystone on $IP:$KS_SWIFT_PORT"
cat "$ENVFILE"
