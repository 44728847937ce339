#!/usr/bin/env bash
# Starts Debian's PostgreSQL cluster for the tests and makes sure the test role and database exist.
# Prints the URL to use; prints nothing (and exits 0) when PostgreSQL cannot be started, so the
# PostgreSQL tests are skipped with a message rather than failing the whole run.
set -u
command -v pg_lsclusters >/dev/null 2>&1 || exit 0
ver=$(pg_lsclusters -h 2>/dev/null | awk 'NR==1{print $1}')
[ -n "$ver" ] || exit 0
port=$(pg_lsclusters -h | awk 'NR==1{print $3}')
if ! pg_lsclusters -h | awk 'NR==1{print $4}' | grep -q online; then
  pg_ctlcluster "$ver" main start >/dev/null 2>&1 || { service postgresql start >/dev/null 2>&1 || exit 0; }
fi
runpg() { if [ "$(id -u)" -eq 0 ]; then su postgres -c "$1"; else sudo -u postgres sh -c "$1"; fi; }
for _ in 1 2 3 4 5 6 7 8 9 10; do runpg "psql -p $port -tAc 'select 1'" >/dev/null 2>&1 && break; sleep 0.5; done
runpg "psql -p $port -tAc \"select 1 from pg_roles where rolname='occ'\"" 2>/dev/null | grep -q 1 ||
  runpg "psql -p $port -qc \"create role occ login password 'occ' createdb\"" >/dev/null 2>&1
runpg "psql -p $port -tAc \"select 1 from pg_database where datname='occ_test'\"" 2>/dev/null | grep -q 1 ||
  runpg "createdb -p $port -O occ occ_test" >/dev/null 2>&1
# PostGIS (the server's spatial indexes; migration 7b1e5c0a9d21). The test role is no superuser,
# so the extension is created here: in its own schema `postgis`, which the tests' reset (DROP
# SCHEMA public CASCADE) leaves alone, in template1 (databases created later inherit it) and in
# every test database. A city's DBA runs the same statements in the production database.
pgis() {
  runpg "psql -p $port -d $1 -q -v ON_ERROR_STOP=1" >/dev/null 2>&1 <<SQL
CREATE SCHEMA IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS postgis SCHEMA postgis;
GRANT USAGE ON SCHEMA postgis TO PUBLIC;
ALTER DATABASE "$1" SET search_path = "\$user", public, postgis;
SQL
}
for db in template1 $(runpg "psql -p $port -tAc \"select datname from pg_database where datname like 'occ_test%'\"" 2>/dev/null); do
  pgis "$db" || echo "postgres.sh: could not install PostGIS in $db (Debian package postgresql-*-postgis-3)" >&2
done
runpg "psql -p $port -tAc 'select 1'" >/dev/null 2>&1 || exit 0
echo "postgresql+psycopg://occ:occ@127.0.0.1:$port/occ_test"
