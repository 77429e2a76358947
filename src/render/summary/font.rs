//! The one font of summaries: DejaVu Sans, embedded in the binary (Latin, Greek and Cyrillic,
//! among others; license in `assets/fonts/LICENSE-DejaVu.txt`).

use std::sync::OnceLock;

use ab_glyph::{Font as _, FontRef, GlyphId};

/// The font file, as shipped.
pub static DATA: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

pub struct Font {
    pub face: FontRef<'static>,
    units_per_em: f32,
}

impl Font {
    /// The embedded font, parsed once.
    pub fn get() -> &'static Font {
        static FONT: OnceLock<Font> = OnceLock::new();
        FONT.get_or_init(|| {
            let face = FontRef::try_from_slice(DATA).expect("the embedded font parses");
            let units_per_em = face.units_per_em().unwrap_or(2048.0);
            Font { face, units_per_em }
        })
    }

    /// The glyph for a character; None when the font has none (it then prints as a box).
    pub fn glyph(&self, c: char) -> Option<u16> {
        let g = self.face.glyph_id(c);
        (g.0 != 0).then_some(g.0)
    }

    /// Advance width of a glyph in thousandths of the font size (PDF glyph space).
    pub fn advance(&self, gid: u16) -> f32 {
        self.face.h_advance_unscaled(GlyphId(gid)) * 1000.0 / self.units_per_em
    }

    /// Width of `s` set at `size` points.
    pub fn width(&self, s: &str, size: f32) -> f32 {
        s.chars()
            .map(|c| self.advance(self.glyph(c).unwrap_or(0)))
            .sum::<f32>()
            * size
            / 1000.0
    }

    /// Ascent and descent, in thousandths of the font size.
    pub fn metrics(&self) -> (f32, f32) {
        let k = 1000.0 / self.units_per_em;
        (
            self.face.ascent_unscaled() * k,
            self.face.descent_unscaled() * k,
        )
    }
}

/// `text` broken into lines no wider than `width` points at `size`: at spaces where it can, inside
/// a word that is wider than the line by itself. Newlines are kept.
pub fn wrap(text: &str, size: f32, width: f32) -> Vec<String> {
    let font = Font::get();
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split(' ') {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if font.width(&candidate, size) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // The word alone: split it where it overflows.
            for c in word.chars() {
                line.push(c);
                if font.width(&line, size) > width && line.chars().count() > 1 {
                    line.pop();
                    lines.push(std::mem::replace(&mut line, c.to_string()));
                }
            }
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_latin_greek_and_cyrillic() {
        let f = Font::get();
        for c in "aZéßłőčŽ ΑλφαβητοΩ Привет ёЖЩ".chars() {
            assert!(c == ' ' || f.glyph(c).is_some(), "{c:?}");
        }
        assert!(f.glyph('中').is_none());
        assert!(f.width("WWW", 10.0) > f.width("iii", 10.0));
    }

    #[test]
    fn wrapping_keeps_every_character_and_fits() {
        let text = "Пакет был упакован в две коробки; ΑΒΓ supercalifragilisticexpialidociousxxxxxxxxxxxxxxxxxxxx end\nsecond";
        let lines = wrap(text, 10.0, 80.0);
        assert!(lines.len() > 3);
        for l in &lines {
            assert!(
                Font::get().width(l, 10.0) <= 80.0 || l.chars().count() == 1,
                "{l}"
            );
        }
        let joined: String = lines.concat().chars().filter(|c| *c != ' ').collect();
        let want: String = text.chars().filter(|c| *c != ' ' && *c != '\n').collect();
        assert_eq!(joined, want);
    }
}
