#!/usr/bin/env bash
# Old build against new build, in the same run, on the same files: for refactors that must not be
# slower. Interleaved trials (old, new, old, new, ...), medians, and the ratio new/old.
#   benches/ab.sh OLD_VAULT_BINARY NEW_VAULT_BINARY [TRIALS]
# Measures: add 64 x 4 MB files; verify them; the first bundle of 50 camera-sized photos (thumbnail
# cache cleared) and the second (cached); a Stripe platform bundle (summary PDF, upload copies).
set -euo pipefail
old=$(realpath "$1"); new=$(realpath "$2"); trials=${3:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_DIR:-$root/bench-work}/ab
mkdir -p "$work" && cd "$work"
export VAULT_NO_PROGRESS=1 SOURCE_DATE_EPOCH=1764547200

. "$root/benches/photos.sh"
if [ "$(ls blobs 2>/dev/null | wc -l)" != 64 ]; then
  rm -rf blobs && mkdir blobs
  for i in $(seq 1 64); do head -c $((4 << 20)) /dev/urandom > "blobs/b$i.bin"; done
fi

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
declare -A times
trial() { # name bin setup-cmd timed-cmd
  local name=$1 side=$2 bin=$3 setup=$4 cmd=$5
  eval "$setup"; sync
  local t0; t0=$(now); eval "$cmd" > /dev/null; local t1; t1=$(now)
  times[$name.$side]+="$(echo "$t1 - $t0" | bc) "
}
run() { # name setup cmd ($bin in them is the binary)
  for _ in $(seq 1 "$trials"); do
    bin=$old trial "$1" old "$old" "$2" "$3"
    bin=$new trial "$1" new "$new" "$2" "$3"
  done
}
fresh() { rm -rf v && "$bin" -q init v; }

run add 'fresh' 'VAULT_DIR=v "$bin" -q add --order A1 blobs'
run verify 'fresh; VAULT_DIR=v "$bin" -q add --order A1 blobs' 'VAULT_DIR=v "$bin" -q verify'
run bundle_first 'fresh; VAULT_DIR=v "$bin" -q add --order B1 photos; rm -f b.zip' 'VAULT_DIR=v "$bin" -q bundle B1 -o b.zip'
run bundle_cached 'rm -f b.zip' 'VAULT_DIR=v "$bin" -q bundle B1 -o b.zip'
run bundle_stripe 'rm -rf v/cache; rm -f s.zip' 'VAULT_DIR=v "$bin" -q bundle B1 --platform stripe -o s.zip'

echo "| measurement | old (median of $trials) | new | new/old |"
echo "|---|---|---|---|"
for name in add verify bundle_first bundle_cached bundle_stripe; do
  o=$(echo "${times[$name.old]}" | tr ' ' '\n' | grep . | median)
  n=$(echo "${times[$name.new]}" | tr ' ' '\n' | grep . | median)
  printf '| %s | %.2f s | %.2f s | %.2f |\n' "$name" "$o" "$n" "$(echo "$n / $o" | bc -l)"
done
