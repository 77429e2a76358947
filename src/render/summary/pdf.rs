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

/// The glyphs the text uses, renumbered densely for the font subset: CIDs are the new glyph ids.
struct Glyphs<'f> {
    font: &'f Font,
    remap: subsetter::GlyphRemapper,
    to_unicode: BTreeMap<u16, char>,
    /// The original glyph id of each new one (.notdef stays 0).
    old_of: Vec<u16>,
}

impl Glyphs<'_> {
    /// `text` as big-endian CIDs, noting each glyph it uses.
    fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() * 2);
        for ch in text.chars() {
            let old = self.font.glyph(ch).unwrap_or(0);
            let cid = self.remap.remap(old);
            if usize::from(cid) == self.old_of.len() {
                self.old_of.push(old);
            }
            self.to_unicode.entry(cid).or_insert(ch);
            out.extend(cid.to_be_bytes());
        }
        out
    }
}

/// The objects of the file, numbered in the order they are written.
struct Refs {
    catalog: Ref,
    tree: Ref,
    type0: Ref,
    cid_font: Ref,
    descriptor: Ref,
    font_file: Ref,
    cmap: Ref,
    info: Ref,
    images: Vec<Ref>,
    /// (page, content stream) of each page.
    pages: Vec<(Ref, Ref)>,
}

impl Refs {
    fn new(pictures: usize, pages: usize) -> Refs {
        let mut next = 0;
        let mut alloc = || {
            next += 1;
            Ref::new(next)
        };
        Refs {
            catalog: alloc(),
            tree: alloc(),
            type0: alloc(),
            cid_font: alloc(),
            descriptor: alloc(),
            font_file: alloc(),
            cmap: alloc(),
            info: alloc(),
            images: (0..pictures).map(|_| alloc()).collect(),
            pages: (0..pages).map(|_| (alloc(), alloc())).collect(),
        }
    }
}

/// The PDF of `pages` (from [`super::layout`] of `doc`).
pub fn write(doc: &Doc, pages: &[Page]) -> Result<Vec<u8>, String> {
    let mut glyphs = Glyphs {
        font: Font::get(),
        remap: subsetter::GlyphRemapper::new(),
        to_unicode: BTreeMap::new(),
        old_of: vec![0],
    };
    let refs = Refs::new(doc.pictures.len(), pages.len());
    let contents: Vec<Vec<u8>> = pages
        .iter()
        .map(|page| page_content(page, &mut glyphs))
        .collect();

    let mut pdf = Pdf::new();
    pdf.catalog(refs.catalog).pages(refs.tree);
    pdf.pages(refs.tree)
        .kids(refs.pages.iter().map(|(p, _)| *p))
        .count(pages.len() as i32);
    for ((page_ref, content_ref), content) in refs.pages.iter().zip(&contents) {
        let mut page = pdf.page(*page_ref);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
        page.parent(refs.tree);
        page.contents(*content_ref);
        let mut res = page.resources();
        res.fonts().pair(Name(b"F1"), refs.type0);
        let mut xo = res.x_objects();
        for (i, r) in refs.images.iter().enumerate() {
            xo.pair(Name(format!("Im{i}").as_bytes()), *r);
        }
        xo.finish();
        res.finish();
        page.finish();
        pdf.stream(*content_ref, &deflate(content))
            .filter(Filter::FlateDecode);
    }
    for (p, r) in doc.pictures.iter().zip(&refs.images) {
        let mut img = pdf.image_xobject(*r, &p.jpeg);
        img.filter(Filter::DctDecode);
        img.width(p.width as i32);
        img.height(p.height as i32);
        img.color_space().device_rgb();
        img.bits_per_component(8);
    }
    write_font(&mut pdf, &refs, &glyphs)?;
    pdf.document_info(refs.info)
        .title(TextStr(&doc.title))
        .producer(TextStr(crate::TOOL));
    Ok(pdf.finish())
}

/// One page's content stream: its text, pictures and rules.
fn page_content(page: &Page, glyphs: &mut Glyphs) -> Vec<u8> {
    let mut c = Content::new();
    for d in &page.draws {
        match d {
            Draw::Text { x, y, size, text } => {
                c.begin_text();
                c.set_font(Name(b"F1"), *size);
                c.next_line(*x, PAGE_H - *y);
                c.show(Str(&glyphs.encode(text)));
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
    c.finish().to_vec()
}

/// The font: Type 0 over a CID TrueType subset of the glyphs used, glyph ids as CIDs, with a
/// ToUnicode map so text can be searched and copied.
fn write_font(pdf: &mut Pdf, refs: &Refs, glyphs: &Glyphs) -> Result<(), String> {
    let base = Name(b"VAULTS+DejaVuSans");
    let subset = subsetter::subset(DATA, 0, &glyphs.remap)
        .map_err(|e| format!("subsetting the font failed: {e}"))?;
    let si = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };
    pdf.type0_font(refs.type0)
        .base_font(base)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(refs.cid_font)
        .to_unicode(refs.cmap);
    let widths: Vec<f32> = glyphs
        .old_of
        .iter()
        .map(|old| glyphs.font.advance(*old))
        .collect();
    let mut cid = pdf.cid_font(refs.cid_font);
    cid.subtype(CidFontType::Type2)
        .base_font(base)
        .system_info(si)
        .font_descriptor(refs.descriptor)
        .default_width(600.0)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    cid.widths().consecutive(0, widths);
    cid.finish();
    let (ascent, descent) = glyphs.font.metrics();
    pdf.font_descriptor(refs.descriptor)
        .name(base)
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(-1021.0, -463.0, 1793.0, 1232.0))
        .italic_angle(0.0)
        .ascent(ascent)
        .descent(descent)
        .cap_height(729.0)
        .stem_v(80.0)
        .font_file2(refs.font_file);
    pdf.stream(refs.font_file, &deflate(&subset))
        .filter(Filter::FlateDecode);
    let mut cmap = pdf_writer::types::UnicodeCmap::new(Name(b"Vault-UTF16"), si);
    for (cid, ch) in &glyphs.to_unicode {
        cmap.pair(*cid, *ch);
    }
    pdf.cmap(refs.cmap, &cmap.finish());
    Ok(())
}
