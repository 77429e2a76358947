//! The summary PDF in every script (issue #16): a sentence per script goes through a WhatsApp
//! export into a Stripe bundle; poppler reads each back as it reads the same sentences from
//! Chromium's PDF (the trusted renderer), fonts are embedded subsets with Unicode maps, the file
//! declares PDF/A-2b; a machine without the fonts gets a visible note and a warning, never
//! silent boxes; Arabic and Hebrew on the page look as Chromium draws them.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Env, have_tool};
use serde_json::Value;

const ORDER: &str = "8123456789012345";

/// (script, sentence): what a buyer or the seller wrote.
const SENTENCES: &[(&str, &str)] = &[
    (
        "Latin",
        "Le colis est arrivé déchiré; Paket kam beschädigt an, żółć",
    ),
    ("Greek", "Γειά σας, το δέμα ήρθε άδειο"),
    ("Cyrillic", "Здравствуйте, где моя посылка?"),
    ("CJK", "您好，包裹已于11月18日发出。"),
    ("Arabic", "مرحبا، وصلت الحزمة فارغة"),
    ("Hebrew", "שלום, החבילה הגיעה ריקה"),
    ("Thai", "สวัสดีครับ พัสดุมาถึงแล้ว"),
    ("Devanagari", "नमस्ते, पैकेज खाली आया"),
];

/// Scripts whose sentences poppler gives back character for character. (For Arabic and Hebrew
/// on a left-to-right page poppler moves the neutral punctuation and marks the runs with
/// embedding controls; for Devanagari it splits a cluster with a space. It does the same with
/// Chromium's PDF, which is what those are compared with.)
const EXACT: &[&str] = &["Latin", "Greek", "Cyrillic", "CJK", "Thai"];

/// The Noto fonts Debian's fonts-noto-core and fonts-noto-cjk install (`.ci/run` does).
fn have_noto() -> bool {
    let ok = Path::new("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc").is_file()
        && Path::new("/usr/share/fonts/truetype/noto/NotoSansThai-Regular.ttf").is_file();
    if !ok {
        assert!(
            std::env::var_os("VAULT_CI").is_none(),
            "fonts-noto-core and fonts-noto-cjk are required in CI (.ci/run installs them)"
        );
        eprintln!("NOTICE: the Noto fonts are not installed; skipping");
    }
    ok
}

fn chat() -> String {
    SENTENCES
        .iter()
        .enumerate()
        .map(|(k, (script, s))| format!("01/12/2026, 10:{k:02} - {script} writer: {s}\n"))
        .collect()
}

/// An order holding the chat of every sentence, with a dispute open on `platform`.
fn order(env: &Env, platform: &str) {
    order_with(env, &chat(), platform);
}

/// An order holding the WhatsApp export `chat`, with a dispute open on `platform`.
fn order_with(env: &Env, chat: &str, platform: &str) {
    let f = env.write("in/WhatsApp Chat with buyers.txt", chat.as_bytes());
    env.vault()
        .args(["add", "-q", "--order", ORDER])
        .arg(&f)
        .assert()
        .success();
    env.vault()
        .args([
            "dispute",
            "open",
            ORDER,
            "--platform",
            platform,
            "--reason",
            "general",
        ])
        .args(["--due", "2026-12-08T00:00:00Z"])
        .assert()
        .success();
}

/// `vault bundle --platform stripe --json` with `extra` arguments and environment `fontconfig`
/// (a fontconfig file, else the system's): the report, stderr and exit code.
fn bundle(
    env: &Env,
    platform: &str,
    extra: &[&str],
    fontconfig: Option<&Path>,
) -> (Value, String, i32) {
    let mut c = env.vault();
    c.args([
        "--json",
        "bundle",
        ORDER,
        "-o",
        "b.zip",
        "--force",
        "--platform",
        platform,
    ])
    .args(extra);
    if let Some(f) = fontconfig {
        c.env("FONTCONFIG_FILE", f);
    }
    let out = c.output().unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        v,
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

/// The conversation's PDF of a Stripe bundle (its customer_communication file), drawn by the
/// same typesetter as the summary.
fn conversation_pdf(env: &Env) -> PathBuf {
    let m = crate::upload::manifest(env);
    let path = crate::upload::upload_files(&m)
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .find(|p| p.ends_with("-customer-communication.pdf"))
        .expect("a customer communication file");
    let pdf = crate::upload::zip_entry(&env.path("b.zip"), &path);
    env.write("conversation.pdf", &pdf)
}

fn run(tool: &str, args: &[&str], file: &Path) -> String {
    let out = Command::new(tool).args(args).arg(file).output().unwrap();
    assert!(out.status.success(), "{tool} {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

fn pdftotext(file: &Path) -> Vec<String> {
    let out = Command::new("pdftotext")
        .arg(file)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.trim_end().to_string())
        .collect()
}

const CHROMIUM: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
];

/// Headless Chromium on the local `page` with `args`; it must write `made`.
fn chromium(env: &Env, page: &Path, args: &[String], made: &Path) {
    let out = Command::new("chromium")
        .args(CHROMIUM)
        .arg(format!(
            "--user-data-dir={}",
            env.path("chromium/profile").display()
        ))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        made.is_file(),
        "chromium made no {}: {out:?}",
        made.display()
    );
}

/// The sentences as Chromium prints them to PDF, one paragraph each (`dir="auto"`), on a page
/// that otherwise reads left to right like the summary; read back by pdftotext.
fn chromium_lines(env: &Env) -> Vec<String> {
    let mut html = String::from(
        "<!doctype html><meta charset=utf-8><body style=\"font: 10pt 'DejaVu Sans', sans-serif\">\
         <h1>Conversation: WhatsApp Chat with buyers.txt (whatsapp-android, 8 messages)</h1>\
         <p>Evidence summary, order 8123456789012345: the conversation with the buyer as exported</p>",
    );
    for (_, s) in SENTENCES {
        html.push_str(&format!("<p dir=auto>{s}</p>"));
    }
    let page = env.write("chromium/sentences.html", html.as_bytes());
    let pdf = env.path("chromium/sentences.pdf");
    chromium(
        env,
        &page,
        &[
            "--no-pdf-header-footer".into(),
            format!("--print-to-pdf={}", pdf.display()),
        ],
        &pdf,
    );
    pdftotext(&pdf)
}

#[test]
fn every_script_reads_back_from_the_pdf_as_from_chromiums() {
    if !have_tool("pdftotext", &["-v"]) || !have_tool("chromium", &["--version"]) || !have_noto() {
        return;
    }
    let env = Env::new();
    order(&env, "stripe");
    let (v, stderr, code) = bundle(&env, "stripe", &[], None);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(v["upload"]["missing_scripts"], serde_json::json!([]), "{v}");
    assert!(!stderr.contains("no font"), "{stderr}");
    let pdf = conversation_pdf(&env);
    let ours = pdftotext(&pdf);
    let theirs = chromium_lines(&env);
    for (script, sentence) in SENTENCES {
        if EXACT.contains(script) {
            assert!(
                ours.iter().any(|l| l == sentence),
                "{script}: {sentence:?} not in {ours:#?}"
            );
        }
        // The line Chromium's PDF gives for this sentence: the one sharing its first letters.
        let key: String = sentence
            .chars()
            .filter(|c| c.is_alphabetic())
            .take(3)
            .collect();
        let want = theirs
            .iter()
            .find(|l| {
                l.chars()
                    .filter(|c| c.is_alphabetic())
                    .collect::<String>()
                    .contains(&key)
                    || l.contains(&key)
            })
            .unwrap_or_else(|| panic!("{script}: not in Chromium's text {theirs:#?}"));
        assert!(
            ours.iter().any(|l| l == want),
            "{script}: poppler reads Chromium's PDF as {want:?}, ours as {ours:#?}"
        );
    }

    // Every font embedded, as a subset, with a Unicode map; the CJK, Thai and Devanagari text in
    // fonts found on the system, beside the embedded DejaVu Sans.
    let fonts = run("pdffonts", &[], &pdf);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(rows.len() >= 4, "{fonts}");
    for r in &rows {
        let cols: Vec<&str> = r.split_whitespace().collect();
        let n = cols.len();
        assert_eq!(
            &cols[n - 5..n - 2],
            ["yes", "yes", "yes"],
            "emb sub uni: {r}"
        );
        assert!(cols[0].chars().nth(6) == Some('+'), "a subset tag: {r}");
    }
    for family in [
        "DejaVuSans",
        "NotoSansCJK",
        "NotoSansThai",
        "NotoSansDevanagari",
    ] {
        assert!(fonts.contains(family), "{family} in {fonts}");
    }

    // PDF/A-2b, as the XMP metadata declares it, and a file qpdf finds sound.
    let meta = run("pdfinfo", &["-meta"], &pdf);
    assert!(meta.contains("<pdfaid:part>2</pdfaid:part>"), "{meta}");
    assert!(
        meta.contains("<pdfaid:conformance>B</pdfaid:conformance>"),
        "{meta}"
    );
    let info = run("pdfinfo", &[], &pdf);
    assert!(
        info.contains("Customer communication: order 8123456789012345"),
        "{info}"
    );
    // The summary beside it is PDF/A-2b too.
    let summary = env.write(
        "summary.pdf",
        &crate::upload::zip_entry(&env.path("b.zip"), "data/upload/01-summary.pdf"),
    );
    let meta = run("pdfinfo", &["-meta"], &summary);
    assert!(meta.contains("<pdfaid:part>2</pdfaid:part>"), "{meta}");
    if have_tool("qpdf", &["--version"]) {
        run("qpdf", &["--check"], &pdf);
    }
}

/// A fontconfig file naming only `dir`: a machine whose only fonts are there.
fn bare_fontconfig(env: &Env, dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    env.write(
        "fonts.conf",
        format!(
            "<?xml version=\"1.0\"?><!DOCTYPE fontconfig SYSTEM \"fonts.dtd\">\
             <fontconfig><dir>{}</dir></fontconfig>",
            dir.display()
        )
        .as_bytes(),
    )
}

#[test]
fn without_fonts_for_a_script_the_pdf_says_so_and_bundle_warns() {
    let env = Env::new();
    order(&env, "stripe");
    let conf = bare_fontconfig(&env, &env.path("no-fonts"));
    let (v, stderr, code) = bundle(&env, "stripe", &[], Some(&conf));
    assert_eq!(code, 0, "{stderr}");
    let missing = v["upload"]["missing_scripts"].as_array().unwrap().clone();
    for s in ["Han", "Thai", "Devanagari"] {
        assert!(missing.contains(&Value::from(s)), "{s} in {missing:?}");
    }
    // DejaVu Sans, embedded in vault, draws Latin, Greek, Cyrillic, Arabic and Hebrew.
    for s in ["Latin", "Greek", "Cyrillic", "Arabic", "Hebrew"] {
        assert!(!missing.contains(&Value::from(s)), "{s} in {missing:?}");
    }
    assert!(
        stderr.contains("warning:") && stderr.contains("Devanagari, Han, Thai"),
        "{stderr}"
    );
    // The note is on the page, and the manifest keeps it.
    let m = crate::upload::manifest(&env);
    assert!(m["notes"].to_string().contains("no font here draws"), "{m}");
    if have_tool("pdftotext", &["-v"]) {
        let text = pdftotext(&conversation_pdf(&env)).join(" ");
        assert!(
            text.contains(
                "no font on the machine that made this document draws Devanagari, Han, Thai"
            ),
            "{text}"
        );
        // What can be drawn still reads back.
        assert!(text.contains("Здравствуйте, где моя посылка?"), "{text}");
    }
}

#[test]
fn fonts_given_with_font_dir_are_used() {
    if !have_noto() {
        return;
    }
    let env = Env::new();
    order(&env, "stripe");
    let conf = bare_fontconfig(&env, &env.path("no-fonts"));
    let (v, stderr, code) = bundle(
        &env,
        "stripe",
        &["--font", "/usr/share/fonts/truetype/noto"],
        Some(&conf),
    );
    assert_eq!(code, 0, "{stderr}");
    // Thai and Devanagari come from the folder given; the CJK fonts are elsewhere.
    assert_eq!(
        v["upload"]["missing_scripts"],
        serde_json::json!(["Han"]),
        "{v}"
    );
    // The same folder from the `fonts` setting, with the CJK fonts' folder given as well.
    env.vault()
        .args(["config", "set", "fonts", "/usr/share/fonts/truetype/noto"])
        .assert()
        .success();
    let (v, stderr, code) = bundle(&env, "stripe", &[], Some(&conf));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        v["upload"]["missing_scripts"],
        serde_json::json!(["Han"]),
        "{v}"
    );
    let (v, stderr, code) = bundle(
        &env,
        "stripe",
        &["--font", "/usr/share/fonts/opentype/noto"],
        Some(&conf),
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(v["upload"]["missing_scripts"], serde_json::json!([]), "{v}");
}

/// Mean absolute difference of two grey images at 96 × 12, each first cropped to its ink.
fn ink_diff(a: &image::GrayImage, b: &image::GrayImage) -> f64 {
    let crop = |img: &image::GrayImage| {
        let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
        for (x, y, p) in img.enumerate_pixels() {
            if p[0] < 160 {
                (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
            }
        }
        assert!(x0 <= x1, "no ink");
        let c = image::imageops::crop_imm(img, x0, y0, x1 - x0 + 1, y1 - y0 + 1).to_image();
        image::imageops::resize(&c, 96, 12, image::imageops::FilterType::Triangle)
    };
    let (a, b) = (crop(a), crop(b));
    a.pixels()
        .zip(b.pixels())
        .map(|(p, q)| f64::from(p[0].abs_diff(q[0])))
        .sum::<f64>()
        / (96.0 * 12.0)
}

/// The Arabic and Hebrew lines as pixels: the summary's page (drawn by poppler's pdftoppm)
/// matches Chromium's rendering of the same text in the same font; the same text with its
/// letters in reverse order, or unjoined, does not.
#[test]
fn arabic_and_hebrew_render_as_chromium_renders_them() {
    if !have_tool("pdftoppm", &["-v"]) || !have_tool("chromium", &["--version"]) {
        return;
    }
    let env = Env::new();
    let lines = ["مرحبا، وصلت الحزمة فارغة", "שלום, החבילה הגיעה ריקה"];
    let chat: String = lines
        .iter()
        .enumerate()
        .map(|(k, s)| format!("01/12/2026, 10:{k:02} - B: {s}\n"))
        .collect();
    order_with(&env, &chat, "stripe");
    let (_, stderr, code) = bundle(&env, "stripe", &[], None);
    assert_eq!(code, 0, "{stderr}");
    let pdf = conversation_pdf(&env);
    let dpi = 288.0;
    let out = Command::new("pdftoppm")
        .args(["-r", "288", "-gray", "-png", "-singlefile"])
        .arg(&pdf)
        .arg(env.path("page"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let page = image::open(env.path("page.png")).unwrap().to_luma8();
    let words = words_with_boxes(&pdf);

    for line in lines {
        // Where poppler finds the line's words on the page, in points.
        let mine: Vec<&(String, [f32; 4])> = words
            .iter()
            .filter(|(w, _)| {
                // pdftotext -bbox gives right-to-left words in visual order.
                let w: String = w.chars().filter(|c| c.is_alphabetic()).collect();
                let r: String = w.chars().rev().collect();
                !w.is_empty()
                    && line.split(' ').any(|x| {
                        let x: String = x.chars().filter(|c| c.is_alphabetic()).collect();
                        x == w || x == r
                    })
            })
            .collect();
        assert_eq!(
            mine.len(),
            line.split(' ').count(),
            "{line}: words found {mine:?}"
        );
        let k = dpi / 72.0;
        let (x0, y0) = mine.iter().fold((f32::MAX, f32::MAX), |a, (_, b)| {
            (a.0.min(b[0]), a.1.min(b[1]))
        });
        let (x1, y1) = mine
            .iter()
            .fold((0f32, 0f32), |a, (_, b)| (a.0.max(b[2]), a.1.max(b[3])));
        let ours = image::imageops::crop_imm(
            &page,
            ((x0 - 4.0) * k) as u32,
            ((y0 - 1.0) * k) as u32,
            ((x1 - x0 + 8.0) * k) as u32,
            ((y1 - y0 + 2.0) * k) as u32,
        )
        .to_image();
        let reference = chromium_line(&env, line, false);
        let reversed = chromium_line(&env, &line.chars().rev().collect::<String>(), false);
        let good = ink_diff(&ours, &reference);
        let bad = ink_diff(&ours, &reversed);
        println!("{line}: mean difference {good:.1} to Chromium's, {bad:.1} to reversed");
        assert!(
            good < 40.0 && good * 1.5 < bad,
            "{line}: {good:.1} vs reversed {bad:.1}"
        );
        if line.starts_with('م') {
            let unjoined = chromium_line(&env, line, true);
            let apart = ink_diff(&ours, &unjoined);
            assert!(
                good * 1.5 < apart,
                "{line}: {good:.1} vs unjoined {apart:.1}"
            );
        }
    }
}

/// Each word poppler finds in `pdf`, with its box in points (`pdftotext -bbox`).
fn words_with_boxes(pdf: &Path) -> Vec<(String, [f32; 4])> {
    let out = Command::new("pdftotext")
        .arg("-bbox")
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let html = String::from_utf8(out.stdout).unwrap();
    let attr = |tag: &str, name: &str| -> f32 {
        let at = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        tag[at..].split('"').next().unwrap().parse().unwrap()
    };
    html.split("<word ")
        .skip(1)
        .map(|w| {
            let (tag, rest) = w.split_once('>').unwrap();
            let text = rest.split("</word>").next().unwrap().to_string();
            (
                text,
                [
                    attr(tag, "xMin"),
                    attr(tag, "yMin"),
                    attr(tag, "xMax"),
                    attr(tag, "yMax"),
                ],
            )
        })
        .collect()
}

/// `text` as Chromium draws it in DejaVu Sans at 32 px, as a grey image; with
/// `unjoined`, each letter apart (a zero-width non-joiner between letters).
fn chromium_line(env: &Env, text: &str, unjoined: bool) -> image::GrayImage {
    let text = if unjoined {
        text.chars().map(|c| format!("{c}\u{200C}")).collect()
    } else {
        text.to_string()
    };
    let n = std::fs::read_dir(env.path(".")).map_or(0, |d| d.count());
    let html = format!(
        "<!doctype html><meta charset=utf-8><body style=\"margin:20px;background:#fff\">\
         <p dir=auto style=\"font: 32px 'DejaVu Sans'; white-space: nowrap\">{text}</p>"
    );
    let page = env.write(&format!("line-{n}.html"), html.as_bytes());
    let shot = env.path(&format!("line-{n}.png"));
    chromium(
        env,
        &page,
        &[
            "--window-size=1600,200".into(),
            format!("--screenshot={}", shot.display()),
        ],
        &shot,
    );
    image::open(&shot).unwrap().to_luma8()
}

/// Emoji from a colour emoji font (Noto Color Emoji's glyphs are PNG pictures, not outlines) are
/// drawn on the page images too, in colour, not left out.
#[test]
fn colour_emoji_are_drawn_on_page_images() {
    let font = Path::new("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf");
    if !font.is_file() {
        assert!(
            std::env::var_os("VAULT_CI").is_none(),
            "fonts-noto-color-emoji is required in CI (.ci/run installs it)"
        );
        eprintln!("NOTICE: Noto Color Emoji is not installed; skipping");
        return;
    }
    // 🥰 is not in DejaVu Sans: only the colour font draws it.
    let colourful = |emoji: &str| {
        let env = Env::new();
        order_with(
            &env,
            &format!("01/12/2026, 10:00 - B: thanks {emoji}\n"),
            "aliexpress",
        );
        let (_, stderr, code) = bundle(&env, "aliexpress", &[], None);
        assert_eq!(code, 0, "{stderr}");
        let page =
            crate::upload::zip_entry(&env.path("b.zip"), "data/upload/01-summary-page-1-of-1.jpg");
        let img = image::load_from_memory(&page).unwrap().to_rgb8();
        img.pixels()
            .filter(|p| {
                let (max, min) = (p.0.iter().max().unwrap(), p.0.iter().min().unwrap());
                max - min > 80
            })
            .count()
    };
    let with = colourful("🥰🥰🥰");
    let without = colourful("");
    assert!(
        with > without + 300,
        "colour pixels: {with} with emoji, {without} without"
    );
}
