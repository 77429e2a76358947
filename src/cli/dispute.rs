//! `vault dispute open|note|close ORDER ...`: record a dispute's life in the order's ledger.

use std::io::{self, Write};

use chrono::{DateTime, FixedOffset, Timelike, Utc};
use serde::Serialize;

use super::Ctx;
use crate::cli::output::Report;
use crate::dispute::{self, Outcome, Platform};
use crate::dispute::{DisputeClosed, DisputeOpened};
use crate::error::{Error, Exit, Result};
use crate::ledger::{Appender, Event, NewEntry};
use crate::store::order::OrderId;

/// Record a dispute: opened, noted, closed
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vault dispute open 8123456789012345 --platform aliexpress --reason not-received\n  vault dispute note 8123456789012345 'sent tracking and packing photos'\n  vault dispute close 8123456789012345 --outcome won"
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
    /// A buyer opened a dispute; the answer's deadline follows the platform's rule unless --due
    Open {
        #[arg(value_name = "ORDER", value_parser = super::args::parse_order)]
        order: OrderId,
        #[arg(long, value_enum)]
        platform: Platform,
        /// not-received[:invalid-tracking|in-transit|customs|returned],
        /// not-as-described[:quality|damaged|wrong-size|wrong-colour|missing-parts|counterfeit], other;
        /// or as the platform writes it: fraudulent, unrecognized, product_not_received,
        /// product_unacceptable, duplicate, subscription_canceled, credit_not_processed, general
        /// (Stripe), item-not-received, significantly-not-as-described, unauthorized (PayPal, eBay),
        /// materially-different (Amazon)
        #[arg(long, value_parser = dispute::Reason::parse)]
        reason: dispute::Reason,
        /// When the buyer opened it (RFC 3339) [default: now, in the `timezone` setting's zone]
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        opened_at: Option<DateTime<FixedOffset>>,
        /// The platform's own deadline for this case (RFC 3339); required reading for PayPal, Stripe, Shopify
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        due: Option<DateTime<FixedOffset>>,
        /// The platform's case id
        #[arg(long, value_name = "ID")]
        case: Option<String>,
        /// The amount in dispute (the order's value), e.g. 812.00; eBay wants signature proof at $750
        #[arg(long, value_name = "AMOUNT", value_parser = parse_amount, requires = "currency")]
        amount: Option<String>,
        /// ISO 4217 currency of --amount, e.g. USD
        #[arg(long, value_name = "CODE", value_parser = parse_currency)]
        currency: Option<String>,
        /// When the buyer placed the order (RFC 3339), for the summary's key dates
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        ordered_at: Option<DateTime<FixedOffset>>,
        #[command(flatten)]
        buyer: super::buyer::BuyerArgs,
        /// Exit 4 when the buyer is on the blacklist (the dispute is recorded all the same)
        #[arg(long)]
        strict: bool,
    },
    /// A note on the dispute (what was answered, what the buyer said)
    Note {
        #[arg(value_name = "ORDER", value_parser = super::args::parse_order)]
        order: OrderId,
        #[arg(value_name = "TEXT")]
        text: String,
    },
    /// The dispute moved on: negotiating with the buyer, or escalated to the platform; the
    /// stage's deadline follows the platform's rule (AliExpress: negotiation to day 15, 3 days
    /// after an escalation; a guess, docs/platforms.md) unless --due
    Stage {
        #[arg(value_name = "ORDER", value_parser = super::args::parse_order)]
        order: OrderId,
        #[arg(long, value_enum)]
        stage: dispute::Stage,
        /// When the stage began (RFC 3339) [default: now]
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        at: Option<DateTime<FixedOffset>>,
        /// The stage's own deadline, as the platform gives it (RFC 3339)
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        due: Option<DateTime<FixedOffset>>,
    },
    /// A refund offered to settle the dispute, and the buyer's answer once known
    Offer {
        #[arg(value_name = "ORDER", value_parser = super::args::parse_order)]
        order: OrderId,
        /// The refund offered, e.g. 8.00
        #[arg(long, value_name = "AMOUNT", value_parser = parse_amount)]
        refund: String,
        /// ISO 4217 currency, e.g. USD
        #[arg(long, value_name = "CODE", value_parser = parse_currency)]
        currency: String,
        /// The buyer accepted it
        #[arg(long, conflicts_with = "declined")]
        accepted: bool,
        /// The buyer declined it
        #[arg(long)]
        declined: bool,
    },
    /// The dispute ended
    Close {
        #[arg(value_name = "ORDER", value_parser = super::args::parse_order)]
        order: OrderId,
        #[arg(long, value_enum)]
        outcome: Outcome,
        /// Amount refunded, e.g. 8.00
        #[arg(long, value_name = "AMOUNT", value_parser = parse_amount, requires = "currency")]
        amount: Option<String>,
        /// ISO 4217 currency, e.g. USD
        #[arg(long, value_name = "CODE", value_parser = parse_currency)]
        currency: Option<String>,
    },
}

fn parse_time(s: &str) -> std::result::Result<DateTime<FixedOffset>, String> {
    DateTime::parse_from_rfc3339(s.trim())
        .map_err(|_| format!("{s:?} is not RFC 3339, e.g. 2026-11-20T10:00:00+08:00"))
}

fn parse_amount(s: &str) -> std::result::Result<String, String> {
    let ok = !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && s.matches('.').count() <= 1;
    ok.then(|| s.to_string())
        .ok_or_else(|| format!("{s:?} is not an amount like 8.00"))
}

fn parse_currency(s: &str) -> std::result::Result<String, String> {
    let u = s.trim().to_uppercase();
    (u.len() == 3 && u.bytes().all(|b| b.is_ascii_uppercase()))
        .then_some(u)
        .ok_or_else(|| format!("{s:?} is not a currency code like USD"))
}

#[derive(Serialize)]
pub struct DisputeReport {
    pub order: OrderId,
    pub action: &'static str,
    pub seq: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
}

impl Report for DisputeReport {
    const COMMAND: &'static str = "dispute";
    fn human(&self, w: &mut dyn Write, quiet: bool) -> io::Result<()> {
        if quiet {
            return Ok(());
        }
        write!(w, "{}  {}", self.action, self.order)?;
        match &self.due {
            Some(d) => writeln!(w, "  answer due {}", super::output::when(d)),
            None => writeln!(w),
        }
    }
}

/// An amount must fit its currency (no more decimals than it has, not too large to count).
fn check_money(action: &Action) -> Result<()> {
    let (flag, a, c) = match action {
        Action::Open {
            amount: Some(a),
            currency: Some(c),
            ..
        }
        | Action::Close {
            amount: Some(a),
            currency: Some(c),
            ..
        } => ("--amount", a, c),
        Action::Offer {
            refund, currency, ..
        } => ("--refund", refund, currency),
        _ => return Ok(()),
    };
    crate::dispute::money::Money::parse(a, c)
        .map(drop)
        .map_err(|e| Error::Usage(format!("{flag}: {e}")))
}

/// The entry an action appends, and what the report says of it.
struct Planned {
    order: OrderId,
    event: Event,
    note: Option<String>,
    action: &'static str,
    due: Option<String>,
    /// `open --buyer`, and `--strict`.
    buyer: Option<super::buyer::BuyerArgs>,
    strict: bool,
}

/// `zone`: the shop's (the `timezone` setting), for a dispute opened now.
fn plan(action: Action, ctx: &Ctx, zone: Option<crate::config::Zone>) -> Planned {
    match action {
        Action::Open {
            order,
            platform,
            reason,
            opened_at,
            due,
            case,
            amount,
            currency,
            ordered_at,
            buyer,
            strict,
        } => {
            // Now, in the shop's zone when it is set: eBay's business days are the shop's.
            let opened = opened_at.unwrap_or_else(|| {
                let now = Utc::now();
                let now = now.with_nanosecond(0).unwrap_or(now);
                match zone {
                    Some(z) => now.with_timezone(&z.offset_at(now)),
                    None => now.fixed_offset(),
                }
            });
            let due = due
                .or_else(|| dispute::default_due(platform, opened))
                .map(|d| d.to_rfc3339());
            if due.is_none() {
                ctx.out.warn(&format!(
                    "{} sets the answer's deadline per case: give it with --due",
                    platform.as_str()
                ));
            }
            let event = Event::DisputeOpen {
                dispute: DisputeOpened {
                    platform,
                    reason,
                    case,
                    opened_at: opened.to_rfc3339(),
                    due: due.clone(),
                    amount,
                    currency,
                    ordered_at: ordered_at.map(|t| t.to_rfc3339()),
                },
            };
            Planned {
                order,
                event,
                note: None,
                action: "opened",
                due,
                buyer: Some(buyer),
                strict,
            }
        }
        Action::Note { order, text } => Planned {
            order,
            event: Event::DisputeNote {},
            note: Some(text),
            action: "noted",
            due: None,
            buyer: None,
            strict: false,
        },
        Action::Stage {
            order,
            stage,
            at,
            due,
        } => Planned {
            order,
            event: Event::DisputeStage {
                stage: dispute::DisputeStaged {
                    stage,
                    at: at
                        .unwrap_or_else(|| Utc::now().fixed_offset())
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    due: due.map(|d| d.to_rfc3339()),
                },
            },
            note: None,
            action: "staged",
            due: None,
            buyer: None,
            strict: false,
        },
        Action::Offer {
            order,
            refund,
            currency,
            accepted,
            declined,
        } => Planned {
            order,
            event: Event::DisputeOffer {
                offer: dispute::DisputeOffer {
                    refund,
                    currency,
                    answer: match (accepted, declined) {
                        (true, _) => Some(dispute::OfferAnswer::Accepted),
                        (_, true) => Some(dispute::OfferAnswer::Declined),
                        _ => None,
                    },
                },
            },
            note: None,
            action: "offer recorded",
            due: None,
            buyer: None,
            strict: false,
        },
        Action::Close {
            order,
            outcome,
            amount,
            currency,
        } => Planned {
            order,
            event: Event::DisputeClose {
                close: DisputeClosed {
                    outcome,
                    amount,
                    currency,
                },
            },
            note: None,
            action: "closed",
            due: None,
            buyer: None,
            strict: false,
        },
    }
}

pub fn run(args: Args, ctx: &Ctx) -> Result<Exit> {
    let vault = ctx.open_vault_to_append()?;
    let by = ctx.who(args.by)?;
    check_money(&args.action)?;
    let Planned {
        order,
        event,
        note,
        action,
        due,
        buyer,
        strict,
    } = plan(args.action, ctx, ctx.settings()?.timezone());
    // Only opening a dispute may bring a new order into the vault (a dispute can come before any
    // evidence is filed); a note or a close on a mistyped order id is refused and creates nothing.
    let new_order = !crate::ledger::path(&vault, &order).exists();
    if new_order && !matches!(event, Event::DisputeOpen { .. }) {
        return Err(Error::UnknownOrder {
            order: order.to_string(),
        });
    }
    let mut app = Appender::open(&vault, &order)?;
    if let Some(w) = app.chain_warning() {
        ctx.out.warn(&w);
    }
    let has_open = crate::case::open_dispute(app.ledger()).is_some();
    match (&event, has_open) {
        (Event::DisputeOpen { .. }, true) => {
            return Err(Error::Usage(format!(
                "order {order} already has an open dispute; close it first"
            )));
        }
        (
            Event::DisputeNote {}
            | Event::DisputeOffer { .. }
            | Event::DisputeClose { .. }
            | Event::DisputeStage { .. },
            false,
        ) => {
            return Err(Error::Usage(format!("order {order} has no open dispute")));
        }
        _ => {}
    }
    // A stage without its own --due takes the platform's rule, from when the dispute opened.
    let (event, due) = match event {
        Event::DisputeStage { mut stage } => {
            let open = crate::case::open_dispute(app.ledger()).expect("checked above");
            if stage.due.is_none() {
                let parse = |t: &str| chrono::DateTime::parse_from_rfc3339(t).ok();
                stage.due = match (parse(&open.opened_at), parse(&stage.at)) {
                    (Some(o), Some(a)) => dispute::stage_due(open.platform, stage.stage, o, a),
                    _ => None,
                }
                .map(|d| d.to_rfc3339());
                if stage.due.is_none() {
                    ctx.out.warn(&format!(
                        "{} sets this stage's deadline per case: give it with --due",
                        open.platform.as_str()
                    ));
                }
            }
            let due = stage.due.clone();
            (Event::DisputeStage { stage }, due)
        }
        other => (other, due),
    };
    let flag = match &buyer {
        Some(b) => b.stage(&vault, &mut app, &by)?,
        None => None,
    };
    let e = app.push(NewEntry {
        at: Utc::now(),
        by,
        event,
        note,
    });
    app.commit()?;
    if new_order {
        ctx.out.warn(&format!(
            "order {order} was not in the vault: it is new, with no evidence filed yet (if the \
             order id is mistyped, close this dispute and open it on the right one)"
        ));
    }
    super::buyer::warn_flagged(ctx, &flag);
    ctx.out.report(&DisputeReport {
        order,
        action,
        seq: e.seq,
        due,
    });
    Ok(if strict && flag.is_some() {
        Exit::Attention
    } else {
        Exit::Success
    })
}
