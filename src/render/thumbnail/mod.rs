//! Thumbnails: small JPEG previews of photos for bundles and `report.html`.
//!
//! Derived files, never evidence: made from the original object, orientation applied, at most
//! `SIZE` pixels on the long side, and cached under `cache/thumbs/` by the original's SHA-256 so a
//! second bundle does not decode anything. JPEGs are decoded at reduced scale, which skips most of
//! the work of a full decode: at 1/8 scale (enough for a 256 px thumbnail of any photo over 2
//! megapixels) from the blocks' DC coefficients alone (`dc`). Larger sizes (upload copies) by
//! libjpeg-turbo (DCT-scaled, SIMD) when built with the opt-in `turbojpeg` feature; else, when no
//! DCT scale saves work, by zune-jpeg (SIMD, strict); then, at the DCT scale that does and for
//! what the others refuse (truncated or CMYK files), by jpeg-decoder. Other formats go through
//! `image` with allocation limits. A file that cannot be decoded gets no thumbnail, with the
//! reason.

pub mod dc;

use std::fs::{self, File};
use std::io::{BufReader, Cursor};
use std::path::PathBuf;

use image::{DynamicImage, ImageDecoder, ImageReader, Limits, metadata::Orientation};

use crate::digest::Digest;
use crate::error::{IoContext, Result};
use crate::store::Vault;

/// Long side of a thumbnail, in pixels.
pub const SIZE: u32 = 256;
/// JPEG quality of thumbnails.
const QUALITY: u8 = 80;
/// Decoding limits: no more than this many bytes of pixels, whatever the file claims.
const MAX_ALLOC: u64 = 512 << 20;
const MAX_SIDE: u32 = 40_000;

/// A thumbnail's JPEG bytes, or why the image could not be decoded.
pub type Thumb = std::result::Result<Vec<u8>, String>;

/// Path of the cached thumbnail of an object.
pub fn cache_path(vault: &Vault, d: &Digest) -> PathBuf {
    vault
        .cache_dir()
        .join("thumbs")
        .join(format!("{}-{SIZE}.jpg", d.hex()))
}

/// Whether cached thumbnail bytes are a whole JPEG: they start with SOI, end with EOI and their
/// header decodes.
fn looks_whole(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xD8])
        && bytes.ends_with(&[0xFF, 0xD9])
        && image::ImageReader::with_format(std::io::Cursor::new(bytes), image::ImageFormat::Jpeg)
            .into_dimensions()
            .is_ok()
}

/// The thumbnail of an object, from the cache or made now (and cached).
/// `Ok(Err(reason))` when the object is not a decodable image.
pub fn get(
    vault: &Vault,
    d: &Digest,
    media_type: &str,
) -> Result<std::result::Result<Vec<u8>, String>> {
    let cached = cache_path(vault, d);
    // The cache is not fsynced: after a power cut a thumbnail may be empty or cut short. Such a
    // file is made again, never embedded in a bundle.
    if let Ok(bytes) = fs::read(&cached)
        && looks_whole(&bytes)
    {
        return Ok(Ok(bytes));
    }
    let path = vault.object_file(d)?;
    // A decoder bug on one hostile photo costs that photo its thumbnail, not the whole bundle.
    let made = std::panic::catch_unwind(|| make(&path, media_type))
        .unwrap_or_else(|_| Err("the image decoder failed on this file".to_string()));
    let made = match made {
        Ok(bytes) => bytes,
        Err(reason) => return Ok(Err(reason)),
    };
    let dir = cached.parent().expect("cache path has a parent");
    fs::create_dir_all(dir).at(dir)?;
    // The cache is not evidence: written atomically (a reader never sees half a file) but not
    // fsynced, and a failure to write it costs only time later.
    if let Ok(mut tmp) = tempfile::Builder::new().prefix(".thumb-").tempfile_in(dir)
        && std::io::Write::write_all(&mut tmp, &made).is_ok()
    {
        let _ = tmp.persist(&cached);
    }
    Ok(Ok(made))
}

/// Make a thumbnail of the image file at `path`.
pub fn make(path: &std::path::Path, media_type: &str) -> Thumb {
    let img = decode_at_least(path, media_type, SIZE)?;
    // Never upscaled: a small image is its own thumbnail.
    let thumb = if img.width() <= SIZE && img.height() <= SIZE {
        img
    } else {
        img.thumbnail(SIZE, SIZE)
    };
    encode_jpeg(&thumb.to_rgb8(), QUALITY)
        .map_err(|e| format!("encoding the thumbnail failed: {e}"))
}

/// `img` as RGB, resized to exactly `w`×`h` by a bilinear convolution (fast_image_resize, with
/// SIMD: about ten times faster than `image`'s resize, which took most of a platform bundle's time).
pub fn resize_rgb(img: &DynamicImage, w: u32, h: u32) -> image::RgbImage {
    use fast_image_resize as fr;
    let src = img.to_rgb8();
    if (src.width(), src.height()) == (w, h) || src.width() == 0 || src.height() == 0 {
        return src;
    }
    let from =
        fr::images::ImageRef::new(src.width(), src.height(), src.as_raw(), fr::PixelType::U8x3)
            .expect("an RgbImage's buffer holds width × height RGB pixels");
    let mut to = fr::images::Image::new(w.max(1), h.max(1), fr::PixelType::U8x3);
    let options =
        fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::Bilinear));
    fr::Resizer::new()
        .resize(&from, &mut to, &options)
        .expect("same pixel type on both sides");
    image::RgbImage::from_raw(w.max(1), h.max(1), to.into_vec())
        .expect("fast_image_resize fills width × height RGB pixels")
}

/// An RGB image as a baseline JPEG (4:2:0) at `quality`: by libjpeg-turbo when built with the
/// `turbojpeg` feature, else by `jpeg-encoder` (pure Rust, with its SIMD DCT and colour
/// conversion; `image`'s own encoder took twice as long for a platform bundle's upload copies).
pub fn encode_jpeg(img: &image::RgbImage, quality: u8) -> std::result::Result<Vec<u8>, String> {
    let (w, h) = (img.width(), img.height());
    #[cfg(feature = "turbojpeg")]
    {
        let mut c = turbojpeg::Compressor::new().map_err(|e| e.to_string())?;
        c.set_quality(i32::from(quality.clamp(1, 100)));
        c.set_subsamp(turbojpeg::Subsamp::Sub2x2);
        c.compress_to_vec(turbojpeg::Image {
            pixels: img.as_raw().as_slice(),
            width: w as usize,
            pitch: w as usize * 3,
            height: h as usize,
            format: turbojpeg::PixelFormat::RGB,
        })
        .map_err(|e| e.to_string())
    }
    #[cfg(not(feature = "turbojpeg"))]
    {
        let (Ok(w), Ok(h)) = (u16::try_from(w), u16::try_from(h)) else {
            return Err(format!("{w}×{h} pixels is beyond JPEG's 65,535 per side"));
        };
        let mut out = Vec::new();
        let mut enc = jpeg_encoder::Encoder::new(&mut out, quality.clamp(1, 100));
        enc.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
        enc.encode(img.as_raw(), w, h, jpeg_encoder::ColorType::Rgb)
            .map_err(|e| e.to_string())?;
        Ok(out)
    }
}

/// The image at `path`, orientation applied, decoded at the smallest scale whose long side is
/// still at least `side` pixels where the format allows (JPEG), else at full size.
pub fn decode_at_least(
    path: &std::path::Path,
    media_type: &str,
    side: u32,
) -> std::result::Result<DynamicImage, String> {
    // Crash-test hook: a decoder that panics on a hostile file (tests/cli/bundle.rs).
    assert!(
        !crate::failpoint_is("decoder-panics"),
        "injected decoder panic"
    );
    if media_type != crate::evidence::kind::MediaType::JPEG.as_str() {
        return decode_any(path);
    }
    // The fastest JPEG decode that gives the size: block averages alone when 1/8 scale is
    // enough; else libjpeg-turbo. The file is read once for both; what neither decodes cleanly
    // (or a file too large to hold) goes to jpeg-decoder, which reads it itself.
    let data = fs::metadata(path)
        .ok()
        .filter(|m| m.len() <= MAX_ALLOC)
        .and_then(|_| fs::read(path).ok());
    if let Some(data) = data {
        let fast = decode_dc(&data, side);
        #[cfg(feature = "turbojpeg")]
        let fast = fast.or_else(|| turbo::decode_scaled(&data, side));
        let fast = fast.or_else(|| decode_full(&data, side));
        if let Some(mut img) = fast {
            img.apply_orientation(
                exif_segment(&data)
                    .and_then(Orientation::from_exif_chunk)
                    .unwrap_or(Orientation::NoTransforms),
            );
            return Ok(img);
        }
    }
    decode_jpeg_scaled(path, side)
}

/// The 1/8-scale image of the JPEG `data` from the DC decoder, as stored (orientation not
/// applied); `None` when it does not read the file or 1/8 scale is too small.
fn decode_dc(data: &[u8], side: u32) -> Option<DynamicImage> {
    let p = dc::decode(data, side, MAX_ALLOC / 3).ok()?;
    Some(if p.gray {
        DynamicImage::ImageLuma8(image::GrayImage::from_raw(p.width, p.height, p.pixels)?)
    } else {
        DynamicImage::ImageRgb8(image::RgbImage::from_raw(p.width, p.height, p.pixels)?)
    })
}

/// The JPEG `data` at full size by zune-jpeg (SIMD), as stored (orientation not applied), when
/// the long side asked is more than half the photo's, so that no DCT scale saves work (else
/// `None`, and jpeg-decoder decodes at the scale that does). Strict: a file with any error
/// (truncated, corrupt) is left to jpeg-decoder.
fn decode_full(data: &[u8], side: u32) -> Option<DynamicImage> {
    use zune_core::{colorspace::ColorSpace, options::DecoderOptions};
    let options = DecoderOptions::default()
        .set_strict_mode(true)
        .set_max_width(MAX_SIDE as usize)
        .set_max_height(MAX_SIDE as usize)
        .jpeg_set_out_colorspace(ColorSpace::RGB);
    let mut dec = zune_jpeg::JpegDecoder::new_with_options(Cursor::new(data), options);
    dec.decode_headers().ok()?;
    let info = dec.info()?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    if w == 0 || h == 0 || w.max(h).div_ceil(2) >= side {
        return None;
    }
    if dec.output_buffer_size()? as u64 > MAX_ALLOC
        || dec.output_buffer_size()? != w as usize * h as usize * 3
    {
        return None;
    }
    let pixels = dec.decode().ok()?;
    Some(DynamicImage::ImageRgb8(image::RgbImage::from_raw(
        w, h, pixels,
    )?))
}

/// libjpeg-turbo's DCT-scaled decode.
#[cfg(feature = "turbojpeg")]
mod turbo {
    use super::*;

    /// The JPEG `data` at the smallest DCT scale whose long side is still at least `side`, as
    /// stored (orientation not applied); `None` when libjpeg-turbo cannot decode it without
    /// complaint.
    pub(super) fn decode_scaled(data: &[u8], side: u32) -> Option<DynamicImage> {
        let mut dec = turbojpeg::Decompressor::new().ok()?;
        let header = dec.read_header(data).ok()?;
        let (w, h) = (header.width, header.height);
        if w == 0 || h == 0 || w > MAX_SIDE as usize || h > MAX_SIDE as usize {
            return None;
        }
        let long = w.max(h);
        let denom = [8, 4, 2]
            .into_iter()
            .find(|d| long.div_ceil(*d) >= side as usize)
            .unwrap_or(1);
        // libjpeg-turbo scales to the largest size that fits the requested one: TJSCALED().
        let (sw, sh) = (w.div_ceil(denom), h.div_ceil(denom));
        if (sw * sh * 3) as u64 > MAX_ALLOC {
            return None;
        }
        let mut out = turbojpeg::Image {
            pixels: vec![0u8; sw * sh * 3],
            width: sw,
            pitch: sw * 3,
            height: sh,
            format: turbojpeg::PixelFormat::RGB,
        };
        // Any warning (a truncated or corrupt file) is an error here: jpeg-decoder gets a go.
        dec.decompress(data, out.as_deref_mut()).ok()?;
        Some(DynamicImage::ImageRgb8(image::RgbImage::from_raw(
            sw as u32, sh as u32, out.pixels,
        )?))
    }
}

/// Whether an image file displays as stored (no EXIF rotation or mirroring to apply). Only JPEGs
/// are read; anything else, or a file that cannot be read, counts as not plain.
pub fn orientation_is_plain(path: &std::path::Path, media_type: &str) -> bool {
    if media_type != crate::evidence::kind::MediaType::JPEG.as_str() {
        return false;
    }
    let mut head = Vec::new();
    let read = File::open(path).and_then(|f| {
        std::io::Read::read_to_end(&mut std::io::Read::take(f, 256 << 10), &mut head)
    });
    if read.is_err() {
        return false;
    }
    exif_segment(&head)
        .and_then(Orientation::from_exif_chunk)
        .is_none_or(|o| o == Orientation::NoTransforms)
}

/// The TIFF payload of a JPEG's EXIF segment (APP1 "Exif\0\0"), found by walking the markers
/// before the image data.
fn exif_segment(jpeg: &[u8]) -> Option<&[u8]> {
    if jpeg.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut i = 2;
    loop {
        // Fill bytes (0xFF runs) may precede a marker.
        while *jpeg.get(i)? == 0xFF && *jpeg.get(i + 1)? == 0xFF {
            i += 1;
        }
        if *jpeg.get(i)? != 0xFF {
            return None;
        }
        let marker = *jpeg.get(i + 1)?;
        // Start of scan or end of image: no EXIF before the pixels.
        if marker == 0xDA || marker == 0xD9 {
            return None;
        }
        let len = usize::from(u16::from_be_bytes([*jpeg.get(i + 2)?, *jpeg.get(i + 3)?]));
        if len < 2 {
            return None;
        }
        let body = jpeg.get(i + 4..i + 2 + len)?;
        if marker == 0xE1 && body.starts_with(b"Exif\0\0") {
            return Some(&body[6..]);
        }
        i += 2 + len;
    }
}

fn decode_jpeg_scaled(
    path: &std::path::Path,
    side: u32,
) -> std::result::Result<DynamicImage, String> {
    let f = File::open(path).map_err(|e| e.to_string())?;
    let mut dec = jpeg_decoder::Decoder::new(BufReader::new(f));
    dec.set_max_decoding_buffer_size(MAX_ALLOC as usize);
    dec.read_info()
        .map_err(|e| format!("not a readable JPEG: {e}"))?;
    let info = dec.info().ok_or("not a readable JPEG: no header")?;
    if info.width == 0 || info.height == 0 {
        return Err("not a readable JPEG: zero size".into());
    }
    // Ask for at least `side` on the long side; the decoder picks the smallest DCT scale that
    // gives it.
    let side = side.min(u32::from(u16::MAX)) as u16;
    let (w, h) = dec
        .scale(side, side)
        .map_err(|e| format!("not a readable JPEG: {e}"))?;
    let orientation = dec
        .exif_data()
        .and_then(Orientation::from_exif_chunk)
        .unwrap_or(Orientation::NoTransforms);
    let pixels = dec
        .decode()
        .map_err(|e| format!("not a readable JPEG: {e}"))?;
    let info = dec.info().ok_or("not a readable JPEG")?;
    let (w, h) = (u32::from(w.min(info.width)), u32::from(h.min(info.height)));
    let bad = || "not a readable JPEG: pixel data is short".to_string();
    let mut img = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => {
            DynamicImage::ImageRgb8(image::RgbImage::from_raw(w, h, pixels).ok_or_else(bad)?)
        }
        jpeg_decoder::PixelFormat::L8 => {
            DynamicImage::ImageLuma8(image::GrayImage::from_raw(w, h, pixels).ok_or_else(bad)?)
        }
        jpeg_decoder::PixelFormat::L16 => {
            let px: Vec<u8> = pixels.chunks_exact(2).map(|c| c[0]).collect();
            DynamicImage::ImageLuma8(image::GrayImage::from_raw(w, h, px).ok_or_else(bad)?)
        }
        jpeg_decoder::PixelFormat::CMYK32 => {
            let px: Vec<u8> = pixels
                .chunks_exact(4)
                .flat_map(|c| {
                    let k = u16::from(c[3]);
                    [c[0], c[1], c[2]].map(|v| ((u16::from(v) * k) / 255) as u8)
                })
                .collect();
            DynamicImage::ImageRgb8(image::RgbImage::from_raw(w, h, px).ok_or_else(bad)?)
        }
    };
    img.apply_orientation(orientation);
    Ok(img)
}

fn decode_any(path: &std::path::Path) -> std::result::Result<DynamicImage, String> {
    let bytes = fs::read(path).map_err(|e| e.to_string())?;
    let mut reader = ImageReader::new(Cursor::new(&bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_ALLOC);
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    reader.limits(limits);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| format!("no decoder for this image: {e}"))?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut img =
        DynamicImage::from_decoder(decoder).map_err(|e| format!("not a readable image: {e}"))?;
    img.apply_orientation(orientation);
    Ok(img)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, _| image::Rgb([(x % 256) as u8, 100, 200]));
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&DynamicImage::ImageRgb8(img))
            .unwrap();
        out
    }

    #[test]
    fn jpeg_thumbnail_is_bounded_and_keeps_aspect() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.jpg");
        fs::write(&p, jpeg(2000, 1000)).unwrap();
        let t = make(&p, "image/jpeg").unwrap();
        let img = image::load_from_memory(&t).unwrap();
        assert_eq!((img.width(), img.height()), (256, 128));
    }

    /// `jpeg` with an EXIF segment saying "rotate 90° clockwise to display" (orientation 6).
    fn rotated(jpeg: &[u8]) -> Vec<u8> {
        let mut tiff = b"MM\0\x2a\0\0\0\x08\0\x01".to_vec();
        tiff.extend([0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0]);
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend(tiff);
        let mut out = jpeg[..2].to_vec();
        out.extend([0xFF, 0xE1]);
        out.extend(((app1.len() + 2) as u16).to_be_bytes());
        out.extend(app1);
        out.extend(&jpeg[2..]);
        out
    }

    #[test]
    fn orientation_is_applied() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.jpg");
        let bytes = rotated(&jpeg(2000, 1000));
        assert!(exif_segment(&bytes).unwrap().starts_with(b"MM"));
        fs::write(&p, jpeg(20, 10)).unwrap();
        assert!(orientation_is_plain(&p, "image/jpeg"));
        fs::write(&p, &bytes).unwrap();
        assert!(!orientation_is_plain(&p, "image/jpeg"));
        let img = image::load_from_memory(&make(&p, "image/jpeg").unwrap()).unwrap();
        assert_eq!((img.width(), img.height()), (128, 256));
        // The pure-Rust path agrees.
        let img = decode_jpeg_scaled(&p, SIZE).unwrap();
        assert_eq!((img.width(), img.height()), (250, 500));
        // Large enough for 1/8 scale: the DC decoder's image is turned too.
        let bytes = rotated(&jpeg(2400, 1200));
        let img = decode_dc(&bytes, SIZE).expect("the DC decoder reads it");
        assert_eq!((img.width(), img.height()), (300, 150), "as stored");
        fs::write(&p, &bytes).unwrap();
        let img = decode_at_least(&p, "image/jpeg", SIZE).unwrap();
        assert_eq!((img.width(), img.height()), (150, 300), "turned");
        let img = image::load_from_memory(&make(&p, "image/jpeg").unwrap()).unwrap();
        assert_eq!((img.width(), img.height()), (128, 256));
    }

    #[test]
    fn exif_segment_walk_is_bounded() {
        let plain = jpeg(64, 64);
        assert_eq!(exif_segment(&plain), None);
        assert_eq!(exif_segment(b""), None);
        assert_eq!(exif_segment(&[0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF]), None);
        assert_eq!(exif_segment(&[0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x00]), None);
        let r = rotated(&plain);
        for cut in 0..40 {
            let _ = exif_segment(&r[..cut]);
        }
    }

    #[cfg(feature = "turbojpeg")]
    #[test]
    fn libjpeg_turbo_decodes_at_the_smallest_scale_that_covers_the_size() {
        let img = turbo::decode_scaled(&jpeg(4000, 3000), SIZE).unwrap();
        assert_eq!((img.width(), img.height()), (500, 375));
        let img = turbo::decode_scaled(&jpeg(300, 200), SIZE).unwrap();
        assert_eq!((img.width(), img.height()), (300, 200));
        // A truncated file is left to jpeg-decoder (libjpeg-turbo only warns and fills grey).
        let mut bytes = jpeg(600, 600);
        bytes.truncate(bytes.len() / 2);
        assert!(turbo::decode_scaled(&bytes, SIZE).is_none());
    }

    #[test]
    fn resize_keeps_the_picture() {
        // Left half red, right half blue: still so after shrinking to a third.
        let img = image::RgbImage::from_fn(300, 90, |x, _| {
            if x < 150 {
                image::Rgb([255, 0, 0])
            } else {
                image::Rgb([0, 0, 255])
            }
        });
        let small = resize_rgb(&DynamicImage::ImageRgb8(img), 100, 30);
        assert_eq!(small.dimensions(), (100, 30));
        assert_eq!(small.get_pixel(10, 15).0, [255, 0, 0]);
        assert_eq!(small.get_pixel(90, 15).0, [0, 0, 255]);
        let mid = small.get_pixel(50, 15).0;
        assert!(mid[0] > 0 && mid[2] > 0, "the edge is blended: {mid:?}");
    }

    #[test]
    fn small_images_are_not_upscaled() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.jpg");
        fs::write(&p, jpeg(100, 60)).unwrap();
        let img = image::load_from_memory(&make(&p, "image/jpeg").unwrap()).unwrap();
        assert_eq!((img.width(), img.height()), (100, 60));
    }

    #[test]
    fn broken_files_give_a_reason_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.jpg");
        let mut bytes = jpeg(300, 300);
        bytes.truncate(200);
        fs::write(&p, &bytes).unwrap();
        assert!(make(&p, "image/jpeg").is_err());
        fs::write(&p, b"not an image").unwrap();
        assert!(make(&p, "image/png").is_err());
    }
}
