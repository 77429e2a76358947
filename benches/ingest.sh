#!/usr/bin/env bash
# Ingest and verify benchmark for vault, with baselines measured in the same run.
#
#   benches/ingest.sh                 # ~1 GB of 4 MB JPEG-sized files, 100,000-item vault
#   BENCH_MB=256 BENCH_ITEMS=20000 benches/ingest.sh   # a quicker run
#
# Measures (medians; disk-bound sides interleaved over 7 trials; page cache warm for every side alike):
#   1. vault add            vs  cp -r + sync            (a durable copy, as vault add must make)
#   2. vault verify         vs  openssl dgst -sha256 x2 (two processes over halves of the objects:
#                                                        the two-core hashing limit)
#   3. adding one order's 50 photos to a vault of BENCH_ITEMS items vs to an empty vault (median
#      of 7 interleaved trials)
# Prints a markdown table; docs/performance.md records the figures of a run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_DIR:-$root/bench-work}
mb=${BENCH_MB:-1024}
items=${BENCH_ITEMS:-100000}
file_mb=4
n=$((mb / file_mb))

cargo build --release --quiet --manifest-path "$root/Cargo.toml"
vault="$root/target/release/vault"
mkdir -p "$work"
cd "$work"

now() { date +%s.%N; }
# median of three timings of "$@"; a setup function named by $setup runs (untimed) before each.
median3() {
  local setup=$1; shift
  local ts=()
  for _ in 1 2 3; do
    $setup
    sync
    local t0; t0=$(now)
    "$@" > /dev/null
    local t1; t1=$(now)
    ts+=("$(echo "$t1 - $t0" | bc -l)")
  done
  printf '%s\n' "${ts[@]}" | sort -g | sed -n 2p
}
ratio() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }
jpeg() { # a JPEG-sized file of random bytes with a JPEG header
  { printf '\377\330\377\340'; head -c $(($2 - 4)) /dev/urandom; } > "$1"
}

echo "preparing $n files of $file_mb MB in $work/src ..." >&2
if [ "$(find src -type f 2>/dev/null | wc -l)" != "$n" ]; then
  rm -rf src && mkdir -p src
  for i in $(seq 1 "$n"); do jpeg "src/IMG_$i.jpg" $((file_mb * 1000 * 1000)); done
fi
total=$(du -sb src | cut -f1)

# 1. add vs durable copy: interleaved over 7 trials (alternating which goes first), medians.
med() { sort -g | sed -n 4p; }
trials_cp=()
trials_add=()
for trial in 1 2 3 4 5 6 7; do
  for side in $( [ $((trial % 2)) = 0 ] && echo "cp add" || echo "add cp" ); do
    if [ "$side" = cp ]; then rm -rf dst; else rm -rf v && "$vault" init -q v; fi
    sync
    t0=$(now)
    if [ "$side" = cp ]; then cp -r src dst && sync; else VAULT_DIR=v "$vault" add -q --order 8123456789012345 src; fi
    t1=$(now)
    t=$(echo "$t1 - $t0" | bc -l)
    if [ "$side" = cp ]; then trials_cp+=("$t"); else trials_add+=("$t"); fi
  done
done
rm -rf dst
t_cp=$(printf '%s\n' "${trials_cp[@]}" | med)
t_add=$(printf '%s\n' "${trials_add[@]}" | med)

# 2. verify vs parallel openssl
find v/objects/sha256 -type f | sort > objects.list
half=$(( ($(wc -l < objects.list) + 1) / 2 ))
split -l "$half" objects.list objects.part.
noop() { :; }
t_ossl=$(median3 noop sh -c 'for p in objects.part.*; do xargs openssl dgst -sha256 < "$p" > /dev/null & done; wait')
t_verify=$(median3 noop env VAULT_DIR=v "$vault" verify -q)
rm -f objects.list objects.part.*

# 3. one order into a big vault vs into an empty one
echo "preparing a vault of $items items ..." >&2
if [ ! -f "big/.items-$items" ]; then
  rm -rf big tiny && "$vault" init -q big
  python3 - "$items" <<'PY'
import os, sys
items = int(sys.argv[1]); per = 100
for o in range(items // per):
    d = f"tiny/{8000000000000000 + o}"
    os.makedirs(d, exist_ok=True)
    for i in range(per):
        with open(f"{d}/p{i}.jpg", "wb") as f:
            f.write(b"\xff\xd8\xff\xe0" + os.urandom(508))
PY
  VAULT_DIR=big "$vault" add -q --order-from '^(\d{16})/' tiny
  rm -rf tiny
  touch "big/.items-$items"
fi
# Interleaved like 1., each trial with a fresh set of 50 photos (nothing is a duplicate).
trials_empty=()
trials_big=()
for trial in 1 2 3 4 5 6 7; do
  rm -rf fresh empty && mkdir fresh
  for i in $(seq 1 50); do jpeg "fresh/IMG_$i.jpg" $((file_mb * 1000 * 1000)); done
  "$vault" init -q empty
  for side in $( [ $((trial % 2)) = 0 ] && echo "empty big" || echo "big empty" ); do
    sync
    t0=$(now)
    VAULT_DIR=$side "$vault" add -q --order "NEW-$trial-$(date +%s%N)" fresh
    t1=$(now)
    t=$(echo "$t1 - $t0" | bc -l)
    if [ "$side" = empty ]; then trials_empty+=("$t"); else trials_big+=("$t"); fi
  done
done
rm -rf fresh empty
t_empty=$(printf '%s\n' "${trials_empty[@]}" | med)
t_big=$(printf '%s\n' "${trials_big[@]}" | med)

cat <<TABLE

| measurement | baseline | vault | ratio | target |
|---|---|---|---|---|
| add $((total / 1000000)) MB ($n files) vs \`cp -r\` + \`sync\` | $(printf '%.2f' "$t_cp") s | $(printf '%.2f' "$t_add") s | $(ratio "$t_add" "$t_cp") | ≤ 1.3 |
| verify vs \`openssl dgst -sha256\` ×2 | $(printf '%.2f' "$t_ossl") s | $(printf '%.2f' "$t_verify") s | $(ratio "$t_verify" "$t_ossl") | ≤ 1.2 |
| add 50 × $file_mb MB: vault of $items items vs empty vault | $(printf '%.2f' "$t_empty") s | $(printf '%.2f' "$t_big") s | $(ratio "$t_big" "$t_empty") | ≤ 1.2 |

machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r); vault $("$vault" --version | cut -d' ' -f2)
TABLE
