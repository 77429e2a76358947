#!/usr/bin/env bash
# Bundle benchmark, baseline measured in the same run:
#   first `vault bundle` of 50 photos (thumbnails made)   vs  zip -0 -r of the same files
#   second `vault bundle` (thumbnails cached)              vs  zip -0 -r
# 7 interleaved trials, medians. Photos: 50 synthetic 12-megapixel JPEGs (~3.3 MB, Pillow).
#   benches/bundle.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_DIR:-$root/bench-work}
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
vault="$root/target/release/vault"
mkdir -p "$work" && cd "$work"
command -v zip >/dev/null || { echo "needs zip (apt install zip)" >&2; exit 1; }

. "$root/benches/photos.sh"
rm -rf bv && "$vault" init -q bv && VAULT_DIR=bv "$vault" add -q --order B1 photos
mb=$(du -sm photos | cut -f1)

now() { date +%s.%N; }
el() { echo "$2 - $1" | bc -l; }
med() { sort -g | sed -n 4p; }
z=(); first=(); second=()
for trial in 1 2 3 4 5 6 7; do
  rm -rf bv/cache/thumbs b1.zip b2.zip z.zip; sync
  if [ $((trial % 2)) = 0 ]; then
    a=$(now); zip -q -0 -r z.zip photos; b=$(now)
    VAULT_DIR=bv "$vault" bundle -q B1 -o b1.zip >/dev/null; c=$(now)
  else
    b0=$(now); VAULT_DIR=bv "$vault" bundle -q B1 -o b1.zip >/dev/null; c0=$(now)
    a=$(now); zip -q -0 -r z.zip photos; b=$(now)
    c=$(echo "$b + $c0 - $b0" | bc -l)
  fi
  z+=("$(el "$a" "$b")"); first+=("$(el "$b" "$c")")
  sync; d=$(now); VAULT_DIR=bv "$vault" bundle -q B1 -o b2.zip >/dev/null; e=$(now)
  second+=("$(el "$d" "$e")")
done
tz=$(printf '%s\n' "${z[@]}" | med); tf=$(printf '%s\n' "${first[@]}" | med); ts=$(printf '%s\n' "${second[@]}" | med)
r() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }
cat <<TABLE

| measurement (50 photos, $mb MB) | \`zip -0 -r\` | vault | ratio | target |
|---|---|---|---|---|
| first bundle (thumbnails made) | $(printf '%.2f' "$tz") s | $(printf '%.2f' "$tf") s | $(r "$tf" "$tz") | ≤ 2.5 |
| second bundle (thumbnails cached) | $(printf '%.2f' "$tz") s | $(printf '%.2f' "$ts") s | $(r "$ts" "$tz") | ≤ 1.3 |
TABLE
cargo bench --quiet --manifest-path "$root/Cargo.toml" --bench thumbnails -- "$work/photos" 2>/dev/null | tail -1
