//! Text as a typesetter sets it: fonts chosen per script, lines broken by UAX #14, each line put in
//! visual order by the Unicode bidirectional algorithm (UAX #9) and shaped with OpenType
//! (`rustybuzz`, HarfBuzz's algorithm). The PDF writer and the page images draw the same shaped
//! glyphs, so both show the same joined Arabic, ordered Hebrew and composed Thai.
//!
//! Fonts: DejaVu Sans is embedded (Latin, Greek, Cyrillic and more); what it lacks is looked up
//! among the fonts given with `--font DIR`, then the system's (`fontdb`, which reads fontconfig's
//! directories; Debian's `fonts-noto-core` and `fonts-noto-cjk` cover the scripts our sellers and
//! their buyers write). A script no font covers is reported in [`Fonts::missing`], for the note
//! in the document and the warning `bundle` prints.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use rustybuzz::ttf_parser;
use unicode_bidi::BidiInfo;
use unicode_linebreak::{BreakOpportunity, linebreaks};
use unicode_script::{Script, UnicodeScript};
use unicode_segmentation::UnicodeSegmentation;

/// The embedded font, as shipped (license in `assets/fonts/LICENSE-DejaVu.txt`).
pub static DEJAVU: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// One font face the document uses.
#[derive(Clone)]
pub struct Face {
    pub data: Arc<Vec<u8>>,
    /// The face's index in a collection (`.ttc`), else 0.
    pub index: u32,
    /// Its family name, for notes and `pdffonts`.
    pub family: String,
    units_per_em: f32,
    ascender: f32,
    descender: f32,
}

impl Face {
    fn new(data: Arc<Vec<u8>>, index: u32, family: String) -> Option<Face> {
        let f = ttf_parser::Face::parse(&data, index).ok()?;
        let upem = f32::from(f.units_per_em());
        let (ascender, descender) = (
            f32::from(f.ascender()) / upem,
            f32::from(f.descender()) / upem,
        );
        Some(Face {
            data,
            index,
            family,
            units_per_em: upem,
            ascender,
            descender,
        })
    }

    /// Ascent and descent in fractions of the font size.
    pub fn metrics(&self) -> (f32, f32) {
        (self.ascender, self.descender)
    }

    /// The hollow box drawn for a glyph no font has, at pen `x` on baseline `y`, `size` per em,
    /// in the units `x`, `y` and `size` are given in (points for the PDF, pixels for images).
    pub fn hollow_box(&self, x: f32, y: f32, size: f32, advance: f32) -> HollowBox {
        HollowBox {
            x: x + size * 0.07,
            y,
            w: (advance * size - size * 0.15).max(size * 0.3),
            h: self.ascender * size * 0.9,
            line: size * 0.06,
        }
    }
}

/// Where a missing glyph's box goes: left edge `x`, bottom `y` (the baseline), width, height and
/// the stroke's width.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HollowBox {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
    pub line: f32,
}

/// The fonts a document is set in: the embedded one first, then one or more per script it lacks.
#[derive(Clone)]
pub struct Fonts {
    pub faces: Vec<Face>,
    /// For characters the embedded font lacks: which face draws them.
    by_char: HashMap<char, usize>,
    /// Scripts no font here covers, by name (the note and the warning).
    pub missing: BTreeSet<String>,
}

/// Where to look for fonts beyond the embedded one.
#[derive(Debug, Clone, Default)]
pub struct FontSources {
    /// `--font DIR` and the configuration's `fonts`: looked in first.
    pub dirs: Vec<PathBuf>,
    /// The system's fonts (fontconfig's directories); off only to test what a bare machine does.
    pub system: bool,
}

impl FontSources {
    pub fn system() -> FontSources {
        FontSources {
            dirs: Vec::new(),
            system: true,
        }
    }
}

/// A name for the script of `c`, for people: emoji apart from other symbols.
fn script_name(c: char) -> String {
    let u = c as u32;
    if (0x1F000..=0x1FAFF).contains(&u) || (0x2600..=0x27BF).contains(&u) {
        return "Emoji".into();
    }
    match c.script() {
        Script::Common | Script::Inherited | Script::Unknown => "Symbols".into(),
        s => s.full_name().replace('_', " "),
    }
}

/// Characters that never need a glyph of their own (controls, joiners, marks of direction).
fn invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        )
}

impl Fonts {
    /// The embedded font alone.
    pub fn embedded() -> Fonts {
        let face = Face::new(Arc::new(DEJAVU.to_vec()), 0, "DejaVu Sans".into())
            .expect("the embedded font parses");
        Fonts {
            faces: vec![face],
            by_char: HashMap::new(),
            missing: BTreeSet::new(),
        }
    }

    /// Fonts for every character of `texts`: the embedded one, then, for what it lacks, faces from
    /// `sources` chosen per script (the one covering most of that script's characters; more when
    /// one is not enough). Deterministic for the same fonts on disk.
    pub fn for_text<'a>(texts: impl IntoIterator<Item = &'a str>, sources: &FontSources) -> Fonts {
        let mut fonts = Fonts::embedded();
        let base = ttf_parser::Face::parse(DEJAVU, 0).expect("the embedded font parses");
        let mut lacking: BTreeMap<String, BTreeSet<char>> = BTreeMap::new();
        for t in texts {
            // Punctuation and digits belong to the script around them (a Chinese comma to Han).
            let mut around: Option<String> = None;
            for c in t.chars() {
                let own = !matches!(c.script(), Script::Common | Script::Inherited);
                if own {
                    around = Some(script_name(c));
                }
                if c.is_whitespace() || invisible(c) || base.glyph_index(c).is_some() {
                    continue;
                }
                let name = match (&around, own) {
                    (Some(a), false) if script_name(c) == "Symbols" => a.clone(),
                    _ => script_name(c),
                };
                lacking.entry(name).or_default().insert(c);
            }
        }
        if lacking.is_empty() {
            return fonts;
        }
        let mut db = fontdb::Database::new();
        for d in &sources.dirs {
            db.load_fonts_dir(d);
        }
        let given: BTreeSet<fontdb::ID> = db.faces().map(|f| f.id).collect();
        if sources.system {
            db.load_system_fonts();
        }
        // Faces in order of preference: given before system; upright regular sans before the
        // rest; then by family and path, so the same machine always picks the same face.
        let mut order: Vec<&fontdb::FaceInfo> = db.faces().collect();
        let key = |f: &fontdb::FaceInfo| {
            let family = f.families.first().map(|x| x.0.clone()).unwrap_or_default();
            let path = match &f.source {
                fontdb::Source::File(p) | fontdb::Source::SharedFile(p, _) => p.clone(),
                fontdb::Source::Binary(_) => PathBuf::new(),
            };
            (
                !given.contains(&f.id),
                f.style != fontdb::Style::Normal,
                f.weight.0.abs_diff(400),
                f.monospaced,
                !family.contains("Sans"),
                // Chinese first among the CJK faces: most of our sellers write it.
                !family.contains(" SC") && family.contains("CJK"),
                family,
                path,
                f.index,
            )
        };
        order.sort_by_cached_key(|f| key(f));
        for (script, chars) in lacking {
            let mut left: Vec<char> = chars.into_iter().collect();
            // Greedy cover: the face drawing most of what is left, until nothing more is drawn.
            while !left.is_empty() {
                let mut best: Option<(usize, &fontdb::FaceInfo)> = None;
                for f in &order {
                    let n = db
                        .with_face_data(f.id, |data, index| {
                            ttf_parser::Face::parse(data, index).map_or(0, |face| {
                                left.iter()
                                    .filter(|c| face.glyph_index(**c).is_some())
                                    .count()
                            })
                        })
                        .unwrap_or(0);
                    if n > best.map_or(0, |b| b.0) {
                        best = Some((n, f));
                        if n == left.len() {
                            break;
                        }
                    }
                }
                let Some((_, info)) = best else { break };
                let family = info
                    .families
                    .first()
                    .map(|x| x.0.clone())
                    .unwrap_or_default();
                let loaded = db
                    .with_face_data(info.id, |data, index| (data.to_vec(), index))
                    .and_then(|(data, index)| Face::new(Arc::new(data), index, family));
                let Some(face) = loaded else { break };
                let parsed = ttf_parser::Face::parse(&face.data, face.index).ok();
                let k = fonts.faces.len();
                left.retain(|c| {
                    let has = parsed.as_ref().is_some_and(|p| p.glyph_index(*c).is_some());
                    if has {
                        fonts.by_char.insert(*c, k);
                    }
                    !has
                });
                fonts.faces.push(face);
            }
            if !left.is_empty() {
                fonts.missing.insert(script);
            }
        }
        fonts
    }

    /// The face for `c` (0, the embedded one, when none has it: it then shows as a box).
    fn face_of(&self, c: char) -> usize {
        self.by_char.get(&c).copied().unwrap_or(0)
    }

    /// A shaper over these fonts, for one layout.
    pub fn shaper(&self) -> Shaper<'_> {
        Shaper {
            fonts: self,
            faces: self
                .faces
                .iter()
                .map(|f| rustybuzz::Face::from_slice(&f.data, f.index).expect("parsed before"))
                .collect(),
            cache: Default::default(),
        }
    }
}

/// A glyph as shaped, its advances and offsets in fractions of the font size.
#[derive(Debug, Clone, PartialEq)]
pub struct Glyph {
    pub id: u16,
    /// The bytes of [`Line::text`] this glyph's cluster stands for.
    pub text: Range<usize>,
    pub x_advance: f32,
    pub x_offset: f32,
    pub y_offset: f32,
}

/// Glyphs of one face, in visual order.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub face: usize,
    pub glyphs: Vec<Glyph>,
}

/// One line, set: its text in logical order and its runs in visual order, left to right.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Line {
    pub text: String,
    pub runs: Vec<Run>,
    /// Width in fractions of the font size.
    pub width: f32,
    /// The paragraph reads right to left: the line is set against the right edge.
    pub rtl: bool,
}

impl Line {
    /// Width at `size` points.
    pub fn width_at(&self, size: f32) -> f32 {
        self.width * size
    }
}

/// Shapes text with one document's fonts, remembering what it has shaped (a summary is laid out
/// several times while it is fitted to a platform's limits).
pub struct Shaper<'f> {
    fonts: &'f Fonts,
    faces: Vec<rustybuzz::Face<'f>>,
    /// What was shaped, left to right and right to left (looked up without allocating).
    cache: [HashMap<String, Vec<Run>>; 2],
}

impl<'f> Shaper<'f> {
    /// The fonts this shaper sets text in.
    pub fn fonts(&self) -> &'f Fonts {
        self.fonts
    }

    /// `text` (one direction) as runs of glyphs per face, in visual order.
    fn shape(&mut self, text: &str, rtl: bool) -> Vec<Run> {
        if let Some(r) = self.cache[usize::from(rtl)].get(text) {
            return r.clone();
        }
        // Split into stretches of one face; spaces and marks stay with the face before them, so
        // that a word's marks and the spaces between Arabic words shape together.
        let mut items: Vec<(usize, Range<usize>)> = Vec::new();
        for (i, c) in text.char_indices() {
            let own = self.fonts.face_of(c);
            let follows = matches!(c.script(), Script::Common | Script::Inherited);
            match items.last_mut() {
                // Spaces stay out of emoji faces (their spaces are a picture wide).
                Some((f, r))
                    if *f == own
                        || (follows
                            && has_glyph(&self.faces[*f], c)
                            && !(c.is_whitespace()
                                && self.fonts.faces[*f].family.contains("Emoji"))) =>
                {
                    r.end = i + c.len_utf8();
                }
                _ => items.push((own, i..i + c.len_utf8())),
            }
        }
        if rtl {
            items.reverse();
        }
        let mut runs = Vec::with_capacity(items.len());
        for (f, r) in items {
            let face = &self.faces[f];
            let upem = self.fonts.faces[f].units_per_em;
            let mut buf = rustybuzz::UnicodeBuffer::new();
            buf.push_str(&text[r.clone()]);
            buf.set_direction(if rtl {
                rustybuzz::Direction::RightToLeft
            } else {
                rustybuzz::Direction::LeftToRight
            });
            buf.guess_segment_properties();
            let out = rustybuzz::shape(face, &[], buf);
            // A cluster runs from its first byte to the next cluster's first byte.
            let mut starts: Vec<usize> = out
                .glyph_infos()
                .iter()
                .map(|g| g.cluster as usize)
                .collect();
            starts.sort_unstable();
            starts.dedup();
            let end_of = |s: usize| {
                let k = starts.partition_point(|x| *x <= s);
                starts.get(k).copied().unwrap_or(r.len())
            };
            let glyphs = out
                .glyph_infos()
                .iter()
                .zip(out.glyph_positions())
                .map(|(g, p)| {
                    let s = g.cluster as usize;
                    Glyph {
                        id: g.glyph_id as u16,
                        text: r.start + s..r.start + end_of(s),
                        x_advance: p.x_advance as f32 / upem,
                        x_offset: p.x_offset as f32 / upem,
                        y_offset: p.y_offset as f32 / upem,
                    }
                })
                .collect();
            runs.push(Run { face: f, glyphs });
        }
        self.cache[usize::from(rtl)].insert(text.to_string(), runs.clone());
        runs
    }

    fn width_of(&mut self, text: &str, rtl: bool) -> f32 {
        self.shape(text, rtl)
            .iter()
            .flat_map(|r| &r.glyphs)
            .map(|g| g.x_advance)
            .sum()
    }

    /// `text` set as one line, however long.
    pub fn line(&mut self, text: &str) -> Line {
        let bidi = BidiInfo::new(text, None);
        match bidi.paragraphs.first() {
            Some(p) => {
                let p = p.clone();
                self.set(&bidi, &p, p.range.start..p.range.end)
            }
            None => Line::default(),
        }
    }

    /// Width of `text` at `size` on one line.
    pub fn width(&mut self, text: &str, size: f32) -> f32 {
        self.line(text).width_at(size)
    }

    /// One line of a paragraph: `range` of `bidi`'s text put in visual order and shaped.
    fn set(
        &mut self,
        bidi: &BidiInfo<'_>,
        para: &unicode_bidi::ParagraphInfo,
        range: Range<usize>,
    ) -> Line {
        let full = bidi.text;
        // Trailing spaces and the paragraph's end do not show.
        let trimmed = full[range.clone()].trim_end_matches(|c: char| c.is_whitespace());
        let range = range.start..range.start + trimmed.len();
        let text = full[range.clone()].to_string();
        let mut runs = Vec::new();
        if !range.is_empty() {
            let (levels, visual) = bidi.visual_runs(para, range.clone());
            for run in visual {
                let rtl = levels[run.start].is_rtl();
                for mut r in self.shape(&full[run.clone()], rtl) {
                    let shift = run.start - range.start;
                    for g in &mut r.glyphs {
                        g.text = g.text.start + shift..g.text.end + shift;
                    }
                    runs.push(r);
                }
            }
        }
        let width = runs
            .iter()
            .flat_map(|r| &r.glyphs)
            .map(|g| g.x_advance)
            .sum();
        Line {
            text,
            runs,
            width,
            rtl: para.level.is_rtl(),
        }
    }

    /// `text` broken into lines no wider than `width` points at `size`: at the line-break
    /// opportunities of UAX #14 where it can, between grapheme clusters inside a word that is
    /// wider than the line by itself. Newlines start new paragraphs, each with its own direction.
    pub fn wrap(&mut self, text: &str, size: f32, width: f32) -> Vec<Line> {
        let max = width / size;
        let mut lines = Vec::new();
        for para in text.split('\n') {
            let para = para.strip_suffix('\r').unwrap_or(para);
            let bidi = BidiInfo::new(para, None);
            let Some(info) = bidi.paragraphs.first().cloned() else {
                lines.push(Line::default());
                continue;
            };
            let rtl = info.level.is_rtl();
            // Pieces between break opportunities, each measured alone in its paragraph's
            // direction (breaks fall at spaces and after ideographs, where shaping stops).
            let mut breaks: Vec<usize> = linebreaks(para)
                .filter(|(_, o)| {
                    *o == BreakOpportunity::Allowed || *o == BreakOpportunity::Mandatory
                })
                .map(|(i, _)| i)
                .collect();
            breaks.retain(|i| *i > 0);
            let mut start = 0;
            let mut line_start = 0;
            let mut line_w = 0.0f32;
            for end in breaks {
                let piece = &para[start..end];
                let w = self.width_of(piece, piece_is_rtl(piece));
                let shown = self.width_of(piece.trim_end(), piece_is_rtl(piece));
                if line_start < start && line_w + shown > max {
                    lines.push(self.set(&bidi, &info, line_start..start));
                    line_start = start;
                    line_w = 0.0;
                }
                if line_start == start && shown > max {
                    // A word wider than the line: cut between grapheme clusters.
                    let mut cut = start;
                    let mut acc = String::new();
                    for (gi, g) in piece.grapheme_indices(true) {
                        acc.push_str(g);
                        if self.width_of(acc.trim_end(), rtl) > max && start + gi > cut {
                            lines.push(self.set(&bidi, &info, cut..start + gi));
                            cut = start + gi;
                            acc = g.to_string();
                        }
                    }
                    line_start = cut;
                    line_w = self.width_of(&para[cut..end], rtl);
                } else {
                    line_w += w;
                }
                start = end;
            }
            lines.push(self.set(&bidi, &info, line_start..para.len()));
        }
        lines
    }
}

/// Whether a piece holds any right-to-left letter (measured as such).
fn piece_is_rtl(s: &str) -> bool {
    s.chars().any(|c| {
        matches!(
            unicode_bidi::bidi_class(c),
            unicode_bidi::BidiClass::R | unicode_bidi::BidiClass::AL
        )
    })
}

fn has_glyph(face: &rustybuzz::Face<'_>, c: char) -> bool {
    face.glyph_index(c).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fonts() -> Fonts {
        Fonts::embedded()
    }

    #[test]
    fn the_embedded_font_covers_latin_greek_and_cyrillic() {
        let f = Fonts::for_text(["aZéßłőčŽ ΑλφαβητοΩ Привет ёЖЩ"], &FontSources::default());
        assert_eq!(f.faces.len(), 1);
        assert!(f.missing.is_empty());
        let f = Fonts::for_text(["中文 and ไทย"], &FontSources::default());
        assert_eq!(
            f.missing.iter().cloned().collect::<Vec<_>>(),
            ["Han", "Thai"]
        );
    }

    #[test]
    fn wrapping_keeps_every_character_and_fits() {
        let f = fonts();
        let mut s = f.shaper();
        let text = "Пакет был упакован в две коробки; ΑΒΓ supercalifragilisticexpialidociousxxxxxxxxxxxxxxxxxxxx end\nsecond";
        let lines = s.wrap(text, 10.0, 80.0);
        assert!(lines.len() > 3);
        for l in &lines {
            assert!(
                l.width_at(10.0) <= 80.0 + 0.01 || l.text.chars().count() == 1,
                "{}",
                l.text
            );
        }
        let joined: String = lines
            .iter()
            .flat_map(|l| l.text.chars())
            .filter(|c| *c != ' ')
            .collect();
        let want: String = text.chars().filter(|c| *c != ' ' && *c != '\n').collect();
        assert_eq!(joined, want);
        assert!(s.width("WWW", 10.0) > s.width("iii", 10.0));
    }

    /// With the system's fonts (Debian's Noto; skipped where they are not installed), a sentence
    /// in each script is set without a single missing glyph: no `.notdef`, no box.
    #[test]
    #[allow(clippy::print_stderr)] // a notice in the test log
    fn the_system_fonts_leave_no_glyph_missing() {
        let sentences = [
            "Le colis est arrivé déchiré, żółć",
            "Γειά σας, το δέμα ήρθε άδειο",
            "Здравствуйте, где моя посылка?",
            "您好，包裹已于11月18日发出。",
            "مرحبا، وصلت الحزمة فارغة",
            "שלום, החבילה הגיעה ריקה",
            "สวัสดีครับ พัสดุมาถึงแล้ว",
            "नमस्ते, पैकेज खाली आया",
            "안녕하세요 こんにちは",
        ];
        let f = Fonts::for_text(sentences, &FontSources::system());
        if !f.missing.is_empty() {
            assert!(
                std::env::var_os("VAULT_CI").is_none(),
                "CI installs fonts for every script: {:?} missing",
                f.missing
            );
            eprintln!("NOTICE: no system font for {:?}; skipping", f.missing);
            return;
        }
        let mut s = f.shaper();
        for t in sentences {
            let l = s.line(t);
            let glyphs: Vec<&Glyph> = l.runs.iter().flat_map(|r| &r.glyphs).collect();
            assert!(!glyphs.is_empty(), "{t}");
            assert!(glyphs.iter().all(|g| g.id != 0), "{t}: a .notdef glyph");
            // Every character of the sentence is some glyph's text.
            let covered: usize = {
                let mut ranges: Vec<_> = glyphs.iter().map(|g| g.text.clone()).collect();
                ranges.sort_by_key(|r| r.start);
                ranges.dedup();
                ranges.iter().map(|r| r.len()).sum()
            };
            assert_eq!(covered, t.len(), "{t}");
        }
    }

    #[test]
    fn right_to_left_text_is_set_in_visual_order() {
        // DejaVu has Hebrew: the glyphs of "שלום abc" run right to left, then the Latin.
        let f = fonts();
        let mut s = f.shaper();
        let l = s.line("שלום abc");
        assert!(l.rtl);
        let clusters: Vec<&str> = l
            .runs
            .iter()
            .flat_map(|r| &r.glyphs)
            .map(|g| &l.text[g.text.clone()])
            .collect();
        // Visual order, left to right: "abc" first, then the Hebrew word from its last letter.
        assert_eq!(clusters.first(), Some(&"a"));
        assert_eq!(clusters.last(), Some(&"ש"));
        let l = s.line("abc שלום");
        assert!(!l.rtl);
        let first = &l.runs[0].glyphs[0];
        assert_eq!(&l.text[first.text.clone()], "a");
    }
}
