//! `clearline audio …`: a campaign's recorded audio — voicemail drops, IVR prompts, prerecorded
//! messages, the safe-harbor message — kept as versions (a WAV and its transcript) through draft →
//! submitted → approved | rejected, like scripts (docs/scripts.md, "Recorded audio").

use clap::{Args, Subcommand};
use clearline_core::audio::AudioKind;
use clearline_core::validate::Slug;
use clearline_core::Actor;
use clearline_store::{AudioVersion, Store, StoreError};
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum AudioCommand {
    /// Add a draft version (a WAV file and its transcript); creates the message first when the slug is
    /// new (then --name and --kind are needed).
    Add(Box<AddArgs>),
    /// Submit a draft for approval (its transcript must pass the CR-5/CR-6/CR-46 checks of its kind).
    Submit {
        slug: String,
        version: u32,
        #[arg(long)]
        campaign: String,
    },
    /// Approve a submitted version (script approvers and the owner; not its author).
    Approve {
        slug: String,
        version: u32,
        #[arg(long)]
        campaign: String,
    },
    /// Reject a submitted version, saying why (script approvers and the owner; not its author).
    Reject {
        slug: String,
        version: u32,
        #[arg(long)]
        campaign: String,
        #[arg(long)]
        reason: String,
    },
    /// The campaign's audio messages and their versions.
    List {
        #[arg(long)]
        campaign: String,
    },
    /// A message's versions, or one version's recording facts, transcript, status and problems.
    Show {
        slug: String,
        version: Option<u32>,
        #[arg(long)]
        campaign: String,
    },
}

#[derive(Args)]
pub struct AddArgs {
    /// Lower-case letters, digits and '-'.
    slug: String,
    #[arg(long)]
    campaign: String,
    /// The recording: a WAV file of at most 1 MB.
    #[arg(long)]
    file: PathBuf,
    /// A text file with every word the recording says.
    #[arg(long)]
    transcript: PathBuf,
    /// The message's name (a new message only).
    #[arg(long)]
    name: Option<String>,
    /// voicemail_drop, ivr_prompt, ivr_question, ivr_closing, safe_harbor, prerecorded_message (a new
    /// message only).
    #[arg(long)]
    kind: Option<String>,
}

impl AudioCommand {
    fn campaign(&self) -> &str {
        match self {
            AudioCommand::Add(a) => &a.campaign,
            AudioCommand::Submit { campaign, .. }
            | AudioCommand::Approve { campaign, .. }
            | AudioCommand::Reject { campaign, .. }
            | AudioCommand::List { campaign }
            | AudioCommand::Show { campaign, .. } => campaign,
        }
    }
}

/// The commands on stored audio, as `actor`, whose campaign must be `--campaign`.
pub async fn run(store: &Store, actor: &Actor, command: AudioCommand, json: bool) -> anyhow::Result<ExitCode> {
    let campaign = command.campaign();
    match store.organization_by_slug(actor, campaign).await {
        Ok(o) if actor.principal().is_some_and(|p| p.org_id == o.id) => {}
        _ => return usage(&[format!("--campaign {campaign:?} is not your campaign")]),
    }
    match command {
        AudioCommand::Add(args) => add(store, actor, *args, json).await,
        AudioCommand::Submit { slug, version, .. } => {
            // Every problem on its own line; the store refuses with them all too.
            let problems = match store.audio_version_problems(actor, &slug, version).await {
                Ok(p) => p,
                Err(e) => return refused(e),
            };
            if !problems.is_empty() {
                if json {
                    println!("{}", serde_json::to_string_pretty(&json!({"ok": false, "problems": problems}))?);
                }
                for p in &problems {
                    eprintln!("error: {p}");
                }
                eprintln!("{} problem(s); version {version} stays a draft", problems.len());
                return Ok(ExitCode::from(1));
            }
            print_moved(store.submit_audio_version(actor, &slug, version).await, json, "submitted for approval")
        }
        AudioCommand::Approve { slug, version, .. } => {
            print_moved(store.approve_audio_version(actor, &slug, version).await, json, "approved")
        }
        AudioCommand::Reject { slug, version, reason, .. } => {
            print_moved(store.reject_audio_version(actor, &slug, version, &reason).await, json, "rejected")
        }
        AudioCommand::List { .. } => {
            let messages = match store.list_audio_messages(actor).await {
                Ok(m) => m,
                Err(e) => return refused(e),
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&messages)?);
            } else if messages.is_empty() {
                println!("No recorded audio yet: `clearline audio add` adds a message.");
            }
            for m in messages.iter().filter(|_| !json) {
                let versions: Vec<String> = m
                    .versions
                    .iter()
                    .map(|v| format!("v{} {:.1}s {}", v.number, v.duration_ms as f64 / 1000.0, v.status.as_str()))
                    .collect();
                println!("{:<24} {:<20} {:<40} {}", m.slug, m.kind.as_str(), m.name, versions.join(", "));
            }
            Ok(ExitCode::SUCCESS)
        }
        AudioCommand::Show { slug, version, .. } => show(store, actor, &slug, version, json).await,
    }
}

async fn add(store: &Store, actor: &Actor, args: AddArgs, json: bool) -> anyhow::Result<ExitCode> {
    let slug = match Slug::parse(&args.slug) {
        Ok(s) => s,
        Err(e) => return usage(&[e.to_string()]),
    };
    let wav = match std::fs::read(&args.file) {
        Ok(b) => b,
        Err(e) => return usage(&[format!("cannot read {}: {e}", args.file.display())]),
    };
    let transcript = match std::fs::read_to_string(&args.transcript) {
        Ok(t) => t,
        Err(e) => return usage(&[format!("cannot read {}: {e}", args.transcript.display())]),
    };
    let new_message = match (&args.name, &args.kind) {
        (None, None) => None,
        (Some(name), Some(kind)) => match AudioKind::parse(kind) {
            Some(kind) => Some((name.as_str(), kind)),
            None => {
                return usage(&[format!(
                    "--kind: not one of {}",
                    AudioKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
                )])
            }
        },
        _ => {
            return usage(&["a new audio message needs both --name and --kind (an existing one takes neither)".into()])
        }
    };
    let version = match store.add_recording(actor, &slug, new_message, &wav, &transcript).await {
        Ok(v) => v,
        Err(e) => return refused(e),
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&version)?);
    } else {
        println!(
            "Wrote draft version {} of {slug} ({:.1} s, {} Hz). Next: `clearline audio submit {slug} {} --campaign …`.",
            version.number,
            version.duration_ms as f64 / 1000.0,
            version.sample_rate,
            version.number
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn show(store: &Store, actor: &Actor, slug: &str, version: Option<u32>, json: bool) -> anyhow::Result<ExitCode> {
    let info = match store.audio_message(actor, slug).await {
        Ok(i) => i,
        Err(e) => return refused(e),
    };
    let Some(number) = version else {
        if json {
            println!("{}", serde_json::to_string_pretty(&info)?);
            return Ok(ExitCode::SUCCESS);
        }
        println!("{} — {} ({})", info.slug, info.name, info.kind);
        for v in &info.versions {
            println!("  v{:<4} {:>6.1}s {}", v.number, v.duration_ms as f64 / 1000.0, v.status.as_str());
        }
        return Ok(ExitCode::SUCCESS);
    };
    let (v, problems) =
        match (store.audio_version(actor, slug, number).await, store.audio_version_problems(actor, slug, number).await)
        {
            (Ok(v), Ok(p)) => (v, p),
            (Err(e), _) | (_, Err(e)) => return refused(e),
        };
    if json {
        println!("{}", serde_json::to_string_pretty(&json!({"kind": info.kind, "version": v, "problems": problems}))?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{} v{} ({}, {}), sha256 {}", info.slug, v.number, info.kind, v.status.as_str(), v.audio_sha256);
    println!(
        "{:.1} s, {} Hz, {} channel(s), {}-bit {}, {} bytes",
        v.duration_ms as f64 / 1000.0,
        v.sample_rate,
        v.channels,
        v.bits_per_sample,
        v.sample_format,
        v.byte_len
    );
    if let Some(reason) = &v.rejection_reason {
        println!("rejected: {reason}");
    }
    println!("\n{}", v.transcript);
    if !problems.is_empty() {
        println!();
        for p in &problems {
            println!("problem: {p}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_moved(result: Result<AudioVersion, StoreError>, json: bool, what: &str) -> anyhow::Result<ExitCode> {
    let v = match result {
        Ok(v) => v,
        Err(e) => return refused(e),
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!("Version {} {what}.", v.number);
    }
    Ok(ExitCode::SUCCESS)
}

fn refused(e: StoreError) -> anyhow::Result<ExitCode> {
    crate::program::store_refusal(e, "audio message or version")
}

fn usage(errors: &[String]) -> anyhow::Result<ExitCode> {
    for e in errors {
        eprintln!("error: {e}");
    }
    Ok(ExitCode::from(2))
}
