#!/usr/bin/env bash
# Starts a local PostgreSQL on 127.0.0.1:5432 for LlmRelay's storage tests and prints its connection string.
# Idempotent: installs the server only when missing, creates a cluster only when none exists, and leaves a
# running server running. Must run as root (PostgreSQL itself runs as the postgres user).
# Usage: export LLMRELAY_TEST_POSTGRES="$(eng/start-postgres.sh | tail -n 1)"
set -euo pipefail

log() { echo "start-postgres: $*" >&2; }

if [[ "$(id -u)" -ne 0 ]]; then
  log "must run as root (it may install packages and manage the postgres service)"
  exit 1
fi

# 1. Install the server if it is missing.
if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  log "installing postgresql"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends postgresql >&2; then
    apt-get update >&2
    apt-get install -y --no-install-recommends postgresql >&2
  fi
fi

# 2. Pick the newest installed server version and make sure a cluster exists for it.
version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
cluster="$(pg_lsclusters -h 2>/dev/null | awk -v v="$version" '$1 == v { print $2; exit }')"
if [[ -z "$cluster" ]]; then
  cluster=main
  log "creating cluster $version/$cluster"
  pg_createcluster "$version" "$cluster" --port 5432 >&2
fi

# 3. Listen on 127.0.0.1:5432 with password authentication over TCP.
conf_dir="/etc/postgresql/$version/$cluster"
mkdir -p "$conf_dir/conf.d"
# The test projects run in parallel, each with connection pools over many throw-away databases: the default
# max_connections (100) runs out ("53300: sorry, too many clients already").
printf "listen_addresses = '127.0.0.1'\nport = 5432\nmax_connections = 500\n" >"$conf_dir/conf.d/50-llmrelay.conf"
chown -R postgres:postgres "$conf_dir/conf.d"
if ! grep -Eq "^include_dir\s*=\s*'conf.d'" "$conf_dir/postgresql.conf"; then
  echo "include_dir = 'conf.d'" >>"$conf_dir/postgresql.conf"
fi
if ! grep -Eq '^host\s+all\s+all\s+127\.0\.0\.1/32\s+(md5|scram-sha-256)' "$conf_dir/pg_hba.conf"; then
  echo "host all all 127.0.0.1/32 scram-sha-256" >>"$conf_dir/pg_hba.conf"
fi

# The socket directory lives on /run, which a container or reboot may have emptied.
install -d -o postgres -g postgres -m 2775 /var/run/postgresql

# 4. Start it (or reload it when it already runs, to pick up configuration changes).
status="$(pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c { print $4 }')"
if [[ "$status" == online* ]]; then
  # max_connections only changes on a restart; everything else here a reload picks up.
  running="$(su postgres -c "psql -tAq -c 'SHOW max_connections;'" 2>/dev/null || true)"
  if [[ "$running" != "500" ]]; then
    log "restarting cluster $version/$cluster (max_connections $running -> 500)"
    pg_ctlcluster "$version" "$cluster" restart >&2
  else
    pg_ctlcluster "$version" "$cluster" reload >&2
  fi
else
  log "starting cluster $version/$cluster"
  pg_ctlcluster "$version" "$cluster" start >&2
fi

# 5. Wait until it answers.
for _ in $(seq 1 60); do
  if pg_isready -h 127.0.0.1 -p 5432 -q; then
    break
  fi
  sleep 1
done
if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  log "PostgreSQL did not become ready; see /var/log/postgresql/postgresql-$version-$cluster.log"
  exit 1
fi

# 6. Set the superuser password (over the local socket, as the postgres OS user).
su postgres -c "psql -q -v ON_ERROR_STOP=1 -c \"ALTER USER postgres PASSWORD 'postgres';\"" >&2

echo "Host=127.0.0.1;Port=5432;Username=postgres;Password=postgres"
