#!/usr/bin/env bash
# The whole test suite, as `npm test` runs it: system tools, types, lint, then every vitest test
# (unit, integration, PostgreSQL, browser). It installs the Debian tools it needs when they are
# missing and it may (root + apt-get); otherwise it names what is missing and stops.
set -euo pipefail
cd "$(dirname "$0")/.."

# tool -> Debian package that provides it
declare -A PACKAGE_OF=(
  [oathtool]=oathtool
  [zbarimg]=zbar-tools
  [pdftotext]=poppler-utils
  [chromium]=chromium
  [psql]=postgresql-client
  [curl]=curl
  [nginx]=nginx
  [radclient]=freeradius-utils
)
missing=()
for tool in "${!PACKAGE_OF[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${PACKAGE_OF[$tool]}")
done
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  missing+=(postgresql)
fi
if ((${#missing[@]} > 0)); then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "test: installing missing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "test: missing tools; install these Debian packages first: ${missing[*]}" >&2
    exit 1
  fi
fi

# PostgreSQL: the machine's own on 127.0.0.1:5432 when it answers, else a throwaway cluster.
if [[ -z ${TWOFOLD_TEST_PG_URL:-} ]]; then
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    export TWOFOLD_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/postgres
  else
    # shellcheck source=scripts/throwaway-postgres.sh
    source scripts/throwaway-postgres.sh
  fi
fi

echo "test: build"
npm run --silent build
echo "test: type check (tsc --noEmit)"
npx --no-install tsc --noEmit
echo "test: lint (biome)"
npx --no-install biome check .
echo "test: vitest"
mkdir -p test-output
status=0
npx --no-install vitest run --reporter=default --reporter=json --outputFile.json=test-output/vitest.json "$@" || status=$?
# One plain closing line with the counts, whatever reporter ran above.
node -e '
  const r = JSON.parse(require("fs").readFileSync("test-output/vitest.json", "utf8"));
  console.log(`Tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
' || true
exit "$status"
