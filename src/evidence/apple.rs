//! Apple's Live Photo content identifier: the UUID an iPhone writes into both halves of a Live
//! Photo, the still (tag 0x0011 of Apple's EXIF MakerNote, exiftool's `MediaGroupUUID`) and the
//! short video (QuickTime key `com.apple.quicktime.content.identifier`). Two files of an order
//! with the same identifier are one Live Photo.
//!
//! Both readers take hostile bytes: every offset and length is checked, the video is read box by
//! box with seeks (its `mdat` is never read) and at most `MAX_MOOV` bytes of `moov`.

use std::fs::File;
use std::path::Path;

use super::bmff::{find_box, next_box, top_level_box};

/// The largest `moov` box read for its keys: a phone video's is a few hundred kilobytes.
const MAX_MOOV: u64 = 16 << 20;
/// The QuickTime metadata key of the identifier.
const VIDEO_KEY: &[u8] = b"com.apple.quicktime.content.identifier";

/// The content identifier in an EXIF MakerNote's bytes, when it is Apple's (`Apple iOS\0`).
/// Offsets inside Apple's MakerNote count from its first byte; its IFD is big-endian (`MM`).
pub fn photo_content_id(maker_note: &[u8]) -> Option<String> {
    if !maker_note.starts_with(b"Apple iOS\0") {
        return None;
    }
    let be = match maker_note.get(12..14)? {
        b"MM" => true,
        b"II" => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b: [u8; 2] = maker_note.get(at..at + 2)?.try_into().ok()?;
        Some(if be {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b: [u8; 4] = maker_note.get(at..at + 4)?.try_into().ok()?;
        Some(if be {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    let count = usize::from(u16_at(14)?);
    for k in 0..count.min(512) {
        let e = 16 + k * 12;
        let (tag, kind, n) = (u16_at(e)?, u16_at(e + 2)?, u32_at(e + 4)? as usize);
        // Tag 0x0011, ASCII (type 2): a UUID of 36 characters and its NUL.
        if tag != 0x0011 || kind != 2 || n > 256 {
            continue;
        }
        let bytes = if n <= 4 {
            maker_note.get(e + 8..e + 8 + n)?
        } else {
            let at = u32_at(e + 8)? as usize;
            maker_note.get(at..at.checked_add(n)?)?
        };
        return uuid(bytes);
    }
    None
}

/// The content identifier among a video's keys (`video_keys`).
pub fn video_content_id_in(keys: &[(String, String)]) -> Option<String> {
    let (_, v) = keys.iter().find(|(k, _)| k.as_bytes() == VIDEO_KEY)?;
    uuid(v.as_bytes())
}

/// The UTF-8 values of a QuickTime/MP4 file's metadata keys (`mdta`: `com.apple.quicktime.*`),
/// as (key, value), in key order; None when it has no keys.
pub fn video_keys(path: &Path) -> Option<Vec<(String, String)>> {
    let mut f = File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    let moov = top_level_box(&mut f, len, b"moov", MAX_MOOV)?;
    // `meta` is a plain box in QuickTime files and a full box (4 bytes of version and flags) in
    // ISO files; either may hold the keys. iPhones write `moov/meta`; ffmpeg (and some editors)
    // `moov/udta/meta`.
    let meta = find_box(&moov, b"meta").or_else(|| find_box(find_box(&moov, b"udta")?, b"meta"))?;
    let children = if find_box(meta, b"keys").is_some() {
        meta
    } else {
        meta.get(4..)?
    };
    let keys = find_box(children, b"keys")?;
    let ilst = find_box(children, b"ilst")?;
    // keys: version and flags, an entry count, then (size, namespace, name) per key, 1-based.
    let count = u32::from_be_bytes(keys.get(4..8)?.try_into().ok()?);
    let mut at = 8usize;
    let mut names = Vec::new();
    for _ in 0..count.min(4096) {
        let size = u32::from_be_bytes(keys.get(at..at + 4)?.try_into().ok()?) as usize;
        if size < 8 {
            return None;
        }
        names.push(String::from_utf8_lossy(keys.get(at + 8..at.checked_add(size)?)?).into_owned());
        at += size;
    }
    // ilst: one box per value, its type the key's 1-based index; inside, a `data` box with a
    // type indicator (1 = UTF-8) and a locale before the value.
    let mut out = Vec::new();
    let mut rest = ilst;
    while let Some((kind, body, next)) = next_box(rest) {
        rest = next;
        let index = u32::from_be_bytes(kind) as usize;
        let (Some(name), Some(data)) = (
            index.checked_sub(1).and_then(|k| names.get(k)),
            find_box(body, b"data"),
        ) else {
            continue;
        };
        if data.get(0..4) == Some(&[0, 0, 0, 1])
            && let Some(Ok(v)) = data.get(8..).map(std::str::from_utf8)
        {
            out.push((name.clone(), v.trim_end_matches('\0').to_string()));
        }
    }
    Some(out)
}

/// A UUID as text, upper case; None when the bytes are not one.
fn uuid(bytes: &[u8]) -> Option<String> {
    let s = std::str::from_utf8(bytes)
        .ok()?
        .trim_end_matches('\0')
        .trim();
    let ok = s.len() == 36
        && s.char_indices().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    ok.then(|| s.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "570F1469-09C7-4E50-9875-05F21D5BD166";

    /// The content identifier in the file at `path`, as `metadata::read` finds it.
    fn video_content_id(path: &Path) -> Option<String> {
        video_content_id_in(&video_keys(path)?)
    }

    /// An Apple MakerNote with tag 0x0001 (a number) and tag 0x0011 (the identifier).
    fn maker_note(id: &str) -> Vec<u8> {
        let mut m = b"Apple iOS\0\0\x01MM".to_vec();
        m.extend(2u16.to_be_bytes());
        m.extend([0x00, 0x01, 0x00, 0x09, 0, 0, 0, 1, 0, 0, 0, 14]);
        let at = 16 + 2 * 12 + 4;
        m.extend([0x00, 0x11, 0x00, 0x02]);
        m.extend(((id.len() + 1) as u32).to_be_bytes());
        m.extend((at as u32).to_be_bytes());
        m.extend([0, 0, 0, 0]);
        m.extend(id.as_bytes());
        m.push(0);
        m
    }

    fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        b.extend(kind);
        b.extend(body);
        b
    }

    /// A QuickTime file (`ftyp`, a large `mdat`, then `moov`) whose keys hold the identifier after
    /// another key; `full_box` writes `meta` as ISO files do.
    fn mov(id: &str, full_box: bool) -> Vec<u8> {
        mov_at(id, full_box, false)
    }

    fn mov_at(id: &str, full_box: bool, in_udta: bool) -> Vec<u8> {
        let mut keys = vec![0, 0, 0, 0, 0, 0, 0, 2];
        for k in [&b"com.apple.quicktime.make"[..], VIDEO_KEY] {
            keys.extend(((k.len() + 8) as u32).to_be_bytes());
            keys.extend(b"mdta");
            keys.extend(k);
        }
        let mut data = vec![0, 0, 0, 1, 0, 0, 0, 0];
        data.extend(id.as_bytes());
        let mut ilst = bx(
            &1u32.to_be_bytes(),
            &bx(b"data", b"\0\0\0\x01\0\0\0\0Apple"),
        );
        ilst.extend(bx(&2u32.to_be_bytes(), &bx(b"data", &data)));
        let mut meta = if full_box {
            vec![0, 0, 0, 0]
        } else {
            Vec::new()
        };
        meta.extend(bx(b"hdlr", &[0; 24]));
        meta.extend(bx(b"keys", &keys));
        meta.extend(bx(b"ilst", &ilst));
        let mut f = bx(b"ftyp", b"qt  \0\0\0\0qt  ");
        f.extend(bx(b"mdat", &[0xAB; 5000]));
        let meta = bx(b"meta", &meta);
        let moov = if in_udta { bx(b"udta", &meta) } else { meta };
        f.extend(bx(b"moov", &moov));
        f
    }

    #[test]
    fn the_identifier_is_read_from_apple_s_maker_note() {
        assert_eq!(photo_content_id(&maker_note(ID)).as_deref(), Some(ID));
        assert_eq!(
            photo_content_id(&maker_note(&ID.to_lowercase())).as_deref(),
            Some(ID)
        );
        assert_eq!(photo_content_id(&maker_note("not-a-uuid")), None);
        assert_eq!(photo_content_id(b"Nikon\0\x02\x10"), None);
        // Cut anywhere: no panic, no identifier out of thin air.
        let m = maker_note(ID);
        for cut in 0..m.len() {
            assert_eq!(photo_content_id(&m[..cut]), None, "cut at {cut}");
        }
    }

    #[test]
    fn the_identifier_is_read_from_a_video_s_keys() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.mov");
        std::fs::write(&p, mov(ID, false)).unwrap();
        assert_eq!(video_content_id(&p).as_deref(), Some(ID));
        std::fs::write(&p, mov(ID, true)).unwrap();
        assert_eq!(
            video_content_id(&p).as_deref(),
            Some(ID),
            "ISO full-box meta"
        );
        std::fs::write(&p, mov_at(ID, false, true)).unwrap();
        assert_eq!(
            video_content_id(&p).as_deref(),
            Some(ID),
            "as ffmpeg writes it"
        );
        let bytes = mov(ID, false);
        for cut in 0..bytes.len() {
            std::fs::write(&p, &bytes[..cut]).unwrap();
            assert_eq!(video_content_id(&p), None, "cut at {cut}");
        }
    }
}
