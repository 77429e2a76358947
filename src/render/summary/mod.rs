//! Summary documents: the order's evidence laid out on numbered A4 pages, written as a PDF with an
//! embedded font (`pdf`) or as page images for platforms that take only images (`raster`).
//!
//! A [`Doc`] is a list of blocks (headings, paragraphs, label/value rows, photos with captions);
//! [`layout`] sets their text ([`text`]: fonts per script, bidi, line breaks, shaping) and places
//! it on pages once, in points from the top-left corner; both writers draw the same shaped glyphs
//! on the same pages, so the PDF and the images always say the same thing.

pub mod pdf;
pub mod raster;
pub mod text;

use text::{Line, Shaper};

/// A4, in points.
pub const PAGE_W: f32 = 595.0;
pub const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 50.0;
const FOOTER: f32 = 30.0;
const BODY: f32 = 10.0;
const SMALL: f32 = 8.0;
/// Tallest a photo is drawn: two photos with captions fit a page.
const PHOTO_MAX_H: f32 = 300.0;

/// A JPEG to place on a page.
#[derive(Debug, Clone)]
pub struct Picture {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone)]
pub enum Block {
    Title(String),
    Heading(String),
    Text(String),
    Small(String),
    /// Label/value rows, e.g. key dates.
    Fields(Vec<(String, String)>),
    /// A message of a conversation: who and when in a narrow column, the text beside it as a
    /// paragraph of its own (so a Hebrew or Arabic message reads right to left, set against the
    /// right edge, whatever the sender's name is written in).
    Message {
        head: String,
        text: String,
    },
    /// A picture (index into [`Doc::pictures`]) with caption lines under it.
    Photo {
        picture: usize,
        caption: Vec<String>,
    },
    /// Start the next block on a new page.
    PageBreak,
}

#[derive(Debug, Clone, Default)]
pub struct Doc {
    pub title: String,
    /// Printed in every page's footer, before the page number.
    pub footer: String,
    pub blocks: Vec<Block>,
    pub pictures: Vec<Picture>,
    /// When the document was made: its PDF creation date (PDF/A requires one).
    pub created: chrono::DateTime<chrono::Utc>,
}

/// Something drawn on a page; coordinates in points from the top-left corner.
#[derive(Debug, Clone, PartialEq)]
pub enum Draw {
    /// A set line with its baseline starting at (`x`, `y`).
    Text {
        x: f32,
        y: f32,
        size: f32,
        line: Line,
    },
    Image {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        picture: usize,
    },
    /// A horizontal rule.
    Rule { x: f32, y: f32, w: f32 },
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    pub draws: Vec<Draw>,
}

struct Cursor {
    pages: Vec<Page>,
    y: f32,
}

impl Cursor {
    fn page(&mut self) -> &mut Page {
        self.pages.last_mut().expect("a page")
    }
    fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.y = MARGIN;
    }
    /// Make room for `h` points, starting a new page when the current one is too full.
    fn room(&mut self, h: f32) {
        if self.y + h > PAGE_H - MARGIN - FOOTER && self.y > MARGIN {
            self.new_page();
        }
    }
    /// Lines one under the other in a column `width` wide at `x`; right-to-left paragraphs set
    /// against the column's right edge.
    fn lines(&mut self, x: f32, width: f32, size: f32, lines: Vec<Line>) {
        let lead = size * 1.35;
        for line in lines {
            self.room(lead);
            self.y += lead;
            let y = self.y - size * 0.3;
            let x = if line.rtl {
                x + (width - line.width_at(size)).max(0.0)
            } else {
                x
            };
            self.page().draws.push(Draw::Text { x, y, size, line });
        }
    }
}

impl Cursor {
    /// A label and its value side by side: the label in a column `label_w` wide, the value
    /// starting level with it.
    fn pair(
        &mut self,
        s: &mut Shaper<'_>,
        (k, v): (&str, &str),
        size: f32,
        label_w: f32,
        width: f32,
    ) {
        let ks = s.wrap(k, size, label_w - 8.0);
        let vs = s.wrap(v, size, width - label_w);
        self.room(ks.len().max(vs.len()) as f32 * size * 1.35);
        let (top, page) = (self.y, self.pages.len());
        self.lines(MARGIN, label_w - 8.0, size, ks);
        let label_end = self.y;
        if self.pages.len() == page {
            self.y = top;
        }
        self.lines(MARGIN + label_w, width - label_w, size, vs);
        if self.pages.len() == page {
            self.y = self.y.max(label_end);
        }
    }
}

/// A picture's size on the page: the full text width, or less to keep within `PHOTO_MAX_H`.
fn photo_size(doc: &Doc, picture: usize, width: f32) -> (f32, f32) {
    let p = &doc.pictures[picture];
    let (pw, ph) = (p.width.max(1) as f32, p.height.max(1) as f32);
    let scale = (width / pw).min(PHOTO_MAX_H / ph);
    (pw * scale, ph * scale)
}

/// The height of a block's first few lines (a whole photo with its caption): what a heading
/// needs below it on the same page.
fn start_height(doc: &Doc, s: &mut Shaper<'_>, b: &Block, width: f32) -> f32 {
    let mut lines =
        |t: &str, size: f32, n: usize| s.wrap(t, size, width).len().min(n) as f32 * size * 1.35;
    match b {
        Block::Title(t) => lines(t, 18.0, 1),
        Block::Heading(_) | Block::PageBreak => 0.0,
        Block::Text(t) => lines(t, BODY, 3),
        Block::Small(t) => lines(t, SMALL, 3),
        Block::Fields(rows) => rows.first().map_or(0.0, |(_, v)| lines(v, BODY, 3)),
        Block::Message { text, .. } => lines(text, SMALL, 3),
        Block::Photo { picture, caption } => {
            photo_size(doc, *picture, width).1 + caption.len() as f32 * SMALL * 1.35 + 18.0
        }
    }
}

/// Every text of the document, for choosing its fonts.
impl Doc {
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        let blocks = self.blocks.iter().flat_map(|b| -> Vec<&str> {
            match b {
                Block::Title(t) | Block::Heading(t) | Block::Text(t) | Block::Small(t) => vec![t],
                Block::Fields(rows) => rows.iter().flat_map(|(k, v)| [k.as_str(), v]).collect(),
                Block::Message { head, text } => vec![head, text],
                Block::Photo { caption, .. } => caption.iter().map(String::as_str).collect(),
                Block::PageBreak => Vec::new(),
            }
        });
        [self.title.as_str(), self.footer.as_str()]
            .into_iter()
            .chain(blocks)
    }
}

/// The note a document carries when some of its text has no font here.
pub fn missing_fonts_note(fonts: &text::Fonts) -> Option<String> {
    if fonts.missing.is_empty() {
        return None;
    }
    let names: Vec<&str> = fonts.missing.iter().map(String::as_str).collect();
    Some(format!(
        "Note: no font on the machine that made this document draws {} text; such characters are \
         drawn as hollow boxes. The original files, listed with their SHA-256 at the end, hold \
         the text as written.",
        names.join(", ")
    ))
}

/// Place the document's blocks on pages, set by `s`, with a footer `FOOTER · page i of n` on
/// each; first a note naming any script no font here draws.
pub fn layout(doc: &Doc, s: &mut Shaper<'_>) -> Vec<Page> {
    let width = PAGE_W - 2.0 * MARGIN;
    let mut c = Cursor {
        pages: vec![Page::default()],
        y: MARGIN,
    };
    if let Some(note) = missing_fonts_note(s.fonts()) {
        c.lines(MARGIN, width, SMALL, s.wrap(&note, SMALL, width));
        c.y += 6.0;
    }
    for (i, b) in doc.blocks.iter().enumerate() {
        match b {
            Block::Title(t) => c.lines(MARGIN, width, 18.0, s.wrap(t, 18.0, width)),
            Block::Heading(t) => {
                // Kept with the start of what it heads: never alone at the foot of a page.
                let own = 16.0 + s.wrap(t, 13.0, width).len() as f32 * 13.0 * 1.35;
                let next = doc
                    .blocks
                    .get(i + 1)
                    .map_or(0.0, |n| start_height(doc, s, n, width));
                c.room(own + next);
                c.y += 10.0;
                c.lines(MARGIN, width, 13.0, s.wrap(t, 13.0, width));
                let y = c.y + 3.0;
                c.page().draws.push(Draw::Rule {
                    x: MARGIN,
                    y,
                    w: width,
                });
                c.y += 6.0;
            }
            Block::Text(t) => {
                c.lines(MARGIN, width, BODY, s.wrap(t, BODY, width));
                c.y += 3.0;
            }
            Block::Small(t) => c.lines(MARGIN, width, SMALL, s.wrap(t, SMALL, width)),
            Block::Fields(rows) => {
                for (k, v) in rows {
                    c.pair(s, (k, v), BODY, 140.0, width);
                }
                c.y += 3.0;
            }
            Block::Message { head, text } => c.pair(s, (head, text), SMALL, 150.0, width),
            Block::Photo { picture, caption } => {
                let (w, h) = photo_size(doc, *picture, width);
                let cap_h = caption.len() as f32 * SMALL * 1.35 + 12.0;
                c.room(h + cap_h);
                c.y += 6.0;
                let y = c.y;
                c.page().draws.push(Draw::Image {
                    x: MARGIN,
                    y,
                    w,
                    h,
                    picture: *picture,
                });
                c.y += h;
                let lines: Vec<Line> = caption
                    .iter()
                    .flat_map(|l| s.wrap(l, SMALL, width))
                    .collect();
                c.lines(MARGIN, width, SMALL, lines);
                c.y += 6.0;
            }
            Block::PageBreak => {
                if !c.page().draws.is_empty() {
                    c.new_page();
                }
            }
        }
    }
    let n = c.pages.len();
    for (i, p) in c.pages.iter_mut().enumerate() {
        let line = s.line(&format!("{} · page {} of {n}", doc.footer, i + 1));
        p.draws.push(Draw::Text {
            x: PAGE_W - MARGIN - line.width_at(SMALL),
            y: PAGE_H - FOOTER,
            size: SMALL,
            line,
        });
    }
    c.pages
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(p: &Page) -> Vec<&str> {
        p.draws
            .iter()
            .filter_map(|d| match d {
                Draw::Text { line, .. } => Some(line.text.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn long_documents_flow_over_numbered_pages_inside_the_margins() {
        let mut doc = Doc {
            footer: "Order 1".into(),
            ..Doc::default()
        };
        doc.blocks.push(Block::Title("Evidence".into()));
        for i in 0..200 {
            doc.blocks
                .push(Block::Text(format!("message {i}: Привет, Γειά σου")));
        }
        let pages = layout(&doc, &mut text::Fonts::embedded().shaper());
        assert!(pages.len() >= 4, "{}", pages.len());
        for (i, p) in pages.iter().enumerate() {
            let t = texts(p);
            assert_eq!(
                *t.last().unwrap(),
                format!("Order 1 · page {} of {}", i + 1, pages.len())
            );
            for d in &p.draws {
                if let Draw::Text { y, x, .. } = d {
                    assert!(*y > MARGIN && *y <= PAGE_H - FOOTER && *x >= MARGIN - 0.1);
                }
            }
        }
        // Nothing lost, nothing doubled.
        let all: Vec<&str> = pages.iter().flat_map(texts).collect();
        for i in 0..200 {
            let m = format!("message {i}: Привет, Γειά σου");
            assert_eq!(all.iter().filter(|t| **t == m).count(), 1, "{m}");
        }
    }

    #[test]
    fn a_heading_is_never_left_alone_at_the_foot_of_a_page() {
        // Text fills most of the first page; then a heading and a photo that does not fit
        // below it: both move to the next page together.
        let mut doc = Doc::default();
        doc.pictures.push(Picture {
            jpeg: Vec::new(),
            width: 4000,
            height: 3000,
        });
        for i in 0..40 {
            doc.blocks.push(Block::Text(format!("line {i}")));
        }
        doc.blocks.push(Block::Heading("Photos".into()));
        doc.blocks.push(Block::Photo {
            picture: 0,
            caption: vec!["IMG_0.jpg".into()],
        });
        let pages = layout(&doc, &mut text::Fonts::embedded().shaper());
        assert_eq!(pages.len(), 2);
        assert!(!texts(&pages[0]).contains(&"Photos"), "heading moved on");
        assert!(texts(&pages[1]).contains(&"Photos"));
        assert!(
            pages[1]
                .draws
                .iter()
                .any(|d| matches!(d, Draw::Image { .. }))
        );
        // With only a little text before it, the heading and photo stay on page one.
        doc.blocks.drain(..35);
        let pages = layout(&doc, &mut text::Fonts::embedded().shaper());
        assert_eq!(pages.len(), 1);
    }

    #[test]
    fn photos_keep_their_aspect_and_fit_two_to_a_page() {
        let mut doc = Doc::default();
        for i in 0..4 {
            doc.pictures.push(Picture {
                jpeg: Vec::new(),
                width: 4000,
                height: 3000,
            });
            doc.blocks.push(Block::Photo {
                picture: i,
                caption: vec![format!("IMG_{i}.jpg"), "captured 2026-11-18".into()],
            });
        }
        let pages = layout(&doc, &mut text::Fonts::embedded().shaper());
        assert_eq!(pages.len(), 2);
        for p in &pages {
            let imgs: Vec<_> = p
                .draws
                .iter()
                .filter_map(|d| match d {
                    Draw::Image { w, h, y, .. } => Some((*w, *h, *y)),
                    _ => None,
                })
                .collect();
            assert_eq!(imgs.len(), 2);
            for (w, h, y) in imgs {
                assert!((w / h - 4.0 / 3.0).abs() < 0.01);
                assert!(y + h < PAGE_H - MARGIN);
            }
        }
    }
}

#[cfg(test)]
mod smoke {
    use super::*;

    /// A document with every kind of block, for the writers' tests.
    pub(crate) fn sample() -> Doc {
        let img = image::RgbImage::from_fn(400, 300, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 80)
            .encode_image(&image::DynamicImage::ImageRgb8(img))
            .unwrap();
        let mut doc = Doc {
            title: "Evidence summary: order 8123".into(),
            footer: "Order 8123".into(),
            pictures: vec![Picture {
                jpeg,
                width: 400,
                height: 300,
            }],
            ..Doc::default()
        };
        doc.blocks
            .push(Block::Title("Evidence summary — order 8123".into()));
        doc.blocks.push(Block::Fields(vec![
            ("Platform".into(), "AliExpress".into()),
            ("Buyer".into(), "Дмитрий Иванов, Αθήνα, Łódź".into()),
        ]));
        doc.blocks.push(Block::Heading("Photos".into()));
        doc.blocks.push(Block::Photo {
            picture: 0,
            caption: vec!["IMG_0001.jpg · captured 2026-11-18 09:12".into()],
        });
        for i in 0..80 {
            doc.blocks.push(Block::Text(format!(
                "{i:02} Покупатель: посылка пришла пустая — η συσκευασία ήταν σκισμένη"
            )));
        }
        doc
    }

    #[test]
    fn pdf_and_page_images_are_written() {
        let doc = sample();
        let fonts = text::Fonts::embedded();
        let pages = layout(&doc, &mut fonts.shaper());
        let pdf = pdf::write(&doc, &pages, &fonts).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert_eq!(
            pdf,
            pdf::write(&doc, &pages, &fonts).unwrap(),
            "deterministic"
        );
        let jpg = raster::page_jpeg(&doc, &pages[0], &fonts, 85).unwrap();
        let img = image::load_from_memory(&jpg).unwrap();
        assert_eq!((img.width(), img.height()), (1190, 1684));
        if let Ok(dir) = std::env::var("VAULT_SUMMARY_SMOKE") {
            std::fs::write(format!("{dir}/s.pdf"), &pdf).unwrap();
            std::fs::write(format!("{dir}/p1.jpg"), &jpg).unwrap();
        }
    }
}
