//! Reading untrusted input with a ceiling: never more than a parser is meant to hold.

use std::io::Read;

/// Read `r` to its end, refusing more than `max` bytes (without reading past `max + 1`).
pub fn read_at_most(r: impl Read, max: u64) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    r.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > max {
        return Err(format!("larger than {max} bytes; not parsed"));
    }
    Ok(bytes)
}

/// Read the file at `path`, refusing more than `max` bytes.
pub fn read_file_at_most(path: &std::path::Path, max: u64) -> Result<Vec<u8>, String> {
    let f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    read_at_most(f, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_at_the_ceiling() {
        assert_eq!(read_at_most(&b"12345"[..], 5).unwrap(), b"12345");
        assert!(
            read_at_most(&b"123456"[..], 5)
                .unwrap_err()
                .contains("larger than 5")
        );
        // An endless source is not read to its end.
        assert!(read_at_most(std::io::repeat(0), 1 << 10).is_err());
    }
}
