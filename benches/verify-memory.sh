#!/usr/bin/env bash
# Peak memory of `vault verify` as the vault grows: it must not grow with the number of objects.
# Builds vaults of BENCH_SIZES objects (100 small objects per order), runs `vault verify` on each
# under /usr/bin/time -v, and prints the peak resident set size per size for each binary given.
#   benches/verify-memory.sh VAULT_BINARY [OTHER_VAULT_BINARY]
set -euo pipefail
bins=("$@"); [ ${#bins[@]} -gt 0 ] || { echo "usage: $0 VAULT_BINARY [OTHER]" >&2; exit 2; }
for i in "${!bins[@]}"; do bins[$i]=$(realpath "${bins[$i]}"); done
root=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_DIR:-$root/bench-work}/verify-memory
sizes=${BENCH_SIZES:-"10000 40000 160000"}
mkdir -p "$work" && cd "$work"
export VAULT_NO_PROGRESS=1
build=${bins[0]}

for n in $sizes; do
  if [ ! -f "v$n/.objects-$n" ]; then
    echo "preparing a vault of $n objects ..." >&2
    rm -rf "v$n" drop && "$build" -q init "v$n"
    python3 - "$n" <<'PY'
import os, sys
n = int(sys.argv[1]); per = 100
for o in range(n // per):
    d = f"drop/{8000000000000000 + o}"
    os.makedirs(d, exist_ok=True)
    for i in range(per):
        with open(f"{d}/p{i}.bin", "wb") as f:
            f.write(os.urandom(64))
PY
    VAULT_DIR="v$n" "$build" -q add --order-from '^(\d{16})/' drop
    rm -rf drop
    touch "v$n/.objects-$n"
  fi
done

printf '| binary |'; for n in $sizes; do printf ' %s objects |' "$n"; done; echo
printf '|---|'; for _ in $sizes; do printf -- '---|'; done; echo
for b in "${bins[@]}"; do
  printf '| `%s` |' "$b"
  for n in $sizes; do
    rss=$( { VAULT_DIR="v$n" /usr/bin/time -v "$b" -q verify > /dev/null; } 2>&1 |
      awk -F': ' '/Maximum resident set size/ {print $2}')
    printf ' %.1f MB |' "$(echo "$rss / 1024" | bc -l)"
  done
  echo
done
