//! Thumbnails: small JPEG previews of photos for bundles and `report.html`, and the decoding that
//! upload copies share with them.
//!
//! Derived files, never evidence: made from the original object, orientation applied, at most
//! `SIZE` pixels on the long side, and cached under `cache/thumbs/` by the original's SHA-256 so a
//! second bundle does not decode anything. JPEGs are decoded at reduced scale, which skips most of
//! the work of a full decode: at 1/8 scale (enough for a 256 px thumbnail of any photo over 2
//! megapixels) from the blocks' DC coefficients alone (`dc`). Larger sizes (upload copies) by
//! libjpeg-turbo (DCT-scaled, SIMD) when built with the opt-in `turbojpeg` feature; else, when no
//! DCT scale saves work, by zune-jpeg (SIMD, strict); then, at the DCT scale that does and for
//! CMYK, by jpeg-decoder. A JPEG cut short (no end marker after its scan) decodes to the part that
//! is there, by whichever of these reads it (zune-jpeg's lenient mode last), and is marked
//! partial. HEIC, HEIF and AVIF go through an installed converter (`render::external`), its JPEG
//! cached under `cache/converted/`. PNG, WebP, GIF and TIFF go through `image` with allocation
//! limits. A file that cannot be decoded gets no thumbnail, with the reason.

pub mod dc;

use std::fs::{self, File};
use std::io::Cursor;
use std::path::PathBuf;

use image::{DynamicImage, ImageDecoder, ImageReader, Limits, metadata::Orientation};

use crate::digest::Digest;
use crate::error::{IoContext, Result};
use crate::store::Vault;

use super::external;

/// Long side of a thumbnail, in pixels.
pub const SIZE: u32 = 256;
/// JPEG quality of thumbnails.
const QUALITY: u8 = 80;
/// Decoding limits: no more than this many bytes of pixels, whatever the file claims.
const MAX_ALLOC: u64 = 512 << 20;
const MAX_SIDE: u32 = 40_000;

/// A thumbnail: its JPEG bytes, and whether the original decoded only in part (a JPEG cut short).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thumbnail {
    pub jpeg: Vec<u8>,
    pub partial: bool,
}

/// A thumbnail, or why the image could not be decoded.
pub type Thumb = std::result::Result<Thumbnail, String>;

/// A photo decoded for a derived file, orientation applied.
pub struct Decoded {
    pub image: DynamicImage,
    /// Only the part of the image that is in the file: a JPEG cut short (a full card, an
    /// interrupted copy) decodes to its first rows, the rest grey.
    pub partial: bool,
}

/// Path of the cached thumbnail of an object (`-partial` when made from a JPEG cut short).
pub fn cache_path(vault: &Vault, d: &Digest, partial: bool) -> PathBuf {
    let suffix = if partial { "-partial" } else { "" };
    vault
        .cache_dir()
        .join("thumbs")
        .join(format!("{}-{SIZE}{suffix}.jpg", d.hex()))
}

/// Whether cached JPEG bytes are a whole JPEG: they start with SOI, end with EOI and their
/// header decodes.
fn looks_whole(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xD8])
        && bytes.ends_with(&[0xFF, 0xD9])
        && image::ImageReader::with_format(std::io::Cursor::new(bytes), image::ImageFormat::Jpeg)
            .into_dimensions()
            .is_ok()
}

/// Write a derived file into the cache: atomically (a reader never sees half a file) but not
/// fsynced; a failure to write it costs only time later.
fn cache_put(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().expect("cache path has a parent");
    fs::create_dir_all(dir).at(dir)?;
    if let Ok(mut tmp) = tempfile::Builder::new().prefix(".cache-").tempfile_in(dir)
        && std::io::Write::write_all(&mut tmp, bytes).is_ok()
    {
        let _ = tmp.persist(path);
    }
    Ok(())
}

/// The thumbnail of an object, from the cache or made now (and cached).
/// `Ok(Err(reason))` when the object is not a decodable image.
pub fn get(vault: &Vault, d: &Digest, media_type: &str) -> Result<Thumb> {
    if let Some(t) = cached_thumb(vault, d) {
        return Ok(Ok(t));
    }
    // A decoder bug on one hostile photo costs that photo its thumbnail, not the whole bundle.
    // `make` only reads the vault and builds new bytes: nothing is left half-changed.
    let made =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| make(vault, d, media_type)))
            .unwrap_or_else(|_| Ok(Err("the image decoder failed on this file".to_string())))?;
    let made = match made {
        Ok(t) => t,
        Err(reason) => return Ok(Err(reason)),
    };
    cache_put(&cache_path(vault, d, made.partial), &made.jpeg)?;
    Ok(Ok(made))
}

/// The cached thumbnail of an object, either variant, when the cache holds a whole one. The
/// cache is not fsynced: after a power cut a thumbnail may be empty or cut short; such a file is
/// made again, never embedded in a bundle.
fn cached_thumb(vault: &Vault, d: &Digest) -> Option<Thumbnail> {
    [false, true].into_iter().find_map(|partial| {
        let jpeg = fs::read(cache_path(vault, d, partial)).ok()?;
        looks_whole(&jpeg).then_some(Thumbnail { jpeg, partial })
    })
}

/// Make the thumbnail of an object.
fn make(vault: &Vault, d: &Digest, media_type: &str) -> Result<Thumb> {
    let decoded = match decode_object(vault, d, media_type, SIZE)? {
        Ok(x) => x,
        Err(why) => return Ok(Err(why)),
    };
    Ok(thumbnail_of(decoded))
}

/// The thumbnail of an image file outside the store, in a format read in Rust (not HEIC/AVIF).
pub fn make_file(path: &std::path::Path, media_type: &str) -> Thumb {
    thumbnail_of(decode_at_least(path, media_type, SIZE)?)
}

/// The thumbnail of a decoded image.
fn thumbnail_of(decoded: Decoded) -> Thumb {
    let img = decoded.image;
    // Never upscaled: a small image is its own thumbnail.
    let thumb = if img.width() <= SIZE && img.height() <= SIZE {
        img
    } else {
        img.thumbnail(SIZE, SIZE)
    };
    let jpeg = encode_jpeg(&thumb.to_rgb8(), QUALITY)
        .map_err(|e| format!("encoding the thumbnail failed: {e}"))?;
    Ok(Thumbnail {
        jpeg,
        partial: decoded.partial,
    })
}

/// The stored object `d` decoded at the smallest scale whose long side is still at least `side`
/// where the format allows, orientation applied. HEIC, HEIF and AVIF go through an installed
/// converter (`external`), whose JPEG is cached under `cache/converted/` so that later bundles do
/// not convert again. `Ok(Err(reason))` when it cannot be decoded here.
pub fn decode_object(
    vault: &Vault,
    d: &Digest,
    media_type: &str,
    side: u32,
) -> Result<std::result::Result<Decoded, String>> {
    let mt = crate::evidence::kind::MediaType::from(media_type);
    if !external::needs_converter(&mt) {
        return Ok(decode_at_least(&vault.object_file(d)?, media_type, side));
    }
    let jpeg = match converted(vault, d, &mt)? {
        Ok(jpeg) => jpeg,
        Err(why) => return Ok(Err(why)),
    };
    // The converter turned the pixels already; the EXIF orientation it copied into the JPEG
    // would turn them twice.
    Ok(decode_jpeg_data(&jpeg, side, false).map(|image| Decoded {
        image,
        partial: false,
    }))
}

/// Path of the cached JPEG a converter made of a HEIC, HEIF or AVIF object.
fn converted_path(vault: &Vault, d: &Digest) -> PathBuf {
    vault
        .cache_dir()
        .join("converted")
        .join(format!("{}.jpg", d.hex()))
}

/// The converter's JPEG of object `d` when the cache holds a whole one.
fn cached_converted(vault: &Vault, d: &Digest) -> Option<Vec<u8>> {
    fs::read(converted_path(vault, d))
        .ok()
        .filter(|b| looks_whole(b))
}

/// The converter's JPEG of object `d`, from the cache or made now (and cached).
fn converted(
    vault: &Vault,
    d: &Digest,
    mt: &crate::evidence::kind::MediaType,
) -> Result<std::result::Result<Vec<u8>, String>> {
    if let Some(jpeg) = cached_converted(vault, d) {
        return Ok(Ok(jpeg));
    }
    match external::heif_to_jpeg(&vault.object_file(d)?, mt) {
        Ok(jpeg) => {
            cache_put(&converted_path(vault, d), &jpeg)?;
            Ok(Ok(jpeg))
        }
        Err(why) => Ok(Err(why.to_string())),
    }
}

/// Whether a photo's derived files were already in the cache or made now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prepared {
    Cached,
    Made,
}

/// Make the derived files a bundle needs of photo `d` ahead of time (its thumbnail and, for
/// HEIC, HEIF and AVIF, the converter's JPEG), so that a bundle made against a deadline decodes
/// nothing slow. `Ok(Err(reason))` when the photo cannot be decoded here.
pub fn prepare(
    vault: &Vault,
    d: &Digest,
    media_type: &str,
) -> Result<std::result::Result<Prepared, String>> {
    let mt = crate::evidence::kind::MediaType::from(media_type);
    let converted_ok = !external::needs_converter(&mt) || cached_converted(vault, d).is_some();
    let thumb_ok = cached_thumb(vault, d).is_some();
    if converted_ok && thumb_ok {
        return Ok(Ok(Prepared::Cached));
    }
    if !converted_ok && let Err(why) = converted(vault, d, &mt)? {
        return Ok(Err(why));
    }
    Ok(get(vault, d, media_type)?.map(|_| Prepared::Made))
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
/// still at least `side` pixels where the format allows (JPEG), else at full size. Formats that
/// need an installed converter are not read here (see `decode_object`).
pub fn decode_at_least(
    path: &std::path::Path,
    media_type: &str,
    side: u32,
) -> std::result::Result<Decoded, String> {
    // Crash-test hook: a decoder that panics on a hostile file (tests/cli/bundle.rs).
    assert!(
        !crate::failpoint_is("decoder-panics"),
        "injected decoder panic"
    );
    if media_type != crate::evidence::kind::MediaType::JPEG.as_str() {
        return decode_any(path).map(|image| Decoded {
            image,
            partial: false,
        });
    }
    let meta = fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.len() > MAX_ALLOC {
        return Err(format!(
            "a {} JPEG is over the {} this reads",
            crate::render::human_bytes(meta.len()),
            crate::render::human_bytes(MAX_ALLOC)
        ));
    }
    let data = fs::read(path).map_err(|e| e.to_string())?;
    let partial = cut_short(&data);
    decode_jpeg_data(&data, side, true).map(|image| Decoded { image, partial })
}

/// The JPEG `data` decoded as `decode_at_least` does; EXIF orientation applied when `orient`.
fn decode_jpeg_data(
    data: &[u8],
    side: u32,
    orient: bool,
) -> std::result::Result<DynamicImage, String> {
    // The fastest JPEG decode that gives the size: block averages alone when 1/8 scale is
    // enough; else libjpeg-turbo or zune-jpeg. What none decodes cleanly goes to jpeg-decoder.
    let orientation = || {
        exif_segment(data)
            .filter(|_| orient)
            .and_then(Orientation::from_exif_chunk)
            .unwrap_or(Orientation::NoTransforms)
    };
    let fast = decode_dc(data, side);
    #[cfg(feature = "turbojpeg")]
    let fast = fast.or_else(|| turbo::decode_scaled(data, side));
    let fast = fast.or_else(|| decode_full(data, side));
    if let Some(mut img) = fast {
        img.apply_orientation(orientation());
        return Ok(img);
    }
    let mut img = match decode_jpeg_scaled(data, side) {
        Ok(img) => img,
        // A file cut short: the part that is there, as browsers and libjpeg show it.
        Err(why) => decode_lenient(data).ok_or(why)?,
    };
    img.apply_orientation(orientation());
    Ok(img)
}

/// Whether a JPEG is cut short: no end-of-image marker after its first scan. (Inside entropy-
/// coded data 0xFF is always followed by 0x00 or a restart marker, so FF D9 there is the end.)
pub fn cut_short(jpeg: &[u8]) -> bool {
    let Some(scan) = first_scan(jpeg) else {
        return false;
    };
    !jpeg[scan..].windows(2).any(|w| w == [0xFF, 0xD9])
}

/// Offset of the first start-of-scan marker, walking the segments before it.
fn first_scan(jpeg: &[u8]) -> Option<usize> {
    Segments::of(jpeg).find_map(|(marker, at, _)| (marker == 0xDA).then_some(at))
}

/// The segments of a JPEG up to its first scan (or end of image), as `(marker, offset, body)`:
/// a scan or end-of-image marker is the last item, with an empty body. Every length is checked
/// against the data; a malformed or cut header ends the walk.
struct Segments<'a> {
    jpeg: &'a [u8],
    at: Option<usize>,
}

impl<'a> Segments<'a> {
    fn of(jpeg: &'a [u8]) -> Segments<'a> {
        let at = jpeg.starts_with(&[0xFF, 0xD8]).then_some(2);
        Segments { jpeg, at }
    }
}

impl<'a> Iterator for Segments<'a> {
    type Item = (u8, usize, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let jpeg = self.jpeg;
        let mut i = self.at.take()?;
        // Fill bytes (0xFF runs) may precede a marker.
        while *jpeg.get(i)? == 0xFF && *jpeg.get(i + 1)? == 0xFF {
            i += 1;
        }
        if *jpeg.get(i)? != 0xFF {
            return None;
        }
        let marker = *jpeg.get(i + 1)?;
        if marker == 0xDA || marker == 0xD9 {
            return Some((marker, i, &[]));
        }
        let len = usize::from(u16::from_be_bytes([*jpeg.get(i + 2)?, *jpeg.get(i + 3)?]));
        if len < 2 {
            return None;
        }
        let body = jpeg.get(i + 4..i + 2 + len)?;
        self.at = Some(i + 2 + len);
        Some((marker, i, body))
    }
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
    zune_decode(data, true, Some(side))
}

/// The JPEG `data` at full size by zune-jpeg in its lenient mode, which decodes a file cut short
/// to the rows that are there (the rest grey); as stored.
fn decode_lenient(data: &[u8]) -> Option<DynamicImage> {
    zune_decode(data, false, None)
}

/// zune-jpeg at full size, `None` on any error, or when `side` is given and a DCT scale would
/// give it with less work.
fn zune_decode(data: &[u8], strict: bool, side: Option<u32>) -> Option<DynamicImage> {
    use zune_core::{colorspace::ColorSpace, options::DecoderOptions};
    let options = DecoderOptions::default()
        .set_strict_mode(strict)
        .set_max_width(MAX_SIDE as usize)
        .set_max_height(MAX_SIDE as usize)
        .jpeg_set_out_colorspace(ColorSpace::RGB);
    let mut dec = zune_jpeg::JpegDecoder::new_with_options(Cursor::new(data), options);
    dec.decode_headers().ok()?;
    let info = dec.info()?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    if w == 0 || h == 0 || side.is_some_and(|side| w.max(h).div_ceil(2) >= side) {
        return None;
    }
    let size = dec.output_buffer_size()?;
    if size as u64 > MAX_ALLOC || size != w as usize * h as usize * 3 {
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
    Segments::of(jpeg).find_map(|(marker, _, body)| {
        (marker == 0xE1 && body.starts_with(b"Exif\0\0")).then(|| &body[6..])
    })
}

/// The JPEG `data` by jpeg-decoder, at the smallest DCT scale that gives `side`, as stored
/// (orientation not applied). It reads what the others refuse: files cut short (their missing
/// rows grey), CMYK.
fn decode_jpeg_scaled(data: &[u8], side: u32) -> std::result::Result<DynamicImage, String> {
    let mut dec = jpeg_decoder::Decoder::new(data);
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
    let pixels = dec
        .decode()
        .map_err(|e| format!("not a readable JPEG: {e}"))?;
    let info = dec.info().ok_or("not a readable JPEG")?;
    let (w, h) = (u32::from(w.min(info.width)), u32::from(h.min(info.height)));
    let bad = || "not a readable JPEG: pixel data is short".to_string();
    let img = match info.pixel_format {
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
        let t = make_file(&p, "image/jpeg").unwrap().jpeg;
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
        let img = image::load_from_memory(&make_file(&p, "image/jpeg").unwrap().jpeg).unwrap();
        assert_eq!((img.width(), img.height()), (128, 256));
        // The pure-Rust path agrees.
        let img = decode_jpeg_data(&bytes, SIZE, true).unwrap();
        assert_eq!((img.width(), img.height()), (250, 500));
        let img = decode_jpeg_scaled(&bytes, SIZE).unwrap();
        assert_eq!((img.width(), img.height()), (500, 250), "as stored");
        // Large enough for 1/8 scale: the DC decoder's image is turned too.
        let bytes = rotated(&jpeg(2400, 1200));
        let img = decode_dc(&bytes, SIZE).expect("the DC decoder reads it");
        assert_eq!((img.width(), img.height()), (300, 150), "as stored");
        fs::write(&p, &bytes).unwrap();
        let img = decode_at_least(&p, "image/jpeg", SIZE).unwrap().image;
        assert_eq!((img.width(), img.height()), (150, 300), "turned");
        let img = image::load_from_memory(&make_file(&p, "image/jpeg").unwrap().jpeg).unwrap();
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
        let img = image::load_from_memory(&make_file(&p, "image/jpeg").unwrap().jpeg).unwrap();
        assert_eq!((img.width(), img.height()), (100, 60));
    }

    #[test]
    fn broken_files_give_a_reason_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.jpg");
        let mut bytes = jpeg(300, 300);
        bytes.truncate(200);
        fs::write(&p, &bytes).unwrap();
        assert!(make_file(&p, "image/jpeg").is_err());
        fs::write(&p, b"not an image").unwrap();
        assert!(make_file(&p, "image/png").is_err());
    }

    #[test]
    fn a_jpeg_cut_short_decodes_in_part_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.jpg");
        // Top half red, bottom half blue, 640×640: cut at 60% of its bytes.
        let img = image::RgbImage::from_fn(640, 640, |_, y| {
            if y < 320 {
                image::Rgb([220, 20, 20])
            } else {
                image::Rgb([20, 20, 220])
            }
        });
        let mut whole = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut whole, 90)
            .encode_image(&DynamicImage::ImageRgb8(img))
            .unwrap();
        assert!(!cut_short(&whole));
        let cut = &whole[..whole.len() * 6 / 10];
        assert!(cut_short(cut));
        fs::write(&p, cut).unwrap();
        let d = decode_at_least(&p, "image/jpeg", 640).unwrap();
        assert!(d.partial);
        let top = d.image.to_rgb8().get_pixel(320, 40).0;
        assert!(
            top[0] > 180 && top[2] < 80,
            "the part that is there decodes: {top:?}"
        );
        let t = make_file(&p, "image/jpeg").unwrap();
        assert!(t.partial);
        // Bytes after the end marker (Samsung's trailers, MPF) do not make a file partial; a file
        // cut inside its headers is no image at all.
        let mut trailer = whole.clone();
        trailer.extend(b"SEFT trailing data");
        assert!(!cut_short(&trailer));
        assert!(!cut_short(&whole[..100]));
    }
}
