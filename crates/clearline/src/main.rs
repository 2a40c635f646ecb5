//! `clearline`: the one binary. Subcommands serve, demo, migrate, audit, config, survey, ….
//!
//! Exit codes: 0 success; 1 failed (nothing written); 2 usage error.

mod audio;
mod bench;
mod bench_dialer;
mod bench_pages;
mod bench_policy;
mod bench_survey;
mod config;
mod demo;
mod dispositions;
mod keys;
mod policy;
mod policy_facts;
mod program;
mod results_export;
mod script;
mod survey;
mod survey_report;
mod universe_check;
mod vaultkeys;
mod voters;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use clearline_core::audit::ChainHead;
use clearline_core::Actor;
use clearline_store::Store;
use config::{Config, FlagOverrides};
use std::path::PathBuf;
use std::process::ExitCode;

// The import pipeline allocates many short strings on two threads; glibc's allocator spent a third of
// the import's time in malloc/free (perf, docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "clearline", version, about = "Clearline: the call-center platform campaigns can check.")]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct GlobalArgs {
    /// Data directory (embedded database, keys). Default ./clearline-data.
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// PostgreSQL URL; without it the embedded SQLite database is used.
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// A configuration file (default ./clearline.toml when present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Machine-readable output.
    #[arg(long, global = true)]
    json: bool,
    /// Act as this user (commands that read or change an organization's data; audited as them).
    #[arg(long = "as", global = true, value_name = "EMAIL")]
    as_user: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web UI and API.
    Serve {
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long)]
        listen: Option<String>,
    },
    /// Seed a demo campaign, two vendors and a user in every role; then serve.
    Demo {
        /// Seed and exit without serving.
        #[arg(long)]
        no_serve: bool,
        /// Synthetic NC voters to give the demo campaign (0 for none).
        #[arg(long, default_value_t = 2_000)]
        voters: u64,
        #[arg(long)]
        listen: Option<String>,
        /// Serve without the live simulated calling (by default the demo starts gotv-general and bot
        /// agents call its list on the simulated carrier, in real time, within its calling hours).
        #[arg(long)]
        no_calling: bool,
        /// Bot agents per vendor floor in the live calling, beside the people at the agent desk (0: only
        /// people take the calls).
        #[arg(long, default_value_t = 4)]
        bots_per_vendor: u32,
        /// The simulated carrier's live-answer rate per dial in the live calling.
        #[arg(long, default_value_t = 0.2)]
        answer_rate: f64,
        /// Run the live calling as if it were this instant (RFC 3339), advancing in real time: calling
        /// hours and every rule are decided at that clock. For trying the desk outside calling hours.
        #[arg(long)]
        calling_at: Option<jiff::Timestamp>,
        /// How long an agent's desk may be closed while they owe a call before the call is ended for
        /// them (as a technical problem) and their seat paused.
        #[arg(long, default_value_t = 120)]
        desk_disconnect_seconds: u64,
    },
    /// Apply pending database migrations.
    Migrate,
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Generate synthetic data in real public layouts.
    Gen {
        #[command(subcommand)]
        command: GenCommand,
    },
    /// Import data into a campaign (run as a campaign user with --as).
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// People in a campaign's voter file.
    Voters {
        #[command(subcommand)]
        command: VotersCommand,
    },
    /// Call universes: saved targeting over a campaign's people.
    Universe {
        #[command(subcommand)]
        command: UniverseCommand,
    },
    /// Export a campaign's data (audited; only roles that may export personal data).
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// Measure speed and memory (figures go in docs/benchmarks.md).
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// The contact policy engine: check cases, explain a verdict (docs/policy.md).
    Policy {
        #[command(subcommand)]
        command: policy::PolicyCommand,
    },
    /// Calling programs and their call lists (run as a campaign user with --as).
    Program {
        #[command(subcommand)]
        command: program::ProgramCommand,
    },
    /// A campaign's own disposition codes, each mapped onto a base code (run as a campaign user with --as).
    Dispositions {
        #[command(subcommand)]
        command: dispositions::DispositionsCommand,
    },
    /// Recorded audio (voicemail drops, IVR prompts, the safe-harbor message): versions and their
    /// approval (docs/scripts.md, "Recorded audio").
    Audio {
        #[command(subcommand)]
        command: audio::AudioCommand,
    },
    /// Scripts: check a document; versions and their approval (docs/scripts.md).
    Script {
        #[command(subcommand)]
        command: script::ScriptCommand,
    },
    /// Survey results from files: AAPOR outcome rates, raking weights (docs/surveys.md).
    Survey {
        #[command(subcommand)]
        command: survey::SurveyCommand,
    },
    /// The master key and the campaigns' data keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Subcommand)]
enum GenCommand {
    /// A synthetic voter file: same seed, same bytes.
    Voters {
        /// nc, oh, fl, wa or generic.
        #[arg(long)]
        layout: String,
        #[arg(long)]
        rows: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The file to write.
        #[arg(short = 'o', long = "out")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import a voter file, all or nothing; re-importing updates changed rows.
    Voters {
        /// The campaign's slug (must be the --as user's campaign).
        #[arg(long)]
        campaign: String,
        /// nc, oh, fl, wa, generic, or mapping:NAME for a saved column mapping.
        #[arg(long)]
        layout: String,
        /// utf-8, latin-1 or windows-1252 (default: the layout's, or detected).
        #[arg(long)]
        encoding: Option<String>,
        /// Write the rejected rows and phones (line, field, reason, value) to this CSV file.
        #[arg(long)]
        rejects: Option<PathBuf>,
        /// A CSV of `prefix,line_type` (NPA-NXX or NPA-NXX-X blocks) giving phones their line type.
        #[arg(long)]
        line_types: Option<PathBuf>,
        file: PathBuf,
    },
    /// Add a do-not-call list (one number per line, or a CSV whose first column is the number): the
    /// campaign's (`--campaign`), or, for a vendor admin, the vendor's own list (`--vendor`), which
    /// every campaign's calls through the vendor honour.
    Dnc {
        #[arg(long, required_unless_present = "vendor", conflicts_with = "vendor")]
        campaign: Option<String>,
        #[arg(long)]
        vendor: Option<String>,
        /// imported_list, agent, key_press, text_reply, email, web, mail.
        #[arg(long, default_value = "imported_list")]
        source: String,
        file: PathBuf,
    },
    /// Add consent records (CR-50) from a CSV with the header
    /// `phone,calling_entity,source,wording,obtained_at,written`; all rows or none.
    Consents {
        #[arg(long)]
        campaign: String,
        file: PathBuf,
    },
    /// Add Reassigned Numbers Database answers (CR-13) from a CSV with the header
    /// `phone,asked_since,result,checked_at`; all rows or none.
    Rnd {
        #[arg(long)]
        campaign: String,
        file: PathBuf,
    },
    /// Load the federal Do Not Call Registry's extract for every area code of a state (CR-24: applied to
    /// recorded messages that may reach New Hampshire). One number per line; any other line refuses it.
    NationalDnc {
        #[arg(long)]
        campaign: String,
        /// The state whose area codes the extract covers (e.g. NH).
        #[arg(long)]
        state: String,
        /// The date the Registry extract was downloaded (YYYY-MM-DD).
        #[arg(long)]
        extract_date: String,
        file: PathBuf,
    },
    /// Save a column mapping (JSON) for the campaign's own delimited files.
    Mapping {
        #[arg(long)]
        name: String,
        file: PathBuf,
    },
}

#[derive(Subcommand)]
pub(crate) enum UniverseCommand {
    /// Count the people a filter selects (JSON, see docs/universes.md), or a saved universe by --name.
    Count {
        #[arg(long)]
        name: Option<String>,
        /// Count households once (people sharing an address, or a phone and last name within a ZIP).
        #[arg(long)]
        households: bool,
        filter: Option<String>,
    },
    /// Draw a seeded random sample (same seed, same people), optionally stratified by a field.
    Sample {
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        size: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// A field to stratify by, proportionally (e.g. party, county, congressional_district).
        #[arg(long)]
        stratify_by: Option<String>,
        /// Also save the sample as a universe of this name (a program can call it; its call list
        /// freezes the people drawn).
        #[arg(long)]
        save_as: Option<String>,
        filter: Option<String>,
    },
    /// Save a filter as a named universe.
    Save {
        #[arg(long)]
        name: String,
        filter: String,
    },
    /// Rename a saved universe; programs and universes that use it keep it (it keeps its id).
    Rename {
        #[arg(long)]
        name: String,
        /// The new name (unique within the campaign).
        #[arg(long)]
        to: String,
    },
    /// Delete a saved universe; refused, naming them, while a program or another universe uses it.
    Delete {
        #[arg(long)]
        name: String,
    },
    /// Check a universe against the contact policy at an instant: people and phones by verdict and
    /// the rules behind it (reads every phone: roles that may see personal data; audited).
    Check(Box<universe_check::CheckArgs>),
}

#[derive(Subcommand)]
enum ExportCommand {
    /// A universe's people as CSV, phones decrypted; formula-like cells are defused.
    Universe {
        #[arg(long)]
        campaign: String,
        /// A saved universe's name (or give a filter).
        #[arg(long)]
        name: Option<String>,
        filter: Option<String>,
        #[arg(short = 'o', long = "out")]
        out: PathBuf,
    },
    /// A program's call results: CSV (names only for roles that may export personal data), NGP VAN
    /// `canvassResponses` requests as JSON Lines (`--format van-canvass --mapping FILE`), or a VAN
    /// bulk-upload CSV with its `bulkImportJobs` request body beside it (`--format van-bulk --mapping
    /// FILE`; docs/calling.md).
    Results {
        #[arg(long)]
        program: String,
        /// csv, van-canvass or van-bulk.
        #[arg(long, default_value = "csv")]
        format: String,
        /// For van-canvass and van-bulk: person_id_type, contact_type_id, result_codes, activist_codes,
        /// skip, skip_questions; for van-canvass also survey_questions (answers as SurveyResponse
        /// items); for van-bulk also source_url and canvassed_by.
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// For csv: add a `weight` column, the respondents raked to these population margins
        /// (`variable,category,target`, docs/surveys.md); empty on rows that are not a respondent's.
        #[arg(long)]
        weight_targets: Option<PathBuf>,
        #[arg(short = 'o', long = "out")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// A generated NC file through the full import, beside the database's own raw bulk load.
    Import {
        /// Rows to generate (default 1,000,000).
        #[arg(long, default_value_t = 1_000_000)]
        rows: u64,
        /// A small run for CI (20,000 rows).
        #[arg(long)]
        quick: bool,
        /// sqlite, postgres, or sqlite,postgres.
        #[arg(long, default_value = "sqlite,postgres")]
        backends: String,
        /// Keep the generated file and databases here instead of a temporary directory.
        #[arg(long)]
        keep: Option<PathBuf>,
    },
    /// Contact-policy decisions per second on one thread, checked against a naive evaluation.
    Policy(bench_policy::PolicyBenchArgs),
    /// Raking 100,000 respondents on 5 margins, against weightipy on the same data.
    Survey(bench_survey::SurveyBenchArgs),
    /// The dialer's pacing in simulated time: Clearline, progressive and the true-parameter oracle.
    Dialer(bench_dialer::DialerBenchArgs),
    /// Every main page's server time under load, on a campaign of 1,000,000 people and 100,000 calls.
    Pages(bench_pages::PagesBenchArgs),
}

#[derive(Subcommand)]
enum VotersCommand {
    /// Is this number on the campaign's do-not-call list? (Looked up by blind index.)
    DncCheck {
        #[arg(long)]
        campaign: String,
        number: String,
    },
    /// Show one person's record, phones decrypted (roles that may see personal data; audited).
    Show {
        #[arg(long)]
        campaign: String,
        /// The person key (state voter ID).
        voter_id: String,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Re-wrap every campaign's data keys under a new master key (safe while the service runs).
    Rotate,
    /// Write every data key, protected by a passphrase, to a backup file.
    Backup {
        #[arg(long)]
        out: PathBuf,
        /// A file holding the passphrase (else CLEARLINE_BACKUP_PASSPHRASE).
        #[arg(long)]
        passphrase_file: Option<PathBuf>,
    },
    /// After losing the master key: re-wrap the backed-up data keys under this data directory's master key.
    Restore {
        file: PathBuf,
        #[arg(long)]
        passphrase_file: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute every chain and name the first event altered, removed or reordered, or a cut tail.
    Verify {
        /// The organization (slug) that --expect-head refers to.
        #[arg(long)]
        org: Option<String>,
        /// A chain head kept outside this database, as SEQ:HASH: the chain must still reach it.
        #[arg(long, requires = "org")]
        expect_head: Option<ChainHead>,
    },
    /// Sign today's checkpoint of every chain now (serve does this hourly).
    Checkpoint,
    /// Write your organization's log as JSON Lines to stdout (needs --as; the export is audited).
    Export {
        /// Actions starting with this (e.g. `session.`).
        #[arg(long)]
        action: Option<String>,
        /// From this UTC day (YYYY-MM-DD).
        #[arg(long)]
        since: Option<jiff::civil::Date>,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print a commented configuration file with every setting.
    Example,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let listen = match &cli.command {
        Command::Serve { listen } | Command::Demo { listen, .. } => listen.clone(),
        _ => None,
    };
    let flags =
        FlagOverrides { data_dir: cli.global.data_dir.clone(), database_url: cli.global.database_url.clone(), listen };
    let config = match Config::load(cli.global.config.as_deref(), flags) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    init_logging(&config);
    let json = cli.global.json;
    match cli.command {
        Command::Gen { command: GenCommand::Voters { layout, rows, seed, out } } => {
            voters::gen(&layout, rows, seed, &out, json)
        }
        Command::Import { command } => {
            let Some(email) = cli.global.as_user.as_deref() else {
                eprintln!("error: imports act on a campaign's data: name yourself with --as EMAIL");
                return Ok(ExitCode::from(2));
            };
            let store = Store::open(&config.store_config()).await.context("opening the database")?;
            let Some(actor) = cli_actor(&store, email).await else { return Ok(ExitCode::from(2)) };
            match command {
                ImportCommand::Voters { campaign, layout, encoding, rejects, line_types, file } => {
                    let args = voters::ImportArgs { campaign, layout, encoding, rejects, line_types, file };
                    voters::import(&config, &store, &actor, args, json).await
                }
                ImportCommand::Mapping { name, file } => voters::save_mapping(&store, &actor, &name, &file).await,
                ImportCommand::Dnc { campaign: Some(campaign), source, file, .. } => {
                    voters::import_dnc(&config, &store, &actor, &campaign, &source, &file, json).await
                }
                ImportCommand::Dnc { vendor, source, file, .. } => {
                    let vendor = vendor.unwrap_or_default(); // clap requires one of the two
                    voters::import_vendor_dnc(&config, &store, &actor, &vendor, &source, &file, json).await
                }
                ImportCommand::Consents { campaign, file } => {
                    let kind = voters::ContactFile::Consents;
                    voters::import_contact_file(&config, &store, &actor, &campaign, kind, &file, json).await
                }
                ImportCommand::NationalDnc { campaign, state, extract_date, file } => {
                    let args = voters::NationalDncArgs { campaign, state, extract_date, file };
                    voters::import_national_dnc(&config, &store, &actor, args, json).await
                }
                ImportCommand::Rnd { campaign, file } => {
                    let kind = voters::ContactFile::RndChecks;
                    voters::import_contact_file(&config, &store, &actor, &campaign, kind, &file, json).await
                }
            }
        }
        Command::Voters { command: VotersCommand::DncCheck { campaign, number } } => {
            let Some(email) = cli.global.as_user.as_deref() else {
                eprintln!("error: the do-not-call list is a campaign's: name yourself with --as EMAIL");
                return Ok(ExitCode::from(2));
            };
            let store = Store::open(&config.store_config()).await.context("opening the database")?;
            let Some(actor) = cli_actor(&store, email).await else { return Ok(ExitCode::from(2)) };
            voters::dnc_check(&config, &store, &actor, &campaign, &number, json).await
        }
        Command::Voters { command: VotersCommand::Show { campaign, voter_id } } => {
            let Some(email) = cli.global.as_user.as_deref() else {
                eprintln!("error: reading a person's record needs --as EMAIL");
                return Ok(ExitCode::from(2));
            };
            let store = Store::open(&config.store_config()).await.context("opening the database")?;
            let Some(actor) = cli_actor(&store, email).await else { return Ok(ExitCode::from(2)) };
            voters::show(&config, &store, &actor, &campaign, &voter_id).await
        }
        Command::Universe { command } => {
            let Some(email) = cli.global.as_user.as_deref() else {
                eprintln!("error: universes act on a campaign's data: name yourself with --as EMAIL");
                return Ok(ExitCode::from(2));
            };
            let store = Store::open(&config.store_config()).await.context("opening the database")?;
            let Some(actor) = cli_actor(&store, email).await else { return Ok(ExitCode::from(2)) };
            match command {
                UniverseCommand::Check(args) => universe_check::run(&config, &store, &actor, *args, json).await,
                command => voters::universe(&store, &actor, command, json).await,
            }
        }
        Command::Export { command: ExportCommand::Universe { campaign, name, filter, out } } => {
            let Some(email) = cli.global.as_user.as_deref() else {
                eprintln!("error: exports act on a campaign's data: name yourself with --as EMAIL");
                return Ok(ExitCode::from(2));
            };
            let store = Store::open(&config.store_config()).await.context("opening the database")?;
            let Some(actor) = cli_actor(&store, email).await else { return Ok(ExitCode::from(2)) };
            voters::export_universe(&config, &store, &actor, &campaign, name, filter, &out, json).await
        }
        Command::Export { command: ExportCommand::Results { program, format, mapping, weight_targets, out } } => {
            let Some(email) = cli.global.as_user.as_deref() else {
                eprintln!("error: exports act on a campaign's data: name yourself with --as EMAIL");
                return Ok(ExitCode::from(2));
            };
            let store = Store::open(&config.store_config()).await.context("opening the database")?;
            let Some(actor) = cli_actor(&store, email).await else { return Ok(ExitCode::from(2)) };
            let options =
                results_export::Options { mapping: mapping.as_deref(), weight_targets: weight_targets.as_deref() };
            results_export::run(&config, &store, &actor, &program, &format, options, &out, json).await
        }
        Command::Bench { command: BenchCommand::Import { rows, quick, backends, keep } } => {
            let rows = if quick { 20_000 } else { rows };
            bench::import(rows, &backends, keep.as_deref(), json).await
        }
        Command::Bench { command: BenchCommand::Policy(args) } => bench_policy::run(args, json),
        Command::Bench { command: BenchCommand::Survey(args) } => bench_survey::run(args, json),
        Command::Survey {
            command: command @ (survey::SurveyCommand::Report(_) | survey::SurveyCommand::Disclosure(_)),
        } => {
            let Some(email) = cli.global.as_user.as_deref() else {
                eprintln!("error: a program's survey results are a campaign's: name yourself with --as EMAIL");
                return Ok(ExitCode::from(2));
            };
            let store = Store::open(&config.store_config()).await.context("opening the database")?;
            let Some(actor) = cli_actor(&store, email).await else { return Ok(ExitCode::from(2)) };
            match command {
                survey::SurveyCommand::Report(args) => {
                    survey_report::run_report(&config, &store, &actor, args, json).await
                }
                survey::SurveyCommand::Disclosure(args) => {
                    survey_report::run_disclosure(&config, &store, &actor, args).await
                }
                _ => unreachable!("matched above"),
            }
        }
        Command::Survey { command } => survey::run(command, json),
        Command::Bench { command: BenchCommand::Dialer(args) } => bench_dialer::run(args, json),
        Command::Bench { command: BenchCommand::Pages(args) } => bench_pages::run(args, json).await,
        Command::Policy { command } => {
            let stored = policy::StoredFacts { config: &config, as_user: cli.global.as_user.as_deref() };
            policy::run(command, json, stored).await
        }
        Command::Program { command } => {
            let Some(email) = cli.global.as_user.as_deref() else {
                eprintln!("error: programs are a campaign's: name yourself with --as EMAIL");
                return Ok(ExitCode::from(2));
            };
            let store = Store::open(&config.store_config()).await.context("opening the database")?;
            let Some(actor) = cli_actor(&store, email).await else { return Ok(ExitCode::from(2)) };
            program::run(&config, &store, &actor, command, json).await
        }
        Command::Dispositions { command } => {
            let Some(email) = cli.global.as_user.as_deref() else {
                eprintln!("error: disposition codes are a campaign's: name yourself with --as EMAIL");
                return Ok(ExitCode::from(2));
            };
            let store = Store::open(&config.store_config()).await.context("opening the database")?;
            let Some(actor) = cli_actor(&store, email).await else { return Ok(ExitCode::from(2)) };
            dispositions::run(&store, &actor, command, json).await
        }
        Command::Audio { command } => {
            let Some(email) = cli.global.as_user.as_deref() else {
                eprintln!("error: recorded audio is a campaign's: name yourself with --as EMAIL");
                return Ok(ExitCode::from(2));
            };
            let store = Store::open(&config.store_config()).await.context("opening the database")?;
            let Some(actor) = cli_actor(&store, email).await else { return Ok(ExitCode::from(2)) };
            audio::run(&store, &actor, command, json).await
        }
        Command::Script { command: script::ScriptCommand::Check { file, facts } } => script::check(&file, &facts, json),
        Command::Script { command } => {
            let Some(email) = cli.global.as_user.as_deref() else {
                eprintln!("error: scripts are a campaign's: name yourself with --as EMAIL");
                return Ok(ExitCode::from(2));
            };
            let store = Store::open(&config.store_config()).await.context("opening the database")?;
            let Some(actor) = cli_actor(&store, email).await else { return Ok(ExitCode::from(2)) };
            script::run(&store, &actor, command, json).await
        }
        Command::Keys { command } => {
            let store = Store::open(&config.store_config()).await.context("opening the database")?;
            match command {
                KeysCommand::Rotate => vaultkeys::rotate(&config, &store, json).await,
                KeysCommand::Backup { out, passphrase_file } => {
                    vaultkeys::backup(&config, &store, &out, passphrase_file.as_deref()).await
                }
                KeysCommand::Restore { file, passphrase_file } => {
                    vaultkeys::restore(&config, &store, &file, passphrase_file.as_deref()).await
                }
            }
        }
        Command::Config { command: ConfigCommand::Example } => {
            print!("{}", config::EXAMPLE);
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let applied = Store::pending_migrations(&config.store_config()).await?;
            if json {
                println!("{}", serde_json::json!({ "applied": applied }));
            } else if applied.is_empty() {
                println!("The database is up to date.");
            } else {
                println!("Applied migrations: {applied:?}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { .. } => {
            let store = Store::open(&config.store_config()).await.context("opening the database")?;
            serve(&config, store, None, clearline_calling::DeskHub::default()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo {
            no_serve,
            voters,
            no_calling,
            bots_per_vendor,
            answer_rate,
            calling_at,
            desk_disconnect_seconds,
            ..
        } => {
            let store = Store::open(&config.store_config()).await.context("opening the database")?;
            let users = demo::seed(&store, &config).await?;
            if let Some(report) = demo::seed_voters(&store, &config, voters).await? {
                if !json {
                    println!(
                        "Imported {} synthetic NC voters into the demo campaign ({} rejected rows, {} households).",
                        report.inserted, report.rejected, report.households
                    );
                }
            }
            if let Some(list) = demo::seed_program(&store, &config).await? {
                if !json {
                    let n = |mode: &str| list.by_mode.get(mode).copied().unwrap_or(0);
                    println!(
                        "Built the call list of demo program gotv-general: {} people — {} dialed predictively, {} as preview calls, {} excluded with a reason.",
                        list.people,
                        n("program"),
                        n("preview"),
                        n("excluded")
                    );
                }
            }
            if let Some(list) = demo::seed_survey_program(&store, &config).await? {
                if !json {
                    let n = |mode: &str| list.by_mode.get(mode).copied().unwrap_or(0);
                    println!(
                        "Built the call list of demo survey program {}: {} people, one per household — {} dialed predictively, {} as preview calls, {} excluded with a reason.",
                        demo::SURVEY_PROGRAM,
                        list.people,
                        n("program"),
                        n("preview"),
                        n("excluded")
                    );
                }
            }
            if demo::seed_script(&store).await? && !json {
                println!(
                    "Seeded the approved scripts gotv-reminder and issues-survey (attached to gotv-general and {} when they exist).",
                    demo::SURVEY_PROGRAM
                );
            }
            if demo::seed_audio(&store).await? && !json {
                println!(
                    "Seeded the approved safe-harbor message {} (attached to gotv-general and {} when they exist).",
                    demo::SAFE_HARBOR_AUDIO,
                    demo::SURVEY_PROGRAM
                );
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&users)?);
            }
            if no_serve {
                if !json {
                    demo::print_users(&users, None);
                }
                return Ok(ExitCode::SUCCESS);
            }
            let desk = clearline_calling::DeskHub::default();
            if !no_calling {
                if !(0.0..=1.0).contains(&answer_rate) {
                    eprintln!("error: --answer-rate is a share, from 0 to 1");
                    return Ok(ExitCode::from(2));
                }
                let live = demo::LiveCalling {
                    bots_per_vendor,
                    answer_rate,
                    calling_at,
                    desk: desk.clone(),
                    disconnect_grace: std::time::Duration::from_secs(desk_disconnect_seconds),
                };
                let note = demo::start_live_calling(&store, &config, &live).await?;
                if !json {
                    println!("{note}");
                }
            }
            let banner = if json { None } else { Some(users) };
            serve(&config, store, banner, desk).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { command: AuditCommand::Export { action, since } } => {
            let Some(email) = cli.global.as_user.as_deref() else {
                eprintln!("error: audit export acts on an organization's data: name yourself with --as EMAIL");
                return Ok(ExitCode::from(2));
            };
            let store = Store::open(&config.store_config()).await.context("opening the database")?;
            let actor = match cli_actor(&store, email).await {
                Some(a) => a,
                None => return Ok(ExitCode::from(2)),
            };
            let since_us = match since {
                Some(day) => Some(day.to_zoned(jiff::tz::TimeZone::UTC)?.timestamp().as_microsecond()),
                None => None,
            };
            let filter = clearline_store::AuditFilter {
                action_prefix: action,
                since_us,
                limit: Some(10_000),
                ..Default::default()
            };
            let mut events = match store.audit_events(&actor, &filter).await {
                Ok(events) => events,
                Err(clearline_store::StoreError::Forbidden(_)) => {
                    eprintln!("error: this user's role may not export the audit log");
                    return Ok(ExitCode::from(1));
                }
                Err(e) => return Err(e.into()),
            };
            if store.record_audit_export(&actor, &filter).await.is_err() {
                eprintln!("error: this user's role may not export the audit log");
                return Ok(ExitCode::from(1));
            }
            events.reverse();
            for e in &events {
                println!("{}", serde_json::to_string(e)?);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { command: AuditCommand::Checkpoint } => {
            let store = Store::open(&config.store_config()).await.context("opening the database")?;
            let key = keys::load_or_create(&config.signing_key_path())?;
            let n = store.write_checkpoints(&Actor::system("audit-checkpoint"), &key).await?;
            if json {
                println!("{}", serde_json::json!({ "checkpoints_written": n }));
            } else {
                println!("Signed {n} checkpoint(s).");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { command: AuditCommand::Verify { org, expect_head } } => {
            let store = Store::open(&config.store_config()).await.context("opening the database")?;
            let actor = Actor::system("audit-verify");
            let expect = match (org, expect_head) {
                (Some(slug), Some(head)) => match store.organization_by_slug(&actor, &slug).await {
                    Ok(o) => Some((o.id, head)),
                    Err(_) => {
                        eprintln!("error: no organization has the slug {slug:?}");
                        return Ok(ExitCode::from(2));
                    }
                },
                _ => None,
            };
            let reports = store.verify_audit(&actor, expect).await?;
            let ok = reports.iter().all(|r| r.ok());
            if json {
                println!("{}", serde_json::to_string_pretty(&reports)?);
            } else {
                for r in &reports {
                    match (&r.problem, &r.bad_checkpoint) {
                        (None, None) => println!(
                            "ok      {:<24} {:>7} events  head {}  {} signed checkpoint(s)",
                            r.slug,
                            r.events,
                            r.head.as_ref().map(|h| h.to_string()).unwrap_or_else(|| "(empty)".into()),
                            r.checkpoints
                        ),
                        (Some(p), _) => println!("FAILED  {:<24} {p}", r.slug),
                        (None, Some(day)) => {
                            println!("FAILED  {:<24} the checkpoint of {day} has a bad signature", r.slug)
                        }
                    }
                }
            }
            Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
    }
}

/// Resolves `--as EMAIL` to an actor; prints why not and returns None when it cannot.
pub(crate) async fn cli_actor(store: &Store, email: &str) -> Option<Actor> {
    let parsed = match clearline_core::validate::Email::parse(email) {
        Ok(e) => e,
        Err(_) => {
            eprintln!("error: --as must be an email address");
            return None;
        }
    };
    match store.cli_principal(&parsed).await {
        Ok(p) => Some(Actor::User(p)),
        Err(_) => {
            eprintln!("error: no active user has that email in this database");
            None
        }
    }
}

fn init_logging(config: &Config) {
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("CLEARLINE_LOG").unwrap_or_else(|_| "info,sqlx=error".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if config.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Serves until SIGINT or SIGTERM, signing audit checkpoints hourly.
async fn serve(
    config: &Config,
    store: Store,
    demo_users: Option<Vec<demo::DemoUser>>,
    desk: clearline_calling::DeskHub,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let key = keys::load_or_create(&config.signing_key_path())?;
    let checkpoint_store = store.clone();
    tokio::spawn(async move {
        let mut every_hour = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every_hour.tick().await;
            if let Err(e) = checkpoint_store.write_checkpoints(&Actor::system("audit-checkpoint"), &key).await {
                tracing::warn!(error = %e, "could not sign audit checkpoints");
            }
        }
    });
    let state = web_state(config, &store, desk)?;
    if let Some(users) = demo_users {
        demo::print_users(&users, Some(addr));
    }
    tracing::info!(%addr, backend = ?store.backend(), "serving");
    println!("Clearline is listening on http://{addr}");
    clearline_web::serve(listener, state, shutdown_signal()).await?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// The web server's state from the configuration: what `serve` and `bench pages` serve.
fn web_state(
    config: &Config,
    store: &Store,
    desk: clearline_calling::DeskHub,
) -> anyhow::Result<clearline_web::state::AppState> {
    let upload_dir = config.data_dir.join("uploads");
    std::fs::create_dir_all(&upload_dir).with_context(|| format!("creating {}", upload_dir.display()))?;
    let settings = clearline_web::WebSettings {
        secure_cookies: config.secure_cookies,
        trust_forwarded_for: config.trust_forwarded_for,
        max_body_bytes: config.max_body_bytes,
        upload_dir,
        ..clearline_web::WebSettings::default()
    };
    Ok(clearline_web::state::AppState::new(store.clone(), settings)
        .with_master_key_from(
            vaultkeys::master_key(config)?,
            std::env::var(vaultkeys::MASTER_KEY_ENV).is_err().then(|| config.master_key_path()),
        )
        .with_desk(desk))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
