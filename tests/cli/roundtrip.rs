//! Property: whatever files a seller files, the bundle carries each one byte for byte, under the
//! name the manifest gives it, and `verify-bundle` accepts it.

use std::collections::BTreeMap;
use std::io::Read;

use proptest::prelude::*;
use serde_json::Value;

use crate::common::{Env, sha256_hex};

const ORDER: &str = "8123456789012345";

/// File names as sellers' machines write them: any script, spaces, dots, odd punctuation.
fn name() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 ._\\-()\u{4e00}-\u{4e10}\u{0400}-\u{0410}\u{05d0}-\u{05d5}]{1,24}"
        .prop_filter("not a hidden file or a dot name", |n| {
            !n.starts_with('.') && n.trim() == n && !n.is_empty()
        })
}

fn files() -> impl Strategy<Value = BTreeMap<String, Vec<u8>>> {
    prop::collection::btree_map(name(), prop::collection::vec(any::<u8>(), 0..4096), 1..6)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]
    #[test]
    fn files_survive_add_bundle_unzip_byte_for_byte(files in files()) {
        let env = Env::new();
        let mut want: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        for (i, (n, bytes)) in files.iter().enumerate() {
            // One folder per file, so names that differ only in case do not meet on disk.
            let p = env.write(&format!("in/{i}/{n}"), bytes);
            env.vault().args(["add", "--order", ORDER]).arg(&p).assert().success();
            want.insert(sha256_hex(bytes), bytes.clone());
        }
        let zip_path = env.path("b.zip");
        env.vault().args(["bundle", ORDER, "-o"]).arg(&zip_path).assert().success();
        env.vault().arg("verify-bundle").arg(&zip_path).assert().success();

        let mut zip = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
        let top = zip.file_names().next().unwrap().unwrap().split('/').next().unwrap().to_string();
        let mut manifest = String::new();
        zip.by_name(&format!("{top}/data/manifest.json")).unwrap().read_to_string(&mut manifest).unwrap();
        let m: Value = serde_json::from_str(&manifest).unwrap();
        let mut got: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        for f in m["files"].as_array().unwrap() {
            if f["role"] != "original" {
                continue;
            }
            let mut bytes = Vec::new();
            zip.by_name(&format!("{top}/{}", f["path"].as_str().unwrap()))
                .unwrap()
                .read_to_end(&mut bytes)
                .unwrap();
            prop_assert_eq!(f["sha256"].as_str().unwrap(), sha256_hex(&bytes));
            got.insert(sha256_hex(&bytes), bytes);
        }
        prop_assert_eq!(got, want);
    }
}
