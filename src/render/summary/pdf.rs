//! Laid-out pages as a PDF/A-2b file, written by `krilla` (the PDF writer behind typst): each
//! font embedded as a subset with a ToUnicode map that gives back the text in logical order,
//! photos embedded as the JPEGs they are, XMP metadata with the PDF/A identification and an sRGB
//! output intent. Nothing in the file depends on the clock: the same pages give the same bytes.

use krilla::Document;
use krilla::SerializeSettings;
use krilla::color::luma;
use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::geom::{PathBuilder, Point, Size, Transform};
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::Stroke;
use krilla::text::{Font, GlyphId, KrillaGlyph};

use super::text::{Fonts, Line};
use super::{Doc, Draw, PAGE_H, PAGE_W, Page};

/// The PDF of `pages` (from [`super::layout`] of `doc` set in `fonts`).
pub fn write(doc: &Doc, pages: &[Page], fonts: &Fonts) -> Result<Vec<u8>, String> {
    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A2_B)
        .finish()
        .map_err(|e| format!("the PDF/A configuration: {e:?}"))?;
    let mut pdf = Document::new_with(SerializeSettings {
        configuration,
        ..SerializeSettings::default()
    });
    let faces: Vec<Font> = fonts
        .faces
        .iter()
        .map(|f| {
            Font::new(f.data.clone().into(), f.index)
                .ok_or_else(|| format!("the font {} cannot be embedded", f.family))
        })
        .collect::<Result<_, _>>()?;
    let mut images: Vec<Option<Image>> = vec![None; doc.pictures.len()];
    for page in pages {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H).expect("A4 is a page size");
        let mut p = pdf.start_page_with(settings);
        let mut s = p.surface();
        for d in &page.draws {
            match d {
                Draw::Text { x, y, size, line } => {
                    draw_line(&mut s, &faces, fonts, *x, *y, *size, line);
                }
                Draw::Image {
                    x,
                    y,
                    w,
                    h,
                    picture,
                } => {
                    let img = match &mut images[*picture] {
                        Some(i) => i.clone(),
                        slot => {
                            let jpeg = doc.pictures[*picture].jpeg.clone();
                            let i = Image::from_jpeg(jpeg.into(), false)
                                .map_err(|e| format!("a summary photo cannot be embedded: {e}"))?;
                            slot.insert(i).clone()
                        }
                    };
                    let Some(size) = Size::from_wh(*w, *h) else {
                        continue;
                    };
                    s.push_transform(&Transform::from_translate(*x, *y));
                    s.draw_image(img, size);
                    s.pop();
                }
                Draw::Rule { x, y, w } => {
                    let mut pb = PathBuilder::new();
                    pb.move_to(*x, *y);
                    pb.line_to(*x + *w, *y);
                    stroke(&mut s, pb, luma::Color::new(120), 0.5);
                }
            }
        }
        s.finish();
        p.finish();
    }
    pdf.set_metadata(
        Metadata::new()
            .title(doc.title.clone())
            .producer(crate::TOOL.to_string())
            .creator(crate::TOOL.to_string())
            .creation_date(pdf_date(&doc.created)),
    );
    pdf.finish()
        .map_err(|e| format!("writing the summary PDF failed: {e:?}"))
}

/// One set line: each run in its face; a glyph no font has is drawn as a hollow box, never as
/// the font's `.notdef` (PDF/A forbids it, and a box drawn on purpose says the same).
///
/// Glyphs go in visual order, each mapped to the text of its cluster (logical order): poppler's
/// pdftotext reads the result as it reads Chromium's PDFs of the same text (tests/cli/scripts.rs).
fn draw_line(
    s: &mut krilla::surface::Surface<'_>,
    faces: &[Font],
    fonts: &Fonts,
    x: f32,
    y: f32,
    size: f32,
    line: &Line,
) {
    let mut pen = x;
    for run in &line.runs {
        // Glyphs since the last box, drawn in one call from where they start.
        let mut pending: Vec<KrillaGlyph> = Vec::new();
        let mut from = pen;
        for g in &run.glyphs {
            if g.id == 0 {
                draw_glyphs(s, &faces[run.face], &line.text, size, from, y, &mut pending);
                let b = fonts.faces[run.face].hollow_box(pen, y, size, g.x_advance);
                let mut pb = PathBuilder::new();
                pb.move_to(b.x, b.y);
                pb.line_to(b.x + b.w, b.y);
                pb.line_to(b.x + b.w, b.y - b.h);
                pb.line_to(b.x, b.y - b.h);
                pb.close();
                stroke(s, pb, luma::Color::black(), b.line);
                pen += g.x_advance * size;
                from = pen;
                continue;
            }
            pending.push(KrillaGlyph {
                glyph_id: GlyphId::new(u32::from(g.id)),
                text_range: g.text.clone(),
                x_advance: g.x_advance,
                x_offset: g.x_offset,
                y_offset: g.y_offset,
                y_advance: 0.0,
                location: None,
            });
            pen += g.x_advance * size;
        }
        draw_glyphs(s, &faces[run.face], &line.text, size, from, y, &mut pending);
    }
}

/// Draw and clear `pending`, starting at (`x`, `y`).
fn draw_glyphs(
    s: &mut krilla::surface::Surface<'_>,
    font: &Font,
    text: &str,
    size: f32,
    x: f32,
    y: f32,
    pending: &mut Vec<KrillaGlyph>,
) {
    if !pending.is_empty() {
        s.draw_glyphs(
            Point::from_xy(x, y),
            pending,
            font.clone(),
            text,
            size,
            false,
        );
        pending.clear();
    }
}

/// Stroke the path `pb` in `colour` at `width`, unfilled; text drawing's black fill is restored.
fn stroke(s: &mut krilla::surface::Surface<'_>, pb: PathBuilder, colour: luma::Color, width: f32) {
    let Some(path) = pb.finish() else { return };
    s.set_fill(None);
    s.set_stroke(Some(Stroke {
        paint: colour.into(),
        width,
        ..Stroke::default()
    }));
    s.draw_path(&path);
    s.set_stroke(None);
    s.set_fill(Some(krilla::paint::Fill::default()));
}

fn pdf_date(t: &chrono::DateTime<chrono::Utc>) -> krilla::metadata::DateTime {
    use chrono::{Datelike, Timelike};
    krilla::metadata::DateTime::new(t.year().clamp(0, 9999) as u16)
        .month(t.month() as u8)
        .day(t.day() as u8)
        .hour(t.hour() as u8)
        .minute(t.minute() as u8)
        .second(t.second().min(59) as u8)
        .utc_offset_hour(0)
        .utc_offset_minute(0)
}
