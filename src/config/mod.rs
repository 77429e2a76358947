//! Settings, the git/cargo way: per-user defaults in `$XDG_CONFIG_HOME/vault/config.toml`, the
//! vault's own `vault.toml` (shared by everyone using that vault) over them, environment variables
//! over both; a command's flags go over everything (the commands apply them).
//!
//! Settings only choose defaults for what a command does next. Changing one never rewrites
//! evidence already filed: what was assumed at filing (a chat export's zone, say) stays recorded
//! with the item.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::dispute::Platform;
use crate::error::{Error, IoContext, Result};
use crate::evidence::chat::DateOrder;

/// The vault's settings file, in the vault's root.
pub const VAULT_FILE: &str = "vault.toml";
/// Largest settings file read (it is a few lines).
const MAX_FILE: u64 = 1 << 20;

/// What a key holds, and so how its value is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Zone,
    Name,
    DateOrder,
    Urls,
    Platform,
    File,
    Dirs,
}

/// One settable key.
#[derive(Debug)]
pub struct KeyInfo {
    pub name: &'static str,
    /// The environment variable that overrides the files.
    pub env: &'static str,
    pub what: &'static str,
    shape: Shape,
}

/// Every key there is. `profile.<platform>` stands for one key per platform.
pub const KEYS: &[KeyInfo] = &[
    KeyInfo {
        name: "timezone",
        env: "VAULT_TIMEZONE",
        what: "the shop's zone (IANA name such as Asia/Shanghai, or an offset such as +08:00): assumed for chat times written without one",
        shape: Shape::Zone,
    },
    KeyInfo {
        name: "station",
        env: "VAULT_STATION",
        what: "who is adding, the default --by (a packing station, a person)",
        shape: Shape::Name,
    },
    KeyInfo {
        name: "date-order",
        env: "VAULT_DATE_ORDER",
        what: "day/month order for chat exports that do not show it: dmy, mdy or ymd",
        shape: Shape::DateOrder,
    },
    KeyInfo {
        name: "tsa",
        env: "VAULT_TSA",
        what: "Time-Stamp Authorities' http:// URLs, comma-separated (roots saved with `vault stamp --save`, else the system's)",
        shape: Shape::Urls,
    },
    KeyInfo {
        name: "platform",
        env: "VAULT_PLATFORM",
        what: "the default `bundle --platform`",
        shape: Shape::Platform,
    },
    KeyInfo {
        name: "profile.<platform>",
        env: "VAULT_PROFILE_<PLATFORM>",
        what: "a platform profile file for `bundle --platform` (relative to the settings file's folder)",
        shape: Shape::File,
    },
    KeyInfo {
        name: "fonts",
        env: "VAULT_FONTS",
        what: "folders of fonts for the summary PDF's scripts beyond the embedded one, comma-separated, looked in before the system's (relative to the settings file's folder)",
        shape: Shape::Dirs,
    },
];

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// The per-user defaults file.
    User {
        #[serde(serialize_with = "crate::paths::lossy")]
        path: PathBuf,
    },
    /// The vault's `vault.toml`.
    Vault {
        #[serde(serialize_with = "crate::paths::lossy")]
        path: PathBuf,
    },
    /// An environment variable.
    Env { var: String },
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::User { path } | Source::Vault { path } => write!(f, "{}", path.display()),
            Source::Env { var } => write!(f, "${var}"),
        }
    }
}

/// A value as it is written: text, or a list (`tsa`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Text(String),
    List(Vec<String>),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Text(t) => f.write_str(t),
            Value::List(l) => f.write_str(&l.join(",")),
        }
    }
}

/// One key's value in force, and where it came from.
#[derive(Debug, Clone, Serialize)]
pub struct Setting {
    pub key: String,
    pub value: Value,
    pub source: Source,
}

pub use crate::time::Zone;

/// The settings in force for one vault.
#[derive(Debug, Default)]
pub struct Settings {
    values: BTreeMap<String, Setting>,
}

impl Settings {
    /// Read the per-user file, then the vault's (`vault_dir/vault.toml`), then the environment.
    /// A file that is not valid TOML, names an unknown key or holds a bad value is an error naming
    /// the file.
    pub fn load(vault_dir: &Path) -> Result<Settings> {
        let mut s = Settings::default();
        if let Some(user) = user_file() {
            s.read(&user, |path| Source::User { path })?;
        }
        s.read(&vault_dir.join(VAULT_FILE), |path| Source::Vault { path })?;
        for (var, raw) in std::env::vars_os() {
            let Some(var) = var.to_str() else { continue };
            let Some(key) = key_of_env(var) else { continue };
            let raw = raw.to_string_lossy();
            let value =
                check(&key, &raw).map_err(|what| Error::Usage(format!("${var}: {what}")))?;
            s.values.insert(
                key.clone(),
                Setting {
                    key,
                    value,
                    source: Source::Env {
                        var: var.to_string(),
                    },
                },
            );
        }
        Ok(s)
    }

    fn read(&mut self, path: &Path, source: impl Fn(PathBuf) -> Source) -> Result<()> {
        let Some(table) = read_table(path)? else {
            return Ok(());
        };
        for (key, value) in flatten(path, &table)? {
            self.values.insert(
                key.clone(),
                Setting {
                    key,
                    value,
                    source: source(path.to_path_buf()),
                },
            );
        }
        Ok(())
    }

    /// Every value in force, by key.
    pub fn all(&self) -> impl Iterator<Item = &Setting> {
        self.values.values()
    }

    pub fn get(&self, key: &str) -> Option<&Setting> {
        self.values.get(key)
    }

    fn text(&self, key: &str) -> Option<&str> {
        match &self.values.get(key)?.value {
            Value::Text(t) => Some(t),
            Value::List(_) => None,
        }
    }

    pub fn timezone(&self) -> Option<Zone> {
        self.text("timezone").and_then(|t| Zone::parse(t).ok())
    }

    pub fn station(&self) -> Option<&str> {
        self.text("station")
    }

    pub fn date_order(&self) -> Option<DateOrder> {
        let t = self.text("date-order")?;
        DateOrder::ALL.into_iter().find(|d| d.as_str() == t)
    }

    pub fn platform(&self) -> Option<Platform> {
        let t = self.text("platform")?;
        Platform::ALL.into_iter().find(|p| p.as_str() == t)
    }

    /// The profile file set for `platform`, resolved against the folder of the file that set it
    /// (the working directory for an environment variable).
    pub fn profile(&self, platform: Platform) -> Option<PathBuf> {
        let s = self.values.get(&format!("profile.{}", platform.as_str()))?;
        let Value::Text(t) = &s.value else {
            return None;
        };
        let p = PathBuf::from(t);
        Some(match &s.source {
            Source::User { path } | Source::Vault { path } if p.is_relative() => {
                path.parent().map_or_else(|| p.clone(), |d| d.join(&p))
            }
            _ => p,
        })
    }

    /// The `fonts` folders, each resolved against the folder of the file that set it (the
    /// working directory for the environment variable).
    pub fn fonts(&self) -> Vec<PathBuf> {
        let Some(s) = self.values.get("fonts") else {
            return Vec::new();
        };
        let dirs = match &s.value {
            Value::List(l) => l.clone(),
            Value::Text(t) => vec![t.clone()],
        };
        dirs.into_iter()
            .map(|d| {
                let p = PathBuf::from(d);
                match &s.source {
                    Source::User { path } | Source::Vault { path } if p.is_relative() => {
                        path.parent().map_or_else(|| p.clone(), |dir| dir.join(&p))
                    }
                    _ => p,
                }
            })
            .collect()
    }

    pub fn tsa(&self) -> Vec<String> {
        match self.values.get("tsa").map(|s| &s.value) {
            Some(Value::List(l)) => l.clone(),
            Some(Value::Text(t)) => vec![t.clone()],
            None => Vec::new(),
        }
    }
}

/// `$XDG_CONFIG_HOME/vault/config.toml`, else `~/.config/vault/config.toml`.
pub fn user_file() -> Option<PathBuf> {
    crate::paths::xdg_dir("XDG_CONFIG_HOME", ".config").map(|d| d.join("vault").join("config.toml"))
}

/// The key a `VAULT_…` variable sets, if it is one of ours.
fn key_of_env(var: &str) -> Option<String> {
    if let Some(p) = var.strip_prefix("VAULT_PROFILE_") {
        return Some(format!("profile.{}", p.to_ascii_lowercase()));
    }
    KEYS.iter()
        .find(|k| k.env == var && k.shape != Shape::File)
        .map(|k| k.name.to_string())
}

fn info(key: &str) -> Option<&'static KeyInfo> {
    if key.starts_with("profile.") {
        return KEYS.iter().find(|k| k.shape == Shape::File);
    }
    KEYS.iter().find(|k| k.name == key)
}

/// The list of keys, for an error message.
fn key_list() -> String {
    let platforms: Vec<&str> = Platform::ALL.iter().map(|p| p.as_str()).collect();
    format!(
        "valid keys: {} (platform one of {})",
        KEYS.iter().map(|k| k.name).collect::<Vec<_>>().join(", "),
        platforms.join(", ")
    )
}

/// Check `raw` as a value of `key`; returns the value as it is stored.
pub fn check(key: &str, raw: &str) -> std::result::Result<Value, String> {
    let Some(k) = info(key) else {
        return Err(format!("unknown key {key:?}; {}", key_list()));
    };
    let raw = raw.trim();
    let one_of = |what: &str, names: Vec<&str>| {
        if names.contains(&raw) {
            Ok(Value::Text(raw.to_string()))
        } else {
            Err(format!(
                "{key}: {raw:?} is not {what}: one of {}",
                names.join(", ")
            ))
        }
    };
    match k.shape {
        Shape::Zone => Zone::parse(raw)
            .map(|_| Value::Text(raw.to_string()))
            .map_err(|e| format!("{key}: {e}")),
        Shape::Name if raw.is_empty() => Err(format!("{key} must not be empty")),
        Shape::Name => Ok(Value::Text(raw.to_string())),
        Shape::DateOrder => one_of(
            "a date order",
            DateOrder::ALL.iter().map(|d| d.as_str()).collect(),
        ),
        Shape::Platform => one_of(
            "a platform",
            Platform::ALL.iter().map(|p| p.as_str()).collect(),
        ),
        Shape::Urls => {
            let urls: Vec<String> = raw
                .split(',')
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .map(String::from)
                .collect();
            if urls.is_empty() {
                return Err(format!("{key}: give at least one http:// URL"));
            }
            if let Some(bad) = urls.iter().find(|u| !u.starts_with("http://")) {
                return Err(format!(
                    "{key}: {bad:?} is not an http:// URL (TSAs serve plain HTTP: the token is signed; this build has no TLS)"
                ));
            }
            Ok(Value::List(urls))
        }
        Shape::Dirs => {
            let dirs: Vec<String> = raw
                .split(',')
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(String::from)
                .collect();
            if dirs.is_empty() {
                return Err(format!("{key}: give at least one folder"));
            }
            Ok(Value::List(dirs))
        }
        Shape::File => {
            let platform = key.trim_start_matches("profile.");
            if !Platform::ALL.iter().any(|p| p.as_str() == platform) {
                return Err(format!("unknown key {key:?}; {}", key_list()));
            }
            if raw.is_empty() {
                return Err(format!("{key}: give a profile file's path"));
            }
            Ok(Value::Text(raw.to_string()))
        }
    }
}

/// A settings file that cannot be used as it is.
fn bad_file(path: &Path, what: String) -> Error {
    Error::BadInput {
        path: path.to_path_buf(),
        what,
        hint: "fix or remove the file; `vault config set KEY VALUE` writes it".into(),
    }
}

/// A settings file as a TOML table; `None` when there is no such file.
fn read_table(path: &Path) -> Result<Option<toml::Table>> {
    let bytes = match crate::bounded::read_file_at_most(path, MAX_FILE) {
        Ok(b) => b,
        Err(_) if !path.exists() => return Ok(None),
        Err(what) => {
            return Err(Error::BadInput {
                path: path.to_path_buf(),
                what,
                hint: "a settings file is TOML: `vault config list` shows the keys".into(),
            });
        }
    };
    let bad = |what: String| bad_file(path, what);
    let text = String::from_utf8(bytes).map_err(|_| bad("not UTF-8 text".into()))?;
    text.parse::<toml::Table>()
        .map(Some)
        .map_err(|e| bad(format!("not valid TOML: {}", e.message())))
}

/// The keys and values of a settings table, checked.
fn flatten(path: &Path, table: &toml::Table) -> Result<Vec<(String, Value)>> {
    let bad = |what: String| bad_file(path, what);
    let mut out = Vec::new();
    for (k, v) in table {
        match (k.as_str(), v) {
            ("profile", toml::Value::Table(t)) => {
                for (platform, v) in t {
                    let key = format!("profile.{platform}");
                    let toml::Value::String(s) = v else {
                        return Err(bad(format!("{key}: a profile is a path (a string)")));
                    };
                    out.push((key.clone(), check(&key, s).map_err(bad)?));
                }
            }
            ("fonts", toml::Value::Array(a)) => {
                let dirs: Option<Vec<&str>> = a.iter().map(toml::Value::as_str).collect();
                let dirs = dirs.ok_or_else(|| bad("fonts: a list of folder names".into()))?;
                out.push((
                    "fonts".into(),
                    check("fonts", &dirs.join(",")).map_err(bad)?,
                ));
            }
            ("tsa", toml::Value::Array(a)) => {
                let urls: Option<Vec<&str>> = a.iter().map(toml::Value::as_str).collect();
                let urls = urls.ok_or_else(|| bad("tsa: a list of URL strings".into()))?;
                out.push(("tsa".into(), check("tsa", &urls.join(",")).map_err(bad)?));
            }
            (_, toml::Value::String(s)) => out.push((k.clone(), check(k, s).map_err(bad)?)),
            _ if info(k).is_none() || k == "profile" => {
                return Err(bad(format!("unknown key {k:?}; {}", key_list())));
            }
            _ => return Err(bad(format!("{k}: the value must be a string"))),
        }
    }
    Ok(out)
}

/// Set `key` to `raw` in the settings file at `path` (made if missing), written atomically.
pub fn set(path: &Path, key: &str, raw: &str) -> Result<Value> {
    let value = check(key, raw).map_err(Error::Usage)?;
    let mut table = read_table(path)?.unwrap_or_default();
    let toml_value = match &value {
        Value::Text(t) => toml::Value::String(t.clone()),
        Value::List(l) => toml::Value::Array(l.iter().cloned().map(toml::Value::String).collect()),
    };
    match key.strip_prefix("profile.") {
        Some(platform) => {
            let entry = table
                .entry("profile")
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if !entry.is_table() {
                *entry = toml::Value::Table(toml::Table::new());
            }
            if let toml::Value::Table(t) = entry {
                t.insert(platform.to_string(), toml_value);
            }
        }
        None => {
            table.insert(key.to_string(), toml_value);
        }
    }
    write(path, &table)?;
    Ok(value)
}

/// Remove `key` from the settings file at `path`; whether it was there.
pub fn unset(path: &Path, key: &str) -> Result<bool> {
    if info(key).is_none() {
        return Err(Error::Usage(format!("unknown key {key:?}; {}", key_list())));
    }
    let Some(mut table) = read_table(path)? else {
        return Ok(false);
    };
    let removed = match key.strip_prefix("profile.") {
        Some(platform) => {
            let removed = table
                .get_mut("profile")
                .and_then(toml::Value::as_table_mut)
                .and_then(|t| t.remove(platform))
                .is_some();
            if table
                .get("profile")
                .and_then(toml::Value::as_table)
                .is_some_and(toml::Table::is_empty)
            {
                table.remove("profile");
            }
            removed
        }
        None => table.remove(key).is_some(),
    };
    if removed {
        write(path, &table)?;
    }
    Ok(removed)
}

fn write(path: &Path, table: &toml::Table) -> Result<()> {
    let text = format!(
        "# vault settings: `vault config list` shows every key and where its value comes from.\n{}",
        toml::to_string(table).map_err(|e| Error::Usage(format!("writing settings: {e}")))?
    );
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).at(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".vault-settings-")
        .tempfile_in(dir)
        .at(dir)?;
    std::io::Write::write_all(&mut tmp, text.as_bytes()).at(tmp.path())?;
    tmp.as_file().sync_all().at(tmp.path())?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDateTime;

    #[test]
    fn zones_by_name_and_offset() {
        let t = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        let sh = Zone::parse("Asia/Shanghai").unwrap();
        assert_eq!(
            sh.assumed_for([t("2022-03-18 14:56")].into_iter()),
            "+08:00"
        );
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        assert_eq!(
            berlin.assumed_for([t("2026-01-10 09:00")].into_iter()),
            "+01:00"
        );
        assert_eq!(
            berlin.assumed_for([t("2026-03-28 09:00"), t("2026-03-30 09:00")].into_iter()),
            "Europe/Berlin (+01:00, +02:00)"
        );
        assert_eq!(
            Zone::parse("+05:30")
                .unwrap()
                .assumed_for(std::iter::empty()),
            "+05:30"
        );
        assert!(Zone::parse("Mars/Olympus").unwrap_err().contains("IANA"));
    }

    #[test]
    fn values_are_checked_and_unknown_keys_list_the_valid_ones() {
        assert_eq!(check("date-order", "dmy"), Ok(Value::Text("dmy".into())));
        assert!(
            check("date-order", "dym")
                .unwrap_err()
                .contains("dmy, mdy, ymd")
        );
        assert!(
            check("colour", "red")
                .unwrap_err()
                .contains("valid keys: timezone, station")
        );
        assert!(
            check("profile.etsy", "x.json")
                .unwrap_err()
                .contains("unknown key")
        );
        assert_eq!(
            check("tsa", "http://a/, http://b/"),
            Ok(Value::List(vec!["http://a/".into(), "http://b/".into()]))
        );
        assert!(check("tsa", "https://a/").unwrap_err().contains("http://"));
        assert!(check("platform", "stripe").is_ok());
        assert!(check("station", "  ").is_err());
    }

    #[test]
    fn set_unset_round_trip_through_the_file() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join(VAULT_FILE);
        set(&f, "timezone", "Asia/Shanghai").unwrap();
        set(&f, "tsa", "http://a/,http://b/").unwrap();
        set(&f, "profile.stripe", "profiles/s.json").unwrap();
        let mut s = Settings::default();
        s.read(&f, |path| Source::Vault { path }).unwrap();
        assert_eq!(s.timezone(), Some(Zone::Named(chrono_tz::Asia::Shanghai)));
        assert_eq!(s.tsa(), vec!["http://a/", "http://b/"]);
        assert_eq!(
            s.profile(Platform::Stripe),
            Some(d.path().join("profiles/s.json"))
        );
        assert!(unset(&f, "profile.stripe").unwrap());
        assert!(!unset(&f, "profile.stripe").unwrap());
        let text = fs::read_to_string(&f).unwrap();
        assert!(!text.contains("profile"), "{text}");
        fs::write(&f, "timezone = 8\n").unwrap();
        let e = Settings::default()
            .read(&f, |path| Source::Vault { path })
            .unwrap_err();
        assert!(e.to_string().contains("must be a string"), "{e}");
        fs::write(&f, "timezone = \"Asia/Shanghai\"\nfavourite = \"x\"\n").unwrap();
        let e = Settings::default()
            .read(&f, |path| Source::Vault { path })
            .unwrap_err();
        assert!(e.to_string().contains("unknown key \"favourite\""), "{e}");
        fs::write(&f, "timezone = [").unwrap();
        let e = Settings::default()
            .read(&f, |path| Source::Vault { path })
            .unwrap_err();
        assert!(e.to_string().contains("not valid TOML"), "{e}");
    }
}
