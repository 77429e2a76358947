//! `vault buyer flag|unflag|forget|export|import`: the blacklist, and erasing a buyer's personal
//! data; `--buyer ID` on `add`, `track` and `dispute open` (recorded, and warned about when the
//! buyer is flagged).

use std::io::{self, Write};
use std::path::PathBuf;

use serde::Serialize;

use super::Ctx;
use crate::buyers::{self, FlagEntry, FlagEvent, Flags, NewFlag};
use crate::cli::output::{Report, escape_str};
use crate::error::{Error, Exit, Result};
use crate::ledger::{Appender, Event, NewEntry};
use crate::store::Vault;
use crate::store::order::OrderId;

/// The buyers' blacklist: flag, unflag, share as CSV; erase a buyer's personal data
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vault buyer flag cn1234567 --reason \"claimed an empty parcel twice\" --order 8123456789012345\n  vault buyer unflag cn1234567 --reason \"resolved with the buyer\"\n  vault buyer export > blacklist.csv      # to share with another shop\n  vault buyer import blacklist.csv\n  vault buyer forget cn1234567            # erase the ID and name (GDPR); chains stay whole"
)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
    /// Who records it [default: the OS user]
    #[arg(long, global = true, value_name = "NAME")]
    pub by: Option<String>,
}

#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Put a buyer on the blacklist, with the reason
    Flag {
        #[arg(value_name = "ID", value_parser = buyers::check_id)]
        id: String,
        #[arg(long, value_name = "TEXT", value_parser = reason)]
        reason: String,
        /// The order it concerns
        #[arg(long, value_name = "ORDER", value_parser = super::args::parse_order)]
        order: Option<OrderId>,
    },
    /// Take a buyer off the blacklist, with the reason
    Unflag {
        #[arg(value_name = "ID", value_parser = buyers::check_id)]
        id: String,
        #[arg(long, value_name = "TEXT", value_parser = reason)]
        reason: String,
    },
    /// Erase a buyer's ID and name from the vault (the right to erasure); hashed records keep
    /// only the buyer's key, so every chain still verifies
    Forget {
        #[arg(value_name = "ID", value_parser = buyers::check_id)]
        id: String,
    },
    /// The flagged buyers as CSV on stdout (buyer_id,reason,flagged_at), to share a blacklist
    Export,
    /// Flag the buyers of a CSV file made by `export` (or with a buyer_id column) not flagged yet
    Import {
        #[arg(value_name = "FILE.csv")]
        file: PathBuf,
    },
}

fn reason(s: &str) -> std::result::Result<String, String> {
    let t = s.trim();
    if t.is_empty() || t.len() > 1000 {
        return Err("give a reason of 1 to 1000 bytes".into());
    }
    Ok(t.to_string())
}

/// `--buyer ID [--buyer-name NAME]`, for commands about an order.
#[derive(Debug, Clone, clap::Args)]
pub struct BuyerArgs {
    /// The order's buyer, by the platform's buyer or account ID: recorded with the order (by a
    /// key; the ID itself is kept apart, erasable with `vault buyer forget`); warned about when
    /// flagged
    #[arg(long, value_name = "ID", value_parser = buyers::check_id)]
    pub buyer: Option<String>,
    /// The buyer's name, kept with the ID (erasable)
    #[arg(long, value_name = "NAME", requires = "buyer")]
    pub buyer_name: Option<String>,
}

impl BuyerArgs {
    /// Remember the buyer and stage a `buyer` entry in `app` when the order's recorded buyer is
    /// another (or none); the flag in force for the buyer, if any.
    pub fn stage(
        &self,
        vault: &Vault,
        app: &mut Appender,
        by: &str,
    ) -> Result<Option<(String, FlagEntry)>> {
        let Some(id) = &self.buyer else {
            return Ok(None);
        };
        let key = buyers::remember(vault, id, self.buyer_name.as_deref())?;
        if crate::case::buyer(app.ledger()) != Some(key.as_str()) {
            app.push(NewEntry {
                at: chrono::Utc::now(),
                by: by.to_string(),
                event: Event::Buyer { buyer: key.clone() },
                note: None,
            });
            // The buyer's order index (a cache: readers check each order's own ledger).
            buyers::index_order(vault, &key, app.order());
        }
        Ok(Flags::read(vault)?
            .flagged(&key)
            .cloned()
            .map(|f| (id.clone(), f)))
    }

    /// Record the buyer of `order` in its own append (for `add`, whose items are appended by
    /// ingest); the flag in force, if any.
    pub fn record(
        &self,
        vault: &Vault,
        order: &OrderId,
        by: &str,
    ) -> Result<Option<(String, FlagEntry)>> {
        if self.buyer.is_none() {
            return Ok(None);
        }
        let mut app = Appender::open(vault, order)?;
        let flag = self.stage(vault, &mut app, by)?;
        app.commit()?;
        Ok(flag)
    }
}

/// Warn that the order's buyer is flagged; with `strict`, the command exits 4.
pub fn warn_flagged(ctx: &Ctx, flag: &Option<(String, FlagEntry)>) {
    if let Some((id, f)) = flag {
        ctx.out.warn(&format!(
            "buyer {} is on the blacklist: {} (flagged {} by {}{}); `vault buyers --flagged` lists them",
            escape_str(id),
            escape_str(&f.reason),
            crate::cli::output::when(&crate::time::format_time(&f.at)),
            escape_str(&f.by),
            f.order
                .as_ref()
                .map(|o| format!(", order {o}"))
                .unwrap_or_default()
        ));
    }
}

#[derive(Serialize)]
pub struct BuyerReport {
    pub action: &'static str,
    pub buyer: String,
    /// The blacklist entry written (flag, unflag, import), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// `forget`: whether the vault held the buyer's personal data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub erased: Option<bool>,
    /// `import`: the buyers flagged, and those already flagged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imported: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub already_flagged: Option<u64>,
}

impl Report for BuyerReport {
    const COMMAND: &'static str = "buyer";
    fn human(&self, w: &mut dyn Write, _quiet: bool) -> io::Result<()> {
        match (self.erased, self.imported) {
            (Some(true), _) => writeln!(
                w,
                "forgot  {}  (its ID and name are erased; records name it by key only)",
                self.buyer
            ),
            (Some(false), _) => writeln!(w, "forget  {}  (no personal data was held)", self.buyer),
            (_, Some(n)) => writeln!(
                w,
                "imported  {n} flagged, {} already flagged",
                self.already_flagged.unwrap_or(0)
            ),
            _ => writeln!(w, "{}  {}", self.action, escape_str(&self.buyer)),
        }
    }
}

/// One flagged buyer, as `export` writes it.
#[derive(Serialize)]
pub struct Flagged {
    pub buyer_id: String,
    pub reason: String,
    pub flagged_at: String,
}

/// `export`: the flagged buyers; CSV for people and other shops, rows with `--json`.
#[derive(Serialize)]
pub struct Export {
    pub flagged: Vec<Flagged>,
}

impl Report for Export {
    const COMMAND: &'static str = "buyer";
    fn human(&self, w: &mut dyn Write, _quiet: bool) -> io::Result<()> {
        writeln!(w, "buyer_id,reason,flagged_at")?;
        for f in &self.flagged {
            writeln!(
                w,
                "{},{},{}",
                buyers::csv_field(&f.buyer_id),
                buyers::csv_field(&f.reason),
                f.flagged_at
            )?;
        }
        Ok(())
    }
}

pub fn run(args: Args, ctx: &Ctx) -> Result<Exit> {
    let vault = ctx.open_vault_to_append()?;
    let by = ctx.who(args.by)?;
    let report = match args.action {
        Action::Flag { id, reason, order } => {
            let key = buyers::remember(&vault, &id, None)?;
            let e = buyers::append(
                &vault,
                vec![NewFlag::new(FlagEvent::Flag, key, reason, order)],
                &by,
            )?;
            BuyerReport {
                action: "flagged",
                buyer: id,
                seq: e.first().map(|e| e.seq),
                erased: None,
                imported: None,
                already_flagged: None,
            }
        }
        Action::Unflag { id, reason } => {
            let key = buyers::key(&vault, &id)?;
            if Flags::read(&vault)?.flagged(&key).is_none() {
                return Err(Error::Usage(format!("buyer {id} is not flagged")));
            }
            let e = buyers::append(
                &vault,
                vec![NewFlag::new(FlagEvent::Unflag, key, reason, None)],
                &by,
            )?;
            BuyerReport {
                action: "unflagged",
                buyer: id,
                seq: e.first().map(|e| e.seq),
                erased: None,
                imported: None,
                already_flagged: None,
            }
        }
        Action::Forget { id } => {
            let erased = buyers::forget(&vault, &id)?;
            BuyerReport {
                action: "forgot",
                buyer: buyers::key(&vault, &id)?,
                seq: None,
                erased: Some(erased),
                imported: None,
                already_flagged: None,
            }
        }
        Action::Export => {
            let flags = Flags::read(&vault)?;
            let people = buyers::people(&vault)?;
            let flagged = flags
                .latest()
                .into_iter()
                .filter(|(_, f)| f.event == FlagEvent::Flag)
                .map(|(key, f)| Flagged {
                    // A buyer whose ID was erased is shared by key, which only this vault matches.
                    buyer_id: people.get(key).map_or(key, |p| p.id.as_str()).to_string(),
                    reason: f.reason.clone(),
                    flagged_at: crate::time::format_time(&f.at),
                })
                .collect();
            ctx.out.report(&Export { flagged });
            return Ok(Exit::Success);
        }
        Action::Import { file } => {
            let bytes = crate::bounded::read_file_at_most(&file, 16 << 20).map_err(|what| {
                Error::BadInput {
                    path: file.clone(),
                    what,
                    hint: "give a CSV file made by `vault buyer export`".into(),
                }
            })?;
            let bad = |what: String| {
                Error::BadInput {
                path: file.clone(),
                what,
                hint: "a CSV file with a header line naming buyer_id (and reason), as `vault buyer export` writes".into(),
            }
            };
            let text = String::from_utf8(bytes).map_err(|_| bad("not UTF-8 text".into()))?;
            let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
            let records = buyers::csv_records(text).map_err(bad)?;
            let header = records.first().ok_or_else(|| bad("empty".into()))?;
            let col = |name: &str| header.iter().position(|h| h.trim() == name);
            let id_col = col("buyer_id").ok_or_else(|| bad("no buyer_id column".into()))?;
            let reason_col = col("reason");
            let mut ids = Vec::new();
            for (n, r) in records.iter().enumerate().skip(1) {
                if r.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                let id = r
                    .get(id_col)
                    .ok_or_else(|| bad(format!("line {}: no buyer_id", n + 1)))?;
                let id = buyers::check_id(id).map_err(|e| bad(format!("line {}: {e}", n + 1)))?;
                let why = reason_col
                    .and_then(|c| r.get(c))
                    .map(|s| s.trim())
                    .filter(|s| !s.is_empty())
                    .unwrap_or("no reason given");
                ids.push((id, why.to_string()));
            }
            let name = file.file_name().map_or_else(
                || file.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            // A key exported after erasure is already a key here; the rest are IDs, remembered
            // in one rewrite of the table.
            let is_key = |id: &str| id.starts_with("b-") && id.len() == 26;
            let named: Vec<(&str, Option<&str>)> = ids
                .iter()
                .filter(|(id, _)| !is_key(id))
                .map(|(id, _)| (id.as_str(), None))
                .collect();
            let mut keys = buyers::remember_all(&vault, &named)?.into_iter();
            let flags = Flags::read(&vault)?;
            let mut flagged: std::collections::BTreeSet<String> = flags
                .latest()
                .into_iter()
                .filter(|(_, e)| e.event == FlagEvent::Flag)
                .map(|(k, _)| k.to_string())
                .collect();
            let mut new = Vec::new();
            let mut already = 0;
            for (id, why) in ids {
                let key = if is_key(&id) {
                    id
                } else {
                    keys.next().expect("a key per ID")
                };
                if !flagged.insert(key.clone()) {
                    already += 1;
                    continue;
                }
                let reason = format!("imported from {name}: {why}");
                new.push(NewFlag::new(FlagEvent::Flag, key, reason, None));
            }
            let imported = new.len() as u64;
            let written = if new.is_empty() {
                Vec::new()
            } else {
                buyers::append(&vault, new, &by)?
            };
            let seq = written.last().map(|e| e.seq);
            BuyerReport {
                action: "imported",
                buyer: name,
                seq,
                erased: None,
                imported: Some(imported),
                already_flagged: Some(already),
            }
        }
    };
    ctx.out.report(&report);
    Ok(Exit::Success)
}
