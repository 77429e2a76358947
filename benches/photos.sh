# Sourced by the bundle benchmarks: makes ./photos/ with 50 synthetic 12-megapixel JPEGs (~3.3 MB
# each, Pillow; every fifth rotated by EXIF orientation 6), unless it is already there.
if [ "$(ls photos 2>/dev/null | wc -l)" != 50 ]; then
  python3 -c 'import PIL' 2>/dev/null || python3 -m pip install -q pillow
  rm -rf photos && mkdir photos
  python3 - <<'PY'
from PIL import Image
base = Image.effect_noise((4000, 3000), 40).convert("RGB")
grad = Image.linear_gradient("L").resize((4000, 3000)).convert("RGB")
base = Image.blend(base, grad, 0.5)
for i in range(50):
    im = base.copy()
    im.putpixel((i, i), (255, 0, 0))
    exif = Image.Exif(); exif[0x0112] = 6 if i % 5 == 0 else 1
    im.save(f"photos/IMG_{i:04d}.jpg", "JPEG", quality=70, exif=exif)
PY
fi
