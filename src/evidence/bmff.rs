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
