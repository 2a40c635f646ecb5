//! `clearline dispositions …`: a campaign's own disposition codes, each mapped onto a base code whose
//! properties it takes (docs/calling.md, "Custom disposition codes").

use clap::Subcommand;
use clearline_core::disposition::{CustomDisposition, Disposition};
use clearline_core::Actor;
use clearline_store::{Store, StoreError, StoredDisposition};
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum DispositionsCommand {
    /// The campaign's custom codes (retired ones too), each with the base code it means.
    List {
        #[arg(long)]
        campaign: String,
    },
    /// Add a custom code agents may pick at the desk; it means BASE (a code an agent records) for
    /// everything that counts or redials. A code is kept for good: it cannot be changed, only retired.
    Add {
        #[arg(long)]
        campaign: String,
        /// 2–40 characters of a–z, 0–9 and `_`, starting with a letter; not a base code.
        code: String,
        /// What agents read (at most 60 characters).
        #[arg(long)]
        label: String,
        /// The base code it means: refused, callback_requested, complete, … (one an agent records; any
        /// other is refused with the list).
        #[arg(long)]
        base: String,
    },
    /// Stop offering a custom code; calls that recorded it keep it.
    Retire {
        #[arg(long)]
        campaign: String,
        code: String,
    },
}

impl DispositionsCommand {
    fn campaign(&self) -> &str {
        match self {
            DispositionsCommand::List { campaign }
            | DispositionsCommand::Add { campaign, .. }
            | DispositionsCommand::Retire { campaign, .. } => campaign,
        }
    }
}

/// The commands, as `actor`, whose campaign must be `--campaign`.
pub async fn run(store: &Store, actor: &Actor, command: DispositionsCommand, json: bool) -> anyhow::Result<ExitCode> {
    if crate::voters::own_campaign(store, actor, command.campaign()).await.is_none() {
        return Ok(ExitCode::from(2)); // said why
    }
    match command {
        DispositionsCommand::List { .. } => {
            let codes = match store.custom_dispositions(actor).await {
                Ok(c) => c,
                Err(e) => return refused(e),
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&codes)?);
            } else if codes.is_empty() {
                println!("No custom disposition codes yet: `clearline dispositions add` adds one.");
            }
            for c in codes.iter().filter(|_| !json) {
                println!("{}", line(c));
            }
            Ok(ExitCode::SUCCESS)
        }
        DispositionsCommand::Add { code, label, base, .. } => {
            let Some(base) = Disposition::from_code(&base) else {
                let agent_codes: Vec<&str> =
                    Disposition::ALL.iter().filter(|d| d.agent_may_record()).map(|d| d.code()).collect();
                eprintln!("error: --base: not a base code; one of {}", agent_codes.join(", "));
                return Ok(ExitCode::from(2));
            };
            match store.add_custom_disposition(actor, &CustomDisposition { code, label, base }).await {
                Ok(added) => print_one(&added, json, "Added"),
                Err(e) => refused(e),
            }
        }
        DispositionsCommand::Retire { code, .. } => match store.retire_custom_disposition(actor, &code).await {
            Ok(retired) => print_one(&retired, json, "Retired"),
            Err(e) => refused(e),
        },
    }
}

/// One code as `list` prints it: code, base, its AAPOR code, active or retired, label.
fn line(c: &StoredDisposition) -> String {
    let when = |us: i64| jiff::Timestamp::from_microsecond(us).map(|t| t.strftime("%Y-%m-%d").to_string());
    let status = match c.retired_at_us {
        None => "active".to_string(),
        Some(at) => format!("retired {}", when(at).unwrap_or_default()),
    };
    format!("{:<32} → {:<24} AAPOR {:<5} {:<18} {}", c.code, c.base.code(), c.base.aapor_code(), status, c.label)
}

fn print_one(c: &StoredDisposition, json: bool, what: &str) -> anyhow::Result<ExitCode> {
    if json {
        println!("{}", serde_json::to_string_pretty(c)?);
    } else {
        println!("{what} {} ({:?}), which means {}.", c.code, c.label, c.base.code());
    }
    Ok(ExitCode::SUCCESS)
}

fn refused(e: StoreError) -> anyhow::Result<ExitCode> {
    crate::program::store_refusal(e, "custom disposition code")
}
