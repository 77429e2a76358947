#!/usr/bin/env python3
"""Write the seed corpus of every fuzz target into fuzz/corpus/<target>/ (inputs this project makes
itself; crashes the fuzzers find are added beside them by hand, named crash-*). Re-runnable."""
import io, json, zipfile
from pathlib import Path

root = Path(__file__).resolve().parent.parent
out = root / "fuzz" / "corpus"

def put(target, name, data):
    d = out / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())

android = "18/11/2026, 09:41 - Buyer: is it sent?\n18/11/2026, 09:45 - Seller: yes, today\nIMG-20261118-WA0001.jpg (file attached)\n"
ios = "[18.11.26, 09:41:05] Buyer: is it sent?\n[18.11.26, 09:45:00] Seller: \u200e<attached: 00000001-PHOTO.jpg>\n"
telegram = json.dumps({"name": "Buyer", "messages": [
    {"id": 1, "type": "message", "date": "2026-11-18T09:41:00", "from": "Buyer", "text": "sent?"},
    {"id": 2, "type": "message", "date": "2026-11-18T09:45:00", "from": "Seller",
     "text": [{"type": "bold", "text": "yes"}, " today"]}]})
messenger = json.dumps({"participants": [{"name": "Buyer"}, {"name": "Seller"}], "messages": [
    {"sender_name": "Seller", "timestamp_ms": 1795000000000, "content": "yes"},
    {"sender_name": "Buyer", "timestamp_ms": 1794999000000, "content": "sent?"}]})
email = ("From: Buyer <b@example.com>\r\nTo: s@example.com\r\nSubject: where\r\n"
         "Date: Mon, 24 Nov 2025 09:00:00 -0500\r\nMIME-Version: 1.0\r\n"
         "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
         "where is it?\r\n--b\r\nContent-Type: text/plain\r\n"
         "Content-Disposition: attachment; filename=\"label.txt\"\r\n\r\nLP001\r\n--b--\r\n")
mbox = "From b@example.com Mon Nov 24 09:00:00 2025\n" + email.replace("\r\n", "\n")
csv = "time,sender,message\n2026-11-18 09:41,Buyer,\"is it, sent?\"\n2026-11-18 09:45,Seller,yes\n"
for n, t in [("android.txt", android), ("ios.txt", ios), ("telegram.json", telegram),
             ("messenger.json", messenger), ("mail.eml", email), ("box.mbox", mbox), ("chat.csv", csv)]:
    put("chat", n, t)

for f in (root / "tests" / "fixtures" / "tracking").glob("*.json"):
    put("tracking", f.name, f.read_bytes())
put("tracking", "aftership.json", json.dumps({"data": {"tracking": {"tracking_number": "RR1",
    "slug": "china-post", "checkpoints": [{"checkpoint_time": "2026-11-19T08:00:00+08:00",
    "message": "Accepted", "tag": "InTransit", "location": "Shenzhen"}]}}}))
put("tracking", "easypost.json", json.dumps({"tracking_code": "EZ1", "carrier": "USPS",
    "tracking_details": [{"datetime": "2026-11-20T09:00:00Z", "message": "Delivered, signed by J",
    "status": "delivered"}]}))

photos = sorted((root / "examples" / "evidence" / "8123456789012345").glob("*.jpg"))
for p in photos:
    put("metadata", p.name, p.read_bytes())
    put("dc_jpeg", p.name, p.read_bytes())
    put("kind", p.name, p.read_bytes()[:4096])
# A Live Photo's halves: a JPEG whose EXIF holds Apple's MakerNote (tag 0x0011, the content
# identifier), and a QuickTime file whose moov/udta/meta keys hold the same identifier.
import struct
uuid = b"570F1469-09C7-4E50-9875-05F21D5BD166\0"
note = b"Apple iOS\0\0\x01MM" + struct.pack(">H", 1) + struct.pack(">HHII", 0x11, 2, len(uuid), 32) + b"\0" * 4 + uuid
exif_ifd, data = 26, 26 + 2 + 12 + 4
tiff = (b"II*\0" + struct.pack("<I", 8) + struct.pack("<H", 1) + struct.pack("<HHII", 0x8769, 4, 1, exif_ifd)
        + b"\0" * 4 + struct.pack("<H", 1) + struct.pack("<HHII", 0x927C, 7, len(note), data) + b"\0" * 4 + note)
app1 = b"Exif\0\0" + tiff
if photos:
    jpeg = photos[0].read_bytes()
    put("metadata", "live-photo.jpg", jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + jpeg[2:])
def bx(kind, body):
    return struct.pack(">I", len(body) + 8) + kind + body
key = b"com.apple.quicktime.content.identifier"
keys = bx(b"keys", b"\0" * 4 + struct.pack(">I", 1) + struct.pack(">I", len(key) + 8) + b"mdta" + key)
ilst = bx(b"ilst", bx(struct.pack(">I", 1), bx(b"data", b"\0\0\0\x01\0\0\0\0" + uuid[:-1])))
meta = bx(b"meta", bx(b"hdlr", b"\0" * 24) + keys + ilst)
put("metadata", "live-photo.mov", bx(b"ftyp", b"qt  \0\0\0\0qt  ") + bx(b"mdat", b"\0" * 64)
    + bx(b"moov", bx(b"udta", meta)))

for n, head in [("png", b"\x89PNG\r\n\x1a\n"), ("pdf", b"%PDF-1.7\n"), ("mp4", b"\0\0\0\x18ftypmp42"),
                ("heic", b"\0\0\0\x18ftypheic"), ("zip", b"PK\x03\x04"), ("json", b'{"a": 1}'),
                ("chat", android.encode())]:
    put("kind", n, head)

def zip_bytes(entries):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            z.writestr(name, data)
    return b.getvalue()

put("chat_zip", "whatsapp.zip", zip_bytes([("_chat.txt", ios),
    ("00000001-PHOTO.jpg", photos[0].read_bytes() if photos else b"\xff\xd8\xff\xd9")]))
put("chat_zip", "android.zip", zip_bytes([("WhatsApp Chat with Buyer.txt", android)]))
put("bundle", "not-a-bag.zip", zip_bytes([("readme.txt", "hi")]))
put("bundle", "bag.zip", zip_bytes([("b/bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"),
    ("b/data/x.txt", "x")]))

line = {"seq": 0, "prev": "0" * 64, "order": "8123456789012345", "at": "2026-11-18T10:02:11.000Z",
        "by": "packer-3", "tool": "evidence-vault 0.1.0", "event": "add",
        "item": {"sha256": "a" * 64, "size": 5, "kind": "photo", "name": "IMG_0001.jpg",
                 "media_type": "image/jpeg"}}
put("ledger", "one-entry.jsonl", json.dumps(line, separators=(",", ":")) + "\n")
put("ledger", "torn.jsonl", json.dumps(line, separators=(",", ":")) + "\n{\"seq\":1,\"prev\":\"ab")
