#!/usr/bin/env bash
# Load on examples/service.rs over loopback: requests/s and p50/p99 latency
# of POST /score and POST /qualify (one lead each) with wrk, 1 thread and 16
# connections (wrk and the service share the machine's cores), for SECONDS
# (default 10) each. Installs wrk with apt when it is missing.
# Informational: prints the figures, fails only when the service does not
# answer or answers with errors.
#
#     bash benches/service_load.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
cargo build --release --quiet --example service
addr=127.0.0.1:18080
target/release/examples/service --addr "$addr" &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -s -o /dev/null -X POST "http://$addr/score" -H 'Content-Type: application/json' -d '{}' && break
  sleep 0.2
done
for path in score qualify; do
  out=$(wrk -t1 -c16 -d"${seconds}s" -s benches/service_lead.lua "http://$addr/$path")
  line=$(echo "$out" | grep '^requests/s')
  echo "POST /$path: $line"
  case "$line" in *"errors 0") ;; *) echo "$out" >&2; exit 1 ;; esac
done
