#!/usr/bin/env bash
# Run lint, types and the whole test suite; PostgreSQL is a throwaway cluster started here and removed after.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

echo "== ruff"
$BIN/ruff check src tests
$BIN/ruff format --check src tests
echo "== mypy --strict"
$BIN/mypy

eval "$(scripts/postgres.sh start)"
trap 'scripts/postgres.sh stop "$ANSINH_PG_DIR"' EXIT
echo "== pytest (SQLite and PostgreSQL at ${ANSINH_TEST_POSTGRES_URL%%/*}…, Chromium)"
export ANSINH_REQUIRE_POSTGRES=1 ANSINH_REQUIRE_BROWSER=1
$BIN/pytest -p no:cacheprovider "$@"
