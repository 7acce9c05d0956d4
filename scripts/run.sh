#!/usr/bin/env bash
# `make run`: the demo database, the population-database simulator beside it, and the web server (with its
# background-job thread). Ctrl-C stops both servers.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export ANSINH_ENV=${ANSINH_ENV:-demo}
VAR=${ANSINH_VAR_DIR:-var}
SIM_PORT=${SIM_PORT:-8100}

"$BIN/ansinh" demo
"$BIN/ansinh" sim population --file "$VAR/population.csv" --port "$SIM_PORT" &
simulator=$!
trap 'kill "$simulator" 2>/dev/null || true' EXIT
export ANSINH_POPULATION_URL=${ANSINH_POPULATION_URL:-http://127.0.0.1:$SIM_PORT}
"$BIN/ansinh" serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
