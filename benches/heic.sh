#!/usr/bin/env bash
# HEIC against JPEG, in one run: the eBay upload copies (and thumbnails) of 50 12-megapixel HEIC
# photos, decoded by libheif's heif-convert, against the same 50 pictures as JPEGs (heif-convert's
# own JPEG of each HEIC, so the pixels match). Interleaved trials, medians, ratio heic/jpeg.
# "first": caches cleared (every HEIC converted); "cached": the second bundle, converted copies
# and thumbnails from cache/; "prepare": `vault prepare` from cleared caches (what cron does after
# add), and "after_prepare": the bundle then, the one made against the deadline.
# Target: heic/jpeg <= 1.5 for the bundle's upload copies.
#   benches/heic.sh [TRIALS]      (needs heif-enc and heif-convert: apt install libheif-examples)
set -euo pipefail
trials=${1:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cargo build --release --locked --quiet
bin=$root/target/release/vault
work=${BENCH_DIR:-$root/bench-work}/heic
mkdir -p "$work" && cd "$work"
export VAULT_NO_PROGRESS=1 SOURCE_DATE_EPOCH=1764547200

if [ "$(ls heic/*.heic 2>/dev/null | wc -l)" != 50 ] || [ "$(ls jpeg/*.jpg 2>/dev/null | wc -l)" != 50 ]; then
  python3 -c 'import PIL' 2>/dev/null || python3 -m pip install -q pillow
  rm -rf png heic jpeg && mkdir png heic jpeg
  # Photo-like pictures (gradients, shapes, mild sensor noise), each a little different.
  python3 - <<'PY'
from PIL import Image, ImageDraw
w, h = 4032, 3024
grad = Image.linear_gradient("L").resize((w, h))
base = Image.merge("RGB", (grad, grad.rotate(90, expand=False).resize((w, h)), Image.new("L", (w, h), 120)))
noise = Image.effect_noise((w, h), 12).convert("RGB")
base = Image.blend(base, noise, 0.15)
for i in range(50):
    im = base.copy()
    d = ImageDraw.Draw(im)
    d.rectangle([300 + 40 * i, 400, 1500 + 40 * i, 1600], fill=(200, 150 - i, 90))
    d.ellipse([2200, 900 + 20 * i, 3400, 2100 + 20 * i], outline=(20, 20, 20), width=25)
    d.text((400, 2400), f"LABEL {i:04d} TRACKING LP00{i:08d}CN", fill=(0, 0, 0))
    im.save(f"png/IMG_{i:04d}.png")
PY
  ls png/*.png | xargs -P 2 -I{} sh -c 'b=$(basename {} .png); heif-enc -q 80 -o heic/$b.heic {} >/dev/null'
  ls heic/*.heic | xargs -P 2 -I{} sh -c 'b=$(basename {} .heic); heif-convert -q 92 {} jpeg/$b.jpg >/dev/null'
  rm -rf png
fi
echo '{"max_files": 100}' > many.json

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
for f in heic jpeg; do
  rm -rf "v-$f" && "$bin" -q init "v-$f"
  VAULT_DIR="v-$f" "$bin" -q add --order H1 "$f"
  VAULT_DIR="v-$f" "$bin" -q dispute open H1 --platform ebay --reason not-received
done
declare -A times
bundle() { VAULT_DIR="v-$1" "$bin" -q bundle H1 --platform ebay --profile many.json -o "b-$1.zip" --force > /dev/null; }
for _ in $(seq 1 "$trials"); do
  for f in heic jpeg; do
    rm -rf "v-$f/cache"; sync
    t0=$(now); bundle "$f"; t1=$(now)
    times[first.$f]+="$(echo "$t1 - $t0" | bc) "
    t0=$(now); bundle "$f"; t1=$(now)
    times[cached.$f]+="$(echo "$t1 - $t0" | bc) "
    rm -rf "v-$f/cache"; sync
    t0=$(now); VAULT_DIR="v-$f" "$bin" -q prepare; t1=$(now)
    times[prepare.$f]+="$(echo "$t1 - $t0" | bc) "
    t0=$(now); bundle "$f"; t1=$(now)
    times[after_prepare.$f]+="$(echo "$t1 - $t0" | bc) "
  done
done
for m in first cached prepare after_prepare; do
  h=$(echo "${times[$m.heic]}" | tr ' ' '\n' | grep . | median)
  j=$(echo "${times[$m.jpeg]}" | tr ' ' '\n' | grep . | median)
  printf '%-13s jpeg %6.2f s   heic %6.2f s   heic/jpeg %.2f\n' "$m" "$j" "$h" "$(echo "$h / $j" | bc -l)"
done
