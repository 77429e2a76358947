//! Platform profiles: what a platform's dispute form accepts (file types, sizes, pages, file
//! count) and where the files go, so that `vault bundle --platform` makes files that upload as
//! they are.
//!
//! The defaults come from the platforms' published rules where there are any; the rest are
//! conservative guesses, and `published` lists which fields are published rules. Every number can
//! be overridden by a JSON profile file (`--profile FILE`, or `profiles/<platform>.json` in the
//! vault) holding any subset of the fields. docs/platforms.md has the table and sources.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::dispute::Platform;
use crate::error::{Error, IoContext, Result};

/// A file type a form accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileType {
    Pdf,
    Jpeg,
    Png,
    Gif,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    pub platform: Platform,
    pub accepts: Vec<FileType>,
    /// Largest single file, in bytes.
    pub max_file_bytes: u64,
    /// All files together, in bytes.
    pub max_total_bytes: Option<u64>,
    /// Pages in one PDF.
    pub max_pages: Option<u32>,
    /// Files in one answer.
    pub max_files: Option<u32>,
    /// Long side of photos made for upload, in pixels (never upscaled).
    pub photo_max_side: u32,
    /// Where the files go in the platform's form.
    pub field: String,
    /// Which of the fields above are the platform's published rules; the others are guesses.
    pub published: Vec<String>,
    /// Profile file that overrode the defaults, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overridden_by: Option<String>,
}

const MB: u64 = 1024 * 1024;

impl Profile {
    /// The built-in profile of a platform.
    pub fn default_for(platform: Platform) -> Profile {
        use FileType::*;
        let p = |accepts: &[FileType],
                 max_file_bytes,
                 max_total_bytes,
                 max_pages,
                 max_files,
                 field: &str,
                 published: &[&str]| Profile {
            platform,
            accepts: accepts.to_vec(),
            max_file_bytes,
            max_total_bytes,
            max_pages,
            max_files,
            photo_max_side: 2048,
            field: field.to_string(),
            published: published.iter().map(|s| s.to_string()).collect(),
            overridden_by: None,
        };
        match platform {
            Platform::Aliexpress => p(
                &[Jpeg, Png],
                2 * MB,
                None,
                None,
                Some(10),
                "dispute response: upload evidence (images)",
                &["accepts"],
            ),
            Platform::Ebay => p(
                &[Jpeg, Png],
                5 * MB,
                None,
                None,
                Some(10),
                "case response: add photos",
                &["accepts"],
            ),
            Platform::Amazon => p(
                &[Pdf, Jpeg, Png],
                10 * MB,
                None,
                None,
                Some(5),
                "A-to-z claim response: attachments",
                &[],
            ),
            Platform::Paypal => p(
                &[Pdf, Jpeg, Png, Gif],
                10 * MB,
                None,
                None,
                Some(10),
                "Resolution Center response: upload files",
                &["accepts", "max_file_bytes"],
            ),
            Platform::Stripe => p(
                &[Pdf, Jpeg, Png],
                5 * MB,
                Some(4_500_000),
                Some(49),
                Some(1),
                "dispute evidence: uncategorized_file (Other evidence)",
                &[
                    "accepts",
                    "max_file_bytes",
                    "max_total_bytes",
                    "max_pages",
                    "max_files",
                ],
            ),
            Platform::Shopify => p(
                &[Pdf, Jpeg, Png],
                4 * MB,
                Some(4_000_000),
                Some(49),
                Some(1),
                "chargeback response: additional evidence",
                &[],
            ),
            Platform::Other => p(
                &[Pdf, Jpeg, Png],
                10 * MB,
                Some(25 * MB),
                None,
                Some(20),
                "the dispute form's attachments",
                &[],
            ),
        }
    }

    /// The platform's profile: the built-in one, overridden by `file` when given, else by
    /// `<vault>/profiles/<platform>.json` when that exists.
    pub fn load(platform: Platform, file: Option<&Path>, vault_dir: &Path) -> Result<Profile> {
        let mut p = Profile::default_for(platform);
        let implicit = vault_dir
            .join("profiles")
            .join(format!("{}.json", platform.as_str()));
        let path: Option<PathBuf> = match file {
            Some(f) => Some(f.to_path_buf()),
            None => implicit.exists().then_some(implicit),
        };
        let Some(path) = path else { return Ok(p) };
        let text = std::fs::read_to_string(&path).at(&path)?;
        let o: Override = serde_json::from_str(&text).map_err(|e| Error::BadInput {
            path: path.clone(),
            what: format!("not a platform profile: {e}"),
            hint: "a JSON object with any of accepts, max_file_bytes, max_total_bytes, \
                   max_pages, max_files, photo_max_side, field (docs/platforms.md)"
                .into(),
        })?;
        o.apply(&mut p);
        if p.accepts.is_empty() || p.max_file_bytes < 10_000 || p.photo_max_side < 64 {
            return Err(Error::BadInput {
                path,
                what: "the profile leaves nothing that can be uploaded".into(),
                hint: "accepts needs a type, max_file_bytes at least 10000, photo_max_side at least 64".into(),
            });
        }
        p.overridden_by = Some(path.display().to_string());
        Ok(p)
    }

    pub fn takes_pdf(&self) -> bool {
        self.accepts.contains(&FileType::Pdf)
    }

    /// The image type to make: JPEG where accepted, else PNG.
    pub fn image_type(&self) -> Option<FileType> {
        [FileType::Jpeg, FileType::Png]
            .into_iter()
            .find(|t| self.accepts.contains(t))
    }
}

/// A profile file: any subset of the numbers and lists; `null` removes a limit.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Override {
    accepts: Option<Vec<FileType>>,
    max_file_bytes: Option<u64>,
    #[serde(default, with = "nullable")]
    max_total_bytes: Option<Option<u64>>,
    #[serde(default, with = "nullable")]
    max_pages: Option<Option<u32>>,
    #[serde(default, with = "nullable")]
    max_files: Option<Option<u32>>,
    photo_max_side: Option<u32>,
    field: Option<String>,
}

impl Override {
    fn apply(self, p: &mut Profile) {
        let mut changed = Vec::new();
        if let Some(v) = self.accepts {
            p.accepts = v;
            changed.push("accepts");
        }
        if let Some(v) = self.max_file_bytes {
            p.max_file_bytes = v;
            changed.push("max_file_bytes");
        }
        if let Some(v) = self.max_total_bytes {
            p.max_total_bytes = v;
            changed.push("max_total_bytes");
        }
        if let Some(v) = self.max_pages {
            p.max_pages = v;
            changed.push("max_pages");
        }
        if let Some(v) = self.max_files {
            p.max_files = v;
            changed.push("max_files");
        }
        if let Some(v) = self.photo_max_side {
            p.photo_max_side = v;
        }
        if let Some(v) = self.field {
            p.field = v;
        }
        // An overridden number is the user's, not the platform's published rule.
        p.published.retain(|f| !changed.contains(&f.as_str()));
    }
}

/// `"field": null` (remove the limit) told apart from a missing field (keep the default).
mod nullable {
    use serde::{Deserialize, Deserializer};
    pub fn deserialize<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Ok(Some(Option::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripe_defaults_are_the_published_rules() {
        let s = Profile::default_for(Platform::Stripe);
        assert_eq!(s.max_file_bytes, 5 * MB);
        assert_eq!(s.max_total_bytes, Some(4_500_000));
        assert_eq!(s.max_pages, Some(49));
        assert!(s.takes_pdf());
        assert!(s.published.contains(&"max_total_bytes".to_string()));
        let a = Profile::default_for(Platform::Aliexpress);
        assert!(!a.takes_pdf());
        assert_eq!(a.image_type(), Some(FileType::Jpeg));
    }

    #[test]
    fn a_profile_file_overrides_what_it_names() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("p.json");
        std::fs::write(
            &f,
            r#"{"max_file_bytes": 1000000, "max_total_bytes": null, "accepts": ["png"]}"#,
        )
        .unwrap();
        let p = Profile::load(Platform::Stripe, Some(&f), dir.path()).unwrap();
        assert_eq!(p.max_file_bytes, 1_000_000);
        assert_eq!(p.max_total_bytes, None);
        assert_eq!(p.max_pages, Some(49), "kept");
        assert_eq!(p.accepts, vec![FileType::Png]);
        assert!(!p.published.contains(&"max_file_bytes".to_string()));
        assert!(p.published.contains(&"max_pages".to_string()));
        assert_eq!(
            p.overridden_by.as_deref(),
            Some(f.display().to_string().as_str())
        );

        // The vault's profiles/ folder is read when no file is given.
        std::fs::create_dir(dir.path().join("profiles")).unwrap();
        std::fs::write(dir.path().join("profiles/ebay.json"), r#"{"max_files": 3}"#).unwrap();
        let p = Profile::load(Platform::Ebay, None, dir.path()).unwrap();
        assert_eq!(p.max_files, Some(3));

        for bad in [
            r#"{"max_file_byte": 1}"#,
            r#"{"accepts": ["tiff"]}"#,
            "nope",
            r#"{"accepts": []}"#,
        ] {
            std::fs::write(&f, bad).unwrap();
            let e = Profile::load(Platform::Stripe, Some(&f), dir.path()).unwrap_err();
            assert!(e.to_string().contains("p.json"), "{e}");
        }
    }
}
