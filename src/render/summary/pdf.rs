//! Laid-out pages as a PDF 1.7 file: the font embedded as a subset (a Type 0 / CID TrueType font
//! with a ToUnicode map, so text can be searched and copied), photos embedded as the JPEGs they are.
//! Nothing in the file depends on the clock: the same pages give the same bytes.

use std::collections::BTreeMap;
use std::io::Write;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::font::{DATA, Font};
use super::{Doc, Draw, PAGE_H, PAGE_W, Page};

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).expect("writing to memory");
    e.finish().expect("writing to memory")
}

/// The PDF of `pages` (from [`super::layout`] of `doc`).
pub fn write(doc: &Doc, pages: &[Page]) -> Result<Vec<u8>, String> {
    let font = Font::get();
    // Glyphs used, renumbered densely for the subset; CIDs are the new glyph ids.
    let mut remap = subsetter::GlyphRemapper::new();
    let mut to_unicode: BTreeMap<u16, char> = BTreeMap::new();
    // The original glyph id of each new one (.notdef stays 0).
    let mut old_of: Vec<u16> = vec![0];
    let mut encode = |text: &str| -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() * 2);
        for ch in text.chars() {
            let old = font.glyph(ch).unwrap_or(0);
            let cid = remap.remap(old);
            if usize::from(cid) == old_of.len() {
                old_of.push(old);
            }
            to_unicode.entry(cid).or_insert(ch);
            out.extend(cid.to_be_bytes());
        }
        out
    };

    let mut next = 1;
    let mut alloc = || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let catalog = alloc();
    let tree = alloc();
    let type0 = alloc();
    let cid_font = alloc();
    let descriptor = alloc();
    let font_file = alloc();
    let cmap_ref = alloc();
    let info = alloc();
    let images: Vec<Ref> = doc.pictures.iter().map(|_| alloc()).collect();
    let page_refs: Vec<(Ref, Ref)> = pages.iter().map(|_| (alloc(), alloc())).collect();

    let mut pdf = Pdf::new();
    let mut contents = Vec::new();
    for page in pages {
        let mut c = Content::new();
        for d in &page.draws {
            match d {
                Draw::Text { x, y, size, text } => {
                    c.begin_text();
                    c.set_font(Name(b"F1"), *size);
                    c.next_line(*x, PAGE_H - *y);
                    c.show(Str(&encode(text)));
                    c.end_text();
                }
                Draw::Image {
                    x,
                    y,
                    w,
                    h,
                    picture,
                } => {
                    c.save_state();
                    c.transform([*w, 0.0, 0.0, *h, *x, PAGE_H - *y - *h]);
                    c.x_object(Name(format!("Im{picture}").as_bytes()));
                    c.restore_state();
                }
                Draw::Rule { x, y, w } => {
                    c.set_line_width(0.5);
                    c.move_to(*x, PAGE_H - *y);
                    c.line_to(*x + *w, PAGE_H - *y);
                    c.stroke();
                }
            }
        }
        contents.push(c.finish());
    }

    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_refs.iter().map(|(p, _)| *p))
        .count(pages.len() as i32);
    for ((page_ref, content_ref), content) in page_refs.iter().zip(&contents) {
        let mut page = pdf.page(*page_ref);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
        page.parent(tree);
        page.contents(*content_ref);
        let mut res = page.resources();
        res.fonts().pair(Name(b"F1"), type0);
        let mut xo = res.x_objects();
        for (i, r) in images.iter().enumerate() {
            xo.pair(Name(format!("Im{i}").as_bytes()), *r);
        }
        xo.finish();
        res.finish();
        page.finish();
        pdf.stream(*content_ref, &deflate(content.as_slice()))
            .filter(Filter::FlateDecode);
    }
    for (p, r) in doc.pictures.iter().zip(&images) {
        let mut img = pdf.image_xobject(*r, &p.jpeg);
        img.filter(Filter::DctDecode);
        img.width(p.width as i32);
        img.height(p.height as i32);
        img.color_space().device_rgb();
        img.bits_per_component(8);
    }

    // The font: Type 0 over a CID TrueType subset, glyph ids as CIDs.
    let base = Name(b"VAULTS+DejaVuSans");
    let subset = subsetter::subset(DATA, 0, &remap)
        .map_err(|e| format!("subsetting the font failed: {e}"))?;
    let si = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };
    pdf.type0_font(type0)
        .base_font(base)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid_font)
        .to_unicode(cmap_ref);
    let widths: Vec<f32> = old_of.iter().map(|old| font.advance(*old)).collect();
    let mut cid = pdf.cid_font(cid_font);
    cid.subtype(CidFontType::Type2)
        .base_font(base)
        .system_info(si)
        .font_descriptor(descriptor)
        .default_width(600.0)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    cid.widths().consecutive(0, widths);
    cid.finish();
    let (ascent, descent) = font.metrics();
    pdf.font_descriptor(descriptor)
        .name(base)
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(-1021.0, -463.0, 1793.0, 1232.0))
        .italic_angle(0.0)
        .ascent(ascent)
        .descent(descent)
        .cap_height(729.0)
        .stem_v(80.0)
        .font_file2(font_file);
    pdf.stream(font_file, &deflate(&subset))
        .filter(Filter::FlateDecode);
    let mut cmap = pdf_writer::types::UnicodeCmap::new(Name(b"Vault-UTF16"), si);
    for (cid, ch) in &to_unicode {
        cmap.pair(*cid, *ch);
    }
    pdf.cmap(cmap_ref, &cmap.finish());

    pdf.document_info(info)
        .title(TextStr(&doc.title))
        .producer(TextStr(crate::TOOL));
    Ok(pdf.finish())
}
