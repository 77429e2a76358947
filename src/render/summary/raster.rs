//! Laid-out pages as images, for platforms that accept only images: each page drawn at 2 pixels
//! per point (1190 × 1684, about 144 dpi) with the same font and photos as the PDF.

use ab_glyph::{Font as _, PxScale, ScaleFont as _, point};
use image::{Rgb, RgbImage};

use super::font::Font;
use super::{Doc, Draw, PAGE_H, PAGE_W, Page};

/// Pixels per point.
const K: f32 = 2.0;

/// One page as a JPEG at `quality`.
pub fn page_jpeg(doc: &Doc, page: &Page, quality: u8) -> Result<Vec<u8>, String> {
    let img = draw(doc, page)?;
    crate::render::thumbnail::encode_jpeg(&img, quality)
        .map_err(|e| format!("encoding a page image failed: {e}"))
}

fn draw(doc: &Doc, page: &Page) -> Result<RgbImage, String> {
    let (w, h) = ((PAGE_W * K) as u32, (PAGE_H * K) as u32);
    let mut img = RgbImage::from_pixel(w, h, Rgb([255, 255, 255]));
    let face = &Font::get().face;
    for d in &page.draws {
        match d {
            Draw::Text { x, y, size, text } => {
                let scaled = face.as_scaled(PxScale::from(
                    size * K * face.height_unscaled() / face.units_per_em().unwrap_or(2048.0),
                ));
                let mut pen = x * K;
                for ch in text.chars() {
                    let id = face.glyph_id(ch);
                    let glyph = id.with_scale_and_position(scaled.scale(), point(pen, y * K));
                    pen += scaled.h_advance(id);
                    let Some(outline) = face.outline_glyph(glyph) else {
                        continue;
                    };
                    let b = outline.px_bounds();
                    outline.draw(|gx, gy, cov| {
                        let (px, py) = (b.min.x as i64 + gx as i64, b.min.y as i64 + gy as i64);
                        if px >= 0 && py >= 0 && (px as u32) < w && (py as u32) < h {
                            let p = img.get_pixel_mut(px as u32, py as u32);
                            for c in &mut p.0 {
                                *c = (f32::from(*c) * (1.0 - cov.clamp(0.0, 1.0))) as u8;
                            }
                        }
                    });
                }
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
