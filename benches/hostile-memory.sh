#!/usr/bin/env bash
# Peak memory on hostile input: runs the hostile-input suite (tests/cli/hostile.rs) with every
# `vault` run wrapped in /usr/bin/time, then prints the runs that peaked highest. The hardening
# target: no single hostile input takes more than 200 MB.
#   benches/hostile-memory.sh [TEST_FILTER]      (default: hostile)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_DIR:-$root/bench-work}/hostile-memory
mkdir -p "$work"
log=$work/runs.log; : > "$log"
wrap=$work/wrap.sh
cat > "$wrap" <<WRAP
#!/bin/sh
exec /usr/bin/time -a -o "$log" -f '%M KB	%C' "\$@"
WRAP
chmod +x "$wrap"
cd "$root"
VAULT_TEST_WRAP=$wrap cargo test --release --features failpoints -q -- "${1:-hostile}" >&2
runs=$(wc -l < "$log")
echo "$runs vault runs; the five highest peaks (resident set size):"
sort -rn "$log" | head -5 | awk -F'\t' '{ split($1, kb, " "); printf "%7.1f MB  %s\n", kb[1] / 1024, substr($2, 1, 150) }'
worst=$(sort -rn "$log" | head -1 | cut -d' ' -f1)
[ "$worst" -le $((200 * 1024)) ] && echo "worst $((worst / 1024)) MB: within 200 MB" || { echo "worst $((worst / 1024)) MB: over 200 MB"; exit 1; }
