#!/usr/bin/env bash
# Starts the local PostgreSQL cluster if needed and prints a URL for the tests, or nothing.
# The test role may create databases; each test makes its own, and old ones are dropped here.
set -uo pipefail
command -v pg_lsclusters >/dev/null || exit 0
cluster=$(pg_lsclusters --no-header 2>/dev/null | head -n 1)
[ -n "$cluster" ] || exit 0
read -r version name port status _ <<<"$cluster"
if [ "$status" != online ]; then
  pg_ctlcluster "$version" "$name" start >/dev/null 2>&1 || exit 0
fi
psql_admin() { su postgres -c "psql -p $port -qtAX $*" 2>/dev/null; }
for _ in $(seq 1 50); do psql_admin "-c 'select 1'" >/dev/null && break; sleep 0.2; done
psql_admin "-c \"DO \\\$\\\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ecmo_test') THEN CREATE ROLE ecmo_test LOGIN CREATEDB PASSWORD 'ecmo_test'; END IF; END \\\$\\\$\"" >/dev/null || exit 0
for db in $(psql_admin "-c \"SELECT datname FROM pg_database WHERE datname LIKE 'ecmo_test_%'\""); do
  psql_admin "-c 'DROP DATABASE IF EXISTS $db'" >/dev/null
done
echo "postgres://ecmo_test:ecmo_test@127.0.0.1:$port/postgres"
