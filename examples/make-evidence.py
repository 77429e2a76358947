#!/usr/bin/env python3
"""Regenerate the example packing photos in examples/evidence/ (made by this project, CC0).

The committed JPEGs are the output of this script; it is kept for provenance only. Needs Pillow.
Each photo is a simple drawing of a packing step with real EXIF: DateTimeOriginal with
OffsetTimeOriginal (+08:00, a Shenzhen warehouse), SubSecTimeOriginal, Make/Model and Orientation.
"""
from pathlib import Path
from PIL import Image, ImageDraw, ExifTags

OUT = Path(__file__).parent / "evidence" / "8123456789012345"
STEPS = [
    ("IMG_0001.jpg", "item: blue hoodie, size M", "2026:11:18 10:02:11", 1, (70, 110, 200)),
    ("IMG_0002.jpg", "item in box, invoice on top", "2026:11:18 10:03:40", 1, (180, 140, 90)),
    ("IMG_0003.jpg", "sealed box with label", "2026:11:18 10:05:02", 6, (160, 120, 80)),
    ("IMG_0004.jpg", "box on scale: 0.62 kg", "2026:11:18 10:06:15", 1, (120, 120, 120)),
]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, caption, when, orientation, colour in STEPS:
        img = Image.new("RGB", (640, 480), (235, 235, 230))
        d = ImageDraw.Draw(img)
        d.rectangle([170, 120, 470, 380], fill=colour, outline=(20, 20, 20), width=4)
        d.text((20, 20), caption, fill=(0, 0, 0))
        d.text((20, 440), "order 8123456789012345 - packing station 3", fill=(0, 0, 0))
        exif = Image.Exif()
        exif[ExifTags.Base.Make] = "ExampleCam"
        exif[ExifTags.Base.Model] = "Station-3"
        exif[ExifTags.Base.Orientation] = orientation
        exif[ExifTags.Base.DateTime] = when
        ifd = exif.get_ifd(ExifTags.IFD.Exif)
        ifd[ExifTags.Base.DateTimeOriginal] = when
        ifd[ExifTags.Base.OffsetTimeOriginal] = "+08:00"
        ifd[ExifTags.Base.SubsecTimeOriginal] = "250"
        img.save(OUT / name, "JPEG", quality=80, exif=exif)


if __name__ == "__main__":
    main()
