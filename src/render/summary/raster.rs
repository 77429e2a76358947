//! Laid-out pages as images, for platforms that accept only images: each page drawn at 2 pixels
//! per point (1190 × 1684, about 144 dpi) from the same shaped glyphs and photos as the PDF.

use ab_glyph::{Font as _, FontRef, GlyphId, GlyphImageFormat, PxScale, point};
use image::{Rgb, RgbImage};

use super::text::{Fonts, Line};
use super::{Doc, Draw, PAGE_H, PAGE_W, Page};

/// Pixels per point.
const K: f32 = 2.0;

/// One page as a JPEG at `quality`.
pub fn page_jpeg(doc: &Doc, page: &Page, fonts: &Fonts, quality: u8) -> Result<Vec<u8>, String> {
    let img = draw(doc, page, fonts)?;
    crate::render::thumbnail::encode_jpeg(&img, quality)
        .map_err(|e| format!("encoding a page image failed: {e}"))
}

/// Darken the pixel at (`px`, `py`) by `cov` (0 to 1).
fn ink(img: &mut RgbImage, px: i64, py: i64, cov: f32) {
    if px >= 0 && py >= 0 && (px as u32) < img.width() && (py as u32) < img.height() {
        let p = img.get_pixel_mut(px as u32, py as u32);
        for c in &mut p.0 {
            *c = (f32::from(*c) * (1.0 - cov.clamp(0.0, 1.0))) as u8;
        }
    }
}

fn draw_line(
    img: &mut RgbImage,
    faces: &[FontRef<'_>],
    fonts: &Fonts,
    x: f32,
    y: f32,
    size: f32,
    line: &Line,
) {
    let mut pen = x * K;
    let px_size = size * K;
    for run in &line.runs {
        let face = &faces[run.face];
        let scale =
            PxScale::from(px_size * face.height_unscaled() / face.units_per_em().unwrap_or(1000.0));
        for g in &run.glyphs {
            let gx = pen + g.x_offset * px_size;
            let gy = y * K - g.y_offset * px_size;
            if g.id == 0 {
                // The same hollow box the PDF draws.
                let b = fonts.faces[run.face].hollow_box(gx, gy, px_size, g.x_advance);
                let t = b.line.max(1.0) as i64;
                for dx in 0..=b.w as i64 {
                    for k in 0..t {
                        ink(img, b.x as i64 + dx, b.y as i64 - k, 1.0);
                        ink(img, b.x as i64 + dx, (b.y - b.h) as i64 + k, 1.0);
                    }
                }
                for dy in 0..=b.h as i64 {
                    for k in 0..t {
                        ink(img, b.x as i64 + k, b.y as i64 - dy, 1.0);
                        ink(img, (b.x + b.w) as i64 - k, b.y as i64 - dy, 1.0);
                    }
                }
            } else {
                let glyph = GlyphId(g.id).with_scale_and_position(scale, point(gx, gy));
                if let Some(outline) = face.outline_glyph(glyph) {
                    let b = outline.px_bounds();
                    outline.draw(|ox, oy, cov| {
                        ink(
                            img,
                            b.min.x as i64 + i64::from(ox),
                            b.min.y as i64 + i64::from(oy),
                            cov,
                        );
                    });
                } else {
                    // A colour emoji font's glyphs are pictures (CBDT/sbix PNGs), not outlines.
                    let (_, descent) = fonts.faces[run.face].metrics();
                    bitmap_glyph(img, face, g.id, gx, gy - descent * px_size, px_size);
                }
            }
            pen += g.x_advance * px_size;
        }
    }
}

/// A glyph that is a PNG picture, scaled to `px_size` per em, its bottom at `bottom`; nothing
/// when the glyph has no picture either (a space).
fn bitmap_glyph(
    img: &mut RgbImage,
    face: &FontRef<'_>,
    id: u16,
    x: f32,
    bottom: f32,
    px_size: f32,
) {
    let Some(pic) = face.glyph_raster_image2(GlyphId(id), px_size.round().max(1.0) as u16) else {
        return;
    };
    if !matches!(pic.format, GlyphImageFormat::Png) {
        return;
    }
    let Ok(bmp) = image::load_from_memory_with_format(pic.data, image::ImageFormat::Png) else {
        return;
    };
    let k = px_size / f32::from(pic.pixels_per_em.max(1));
    let (w, h) = (
        ((bmp.width() as f32 * k).round() as u32).max(1),
        ((bmp.height() as f32 * k).round() as u32).max(1),
    );
    let bmp = image::imageops::resize(&bmp.to_rgba8(), w, h, image::imageops::FilterType::Triangle);
    let (x0, y0) = ((x + pic.origin.x * k) as i64, (bottom - h as f32) as i64);
    for (bx, by, p) in bmp.enumerate_pixels() {
        let (px, py) = (x0 + i64::from(bx), y0 + i64::from(by));
        if px < 0 || py < 0 || px as u32 >= img.width() || py as u32 >= img.height() {
            continue;
        }
        let a = f32::from(p[3]) / 255.0;
        let q = img.get_pixel_mut(px as u32, py as u32);
        for c in 0..3 {
            q.0[c] = (f32::from(q.0[c]) * (1.0 - a) + f32::from(p[c]) * a) as u8;
        }
    }
}

fn draw(doc: &Doc, page: &Page, fonts: &Fonts) -> Result<RgbImage, String> {
    let (w, h) = ((PAGE_W * K) as u32, (PAGE_H * K) as u32);
    let mut img = RgbImage::from_pixel(w, h, Rgb([255, 255, 255]));
    let faces: Vec<FontRef<'_>> = fonts
        .faces
        .iter()
        .map(|f| {
            FontRef::try_from_slice_and_index(&f.data, f.index)
                .map_err(|e| format!("the font {} cannot be drawn: {e}", f.family))
        })
        .collect::<Result<_, _>>()?;
    for d in &page.draws {
        match d {
            Draw::Text { x, y, size, line } => {
                draw_line(&mut img, &faces, fonts, *x, *y, *size, line)
            }
            Draw::Image {
                x,
                y,
                w: iw,
                h: ih,
                picture,
            } => {
                let p = &doc.pictures[*picture];
                let photo = image::load_from_memory(&p.jpeg)
                    .map_err(|e| format!("a summary photo does not decode: {e}"))?;
                let (tw, th) = (((iw * K) as u32).max(1), ((ih * K) as u32).max(1));
                let photo = crate::render::thumbnail::resize_rgb(&photo, tw, th);
                image::imageops::overlay(&mut img, &photo, (x * K) as i64, (y * K) as i64);
            }
            Draw::Rule { x, y, w: rw } => {
                let py = (y * K) as u32;
                for px in (x * K) as u32..((x + rw) * K) as u32 {
                    if px < w && py < h {
                        img.put_pixel(px, py, Rgb([120, 120, 120]));
                    }
                }
            }
        }
    }
    Ok(img)
}
