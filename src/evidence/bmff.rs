//! ISO base media file format (MP4, QuickTime, HEIF) boxes: split, found and read from a file with
//! seeks, every size checked against what is there.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

/// The body of the first top-level box of type `want`, read with seeks past the others; None when
/// there is none or its body is larger than `max`.
pub fn top_level_box(f: &mut File, len: u64, want: &[u8; 4], max: u64) -> Option<Vec<u8>> {
    let mut at = 0u64;
    for _ in 0..10_000 {
        if at.checked_add(8)? > len {
            return None;
        }
        f.seek(SeekFrom::Start(at)).ok()?;
        let mut head = [0u8; 16];
        f.read_exact(&mut head[..8]).ok()?;
        let size32 = u32::from_be_bytes(head[0..4].try_into().ok()?);
        let (header, size) = match size32 {
            0 => (8, len - at),
            1 => {
                f.read_exact(&mut head[8..16]).ok()?;
                (16, u64::from_be_bytes(head[8..16].try_into().ok()?))
            }
            n => (8, u64::from(n)),
        };
        if size < header || at.checked_add(size)? > len {
            return None;
        }
        if head[4..8] == *want {
            let body = size - header;
            if body > max {
                return None;
            }
            let mut buf = vec![0u8; body as usize];
            f.read_exact(&mut buf).ok()?;
            return Some(buf);
        }
        at += size;
    }
    None
}

/// Split off the first box of `buf`: (type, body, rest).
pub fn next_box(buf: &[u8]) -> Option<([u8; 4], &[u8], &[u8])> {
    let size32 = u32::from_be_bytes(buf.get(0..4)?.try_into().ok()?) as usize;
    let kind: [u8; 4] = buf.get(4..8)?.try_into().ok()?;
    let (header, size) = match size32 {
        0 => (8, buf.len()),
        1 => (
            16,
            usize::try_from(u64::from_be_bytes(buf.get(8..16)?.try_into().ok()?)).ok()?,
        ),
        n => (8, n),
    };
    if size < header || size > buf.len() {
        return None;
    }
    Some((kind, &buf[header..size], &buf[size..]))
}

/// The body of the first box of type `want` among the boxes in `buf`.
pub fn find_box<'a>(mut buf: &'a [u8], want: &[u8; 4]) -> Option<&'a [u8]> {
    while let Some((kind, body, rest)) = next_box(buf) {
        if kind == *want {
            return Some(body);
        }
        buf = rest;
    }
    None
}

/// The body of a HEIF file's top-level `meta` box after the full box's version and flags, found
/// with seeks past the boxes before it (`ftyp`; an `mdat` written first), at most 4 MiB. Only the
/// box is read: a 2 MB photo's pixels are not.
pub fn heif_meta(path: &std::path::Path) -> Option<Vec<u8>> {
    let mut f = File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    let mut meta = top_level_box(&mut f, len, b"meta", 4 << 20)?;
    (meta.len() >= 4).then(|| meta.split_off(4))
}

/// A big-endian unsigned number of `size` bytes (0, 4 or 8 in `iloc`; 2 or 4 elsewhere) from the
/// front of `buf`, and the rest.
fn be_uint(buf: &[u8], size: usize) -> Option<(u64, &[u8])> {
    let (n, rest) = (buf.get(..size)?, buf.get(size..)?);
    Some((n.iter().fold(0u64, |a, &b| (a << 8) | u64::from(b)), rest))
}

/// The id of the first item of type `want` in a `meta` box's `iinf` (item info) list.
fn item_of_type(meta: &[u8], want: &[u8; 4]) -> Option<u32> {
    let iinf = find_box(meta, b"iinf")?;
    let version = *iinf.first()?;
    let mut entries = iinf.get(if version == 0 { 6 } else { 8 }..)?;
    while let Some((kind, body, rest)) = next_box(entries) {
        entries = rest;
        // infe version 2 (u16 id) or 3 (u32 id), then protection index u16, then item type.
        let id_size = match (kind == *b"infe", body.first()) {
            (true, Some(2)) => 2,
            (true, Some(3)) => 4,
            _ => continue,
        };
        let (id, rest) = be_uint(body.get(4..)?, id_size)?;
        if rest.get(2..6)? == want {
            return u32::try_from(id).ok();
        }
    }
    None
}

/// Where an item's bytes are, from the `meta` box's `iloc`: (construction method, [(offset,
/// length)]), method 0 offsets in the file and method 1 in the `idat` box.
fn item_extents(meta: &[u8], item: u32) -> Option<(u8, Vec<(u64, u64)>)> {
    let iloc = find_box(meta, b"iloc")?;
    let version = *iloc.first()?;
    let sizes = iloc.get(4..6)?;
    let (offset_size, length_size) = (usize::from(sizes[0] >> 4), usize::from(sizes[0] & 15));
    let base_size = usize::from(sizes[1] >> 4);
    let index_size = if version >= 1 {
        usize::from(sizes[1] & 15)
    } else {
        0
    };
    let (count, mut rest) = be_uint(iloc.get(6..)?, if version < 2 { 2 } else { 4 })?;
    for _ in 0..count.min(65_536) {
        let (id, r) = be_uint(rest, if version < 2 { 2 } else { 4 })?;
        let (method, r) = if version >= 1 {
            let (m, r) = be_uint(r, 2)?;
            ((m & 15) as u8, r)
        } else {
            (0, r)
        };
        let (_data_ref, r) = be_uint(r, 2)?;
        let (base, r) = be_uint(r, base_size)?;
        let (extents, mut r) = be_uint(r, 2)?;
        let mut found = Vec::new();
        for _ in 0..extents {
            let (_index, x) = be_uint(r, index_size)?;
            let (offset, x) = be_uint(x, offset_size)?;
            let (length, x) = be_uint(x, length_size)?;
            found.push((base.checked_add(offset)?, length));
            r = x;
        }
        if id == u64::from(item) {
            return Some((method, found));
        }
        rest = r;
    }
    None
}

/// The TIFF bytes of a HEIF file's `Exif` item (at most 1 MiB), as ISO/IEC 23008-12 Annex A
/// stores them: a 4-byte offset to the TIFF header, then the data, with or without the
/// `Exif\0\0` that JPEG's APP1 carries (libheif, and the phones that use it, leave it out; the
/// metadata crate insists on it).
pub fn heif_exif(path: &std::path::Path) -> Option<Vec<u8>> {
    const MAX: u64 = 1 << 20;
    let meta = heif_meta(path)?;
    let meta = meta.as_slice();
    let item = item_of_type(meta, b"Exif")?;
    let (method, extents) = item_extents(meta, item)?;
    let mut data = Vec::new();
    let mut file = File::open(path).ok()?;
    for (offset, length) in extents {
        if data.len() as u64 + length > MAX {
            return None;
        }
        match method {
            0 => {
                file.seek(SeekFrom::Start(offset)).ok()?;
                let start = data.len();
                (&mut file).take(length).read_to_end(&mut data).ok()?;
                if (data.len() - start) as u64 != length {
                    return None;
                }
            }
            1 => {
                let idat = find_box(meta, b"idat")?;
                let start = usize::try_from(offset).ok()?;
                let end = start.checked_add(usize::try_from(length).ok()?)?;
                data.extend_from_slice(idat.get(start..end)?);
            }
            _ => return None,
        }
    }
    let (skip, _) = be_uint(&data, 4)?;
    let mut tiff = data.get(4usize.checked_add(usize::try_from(skip).ok()?)?..)?;
    if let Some(after) = tiff.strip_prefix(b"Exif\0\0") {
        tiff = after;
    }
    (tiff.starts_with(b"II*\0") || tiff.starts_with(b"MM\0*")).then(|| tiff.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        b.extend(kind);
        b.extend(body);
        b
    }

    const TIFF: &[u8] = b"MM\0*\0\0\0\x08\0\0";

    /// A HEIF file whose `Exif` item (id 3) holds `payload`, located by an `iloc` of `version`
    /// with the position in the base offset (libheif) or the extent offset (iPhones), or in
    /// `idat`.
    fn heif(version: u8, in_base: bool, in_idat: bool, payload: &[u8]) -> Vec<u8> {
        let mut infe = Vec::new();
        for (id, kind) in [(1u16, b"hvc1"), (3, b"Exif")] {
            let mut e = vec![2, 0, 0, 1]; // version 2, flags: hidden
            e.extend(id.to_be_bytes());
            e.extend([0, 0]);
            e.extend(kind);
            infe.extend(bx(b"infe", &e));
        }
        let mut iinf = vec![0, 0, 0, 0, 0, 2];
        iinf.extend(infe);
        let iloc = |at: u32| {
            // offset_size 4, length_size 4; base_offset_size 4, index_size 0 (reserved in v0).
            let mut l = vec![version, 0, 0, 0, 0x44, 0x40];
            let items: &[(u16, u32)] = &[(1, 0), (3, at)];
            l.extend((items.len() as u16).to_be_bytes());
            for (id, off) in items {
                l.extend(id.to_be_bytes());
                if version >= 1 {
                    l.extend([0, u8::from(in_idat && *id == 3)]);
                }
                l.extend([0, 0]);
                let (base, ext) = if in_base { (*off, 0) } else { (0, *off) };
                l.extend(base.to_be_bytes());
                l.extend(1u16.to_be_bytes());
                l.extend(ext.to_be_bytes());
                l.extend((payload.len() as u32).to_be_bytes());
            }
            bx(b"iloc", &l)
        };
        let idat = bx(b"idat", if in_idat { payload } else { b"" });
        let meta_len = |at| 8 + 4 + iinf.len() + 8 + iloc(at).len() + idat.len();
        let ftyp = bx(b"ftyp", b"heic\0\0\0\0mif1heic");
        let at = if in_idat {
            0
        } else {
            (ftyp.len() + meta_len(0) + 8) as u32
        };
        let mut meta = vec![0, 0, 0, 0];
        meta.extend(bx(b"iinf", &iinf));
        meta.extend(iloc(at));
        meta.extend(idat);
        let mut file = ftyp;
        file.extend(bx(b"meta", &meta));
        file.extend(bx(b"mdat", if in_idat { b"" } else { payload }));
        file
    }

    fn exif_of(bytes: &[u8]) -> Option<Vec<u8>> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.heic");
        std::fs::write(&p, bytes).unwrap();
        heif_exif(&p)
    }

    #[test]
    fn the_exif_item_is_found_wherever_iloc_puts_it() {
        let mut bare = 0u32.to_be_bytes().to_vec();
        bare.extend(TIFF);
        let mut prefixed = 6u32.to_be_bytes().to_vec();
        prefixed.extend(b"Exif\0\0");
        prefixed.extend(TIFF);
        // Versions 0 and 1 (version 2's u32 item ids are not written by this helper).
        for version in [0, 1] {
            for in_base in [true, false] {
                for payload in [&bare, &prefixed] {
                    let got = exif_of(&heif(version, in_base, false, payload));
                    assert_eq!(got.as_deref(), Some(TIFF), "v{version} base={in_base}");
                }
            }
        }
        assert_eq!(exif_of(&heif(1, false, true, &bare)).as_deref(), Some(TIFF));
    }

    #[test]
    fn a_lying_exif_item_gives_nothing() {
        let mut bare = 0u32.to_be_bytes().to_vec();
        bare.extend(TIFF);
        let file = heif(1, true, false, &bare);
        for cut in 0..file.len() {
            let got = exif_of(&file[..cut]);
            assert!(got.is_none() || got.as_deref() == Some(TIFF));
        }
        // An offset to the TIFF header past the item.
        let mut far = 0xFFFF_FFFFu32.to_be_bytes().to_vec();
        far.extend(TIFF);
        assert_eq!(exif_of(&heif(1, true, false, &far)), None);
        // Not TIFF.
        let mut junk = 0u32.to_be_bytes().to_vec();
        junk.extend(b"not a tiff header");
        assert_eq!(exif_of(&heif(1, true, false, &junk)), None);
    }
}
