//! Real-world files written by other people (../shared/samples): every one is stored byte for byte,
//! the vault verifies, and content detection gives the kind a seller would expect.

use crate::common;

use std::collections::BTreeMap;
use std::fs;

use common::{Env, sha256_hex};

#[test]
fn every_sample_is_stored_exactly_and_verifies() {
    let Some(samples) = common::samples() else {
        return;
    };
    let env = Env::new();
    let (v, code) = env.json(&[
        "add",
        "--order-from",
        r"^([^/]+)/",
        samples.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{}", v["failed"]);
    let items = v["items"].as_array().unwrap();
    let files: Vec<_> = walkdir::WalkDir::new(&samples)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .collect();
    // Hidden files and directories (Maildir's `.Folder`s) are skipped by design, and listed.
    let hidden = |p: &std::path::Path| {
        p.strip_prefix(&samples)
            .unwrap()
            .components()
            .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
    };
    let (hidden_files, files): (Vec<_>, Vec<_>) = files.into_iter().partition(|f| hidden(f.path()));
    assert!(!hidden_files.is_empty() && !v["skipped"].as_array().unwrap().is_empty());
    assert!(files.len() > 100, "the corpus is there");
    // Files directly under samples/ have no order folder and are listed as unmatched.
    let unmatched = v["unmatched"].as_array().unwrap().len();
    // Media taken out of a chat export zip are filed too; their source points inside the zip.
    let (direct, extracted): (Vec<&serde_json::Value>, Vec<&serde_json::Value>) = items
        .iter()
        .partition(|i| std::path::Path::new(i["source"].as_str().unwrap()).is_file());
    assert_eq!(direct.len() + unmatched, files.len());
    // Each came out of a sample file: the WhatsApp zip's photo, video, audio and nested zip, and
    // attachments of the e-mail samples.
    let parent = |i: &serde_json::Value| {
        std::path::Path::new(i["source"].as_str().unwrap())
            .parent()
            .unwrap()
            .to_path_buf()
    };
    assert!(extracted.iter().all(|i| parent(i).is_file()));
    let from_zip = extracted
        .iter()
        .filter(|i| parent(i).ends_with("whatsapp-chat-parser-example.zip"))
        .count();
    assert_eq!(from_zip, 4);
    assert!(
        extracted.len() > from_zip,
        "e-mail attachments are filed too"
    );
    for f in files.iter().filter(|f| f.depth() > 1) {
        let bytes = fs::read(f.path()).unwrap();
        let obj = env.object_path(&sha256_hex(&bytes));
        assert_eq!(fs::read(&obj).unwrap(), bytes, "{}", f.path().display());
    }
    env.vault().arg("verify").assert().success();

    // Kind detection on real files: by path suffix, what a seller would file them as.
    let kinds: BTreeMap<String, String> = items
        .iter()
        .map(|i| {
            (
                i["source"].as_str().unwrap().to_string(),
                i["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let kind_of = |suffix: &str| -> &str {
        kinds
            .iter()
            .find(|(k, _)| k.ends_with(suffix))
            .unwrap_or_else(|| panic!("no {suffix}"))
            .1
    };
    assert_eq!(kind_of("heic/IMG_5195.HEIC"), "photo");
    assert_eq!(kind_of("nom-exif/testdata/meta.mov"), "video");
    assert_eq!(kind_of("nom-exif/testdata/meta.mp4"), "video");
    assert_eq!(kind_of("whatsapp-chat-parser-example.zip"), "chat");
    assert_eq!(kind_of("rwhatsapp/inst/extdata/sample.txt"), "chat");
    // The same export zipped under a plain name (sample.zip holding sample.txt).
    assert_eq!(kind_of("rwhatsapp/inst/extdata/sample.zip"), "chat");
    assert_eq!(
        kind_of("chat-miner/test/whatsapp/test_mmddyyyy_12hrs.txt"),
        "chat"
    );
    assert_eq!(
        kind_of("chat-miner/test/telegram/test_single_export.json"),
        "chat"
    );
    assert_eq!(kind_of("tracking/GetTrackingResult.json"), "tracking");
    assert_eq!(
        kind_of("extracted/test_tracker_create_0_POST.json"),
        "tracking"
    );
    assert_eq!(
        kind_of("py17track/tests/fixtures/packages_response.json"),
        "tracking"
    );
    assert_eq!(
        kind_of("py17track/tests/fixtures/gettracklist_success_response.json"),
        "tracking"
    );
    let per_kind = |k: &str| kinds.values().filter(|v| *v == k).count();
    let jpgs = kinds
        .keys()
        .filter(|k| k.to_lowercase().ends_with(".jpg"))
        .count();
    assert!(
        per_kind("photo") >= jpgs,
        "every .jpg is a photo: {} photos, {jpgs} jpgs",
        per_kind("photo")
    );
    let emls: Vec<_> = kinds.iter().filter(|(k, _)| k.ends_with(".eml")).collect();
    let eml_chats = emls.iter().filter(|(_, v)| *v == "chat").count();
    assert!(
        eml_chats * 10 >= emls.len() * 9,
        "most .eml files are chats: {eml_chats}/{}",
        emls.len()
    );
}
