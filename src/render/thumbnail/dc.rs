//! A JPEG's 1/8-scale image from its DC coefficients alone.
//!
//! Each 8×8 block of a JPEG stores its average value as the block's first (DC) coefficient, so the
//! image at 1/8 scale needs little else: no full inverse DCT, no AC coefficient values for luma.
//! What cannot be avoided is walking the entropy-coded data, since the AC coefficients' Huffman
//! codes separate one block's DC from the next. libjpeg-turbo's 1/8-scale decode does the same walk
//! one code per table lookup, then drops the value bits; here the scan is de-stuffed first and AC
//! codes are skipped with their value bits, several per 13-bit lookup: 20 ms instead of 29 ms for
//! a 12 MP photo (docs/performance.md).
//!
//! Only the commonest kind of file is read: baseline or extended sequential, 8-bit, Huffman-coded,
//! one interleaved scan, grayscale or YCbCr (every camera and phone JPEG we have seen). Anything
//! else, and any file whose data does not decode cleanly (truncated, corrupt), gets an error, and
//! the caller falls back to a full decoder that reports or repairs what is wrong. The output is
//! libjpeg-turbo's 1/8-scale output: its 1×1 inverse DCT, its 2×2 inverse DCT for 4:2:0 chroma
//! (libjpeg scales chroma up that way instead of upsampling it, which needs that chroma's AC
//! values), replicated chroma for other subsamplings, the same integer colour conversion. A test
//! compares the two on every sample JPEG, byte for byte.
//!
//! Work and memory are bounded by the file: the decode stops as soon as it reads past the data.

/// Why a file is not decoded here (the caller falls back to a full decoder).
#[derive(Debug, PartialEq, Eq)]
pub struct Unsupported(pub &'static str);

/// A decoded 1/8-scale image: 8-bit RGB, or gray when the file has one component.
#[derive(Debug)]
pub struct Preview {
    pub width: u32,
    pub height: u32,
    pub gray: bool,
    pub pixels: Vec<u8>,
}

type R<T> = Result<T, Unsupported>;

/// Bits looked up at once when decoding a Huffman code; longer codes take the slow path.
const LOOKUP: u32 = 10;

/// The 1/8-scale image of the JPEG in `data`, when its long side is at least `min_side` and it
/// has at most `max_pixels` pixels.
pub fn decode(data: &[u8], min_side: u32, max_pixels: u64) -> R<Preview> {
    let mut p = Parser::default();
    let scan = p.headers(data)?;
    let frame = p.frame.as_ref().ok_or(Unsupported("no frame header"))?;
    let (w, h) = (u32::from(frame.width), u32::from(frame.height));
    let (ow, oh) = (w.div_ceil(8), h.div_ceil(8));
    if ow.max(oh) < min_side {
        return Err(Unsupported("1/8 scale is smaller than asked"));
    }
    if u64::from(ow) * u64::from(oh) > max_pixels {
        return Err(Unsupported("image too large"));
    }
    let planes = p.decode_scan(data, scan)?;
    Ok(p.compose(&planes, ow, oh))
}

#[derive(Clone, Copy)]
struct Component {
    id: u8,
    h: usize,
    v: usize,
    tq: usize,
    /// DC and AC table numbers, from the scan header.
    td: usize,
    ta: usize,
    /// Samples per block side in the output: 1 (the block average), or 2 for chroma at half
    /// the luma's resolution both ways (4:2:0), which libjpeg scales up by a 2×2 inverse DCT
    /// rather than by upsampling.
    scale: usize,
}

struct Frame {
    width: u16,
    height: u16,
    comps: Vec<Component>,
    hmax: usize,
    vmax: usize,
}

#[derive(Default)]
struct Parser {
    /// Quantization tables, in natural (row-major) order.
    quant: [Option<[u16; 64]>; 4],
    dc: [Option<Huffman>; 4],
    ac: [Option<Huffman>; 4],
    restart: usize,
    adobe_transform: Option<u8>,
    frame: Option<Frame>,
}

/// One component's DC values, one per block, row by row (including the MCU padding).
struct Plane {
    stride: usize,
    values: Vec<u8>,
}

fn be16(b: &[u8], i: usize) -> R<usize> {
    match b.get(i..i + 2) {
        Some(s) => Ok(usize::from(u16::from_be_bytes([s[0], s[1]]))),
        None => Err(Unsupported("header cut short")),
    }
}

impl Parser {
    /// Reads the headers up to the first scan; returns the offset of its entropy-coded data.
    fn headers(&mut self, d: &[u8]) -> R<usize> {
        if !d.starts_with(&[0xFF, 0xD8]) {
            return Err(Unsupported("not a JPEG"));
        }
        let mut i = 2;
        loop {
            // Markers may be preceded by any number of fill bytes.
            while d.get(i) == Some(&0xFF) && d.get(i + 1) == Some(&0xFF) {
                i += 1;
            }
            if d.get(i) != Some(&0xFF) {
                return Err(Unsupported("expected a marker"));
            }
            let m = *d.get(i + 1).ok_or(Unsupported("header cut short"))?;
            i += 2;
            if matches!(m, 0x01 | 0xD0..=0xD7) {
                continue;
            }
            if m == 0xD8 || m == 0xD9 {
                return Err(Unsupported("no scan"));
            }
            let len = be16(d, i)?;
            let seg = d
                .get(i + 2..i + len.max(2))
                .ok_or(Unsupported("header cut short"))?;
            i += len.max(2);
            match m {
                0xDB => self.dqt(seg)?,
                0xC4 => self.dht(seg)?,
                0xC0 | 0xC1 => self.sof(seg)?,
                0xC2 | 0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                    return Err(Unsupported("progressive, lossless or arithmetic-coded"));
                }
                0xDD => self.restart = be16(seg, 0)?,
                0xEE if seg.starts_with(b"Adobe") && seg.len() >= 12 => {
                    self.adobe_transform = Some(seg[11]);
                }
                0xDA => {
                    self.sos(seg)?;
                    return Ok(i);
                }
                _ => {}
            }
        }
    }

    fn dqt(&mut self, mut s: &[u8]) -> R<()> {
        while let Some(&pq_tq) = s.first() {
            let (pq, tq) = (pq_tq >> 4, usize::from(pq_tq & 15));
            let size = if pq == 0 { 64 } else { 128 };
            let table = s.get(1..1 + size).ok_or(Unsupported("bad DQT"))?;
            if tq > 3 {
                return Err(Unsupported("bad DQT"));
            }
            let mut q = [0u16; 64];
            for k in 0..64 {
                q[NATURAL[k]] = if pq == 0 {
                    u16::from(table[k])
                } else {
                    u16::from_be_bytes([table[2 * k], table[2 * k + 1]])
                };
            }
            self.quant[tq] = Some(q);
            s = &s[1 + size..];
        }
        Ok(())
    }

    fn dht(&mut self, mut s: &[u8]) -> R<()> {
        while let Some(&tc_th) = s.first() {
            let (tc, th) = (tc_th >> 4, usize::from(tc_th & 15));
            let counts: &[u8; 16] = s
                .get(1..17)
                .and_then(|c| c.try_into().ok())
                .ok_or(Unsupported("bad DHT"))?;
            let n: usize = counts.iter().map(|&c| usize::from(c)).sum();
            let symbols = s.get(17..17 + n).ok_or(Unsupported("bad DHT"))?;
            if th > 3 || tc > 1 {
                return Err(Unsupported("bad DHT"));
            }
            let table = Huffman::new(counts, symbols, tc == 1)?;
            if tc == 0 {
                self.dc[th] = Some(table);
            } else {
                self.ac[th] = Some(table);
            }
            s = &s[17 + n..];
        }
        Ok(())
    }

    fn sof(&mut self, s: &[u8]) -> R<()> {
        if self.frame.is_some() {
            return Err(Unsupported("two frames"));
        }
        if s.first() != Some(&8) {
            return Err(Unsupported("not 8-bit"));
        }
        let (height, width) = (be16(s, 1)? as u16, be16(s, 3)? as u16);
        let n = usize::from(*s.get(5).ok_or(Unsupported("bad SOF"))?);
        if width == 0 || height == 0 {
            return Err(Unsupported("zero size or height given later (DNL)"));
        }
        if n != 1 && n != 3 {
            return Err(Unsupported("neither grayscale nor three components"));
        }
        let mut comps = Vec::with_capacity(n);
        for c in s.get(6..6 + 3 * n).ok_or(Unsupported("bad SOF"))?.chunks(3) {
            let (h, v) = (usize::from(c[1] >> 4), usize::from(c[1] & 15));
            if !(1..=4).contains(&h) || !(1..=4).contains(&v) || c[2] > 3 {
                return Err(Unsupported("bad sampling factors"));
            }
            comps.push(Component {
                id: c[0],
                h,
                v,
                tq: usize::from(c[2]),
                td: 0,
                ta: 0,
                scale: 1,
            });
        }
        let hmax = comps.iter().map(|c| c.h).max().unwrap_or(1);
        let vmax = comps.iter().map(|c| c.v).max().unwrap_or(1);
        // Only the subsamplings where every component divides the MCU evenly.
        if comps.iter().any(|c| hmax % c.h != 0 || vmax % c.v != 0) {
            return Err(Unsupported("unusual sampling factors"));
        }
        // libjpeg's choice (jdmaster.c): scale chroma up by the inverse DCT as far as the
        // sampling factors divide evenly.
        for c in &mut comps {
            while c.scale < 8 && hmax % (c.h * c.scale * 2) == 0 && vmax % (c.v * c.scale * 2) == 0
            {
                c.scale *= 2;
            }
            if c.scale > 2 {
                return Err(Unsupported("unusual sampling factors"));
            }
        }
        if n == 3 {
            let ids: Vec<u8> = comps.iter().map(|c| c.id).collect();
            if ids == b"RGB" || self.adobe_transform.is_some_and(|t| t != 1) {
                return Err(Unsupported("RGB colour space"));
            }
        }
        self.frame = Some(Frame {
            width,
            height,
            comps,
            hmax,
            vmax,
        });
        Ok(())
    }

    fn sos(&mut self, s: &[u8]) -> R<()> {
        let frame = self
            .frame
            .as_mut()
            .ok_or(Unsupported("scan before frame"))?;
        let n = usize::from(*s.first().ok_or(Unsupported("bad SOS"))?);
        if n != frame.comps.len() {
            return Err(Unsupported("non-interleaved scans"));
        }
        for (k, c) in s
            .get(1..1 + 2 * n)
            .ok_or(Unsupported("bad SOS"))?
            .chunks(2)
            .enumerate()
        {
            // Components must come in frame order, as every encoder writes them.
            let comp = &mut frame.comps[k];
            if comp.id != c[0] {
                return Err(Unsupported("scan components out of order"));
            }
            (comp.td, comp.ta) = (usize::from(c[1] >> 4), usize::from(c[1] & 15));
            if comp.td > 3 || comp.ta > 3 {
                return Err(Unsupported("bad SOS"));
            }
        }
        if s.get(1 + 2 * n..4 + 2 * n) != Some(&[0, 63, 0][..]) {
            return Err(Unsupported("not a sequential scan"));
        }
        Ok(())
    }

    /// Walks the scan's entropy-coded data and returns each component's block averages.
    fn decode_scan(&self, d: &[u8], start: usize) -> R<Vec<Plane>> {
        let f = self.frame.as_ref().ok_or(Unsupported("no frame"))?;
        let (data, restarts) = destuff(&d[start.min(d.len())..]);
        let single = f.comps.len() == 1;
        // A single-component scan is not interleaved: its MCU is one block, whatever the factors.
        let (mcus_x, mcus_y) = if single {
            (
                usize::from(f.width).div_ceil(8),
                usize::from(f.height).div_ceil(8),
            )
        } else {
            (
                usize::from(f.width).div_ceil(8 * f.hmax),
                usize::from(f.height).div_ceil(8 * f.vmax),
            )
        };
        let mut planes = Vec::new();
        let mut units = Vec::new();
        for c in &f.comps {
            let (h, v) = if single { (1, 1) } else { (c.h, c.v) };
            let stride = mcus_x * h * c.scale;
            planes.push(Plane {
                stride,
                values: vec![0; stride * mcus_y * v * c.scale],
            });
            let q = self.quant[c.tq]
                .as_ref()
                .ok_or(Unsupported("missing DQT"))?;
            let dc = self.dc[c.td].as_ref().ok_or(Unsupported("missing DHT"))?;
            let ac = self.ac[c.ta].as_ref().ok_or(Unsupported("missing DHT"))?;
            units.push((h, v, c.scale, q, dc, ac));
        }
        let total = mcus_x * mcus_y;
        let interval = if self.restart == 0 {
            total
        } else {
            self.restart
        };
        let mut bits = Bits::new(&data, 0);
        let mut segment = 0;
        let mut pred = [0i32; 3];
        for mcu in 0..total {
            if mcu > 0 && mcu % interval == 0 {
                // A restart: the next interval starts at the next marker, byte-aligned.
                bits.check_end(restarts.get(segment).copied().unwrap_or(usize::MAX))?;
                let at = *restarts
                    .get(segment)
                    .ok_or(Unsupported("missing restart marker"))?;
                segment += 1;
                bits = Bits::new(&data, at);
                pred = [0; 3];
            }
            let (mx, my) = (mcu % mcus_x, mcu / mcus_x);
            for (k, &(h, v, scale, q, dc, ac)) in units.iter().enumerate() {
                let plane = &mut planes[k];
                for by in 0..v {
                    for bx in 0..h {
                        pred[k] += bits.dc(dc)?;
                        // Valid files keep DC within ±2^11; corrupt ones are left to a full decoder.
                        if pred[k].abs() > 1 << 15 {
                            return Err(Unsupported("DC value out of range"));
                        }
                        let at = (my * v + by) * scale * plane.stride + (mx * h + bx) * scale;
                        if scale == 1 {
                            bits.skip_ac(ac)?;
                            // libjpeg's 1×1 inverse DCT: DESCALE(dc × q, 3) + 128, clamped.
                            let dc = i64::from(pred[k]) * i64::from(q[0]);
                            let px = ((dc + 4) >> 3) + 128;
                            plane.values[at] = px.clamp(0, 255) as u8;
                        } else {
                            let mut coef = [0i32; 64];
                            coef[0] = pred[k];
                            bits.ac_values(ac, &mut coef)?;
                            let out = idct_2x2(&coef, q);
                            plane.values[at..at + 2].copy_from_slice(&out[0]);
                            plane.values[at + plane.stride..at + plane.stride + 2]
                                .copy_from_slice(&out[1]);
                        }
                    }
                }
            }
            // Stop early on a file much shorter than it claims, rather than decoding zeros.
            if mx == 0 {
                bits.check_end(data.len() - PAD)?;
            }
        }
        let end = restarts.get(segment).copied().unwrap_or(data.len() - PAD);
        bits.check_end(end)?;
        Ok(planes)
    }

    /// The output image: chroma replicated over the pixels it covers, YCbCr converted to RGB.
    fn compose(&self, planes: &[Plane], ow: u32, oh: u32) -> Preview {
        let f = self.frame.as_ref().expect("frame parsed");
        let (ow, oh) = (ow as usize, oh as usize);
        if planes.len() == 1 {
            let p = &planes[0];
            let mut pixels = Vec::with_capacity(ow * oh);
            for y in 0..oh {
                pixels.extend_from_slice(&p.values[y * p.stride..y * p.stride + ow]);
            }
            return Preview {
                width: ow as u32,
                height: oh as u32,
                gray: true,
                pixels,
            };
        }
        let mut pixels = Vec::with_capacity(ow * oh * 3);
        let (hmax, vmax) = (f.hmax, f.vmax);
        let row = |k: usize, y: usize| {
            let c = &f.comps[k];
            let p = &planes[k];
            let start = (y * c.v * c.scale / vmax) * p.stride;
            &p.values[start..start + p.stride]
        };
        let [h0, h1, h2] = [0, 1, 2].map(|k| f.comps[k].h * f.comps[k].scale);
        for y in 0..oh {
            let (ys, cbs, crs) = (row(0, y), row(1, y), row(2, y));
            for x in 0..ow {
                let yy = i32::from(ys[x * h0 / hmax]);
                let cb = i32::from(cbs[x * h1 / hmax]) - 128;
                let cr = i32::from(crs[x * h2 / hmax]) - 128;
                pixels.extend_from_slice(&ycc_to_rgb(yy, cb, cr));
            }
        }
        Preview {
            width: ow as u32,
            height: oh as u32,
            gray: false,
            pixels,
        }
    }
}

/// Natural (row-major) position of each zigzag index.
const NATURAL: [usize; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/// libjpeg's reduced-size 2×2 inverse DCT (jidctred.c, `jpeg_idct_2x2`), from coefficients and
/// quantization table in natural order.
fn idct_2x2(coef: &[i32; 64], q: &[u16; 64]) -> [[u8; 2]; 2] {
    const CONST_BITS: u32 = 13;
    const PASS1_BITS: u32 = 2;
    // FIX(x) = x × 2^13, rounded.
    const F0_720959822: i64 = 5906;
    const F0_850430095: i64 = 6967;
    const F1_272758580: i64 = 10426;
    const F3_624509785: i64 = 29692;
    let descale = |x: i64, n: u32| (x + (1 << (n - 1))) >> n;
    // Dequantized coefficient at row r, column c.
    let at = |r: usize, c: usize| i64::from(coef[r * 8 + c]) * i64::from(q[r * 8 + c]);
    // Pass 1: the columns 0, 1, 3, 5 and 7 into two rows of a work array.
    let mut ws = [[0i64; 8]; 2];
    for c in [0, 1, 3, 5, 7] {
        let tmp10 = at(0, c) << (CONST_BITS + 2);
        let tmp0 = -F0_720959822 * at(7, c) + F0_850430095 * at(5, c) - F1_272758580 * at(3, c)
            + F3_624509785 * at(1, c);
        ws[0][c] = descale(tmp10 + tmp0, CONST_BITS - PASS1_BITS + 2);
        ws[1][c] = descale(tmp10 - tmp0, CONST_BITS - PASS1_BITS + 2);
    }
    // Pass 2: each row into two samples.
    ws.map(|w| {
        let tmp10 = w[0] << (CONST_BITS + 2);
        let tmp0 =
            -F0_720959822 * w[7] + F0_850430095 * w[5] - F1_272758580 * w[3] + F3_624509785 * w[1];
        let n = CONST_BITS + PASS1_BITS + 3 + 2;
        [tmp10 + tmp0, tmp10 - tmp0].map(|v| (descale(v, n) + 128).clamp(0, 255) as u8)
    })
}

/// libjpeg's integer YCbCr → RGB (jdcolor.c, 16 fractional bits).
fn ycc_to_rgb(y: i32, cb: i32, cr: i32) -> [u8; 3] {
    // FIX(x) = x × 2^16, rounded.
    const HALF: i32 = 1 << 15;
    const CR_R: i32 = 91881; // 1.40200
    const CB_G: i32 = 22554; // 0.34414
    const CR_G: i32 = 46802; // 0.71414
    const CB_B: i32 = 116130; // 1.77200
    let r = y + ((CR_R * cr + HALF) >> 16);
    let g = y + ((-CB_G * cb - CR_G * cr + HALF) >> 16);
    let b = y + ((CB_B * cb + HALF) >> 16);
    [r, g, b].map(|v| v.clamp(0, 255) as u8)
}

/// Zero bytes after the de-stuffed data, so the bit reader can always load eight bytes.
const PAD: usize = 8;

/// The scan's entropy-coded bytes with stuffing removed (`FF 00` → `FF`), up to the first marker
/// other than a restart; and the offsets, in the de-stuffed data, where each restart interval
/// after the first begins.
fn destuff(d: &[u8]) -> (Vec<u8>, Vec<usize>) {
    let mut out = Vec::with_capacity(d.len() + PAD);
    let mut restarts = Vec::new();
    let mut i = 0;
    while i < d.len() {
        let Some(ff) = memchr::memchr(0xFF, &d[i..]) else {
            out.extend_from_slice(&d[i..]);
            break;
        };
        out.extend_from_slice(&d[i..i + ff]);
        i += ff;
        // Fill bytes (FF FF ...) before a marker.
        let mut j = i + 1;
        while d.get(j) == Some(&0xFF) {
            j += 1;
        }
        match d.get(j) {
            Some(0x00) => {
                out.push(0xFF);
                i = j + 1;
            }
            Some(0xD0..=0xD7) => {
                restarts.push(out.len());
                i = j + 1;
            }
            _ => break,
        }
    }
    out.resize(out.len() + PAD, 0);
    (out, restarts)
}

/// A canonical Huffman table, with a lookup of the first `LOOKUP` bits.
struct Huffman {
    /// For codes of up to `LOOKUP` bits, indexed by the next `LOOKUP` bits of the stream:
    /// bits to skip (the code, plus the value bits for AC) in the low byte, then the symbol's
    /// information; 0 for longer codes.
    fast: Vec<u32>,
    /// Canonical decoding of longer codes: for each length, the largest code (exclusive) and
    /// the index of its first symbol less its first code.
    maxcode: [i32; 17],
    delta: [i32; 17],
    symbols: Vec<u8>,
    ac: bool,
    /// For AC tables, indexed by the next `MULTI` bits: as many whole AC codes with their value
    /// bits as fit in them, up to and including an end of block: the bits they take (low 4
    /// bits), the coefficients they advance (next 7), and `MULTI_EOB` when the last is an end
    /// of block. 0 when not even one fits.
    multi: Vec<u16>,
}

/// Bits looked up at once when skipping AC codes: several codes per lookup.
const MULTI: u32 = 13;
const MULTI_EOB: u16 = 1 << 11;

/// Flags in a fast entry, above the bit count (low byte) and the symbol (second byte).
const EOB: u32 = 1 << 16;
const BAD: u32 = 1 << 17;

impl Huffman {
    fn new(counts: &[u8; 16], symbols: &[u8], ac: bool) -> R<Huffman> {
        let mut t = Huffman {
            fast: vec![0; 1 << LOOKUP],
            maxcode: [-1; 17],
            delta: [0; 17],
            symbols: symbols.to_vec(),
            ac,
            multi: Vec::new(),
        };
        let mut code = 0i32;
        let mut k = 0usize;
        for len in 1..=16u32 {
            let n = i32::from(counts[len as usize - 1]);
            t.delta[len as usize] = k as i32 - code;
            for _ in 0..n {
                if code >= 1 << len {
                    return Err(Unsupported("bad Huffman table"));
                }
                let sym = symbols[k];
                if len <= LOOKUP {
                    let entry = t.entry(len, sym)?;
                    let shift = LOOKUP - len;
                    let first = (code as usize) << shift;
                    t.fast[first..first + (1 << shift)].fill(entry);
                }
                code += 1;
                k += 1;
            }
            t.maxcode[len as usize] = code;
            code <<= 1;
        }
        if ac {
            t.multi = (0..1u32 << MULTI).map(|i| t.multi_entry(i)).collect();
        }
        Ok(t)
    }

    /// The `multi` entry for the `MULTI` bits `i`.
    fn multi_entry(&self, i: u32) -> u16 {
        let (mut used, mut adv) = (0u32, 0u32);
        while used < MULTI {
            // The next code, looked up from the bits left (zeros after them: only codes that
            // end within them count).
            let peek = ((i << used) & ((1 << MULTI) - 1)) >> (MULTI - LOOKUP);
            let e = self.fast[peek as usize];
            let bits = e & 0xFF;
            if e == 0 || e & BAD != 0 || used + bits > MULTI {
                break;
            }
            used += bits;
            if e & EOB != 0 {
                return (used as u16) | ((adv as u16) << 4) | MULTI_EOB;
            }
            adv += (e >> 8) & 0xFF;
            if adv >= 64 {
                // Cannot be all in one block: let the one-code path decide.
                return 0;
            }
        }
        (used as u16) | ((adv as u16) << 4)
    }

    /// The fast entry of a code of `len` bits for symbol `sym`.
    fn entry(&self, len: u32, sym: u8) -> R<u32> {
        let s = u32::from(sym & 15);
        if !self.ac {
            return Ok(if s > 11 { BAD | len } else { len | (s << 8) });
        }
        let r = u32::from(sym >> 4);
        Ok(match (r, s) {
            (0, 0) => EOB | len,
            (15, 0) => len | (16 << 8),
            (_, 0) => BAD | len,
            _ => (len + s) | ((r + 1) << 8) | (s << 24),
        })
    }

    /// Decodes a code longer than `LOOKUP` bits from the top of `buf`; returns (length, symbol).
    fn slow(&self, buf: u64) -> R<(u32, u8)> {
        for len in LOOKUP + 1..=16 {
            let code = (buf >> (64 - len)) as i32;
            if code < self.maxcode[len as usize] {
                let i = (code + self.delta[len as usize]) as usize;
                return self
                    .symbols
                    .get(i)
                    .map(|&s| (len, s))
                    .ok_or(Unsupported("bad Huffman code"));
            }
        }
        Err(Unsupported("bad Huffman code"))
    }
}

/// An MSB-first bit reader over de-stuffed, zero-padded scan data.
struct Bits<'a> {
    data: &'a [u8],
    /// Next byte to load.
    pos: usize,
    /// Bits not yet consumed, at the top of `buf`.
    buf: u64,
    n: u32,
}

impl<'a> Bits<'a> {
    fn new(data: &'a [u8], pos: usize) -> Bits<'a> {
        let mut b = Bits {
            data,
            pos,
            buf: 0,
            n: 0,
        };
        b.refill();
        b
    }

    /// At least 56 bits in `buf` (zeros past the end of the data).
    #[inline(always)]
    fn refill(&mut self) {
        match self.data.get(self.pos..self.pos + 8) {
            Some(w) => {
                let w = u64::from_be_bytes(w.try_into().expect("eight bytes"));
                self.buf |= w >> self.n;
                self.pos += (63 - self.n as usize) >> 3;
                self.n |= 56;
            }
            None => {
                // Past the data (caught by `check_end`): the reader only ever sees zeros.
                self.pos += (63 - self.n as usize) >> 3;
                self.n |= 56;
            }
        }
    }

    #[inline(always)]
    fn consume(&mut self, k: u32) {
        self.buf <<= k;
        self.n -= k;
    }

    /// The table entry of the next code (not consumed), with at least 32 bits in `buf`.
    #[inline(always)]
    fn next(&mut self, t: &Huffman) -> R<u32> {
        if self.n < 32 {
            self.refill();
        }
        let mut e = t.fast[(self.buf >> (64 - LOOKUP)) as usize];
        if e == 0 {
            let (len, sym) = t.slow(self.buf)?;
            e = t.entry(len, sym)?;
        }
        if e & BAD != 0 {
            return Err(Unsupported("bad Huffman code"));
        }
        Ok(e)
    }

    /// A DC difference.
    #[inline(always)]
    fn dc(&mut self, t: &Huffman) -> R<i32> {
        let e = self.next(t)?;
        self.consume(e & 0xFF);
        let s = (e >> 8) & 0xFF;
        if s == 0 {
            return Ok(0);
        }
        let v = (self.buf >> (64 - s)) as i32;
        self.consume(s);
        // EXTEND: values with a leading 0 bit are negative.
        Ok(if v < 1 << (s - 1) {
            v - (1 << s) + 1
        } else {
            v
        })
    }

    /// Skips a block's 63 AC coefficients.
    #[inline(always)]
    fn skip_ac(&mut self, t: &Huffman) -> R<()> {
        let mut k = 1;
        loop {
            if self.n < 32 {
                self.refill();
            }
            // Several codes at once, while they stay within the block.
            let m = t.multi[(self.buf >> (64 - MULTI)) as usize];
            let adv = u32::from((m >> 4) & 0x7F);
            if m != 0 && k + adv < 64 {
                self.consume(u32::from(m & 0xF));
                if m & MULTI_EOB != 0 {
                    return Ok(());
                }
                k += adv;
                continue;
            }
            // One code (`next` refills no more: `n` is still at least 32).
            let e = self.next(t)?;
            if e & EOB != 0 {
                self.consume(e & 0xFF);
                return Ok(());
            }
            self.consume(e & 0xFF);
            k += (e >> 8) & 0xFF;
            if k >= 64 {
                return if k == 64 {
                    Ok(())
                } else {
                    Err(Unsupported("too many AC coefficients"))
                };
            }
        }
    }

    /// A block's AC coefficients, stored at their natural (row-major) index in `coef`.
    fn ac_values(&mut self, t: &Huffman, coef: &mut [i32; 64]) -> R<()> {
        let mut k = 1usize;
        loop {
            let e = self.next(t)?;
            let s = e >> 24;
            self.consume((e & 0xFF) - s);
            if e & EOB != 0 {
                return Ok(());
            }
            k += ((e >> 8) & 0xFF) as usize;
            if k > 64 {
                return Err(Unsupported("too many AC coefficients"));
            }
            if s > 0 {
                let v = (self.buf >> (64 - s)) as i32;
                self.consume(s);
                coef[NATURAL[k - 1]] = if v < 1 << (s - 1) {
                    v - (1 << s) + 1
                } else {
                    v
                };
            }
            if k == 64 {
                return Ok(());
            }
        }
    }

    /// Fails when the reader has consumed bits past byte offset `end`.
    fn check_end(&self, end: usize) -> R<()> {
        let consumed = self.pos as u64 * 8 - u64::from(self.n);
        if consumed > (end as u64).saturating_mul(8) {
            Err(Unsupported("entropy-coded data cut short"))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
#[allow(clippy::print_stderr)] // notices in the test log
mod tests {
    use super::*;

    /// libjpeg-turbo's 1/8-scale decode, RGB, or `None` when it does not decode the file
    /// without complaint.
    #[cfg(feature = "turbojpeg")]
    fn turbo(data: &[u8]) -> Option<(usize, usize, Vec<u8>)> {
        let mut dec = turbojpeg::Decompressor::new().ok()?;
        let h = dec.read_header(data).ok()?;
        let (w, hh) = (h.width.div_ceil(8), h.height.div_ceil(8));
        let mut img = turbojpeg::Image {
            pixels: vec![0u8; w * hh * 3],
            width: w,
            pitch: w * 3,
            height: hh,
            format: turbojpeg::PixelFormat::RGB,
        };
        dec.decompress(data, img.as_deref_mut()).ok()?;
        Some((w, hh, img.pixels))
    }

    /// A 1/8-scale image by other means: a full decode by zune-jpeg (through `image`), each
    /// 8×8 block averaged. RGB, or `None` when it does not decode the file.
    fn box_average(data: &[u8]) -> Option<(usize, usize, Vec<u8>)> {
        let full = image::load_from_memory_with_format(data, image::ImageFormat::Jpeg)
            .ok()?
            .to_rgb8();
        let (w, h) = (full.width() as usize, full.height() as usize);
        let (ow, oh) = (w.div_ceil(8), h.div_ceil(8));
        let mut out = Vec::with_capacity(ow * oh * 3);
        for by in 0..oh {
            for bx in 0..ow {
                let mut sum = [0u32; 3];
                let mut n = 0;
                for y in by * 8..(by * 8 + 8).min(h) {
                    for x in bx * 8..(bx * 8 + 8).min(w) {
                        let p = full.get_pixel(x as u32, y as u32).0;
                        for c in 0..3 {
                            sum[c] += u32::from(p[c]);
                        }
                        n += 1;
                    }
                }
                out.extend(sum.map(|s| ((s + n / 2) / n) as u8));
            }
        }
        Some((ow, oh, out))
    }

    fn rgb(p: &Preview) -> Vec<u8> {
        if p.gray {
            p.pixels.iter().flat_map(|&v| [v, v, v]).collect()
        } else {
            p.pixels.clone()
        }
    }

    /// Mean and largest absolute difference between two images' samples.
    fn diff(a: &[u8], b: &[u8]) -> (f64, u8) {
        let d: Vec<u8> = a.iter().zip(b).map(|(x, y)| x.abs_diff(*y)).collect();
        let mean = d.iter().map(|&v| f64::from(v)).sum::<f64>() / d.len().max(1) as f64;
        (mean, d.into_iter().max().unwrap_or(0))
    }

    fn sample_jpegs() -> Option<Vec<std::path::PathBuf>> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples");
        if !root.is_dir() {
            assert!(
                std::env::var_os("VAULT_CI").is_none(),
                "../shared/samples is missing; corpus tests must run in CI"
            );
            eprintln!("NOTICE: ../shared/samples not found; skipping corpus test");
            return None;
        }
        let mut v: Vec<_> = walkdir::WalkDir::new(&root)
            .into_iter()
            .filter_map(|e| e.ok())
            .map(|e| e.into_path())
            .filter(|p| {
                let name = p.to_string_lossy().to_lowercase();
                name.ends_with(".jpg") || name.ends_with(".jpeg")
            })
            .collect();
        v.sort();
        Some(v)
    }

    /// Every sample JPEG libjpeg-turbo decodes cleanly comes out of the DC decoder exactly as
    /// libjpeg-turbo's own 1/8-scale decode, or is refused (and left to it).
    #[cfg(feature = "turbojpeg")]
    #[test]
    fn matches_libjpeg_turbo_on_every_sample_jpeg() {
        let Some(files) = sample_jpegs() else { return };
        let (mut read, mut refused) = (0, Vec::new());
        for f in files {
            let data = std::fs::read(&f).unwrap();
            let Some((w, h, theirs)) = turbo(&data) else {
                continue;
            };
            match decode(&data, 1, u64::MAX) {
                Ok(p) => {
                    assert_eq!((p.width as usize, p.height as usize), (w, h), "{f:?}");
                    let (mean, max) = diff(&rgb(&p), &theirs);
                    assert!(max == 0, "{}: mean {mean:.3} max {max}", f.display());
                    read += 1;
                }
                Err(why) => refused.push(format!("{}: {}", f.display(), why.0)),
            }
        }
        eprintln!("read {read}, refused {}: {refused:#?}", refused.len());
        assert!(
            read >= 50,
            "only {read} sample JPEGs read; refused: {refused:#?}"
        );
    }

    /// Every sample JPEG the DC decoder reads comes out close to another decoder's full decode
    /// scaled down by block averages. (Not exactly: edge blocks average the encoder's padding
    /// too, bright blocks are clamped after averaging rather than before, and chroma is
    /// upsampled differently.)
    #[test]
    fn matches_block_averages_of_a_full_decode() {
        let Some(files) = sample_jpegs() else { return };
        let mut read = 0;
        for f in files {
            let data = std::fs::read(&f).unwrap();
            let (Some((w, h, theirs)), Ok(p)) = (box_average(&data), decode(&data, 1, u64::MAX))
            else {
                continue;
            };
            assert_eq!((p.width as usize, p.height as usize), (w, h), "{f:?}");
            let (mean, _) = diff(&rgb(&p), &theirs);
            assert!(mean < 5.0, "{}: mean difference {mean:.3}", f.display());
            read += 1;
        }
        assert!(read >= 50, "only {read} sample JPEGs read");
    }

    /// A test photo: smooth gradients with some detail, as a baseline JPEG.
    fn photo(w: u32, h: u32, gray: bool) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            let t = ((x * 7 + y * 13) % 64) as u8;
            image::Rgb([(x * 255 / w) as u8, (y * 255 / h) as u8, t.wrapping_mul(4)])
        });
        let mut out = Vec::new();
        let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90);
        if gray {
            enc.encode(
                image::DynamicImage::ImageRgb8(img).to_luma8().as_raw(),
                w,
                h,
                image::ExtendedColorType::L8,
            )
            .unwrap();
        } else {
            enc.encode(img.as_raw(), w, h, image::ExtendedColorType::Rgb8)
                .unwrap();
        }
        out
    }

    #[test]
    fn decodes_colour_and_gray_at_one_eighth_scale() {
        for gray in [false, true] {
            // Sizes that are not multiples of the MCU: edge blocks are padding.
            let data = photo(203, 117, gray);
            let p = decode(&data, 1, u64::MAX).unwrap();
            assert_eq!((p.width, p.height, p.gray), (26, 15, gray));
            let (w, h, theirs) = box_average(&data).unwrap();
            assert_eq!((w, h), (26, 15));
            let (mean, _) = diff(&rgb(&p), &theirs);
            assert!(mean < 3.0, "gray {gray}: mean difference {mean}");
            #[cfg(feature = "turbojpeg")]
            {
                let (_, _, exact) = turbo(&data).unwrap();
                assert_eq!(rgb(&p), exact, "gray {gray}: differs from libjpeg-turbo");
            }
        }
    }

    #[test]
    fn refuses_what_it_does_not_read_cleanly() {
        let data = photo(320, 240, false);
        // Asked for more than 1/8 scale gives.
        assert!(decode(&data, 41, u64::MAX).is_err());
        assert!(decode(&data, 40, u64::MAX).is_ok());
        // Larger than allowed.
        assert!(decode(&data, 1, 40 * 30 - 1).is_err());
        // Cut short anywhere: an error, never a panic or a made-up image.
        for cut in (0..data.len() - 2).step_by(97) {
            assert!(decode(&data[..cut], 1, u64::MAX).is_err(), "cut at {cut}");
        }
        // Progressive files are left to a full decoder.
        let mut prog = data.clone();
        let sof = prog.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        prog[sof + 1] = 0xC2;
        assert_eq!(
            decode(&prog, 1, u64::MAX).unwrap_err(),
            Unsupported("progressive, lossless or arithmetic-coded")
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
        /// Damaged files (bytes overwritten anywhere) give an error or an image of the size the
        /// header states, never a panic.
        #[test]
        fn damaged_files_never_panic(
            edits in proptest::collection::vec((0usize..1 << 16, 0u8..=255), 1..8)
        ) {
            let mut data = photo(96, 64, false);
            let n = data.len();
            for (at, b) in edits {
                data[at % n] = b;
            }
            if let Ok(p) = decode(&data, 1, 1 << 20) {
                let px = if p.gray { 1 } else { 3 };
                proptest::prop_assert_eq!(p.pixels.len(), (p.width * p.height) as usize * px);
            }
        }
    }
}
