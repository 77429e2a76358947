//! Installed programs that read what no Rust decoder here reads: `ffmpeg` for video still frames,
//! libheif's `heif-dec`/`heif-convert` (and libavif's `avifdec`) for HEIC, HEIF and AVIF photos.
//!
//! Each runs on a local file only, with a time limit and a bound on what it may write back; a
//! program that is missing, fails or runs over its time is an answer (`Unavailable`), never a
//! hang. Their output is derived, never evidence, and is cached by the original's SHA-256.

use std::io::Read;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::evidence::kind::MediaType;

/// How long one program run may take before it is stopped.
pub const TIMEOUT: Duration = Duration::from_secs(60);
/// The most a converter may write: a 100-megapixel photo as a JPEG at quality 92 is well under.
const MAX_OUTPUT: u64 = 256 << 20;
/// JPEG quality of a converted photo: a derivative for previews and upload copies.
const QUALITY: &str = "92";

/// Why no converter gave an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unavailable {
    /// None of the programs that read this format is installed.
    NotInstalled {
        /// What reads it, as a person would install it (`heif-convert (Debian: libheif-examples)`).
        install: &'static str,
    },
    /// A converter is installed but could not read this file (or ran over its time).
    Failed { program: &'static str, why: String },
}

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unavailable::NotInstalled { install } => {
                write!(
                    f,
                    "no decoder for this format is installed: install {install}"
                )
            }
            Unavailable::Failed { program, why } => write!(f, "{program} could not read it: {why}"),
        }
    }
}

/// What to install for HEIC/HEIF and AVIF photos, as the warnings say it.
pub const HEIF_INSTALL: &str = "libheif's heif-convert (Debian/Ubuntu: apt install libheif-examples; macOS: brew install libheif)";

/// Whether photos of this type are decoded by an installed program rather than in Rust.
pub fn needs_converter(media_type: &MediaType) -> bool {
    media_type.is_heif_family()
}

/// A HEIC, HEIF or AVIF photo as a JPEG (orientation applied by the converter: its pixels are as
/// displayed, whatever EXIF orientation the JPEG carries), by the first installed converter:
/// libheif's `heif-dec` (libheif ≥ 1.17) or `heif-convert`, then, for AVIF, libavif's `avifdec`.
pub fn heif_to_jpeg(path: &Path, media_type: &MediaType) -> Result<Vec<u8>, Unavailable> {
    let mut programs = vec!["heif-dec", "heif-convert"];
    if *media_type == MediaType::AVIF {
        programs.push("avifdec");
    }
    let mut failed = None;
    for program in programs {
        match convert_with(program, path) {
            Ok(jpeg) => return Ok(jpeg),
            Err(Some(why)) => {
                failed.get_or_insert(Unavailable::Failed { program, why });
            }
            Err(None) => {}
        }
    }
    Err(failed.unwrap_or(Unavailable::NotInstalled {
        install: HEIF_INSTALL,
    }))
}

/// `Err(None)`: the program is not installed; `Err(Some(why))`: it failed on this file.
fn convert_with(program: &'static str, input: &Path) -> Result<Vec<u8>, Option<String>> {
    let dir = tempfile::Builder::new()
        .prefix(".vault-convert-")
        .tempdir()
        .map_err(|e| Some(format!("no temporary directory: {e}")))?;
    let out = dir.path().join("out.jpg");
    let mut cmd = Command::new(program);
    // All three take `-q QUALITY INPUT OUTPUT` and choose the format from the suffix.
    cmd.arg("-q").arg(QUALITY).arg(input).arg(&out);
    let (status, stderr) = match run(cmd, TIMEOUT, 0) {
        Ran::Finished { status, stderr, .. } => (status, stderr),
        Ran::NotFound => return Err(None),
        Ran::TimedOut => return Err(Some(format!("it ran over {} s", TIMEOUT.as_secs()))),
        Ran::Failed(e) => return Err(Some(e)),
    };
    if !status.success() {
        let msg = String::from_utf8_lossy(&stderr);
        let msg = msg.lines().map(str::trim).find(|l| !l.is_empty());
        return Err(Some(
            msg.unwrap_or("it failed without saying why").to_string(),
        ));
    }
    // A file with several top-level images is written as out-1.jpg, out-2.jpg, …: the first is
    // the primary image.
    let written = if out.exists() {
        out
    } else {
        dir.path().join("out-1.jpg")
    };
    let f = std::fs::File::open(&written).map_err(|_| Some("it wrote no image".to_string()))?;
    let mut jpeg = Vec::new();
    f.take(MAX_OUTPUT + 1)
        .read_to_end(&mut jpeg)
        .map_err(|e| Some(e.to_string()))?;
    if jpeg.len() as u64 > MAX_OUTPUT || !jpeg.starts_with(&[0xFF, 0xD8]) {
        return Err(Some("it wrote no JPEG".to_string()));
    }
    Ok(jpeg)
}

/// One frame of a video as JPEG, at most `side` pixels on the long side, or None (no ffmpeg,
/// unreadable video, timeout).
///
/// The video is evidence from a phone, read as what its content said it is: ffmpeg may open only
/// local files (no network, no playlists pointing elsewhere), with the demuxer forced from the
/// detected type, so a renamed HLS playlist or concat script is never followed.
pub fn ffmpeg_frame(video: &Path, media_type: &MediaType, at: f64, side: u32) -> Option<Vec<u8>> {
    if !media_type.is_quicktime_family() {
        return None;
    }
    let scale =
        format!("scale='min({side},iw)':'min({side},ih)':force_original_aspect_ratio=decrease");
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-nostdin", "-v", "error", "-protocol_whitelist", "file"])
        .args(["-f", "mov", "-ss", &format!("{at:.3}"), "-i"])
        .arg(video)
        .args(["-frames:v", "1", "-vf", &scale])
        .args(["-f", "image2pipe", "-c:v", "mjpeg", "-q:v", "3", "-"]);
    // A frame of a 2048 px video is a few hundred kilobytes; 64 MB is plenty.
    match run(cmd, TIMEOUT, 64 << 20) {
        Ran::Finished { status, stdout, .. }
            if status.success() && stdout.starts_with(&[0xFF, 0xD8]) =>
        {
            Some(stdout)
        }
        _ => None,
    }
}

/// Whether `ffmpeg` can be started here.
pub fn have_ffmpeg() -> bool {
    matches!(
        run(
            {
                let mut c = Command::new("ffmpeg");
                c.args(["-hide_banner", "-version"]);
                c
            },
            Duration::from_secs(10),
            1 << 16
        ),
        Ran::Finished { status, .. } if status.success()
    )
}

/// How a program run ended.
enum Ran {
    Finished {
        status: ExitStatus,
        stdout: Vec<u8>,
        stderr: Vec<u8>,
    },
    /// The program is not installed.
    NotFound,
    TimedOut,
    Failed(String),
}

/// Run `cmd` with no stdin, keeping at most `max_stdout` bytes of its output and 64 KiB of its
/// diagnostics; stopped after `timeout`.
fn run(mut cmd: Command, timeout: Duration, max_stdout: u64) -> Ran {
    let mut child = match cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ran::NotFound,
        Err(e) => return Ran::Failed(e.to_string()),
    };
    let drain = |pipe: Option<Box<dyn Read + Send>>, max: u64| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = (&mut p).take(max).read_to_end(&mut buf);
                // Whatever is over the bound is read and dropped, so the program never blocks.
                let _ = std::io::copy(&mut p, &mut std::io::sink());
            }
            buf
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
        max_stdout,
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
        64 << 10,
    );
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if start.elapsed() < timeout => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    match status {
        Some(status) => Ran::Finished {
            status,
            stdout,
            stderr,
        },
        None => Ran::TimedOut,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_program_is_not_found_not_an_error() {
        assert!(matches!(
            run(Command::new("vault-no-such-program-here"), TIMEOUT, 0),
            Ran::NotFound
        ));
        assert_eq!(
            convert_with("vault-no-such-program-here", Path::new("x.heic")),
            Err(None)
        );
    }

    #[test]
    fn a_slow_program_is_stopped() {
        let mut cmd = Command::new("sleep");
        cmd.arg("30");
        let start = Instant::now();
        assert!(matches!(
            run(cmd, Duration::from_millis(200), 0),
            Ran::TimedOut
        ));
        assert!(start.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn output_is_bounded_and_drained() {
        // 8 MiB of output with a bound of 1 KiB: kept 1 KiB, and the program still finished.
        let mut cmd = Command::new("head");
        cmd.args(["-c", "8388608", "/dev/zero"]);
        match run(cmd, TIMEOUT, 1024) {
            Ran::Finished { status, stdout, .. } => {
                assert!(status.success());
                assert_eq!(stdout.len(), 1024);
            }
            _ => panic!("head did not finish"),
        }
    }
}
