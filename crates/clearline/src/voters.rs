//! `clearline gen voters`, `clearline import voters`, `clearline import mapping`.

use crate::config::Config;
use anyhow::Context;
use clearline_core::Actor;
use clearline_ingest::layouts::LayoutError;
use clearline_ingest::{import_voters, ImportError, ImportOptions, Progress};
use clearline_store::Store;
use clearline_voterfile::{ColumnMapping, Layout, TextEncoding};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// `clearline gen voters --layout L --rows N --seed S -o FILE`.
pub fn gen(layout: &str, rows: u64, seed: u64, out: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let layout: Layout = match layout.parse() {
        Ok(l) => l,
        Err(_) => {
            eprintln!("error: --layout must be one of nc, oh, fl, wa, generic");
            return Ok(ExitCode::from(2));
        }
    };
    let file = std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let mut writer = std::io::BufWriter::with_capacity(1 << 20, file);
    let stats = clearline_voterfile::generate(&layout, rows, seed, &mut writer)?;
    writer.flush()?;
    if json {
        println!(
            "{}",
            serde_json::json!({"rows": stats.rows, "invalid_phones": stats.invalid_phones,
                "duplicate_keys": stats.duplicate_keys, "shared_phones": stats.shared_phones, "file": out.display().to_string()})
        );
    } else {
        println!(
            "Wrote {} rows to {} ({} invalid phones, {} repeated voter IDs, {} shared household phones).",
            stats.rows,
            out.display(),
            stats.invalid_phones,
            stats.duplicate_keys,
            stats.shared_phones
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub struct ImportArgs {
    pub campaign: String,
    pub layout: String,
    pub encoding: Option<String>,
    pub rejects: Option<PathBuf>,
    pub line_types: Option<PathBuf>,
    pub file: PathBuf,
}

/// `clearline import voters …`: exit 0 imported; 1 nothing imported (broken file, refused); 2 usage.
pub async fn import(
    config: &Config,
    store: &Store,
    actor: &Actor,
    args: ImportArgs,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let campaign = match store.organization_by_slug(actor, &args.campaign).await {
        Ok(o) if actor.principal().is_some_and(|p| p.org_id == o.id) => o,
        _ => {
            eprintln!("error: --campaign {:?} is not your campaign", args.campaign);
            return Ok(ExitCode::from(2));
        }
    };
    let layout = match clearline_ingest::layouts::layout_named(store, actor, &args.layout).await {
        Ok(layout) => layout,
        Err(e @ LayoutError::BadMapping { .. }) | Err(e @ LayoutError::Store(_)) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(1));
        }
        Err(e @ LayoutError::NoSuchMapping(_)) => {
            eprintln!("error: {e} (save one with `clearline import mapping` or on the Voters page)");
            return Ok(ExitCode::from(2));
        }
        Err(e @ LayoutError::Unknown) => {
            eprintln!("error: --layout: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let encoding: Option<TextEncoding> = match args.encoding.as_deref().map(str::parse) {
        None => None,
        Some(Ok(e)) => Some(e),
        Some(Err(_)) => {
            eprintln!("error: --encoding must be utf-8, latin-1 or windows-1252");
            return Ok(ExitCode::from(2));
        }
    };
    let line_types = match &args.line_types {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            match clearline_core::phone::BlockLineTypes::parse(&text) {
                Ok(t) => Some(t),
                Err((line, reason)) => {
                    eprintln!("error: {}:{line}: {reason}", path.display());
                    return Ok(ExitCode::from(1));
                }
            }
        }
    };
    let file = match std::fs::File::open(&args.file) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: cannot open {}: {e}", args.file.display());
            return Ok(ExitCode::from(1));
        }
    };
    let total_bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
    let sealer = Arc::new(crate::vaultkeys::campaign_sealer(config, store, actor, campaign.id).await?);
    let bar = (!json).then(|| progress_bar(total_bytes));
    let options =
        ImportOptions { layout, layout_name: args.layout.clone(), encoding, default_region: "US".into(), line_types };
    let started = std::time::Instant::now();
    let result = import_voters(store, actor, campaign.id, sealer, options, file, |p: Progress| {
        if let Some(bar) = &bar {
            bar.set_position(p.bytes);
            bar.set_message(format!("{} rows", p.rows));
        }
    })
    .await;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let mut report = match result {
        Ok(r) => r,
        Err(ImportError::Structural(e)) => {
            eprintln!("error: {}: {e}; nothing was imported", args.file.display());
            return Ok(ExitCode::from(1));
        }
        Err(e) => {
            eprintln!("error: {}: {e}", args.file.display());
            return Ok(ExitCode::from(1));
        }
    };
    if let Some(path) = &args.rejects {
        std::fs::write(path, report.rejects_csv()).with_context(|| format!("writing {}", path.display()))?;
        report.reject_file = Some(path.display().to_string());
    }
    if json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        let secs = started.elapsed().as_secs_f64();
        println!(
            "Imported {} in {:.1} s ({:.0} rows/s): {} rows read = {} inserted + {} updated + {} unchanged + {} rejected; \
             phones {} valid, {} rejected; {} households. Batch {}.",
            args.file.display(),
            secs,
            report.rows_read as f64 / secs.max(0.001),
            report.rows_read,
            report.inserted,
            report.updated,
            report.unchanged,
            report.rejected,
            report.phones_valid,
            report.phones_invalid,
            report.households,
            report.batch_id
        );
        match &report.reject_file {
            Some(path) => println!("Rejected rows and phones, with line, field and reason: {path}"),
            None if report.reject_count() > 0 => {
                println!(
                    "{} rejects are stored (encrypted) with the batch; add --rejects FILE to write them out.",
                    report.reject_count()
                )
            }
            None => {}
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn progress_bar(total: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta} {msg}",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    bar
}

/// `clearline import mapping --as EMAIL --name NAME FILE.json`: saves a column mapping for the campaign.
pub async fn save_mapping(store: &Store, actor: &Actor, name: &str, file: &Path) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    if let Err(e) = ColumnMapping::parse_checked(&text) {
        eprintln!("error: {}: {e}", file.display());
        return Ok(ExitCode::from(1));
    }
    match store.save_column_mapping(actor, name, &text).await {
        Ok(()) => {
            println!("Saved the mapping {name:?}; import with --layout mapping:{name}");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

/// `clearline voters show --as EMAIL --campaign SLUG VOTER_ID`: the record as JSON, phones, email and
/// birth date decrypted. Audited as a read of the person's record.
pub async fn show(
    config: &Config,
    store: &Store,
    actor: &Actor,
    campaign: &str,
    voter_id: &str,
) -> anyhow::Result<ExitCode> {
    let org = match store.organization_by_slug(actor, campaign).await {
        Ok(o) => o,
        Err(_) => {
            eprintln!("error: --campaign {campaign:?} is not your campaign");
            return Ok(ExitCode::from(2));
        }
    };
    let person = match store.read_person(actor, org.id, voter_id).await {
        Ok(p) => p,
        Err(clearline_store::StoreError::Forbidden(_)) => {
            eprintln!("error: your role may not see personal data");
            return Ok(ExitCode::from(1));
        }
        Err(clearline_store::StoreError::NotFound) => {
            eprintln!("error: no person with that voter ID in this campaign");
            return Ok(ExitCode::from(1));
        }
        Err(e) => return Err(e.into()),
    };
    let sealer = crate::vaultkeys::campaign_sealer(config, store, actor, org.id).await?;
    let open = |field: &str, sealed: &[u8]| -> anyhow::Result<String> {
        let plain = sealer.cipher().decrypt(field, sealed).context("decrypting with the campaign's key")?;
        Ok(String::from_utf8_lossy(&plain).into_owned())
    };
    let mut value = serde_json::to_value(&person)?;
    let phones: Vec<serde_json::Value> = person
        .phones
        .iter()
        .map(|p| {
            Ok(serde_json::json!({"kind": p.kind, "number": open("phone", &p.number_enc)?, "line_type": p.line_type,
                "zones": p.npa_zones, "state": p.npa_state}))
        })
        .collect::<anyhow::Result<_>>()?;
    value["phones"] = serde_json::Value::Array(phones);
    if let Some(e) = &person.email_enc {
        value["email"] = serde_json::Value::String(open("email", e)?);
    }
    if let Some(d) = &person.birth_date_enc {
        value["birth_date"] = serde_json::Value::String(open("birth_date", d)?);
    }
    println!("{}", serde_json::to_string_pretty(&value)?);
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn resolve_filter(
    store: &Store,
    actor: &Actor,
    name: Option<String>,
    filter: Option<String>,
) -> Result<clearline_core::universe::Filter, String> {
    match (name, filter) {
        (Some(name), None) => store
            .universe_by_name(actor, &name)
            .await
            .map(|u| u.filter)
            .map_err(|_| format!("no saved universe named {name:?}")),
        (None, Some(text)) => parse_filter(&text),
        _ => Err("give a filter or --name, not both".into()),
    }
}

fn parse_filter(text: &str) -> Result<clearline_core::universe::Filter, String> {
    let f: clearline_core::universe::Filter =
        serde_json::from_str(text).map_err(|e| format!("the filter is not valid: {e}"))?;
    f.check().map_err(|e| format!("the filter is not valid: {e}"))?;
    Ok(f)
}

/// `clearline universe count|save`.
pub async fn universe(
    store: &Store,
    actor: &Actor,
    command: crate::UniverseCommand,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let usage = |msg: String| {
        eprintln!("error: {msg}");
        Ok(ExitCode::from(2))
    };
    match command {
        crate::UniverseCommand::Sample { name, size, seed, stratify_by, save_as, filter } => {
            let filter = match resolve_filter(store, actor, name, filter).await {
                Ok(f) => f,
                Err(e) => return usage(e),
            };
            let field = match stratify_by {
                None => None,
                Some(f) => match serde_json::from_value::<clearline_core::universe::Field>(serde_json::Value::String(
                    f.clone(),
                )) {
                    Ok(field) => Some(field),
                    Err(_) => return usage(format!("{f:?} is not a targetable field (see docs/universes.md)")),
                },
            };
            if let Some(save_as) = &save_as {
                let sample = clearline_core::universe::Filter::Sample {
                    of: Box::new(filter.clone()),
                    size,
                    seed,
                    stratify_by: field,
                };
                if let Err(e) = store.save_universe(actor, save_as, &sample).await {
                    eprintln!("error: {e}");
                    return Ok(ExitCode::from(1));
                }
                if !json {
                    println!("Saved as the universe {save_as:?}: drawn again with the same seed wherever it is used; a program's call list freezes it.");
                }
            }
            match store.sample_universe(actor, &filter, size, seed, field).await {
                Ok(sample) => {
                    if json {
                        println!("{}", serde_json::to_string(&sample)?);
                    } else {
                        println!("Drew {} of {} (seed {seed}).", sample.drawn, sample.population);
                        for (stratum, pop, drawn) in &sample.strata {
                            println!("  {:<20} {drawn} of {pop}", if stratum.is_empty() { "(blank)" } else { stratum });
                        }
                        for key in &sample.person_keys {
                            println!("{key}");
                        }
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        crate::UniverseCommand::Count { name, filter, households } => {
            let filter = match (name, filter) {
                (Some(name), None) => match store.universe_by_name(actor, &name).await {
                    Ok(u) => u.filter,
                    Err(_) => return usage(format!("no saved universe named {name:?}")),
                },
                (None, Some(text)) => match parse_filter(&text) {
                    Ok(f) => f,
                    Err(e) => return usage(e),
                },
                _ => return usage("give a filter or --name, not both".into()),
            };
            let started = std::time::Instant::now();
            let counted = if households {
                store.count_universe_households(actor, &filter).await
            } else {
                store.count_universe(actor, &filter).await
            };
            match counted {
                Ok(n) => {
                    let ms = started.elapsed().as_secs_f64() * 1e3;
                    if json {
                        println!("{}", serde_json::json!({"count": n, "milliseconds": ms}));
                    } else {
                        println!("{n} {} ({ms:.0} ms)", if households { "households" } else { "people" });
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        crate::UniverseCommand::Rename { name, to } => {
            let universe = match store.universe_by_name(actor, &name).await {
                Ok(u) => u,
                Err(_) => return usage(format!("no saved universe named {name:?}")),
            };
            match store.rename_universe(actor, universe.id, &to).await {
                Ok(()) => {
                    println!("Renamed universe {} {name:?} to {:?}.", universe.id, to.trim());
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        crate::UniverseCommand::Delete { name } => {
            let universe = match store.universe_by_name(actor, &name).await {
                Ok(u) => u,
                Err(_) => return usage(format!("no saved universe named {name:?}")),
            };
            match store.delete_universe(actor, universe.id).await {
                Ok(()) => {
                    println!("Deleted universe {} {name:?}.", universe.id);
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        // Dispatched to `universe_check` before it gets here.
        crate::UniverseCommand::Check(_) => usage("universe check is handled elsewhere".into()),
        crate::UniverseCommand::Save { name, filter } => {
            let filter = match parse_filter(&filter) {
                Ok(f) => f,
                Err(e) => return usage(e),
            };
            match store.save_universe(actor, &name, &filter).await {
                Ok(id) => {
                    println!("Saved universe {id} {name:?}.");
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}

pub(crate) async fn own_campaign(
    store: &Store,
    actor: &Actor,
    slug: &str,
) -> Option<clearline_core::org::Organization> {
    match store.organization_by_slug(actor, slug).await {
        Ok(o) if actor.principal().is_some_and(|p| p.org_id == o.id) => Some(o),
        _ => {
            eprintln!("error: --campaign {slug:?} is not your campaign");
            None
        }
    }
}

/// The campaign's file to import and the campaign's sealer, or the exit code of a refusal already
/// explained (not the actor's campaign: 2; the file cannot be opened: 1).
async fn open_campaign_file(
    config: &Config,
    store: &Store,
    actor: &Actor,
    campaign: &str,
    file: &Path,
) -> anyhow::Result<Result<(std::io::BufReader<std::fs::File>, clearline_ingest::keys::VaultSealer), ExitCode>> {
    let Some(org) = own_campaign(store, actor, campaign).await else { return Ok(Err(ExitCode::from(2))) };
    let input = match std::fs::File::open(file) {
        Ok(f) => std::io::BufReader::new(f),
        Err(e) => {
            eprintln!("error: cannot open {}: {e}", file.display());
            return Ok(Err(ExitCode::from(1)));
        }
    };
    let sealer = crate::vaultkeys::campaign_sealer(config, store, actor, org.id).await?;
    Ok(Ok((input, sealer)))
}

/// `clearline import dnc`: all or nothing; invalid lines are reported with their line number.
pub async fn import_dnc(
    config: &Config,
    store: &Store,
    actor: &Actor,
    campaign: &str,
    source: &str,
    file: &Path,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let (input, sealer) = match open_campaign_file(config, store, actor, campaign, file).await? {
        Ok(opened) => opened,
        Err(code) => return Ok(code),
    };
    let imported = clearline_ingest::dnc::import_dnc_list(store, actor, &sealer, source, input).await;
    print_dnc_report(file, imported, "the do-not-call list", json)
}

/// `clearline import dnc --vendor SLUG`: a vendor admin loads the vendor's own list, which every
/// campaign's calls through the vendor honour (docs/do-not-call.md).
pub async fn import_vendor_dnc(
    config: &Config,
    store: &Store,
    actor: &Actor,
    vendor: &str,
    source: &str,
    file: &Path,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let org = match store.organization_by_slug(actor, vendor).await {
        Ok(o) if actor.principal().is_some_and(|p| p.org_id == o.id) && o.kind == clearline_core::OrgKind::Vendor => o,
        _ => {
            eprintln!("error: --vendor {vendor:?} is not your vendor");
            return Ok(ExitCode::from(2));
        }
    };
    let input = match std::fs::File::open(file) {
        Ok(f) => std::io::BufReader::new(f),
        Err(e) => {
            eprintln!("error: cannot open {}: {e}", file.display());
            return Ok(ExitCode::from(1));
        }
    };
    let master = crate::vaultkeys::master_key(config)?;
    let list = clearline_ingest::keys::vendor_list_sealer(store, actor, org.id, &master).await?;
    let imported = clearline_ingest::dnc::import_vendor_dnc_list(store, actor, &list, source, input).await;
    print_dnc_report(file, imported, "the vendor's own do-not-call list", json)
}

fn print_dnc_report(
    file: &Path,
    imported: Result<clearline_ingest::dnc::DncReport, clearline_ingest::dnc::DncError>,
    list: &str,
    json: bool,
) -> anyhow::Result<ExitCode> {
    match imported {
        Ok(report) => {
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                println!(
                    "{}: {} lines; {} numbers added to {list}, {} already on it, {} not phone numbers.",
                    file.display(),
                    report.lines_read,
                    report.added,
                    report.already_listed,
                    report.invalid
                );
                for r in report.rejects.iter().take(20) {
                    println!("  line {}: {}", r.line, r.reason);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {}: {e}; nothing was added", file.display());
            Ok(ExitCode::from(1))
        }
    }
}

/// `clearline import national-dnc`'s arguments.
pub struct NationalDncArgs {
    pub campaign: String,
    pub state: String,
    pub extract_date: String,
    pub file: std::path::PathBuf,
}

/// `clearline import national-dnc`: the whole extract or nothing.
pub async fn import_national_dnc(
    config: &Config,
    store: &Store,
    actor: &Actor,
    args: NationalDncArgs,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let (input, sealer) = match open_campaign_file(config, store, actor, &args.campaign, &args.file).await? {
        Ok(opened) => opened,
        Err(code) => return Ok(code),
    };
    let loaded =
        clearline_ingest::dnc::import_national_dnc(store, actor, &sealer, &args.state, &args.extract_date, input).await;
    match loaded {
        Ok(report) if json => {
            println!("{}", serde_json::to_string(&report)?);
            Ok(ExitCode::SUCCESS)
        }
        Ok(report) => {
            println!(
                "{}: the Registry extract for {} ({} numbers; {} new, {} already loaded).",
                args.file.display(),
                report.state,
                report.numbers,
                report.added,
                report.already_listed
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {}: {e}; nothing was loaded", args.file.display());
            Ok(ExitCode::from(1))
        }
    }
}

/// The evidence files `clearline import consents|rnd` read.
#[derive(Clone, Copy, Debug)]
pub enum ContactFile {
    Consents,
    RndChecks,
}

/// `clearline import consents|rnd --campaign SLUG FILE`: all rows recorded, or (naming the first bad
/// line and field) none.
pub async fn import_contact_file(
    config: &Config,
    store: &Store,
    actor: &Actor,
    campaign: &str,
    kind: ContactFile,
    file: &Path,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let (input, sealer) = match open_campaign_file(config, store, actor, campaign, file).await? {
        Ok(opened) => opened,
        Err(code) => return Ok(code),
    };
    use clearline_ingest::consent_files::{import_consents, import_rnd_checks};
    let (result, what) = match kind {
        ContactFile::Consents => (import_consents(store, actor, &sealer, input).await, "consent records"),
        ContactFile::RndChecks => (import_rnd_checks(store, actor, &sealer, input).await, "RND answers"),
    };
    match result {
        Ok(report) if json => {
            println!("{}", serde_json::to_string(&report)?);
            Ok(ExitCode::SUCCESS)
        }
        Ok(report) => {
            println!("{}: {} {what} recorded.", file.display(), report.recorded);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {}: {e}; nothing was recorded", file.display());
            Ok(ExitCode::from(1))
        }
    }
}

/// `clearline voters dnc-check NUMBER`.
pub async fn dnc_check(
    config: &Config,
    store: &Store,
    actor: &Actor,
    campaign: &str,
    number: &str,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let Some(org) = own_campaign(store, actor, campaign).await else { return Ok(ExitCode::from(2)) };
    let parsed = match clearline_core::phone::parse_phone(number, "US") {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let sealer = crate::vaultkeys::campaign_sealer(config, store, actor, org.id).await?;
    let index = clearline_ingest::dnc::phone_index(&sealer, &parsed.number.to_string());
    match store.on_do_not_call(actor, org.id, &index).await {
        Ok(on) => {
            if json {
                println!("{}", serde_json::json!({"on_do_not_call": on}));
            } else {
                println!("{}", if on { "on the do-not-call list" } else { "not on the do-not-call list" });
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

/// `clearline export universe`: CSV of the universe's people, phones decrypted, formulas defused.
#[allow(clippy::too_many_arguments)]
pub async fn export_universe(
    config: &Config,
    store: &Store,
    actor: &Actor,
    campaign: &str,
    name: Option<String>,
    filter: Option<String>,
    out: &Path,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let Some(org) = own_campaign(store, actor, campaign).await else { return Ok(ExitCode::from(2)) };
    let filter = match (name, filter) {
        (Some(name), None) => match store.universe_by_name(actor, &name).await {
            Ok(u) => u.filter,
            Err(_) => {
                eprintln!("error: no saved universe named {name:?}");
                return Ok(ExitCode::from(2));
            }
        },
        (None, Some(text)) => match parse_filter(&text) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(ExitCode::from(2));
            }
        },
        _ => {
            eprintln!("error: give a filter or --name, not both");
            return Ok(ExitCode::from(2));
        }
    };
    if let Err(e) = store.record_universe_export(actor, &filter, "csv").await {
        eprintln!("error: {e}");
        return Ok(ExitCode::from(1));
    }
    let sealer = crate::vaultkeys::campaign_sealer(config, store, actor, org.id).await?;
    let file = std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(file));
    w.write_record([
        "voter_id",
        "first_name",
        "last_name",
        "address",
        "city",
        "state",
        "zip",
        "party",
        "precinct",
        "household_id",
        "phone_1",
        "phone_1_kind",
        "phone_1_line_type",
        "phone_2",
        "phone_2_kind",
        "phone_2_line_type",
        "phone_3",
        "phone_3_kind",
        "phone_3_line_type",
    ])?;
    let mut after = 0i64;
    let mut rows = 0u64;
    loop {
        let page = store.universe_page(actor, &filter, after, 5_000).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for m in &page {
            let text = |v: &Option<String>| clearline_ingest::defuse(v.as_deref().unwrap_or(""));
            let mut record = vec![
                clearline_ingest::defuse(&m.person_key),
                text(&m.first_name),
                text(&m.last_name),
                text(&m.res_address),
                text(&m.res_city),
                text(&m.res_state),
                text(&m.res_zip),
                text(&m.party),
                text(&m.precinct),
                m.household_id.map(|h| h.to_string()).unwrap_or_default(),
            ];
            for i in 0..3 {
                match m.phones.get(i) {
                    Some((kind, sealed, line_type)) => {
                        let number = sealer.cipher().decrypt("phone", sealed).context("decrypting a phone")?;
                        record.push(String::from_utf8_lossy(&number).into_owned());
                        record.push(kind.clone());
                        record.push(line_type.clone());
                    }
                    None => record.extend([String::new(), String::new(), String::new()]),
                }
            }
            w.write_record(&record)?;
            rows += 1;
        }
    }
    w.flush()?;
    if json {
        println!("{}", serde_json::json!({"rows": rows, "file": out.display().to_string()}));
    } else {
        println!("Exported {rows} people to {}.", out.display());
    }
    Ok(ExitCode::SUCCESS)
}
