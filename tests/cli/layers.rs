//! The layer order of `docs/architecture.md` holds in `src/`: every `crate::` path outside test
//! modules points to a module of a lower rank, or within its own top-level folder.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// `module → rank`, read from the table in docs/architecture.md.
fn ranks() -> BTreeMap<String, u32> {
    let doc = fs::read_to_string(Path::new(ROOT).join("docs/architecture.md")).unwrap();
    let mut ranks = BTreeMap::new();
    for line in doc.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let Some(rank) = cells.get(1).and_then(|c| c.parse::<u32>().ok()) else {
            continue;
        };
        for name in cells[2].split(',') {
            let name = name.trim().trim_matches('`');
            assert!(!name.is_empty(), "empty module name in: {line}");
            assert!(
                ranks.insert(name.to_string(), rank).is_none(),
                "{name} listed twice"
            );
        }
    }
    assert!(
        ranks.len() >= 10,
        "the layer table was not found: {ranks:?}"
    );
    ranks
}

/// The top-level module a file under `src/` belongs to (`""` for lib.rs and main.rs).
fn top_of(rel: &Path) -> String {
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    match first.strip_suffix(".rs") {
        Some("lib" | "main") => String::new(),
        Some(stem) => stem.to_string(),
        None => first.into_owned(),
    }
}

/// The code of a file without comment lines and without its `#[cfg(test)] mod … { … }` blocks
/// (found by brace counting, which the format strings in tests keep balanced).
fn code(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let next_is_mod = lines
            .get(i + 1)
            .is_some_and(|l| l.trim_start().starts_with("mod "));
        if lines[i].trim() == "#[cfg(test)]" && next_is_mod {
            let mut depth = 0i32;
            let mut opened = false;
            i += 1;
            while i < lines.len() {
                for c in lines[i].chars() {
                    match c {
                        '{' => {
                            depth += 1;
                            opened = true;
                        }
                        '}' => depth -= 1,
                        _ => {}
                    }
                }
                i += 1;
                if opened && depth <= 0 {
                    break;
                }
            }
            continue;
        }
        out.push(lines[i]);
        i += 1;
    }
    out.join("\n")
}

/// The first segment of every `crate::` path in `code`, including `use crate::{a, b::c}`.
fn crate_refs(code: &str) -> Vec<String> {
    let path = regex::Regex::new(r"\bcrate::(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)").unwrap();
    let mut out = Vec::new();
    for c in path.captures_iter(code) {
        let m = &c[1];
        if let Some(group) = m.strip_prefix('{') {
            for part in group.trim_end_matches('}').split(',') {
                let first = part.trim().split("::").next().unwrap_or_default().trim();
                if !first.is_empty() {
                    out.push(first.to_string());
                }
            }
        } else {
            out.push(m.to_string());
        }
    }
    out
}

#[test]
fn imports_follow_the_documented_layers() {
    let ranks = ranks();
    let src = Path::new(ROOT).join("src");
    let mut bad = Vec::new();
    let mut checked = 0;
    for entry in walkdir::WalkDir::new(&src) {
        let entry = entry.unwrap();
        if entry.path().extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let rel = entry.path().strip_prefix(&src).unwrap();
        let from = top_of(rel);
        let text = fs::read_to_string(entry.path()).unwrap();
        assert!(
            !text.contains("super::super"),
            "{}: reaches out of its folder with super::super; name the module by its crate path",
            rel.display()
        );
        if from.is_empty() {
            continue; // lib.rs declares the modules; main.rs calls cli::main.
        }
        let Some(&own) = ranks.get(&from) else {
            panic!(
                "src/{}: module `{from}` is not in docs/architecture.md's layer table",
                rel.display()
            );
        };
        for to in crate_refs(&code(&text)) {
            checked += 1;
            if to == from {
                continue;
            }
            match ranks.get(&to) {
                None => bad.push(format!(
                    "src/{}: crate::{to} is not in the layer table",
                    rel.display()
                )),
                Some(&r) if r >= own => bad.push(format!(
                    "src/{}: `{from}` (rank {own}) uses crate::{to} (rank {r})",
                    rel.display()
                )),
                Some(_) => {}
            }
        }
    }
    assert!(
        checked > 100,
        "too few crate:: paths seen ({checked}): is the scan broken?"
    );
    assert!(
        bad.is_empty(),
        "imports against the layer order:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_scan_sees_grouped_imports_and_skips_tests_and_comments() {
    let text = "use crate::{ledger::Entry, store};\n// crate::cli in a comment\nfn f() { crate::time::sort_key(\"\"); }\n#[cfg(test)]\nmod tests {\n    fn g() { crate::cli::main(); }\n}\nfn h() { crate::bundle::x(); }\n";
    assert_eq!(
        crate_refs(&code(text)),
        ["ledger", "store", "time", "bundle"]
    );
    assert_eq!(top_of(Path::new("evidence/chat.rs")), "evidence");
    assert_eq!(top_of(Path::new("verify.rs")), "verify");
    assert_eq!(top_of(Path::new("lib.rs")), "");
}
