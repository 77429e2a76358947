//! Helpers shared by the integration tests: a fresh vault in a temp dir, and the real binary.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

pub struct Env {
    pub dir: TempDir,
}

impl Env {
    /// A temp dir with an initialised vault at `<dir>/vault`.
    pub fn new() -> Env {
        let env = Env::bare();
        env.vault().arg("init").assert().success();
        env
    }

    /// A temp dir with no vault.
    pub fn bare() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn vault_dir(&self) -> PathBuf {
        self.path("vault")
    }

    /// The real binary, pointed at this env's vault, with no terminal niceties and a fixed user.
    pub fn vault(&self) -> Command {
        // `benches/hostile-memory.sh` runs the suite with every vault run wrapped in
        // `/usr/bin/time` (VAULT_TEST_WRAP names the wrapper; unset in normal runs).
        let mut c = match std::env::var_os("VAULT_TEST_WRAP") {
            Some(wrap) => {
                let mut c = Command::new(wrap);
                c.arg(assert_cmd::cargo::cargo_bin("vault"));
                c
            }
            None => Command::cargo_bin("vault").unwrap(),
        };
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.path("home"))
            .env("VAULT_DIR", self.vault_dir())
            .env("VAULT_NO_PROGRESS", "1")
            .env("USER", "tester")
            .env("TZ", "UTC")
            .current_dir(self.dir.path());
        c
    }

    /// Run with `--json` and parse stdout.
    pub fn json(&self, args: &[&str]) -> (Value, i32) {
        let out = self.vault().arg("--json").args(args).output().unwrap();
        assert_eq!(
            out.stdout.iter().filter(|&&b| b == b'\n').count(),
            1,
            "--json prints one document on one line"
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {}\nstderr: {}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (v, out.status.code().unwrap())
    }

    pub fn write(&self, rel: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, bytes).unwrap();
        p
    }

    /// Every object file in the store.
    pub fn objects(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = walkdir::WalkDir::new(self.vault_dir().join("objects"))
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.into_path())
            .collect();
        v.sort();
        v
    }

    pub fn ledger(&self, order: &str) -> PathBuf {
        let shard = format!("{:02x}", sha256(order.as_bytes())[0]);
        self.vault_dir()
            .join("orders")
            .join(shard)
            .join(order)
            .join("ledger.jsonl")
    }

    pub fn object_path(&self, hex: &str) -> PathBuf {
        self.vault_dir()
            .join("objects/sha256")
            .join(&hex[..2])
            .join(hex)
    }
}

pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    sha256(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A minimal JPEG header: enough for content detection.
pub fn jpeg_bytes(seed: u8) -> Vec<u8> {
    let mut v = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0,
    ];
    v.extend(std::iter::repeat_n(seed, 1000));
    v.extend([0xFF, 0xD9]);
    v
}

pub fn make_writable(p: &Path) {
    let mut perm = fs::metadata(p).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perm.set_readonly(false);
    fs::set_permissions(p, perm).unwrap();
}

/// The shared real-world samples, or None (with a printed notice) when they are not beside the
/// project. `.ci/run` refuses to run without them, so in CI these tests always run.
pub fn samples() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples");
    if p.is_dir() {
        Some(p)
    } else {
        assert!(
            std::env::var_os("VAULT_CI").is_none(),
            "../shared/samples is missing; corpus tests must run in CI"
        );
        eprintln!("NOTICE: ../shared/samples not found; skipping corpus test");
        None
    }
}

/// The example packing photos shipped in examples/ (made by this project).
pub fn example_evidence() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/evidence/8123456789012345")
}

/// Whether an external tool runs; in CI (`VAULT_CI`) a missing tool is a failure, elsewhere the
/// caller skips with a notice.
pub fn have_tool(tool: &str, args: &[&str]) -> bool {
    let ok = std::process::Command::new(tool)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("VAULT_CI").is_none(),
            "{tool} is required in CI (.ci/run installs it)"
        );
        eprintln!("NOTICE: {tool} {args:?} did not run; skipping");
    }
    ok
}

/// Rewrite a zip entry by entry: `edit` gets each name and content and returns what to write
/// (None drops the entry); `extra` entries are appended. Stored, like the originals in a bundle.
pub fn rewrite_zip(
    src: &Path,
    dst: &Path,
    mut edit: impl FnMut(&str, Vec<u8>) -> Option<(String, Vec<u8>)>,
    extra: Vec<(String, Vec<u8>)>,
) {
    use std::io::{Read, Write};
    let mut z = zip::ZipArchive::new(fs::File::open(src).unwrap()).unwrap();
    let mut w = zip::ZipWriter::new(fs::File::create(dst).unwrap());
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..z.len() {
        let mut e = z.by_index(i).unwrap();
        let name = e.name().unwrap().to_string();
        let mut bytes = Vec::new();
        e.read_to_end(&mut bytes).unwrap();
        if let Some((n, b)) = edit(&name, bytes) {
            w.start_file(n, opts).unwrap();
            w.write_all(&b).unwrap();
        }
    }
    for (n, b) in extra {
        w.start_file(n, opts).unwrap();
        w.write_all(&b).unwrap();
    }
    w.finish().unwrap();
}

/// Read one entry of a zip.
pub fn zip_entry(zip: &Path, name: &str) -> Vec<u8> {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(fs::File::open(zip).unwrap()).unwrap();
    let mut e = z.by_name(name).unwrap();
    let mut v = Vec::new();
    e.read_to_end(&mut v).unwrap();
    v
}

/// A small real JPEG (8x8, decodable) carrying EXIF DateTimeOriginal (`YYYY:MM:DD HH:MM:SS`) and,
/// when given, OffsetTimeOriginal (`+08:00`), plus Make `TestCam`.
pub fn jpeg_with_exif(datetime: &str, offset: Option<&str>) -> Vec<u8> {
    // TIFF, little endian: IFD0 { Make, ExifIFD pointer } -> Exif IFD { DateTimeOriginal, OffsetTimeOriginal? }
    let mut tiff: Vec<u8> = b"II*\0".to_vec();
    tiff.extend(8u32.to_le_bytes());
    let ifd0_entries = 2u16;
    let ifd0_len = 2 + 12 * ifd0_entries as u32 + 4;
    let make_off = 8 + ifd0_len;
    let make = b"TestCam\0";
    let exif_off = make_off + make.len() as u32;
    let n_exif: u16 = if offset.is_some() { 2 } else { 1 };
    let exif_len = 2 + 12 * n_exif as u32 + 4;
    let dt_off = exif_off + exif_len;
    let mut dt = datetime.as_bytes().to_vec();
    dt.push(0);
    let tz_off = dt_off + dt.len() as u32;
    let entry = |tag: u16, typ: u16, count: u32, value: u32| {
        let mut e = tag.to_le_bytes().to_vec();
        e.extend(typ.to_le_bytes());
        e.extend(count.to_le_bytes());
        e.extend(value.to_le_bytes());
        e
    };
    tiff.extend(ifd0_entries.to_le_bytes());
    tiff.extend(entry(0x010f, 2, make.len() as u32, make_off));
    tiff.extend(entry(0x8769, 4, 1, exif_off));
    tiff.extend(0u32.to_le_bytes());
    tiff.extend(make);
    tiff.extend(n_exif.to_le_bytes());
    tiff.extend(entry(0x9003, 2, dt.len() as u32, dt_off));
    if let Some(o) = offset {
        tiff.extend(entry(0x9011, 2, o.len() as u32 + 1, tz_off));
    }
    tiff.extend(0u32.to_le_bytes());
    tiff.extend(&dt);
    if let Some(o) = offset {
        tiff.extend(o.as_bytes());
        tiff.push(0);
    }
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(&tiff);
    // A decodable 8x8 JPEG from the image crate, with the APP1 segment spliced in after SOI.
    let img = image::RgbImage::from_pixel(8, 8, image::Rgb([70, 110, 200]));
    let mut jpg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new(&mut jpg)
        .encode_image(&img)
        .unwrap();
    with_app1(&jpg, &app1)
}

/// `jpeg` with an APP1 segment (`Exif\0\0` and a TIFF, say) spliced in after its SOI marker.
pub fn with_app1(jpeg: &[u8], app1: &[u8]) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    out.extend([0xFF, 0xE1]);
    out.extend(((app1.len() + 2) as u16).to_be_bytes());
    out.extend(app1);
    out.extend(&jpeg[2..]);
    out
}

/// Bundle `order` with a fixed SOURCE_DATE_EPOCH (2026-11-18) into `out` and return its report.html.
pub fn bundle_report(env: &Env, order: &str, out: &str) -> String {
    env.vault()
        .env("SOURCE_DATE_EPOCH", "1795000000")
        .args(["bundle", order, "--force", "-o", out])
        .assert()
        .success();
    let name = format!("{order}-evidence-2026-11-18/data/report.html");
    String::from_utf8(zip_entry(&env.path(out), &name)).unwrap()
}
