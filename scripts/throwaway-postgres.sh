# Sourced by test.sh when no PostgreSQL answers on 127.0.0.1:5432: starts a private cluster in a
# temp dir on a free port, exports TWOFOLD_TEST_PG_URL and stops it when the tests end.
pg_bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
pg_dir=$(mktemp -d /tmp/twofold-pg.XXXXXX)
pg_port=$(( 20000 + RANDOM % 20000 ))
run_pg() {
  # initdb and postgres refuse to run as root.
  if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
[[ $(id -u) == 0 ]] && chown postgres "$pg_dir"
run_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1" -l "$pg_dir/log" -w start >/dev/null
trap 'run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1; rm -rf "$pg_dir"' EXIT
export TWOFOLD_TEST_PG_URL="postgres://postgres@127.0.0.1:$pg_port/postgres"
echo "test: started a throwaway PostgreSQL on port $pg_port"
