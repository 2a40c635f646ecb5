//! Scripts and their versions.
//!
//! A script belongs to one campaign and declares the facts it is validated for ([`ScriptFacts`]:
//! purpose, dial mode, recorded, expected calls). Its versions are immutable — the text, language,
//! translation and author never change (triggers refuse it on both backends) — and move draft →
//! submitted → approved | rejected, each move recorded with who and when and audited in the same
//! transaction. Writing and submitting need `edit_scripts`; approving and rejecting `approve_scripts`,
//! and never by the version's own author: a second person reads every word.

use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::now_us;
use crate::orgs::require_in_org;
use clearline_core::program::ProgramStatus;
use clearline_core::script::{self, ScriptFacts, VersionStatus};
use clearline_core::validate::{Invalid, Slug};
use clearline_core::{Actor, Capability, OrgId, OrgKind, UserId};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::Row;

/// The longest script text accepted (a call script, not a book).
pub const MAX_SCRIPT_BYTES: usize = 100_000;

/// A stored script and the summary of its versions.
#[derive(Clone, Debug, Serialize)]
pub struct ScriptInfo {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub facts: ScriptFacts,
    pub created_at_us: i64,
    /// Oldest first.
    pub versions: Vec<VersionSummary>,
}

impl ScriptInfo {
    /// The newest approved version in `language`.
    pub fn latest_approved(&self, language: &str) -> Option<&VersionSummary> {
        self.versions.iter().rev().find(|v| v.status == VersionStatus::Approved && v.language == language)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct VersionSummary {
    pub id: i64,
    pub number: u32,
    pub language: String,
    pub status: VersionStatus,
    pub created_at_us: i64,
}

/// One version, whole.
#[derive(Clone, Debug, Serialize)]
pub struct ScriptVersion {
    pub id: i64,
    pub script_id: i64,
    pub number: u32,
    pub language: String,
    /// The number of the version (of the same script) this one translates.
    pub translation_of: Option<u32>,
    pub body: String,
    /// SHA-256 of the body, hex: what a call will record beside the version id.
    pub body_sha256: String,
    pub status: VersionStatus,
    pub author: Option<UserId>,
    pub created_at_us: i64,
    pub submitted_by: Option<UserId>,
    pub submitted_at_us: Option<i64>,
    pub decided_by: Option<UserId>,
    pub decided_at_us: Option<i64>,
    pub rejection_reason: Option<String>,
}

/// A new version as an author writes it.
#[derive(Clone, Debug)]
pub struct NewVersion {
    pub body: String,
    /// BCP 47-style: `en`, `es`, `es-MX`.
    pub language: String,
    /// The version number (of the same script) this one translates.
    pub translation_of: Option<u32>,
}

impl Store {
    /// Creates a campaign's script, with no version yet.
    pub async fn create_script(
        &self,
        actor: &Actor,
        slug: &Slug,
        name: &str,
        facts: &ScriptFacts,
    ) -> StoreResult<ScriptInfo> {
        let campaign = script_writer(actor)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 120 {
            return Err(Invalid::new("name", "must be 1-120 characters").into());
        }
        let mut tx = self.write().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO scripts (campaign_id, slug, name, facts_json, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(campaign.0)
        .bind(slug.as_str())
        .bind(name)
        .bind(serde_json::to_string(facts).expect("facts serialize"))
        .bind(actor.principal().map(|p| p.user_id.0))
        .bind(now_us())
        .fetch_one(&mut *tx.tx)
        .await
        .map_err(StoreError::conflict_on("slug"))?
        .get(0);
        tx.audit(
            campaign,
            actor,
            "script.create",
            "script",
            &id.to_string(),
            json!({"slug": slug.as_str(), "facts": facts}),
        )
        .await?;
        tx.commit().await?;
        self.script_by_slug(actor, slug.as_str()).await
    }

    /// Adds a draft version (numbered after the last). A draft may be unfinished; it is validated when
    /// submitted.
    pub async fn add_script_version(&self, actor: &Actor, slug: &str, new: &NewVersion) -> StoreResult<ScriptVersion> {
        let campaign = script_writer(actor)?;
        // Browsers send a textarea with CRLF line ends, files come with either: one form is stored, so
        // a diff between versions shows changed words, never changed line ends.
        let normalized = new.body.replace("\r\n", "\n");
        let new = &NewVersion { body: normalized, ..new.clone() };
        if new.body.trim().is_empty() || new.body.len() > MAX_SCRIPT_BYTES {
            return Err(Invalid::new("body", format!("must be 1 to {MAX_SCRIPT_BYTES} bytes of text")).into());
        }
        if !script::is_language_tag(&new.language) {
            return Err(Invalid::new("language", "a language tag such as en, es or es-MX").into());
        }
        let mut tx = self.write().await?;
        let script_id: i64 = sqlx::query("SELECT id FROM scripts WHERE campaign_id = $1 AND slug = $2")
            .bind(campaign.0)
            .bind(slug)
            .fetch_optional(&mut *tx.tx)
            .await?
            .ok_or(StoreError::NotFound)?
            .get(0);
        let translation_of = match new.translation_of {
            None => None,
            Some(number) => {
                let row = sqlx::query("SELECT id, language FROM script_versions WHERE script_id = $1 AND number = $2")
                    .bind(script_id)
                    .bind(i64::from(number))
                    .fetch_optional(&mut *tx.tx)
                    .await?
                    .ok_or_else(|| Invalid::new("translation_of", "no version of this script has that number"))?;
                let language: String = row.get(1);
                if language == new.language {
                    return Err(Invalid::new("translation_of", "a translation is in another language").into());
                }
                Some(row.get::<i64, _>(0))
            }
        };
        let number: i64 = sqlx::query("SELECT COALESCE(MAX(number), 0) + 1 FROM script_versions WHERE script_id = $1")
            .bind(script_id)
            .fetch_one(&mut *tx.tx)
            .await?
            .get(0);
        let sha = hex::encode(Sha256::digest(new.body.as_bytes()));
        let id: i64 = sqlx::query(
            "INSERT INTO script_versions (script_id, number, language, translation_of, body, body_sha256, status, \
             author_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'draft', $7, $8) RETURNING id",
        )
        .bind(script_id)
        .bind(number)
        .bind(new.language.as_str())
        .bind(translation_of)
        .bind(new.body.as_str())
        .bind(sha.as_str())
        .bind(actor.principal().map(|p| p.user_id.0))
        .bind(now_us())
        .fetch_one(&mut *tx.tx)
        .await?
        .get(0);
        tx.audit(
            campaign,
            actor,
            "script.version.create",
            "script_version",
            &id.to_string(),
            json!({"script": slug, "number": number, "language": new.language, "translation_of": new.translation_of,
                   "sha256": sha}),
        )
        .await?;
        tx.commit().await?;
        self.script_version(actor, slug, number as u32).await
    }

    /// Submits a draft for approval. The text must parse and pass validation against the script's
    /// facts; the refusal names the first problem and counts the rest (`clearline script check` lists
    /// them all).
    pub async fn submit_script_version(&self, actor: &Actor, slug: &str, number: u32) -> StoreResult<ScriptVersion> {
        script_writer(actor)?;
        let info = self.script_by_slug(actor, slug).await?;
        let version = self.script_version(actor, slug, number).await?;
        let problems: Vec<String> = match script::parse(&version.body) {
            Err(errors) => errors.iter().map(ToString::to_string).collect(),
            Ok(doc) => script::validate(&doc, &info.facts).iter().map(ToString::to_string).collect(),
        };
        if let Some(first) = problems.first() {
            let more = match problems.len() - 1 {
                0 => String::new(),
                n => format!(" (and {n} more)"),
            };
            return Err(Invalid::new("body", format!("the script cannot be submitted: {first}{more}")).into());
        }
        self.move_version(actor, &info, &version, VersionStatus::Submitted, None).await
    }

    /// Approves a submitted version. Not by its author.
    pub async fn approve_script_version(&self, actor: &Actor, slug: &str, number: u32) -> StoreResult<ScriptVersion> {
        script_approver(actor)?;
        let info = self.script_by_slug(actor, slug).await?;
        let version = self.script_version(actor, slug, number).await?;
        self.move_version(actor, &info, &version, VersionStatus::Approved, None).await
    }

    /// Rejects a submitted version with a reason the author reads. Not by its author.
    pub async fn reject_script_version(
        &self,
        actor: &Actor,
        slug: &str,
        number: u32,
        reason: &str,
    ) -> StoreResult<ScriptVersion> {
        script_approver(actor)?;
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 1000 {
            return Err(Invalid::new("reason", "say why in 1-1000 characters").into());
        }
        let info = self.script_by_slug(actor, slug).await?;
        let version = self.script_version(actor, slug, number).await?;
        self.move_version(actor, &info, &version, VersionStatus::Rejected, Some(reason)).await
    }

    /// The campaign's scripts, by slug, with their versions.
    pub async fn list_scripts(&self, actor: &Actor) -> StoreResult<Vec<ScriptInfo>> {
        let campaign = script_reader(actor)?;
        let rows = sqlx::query(&format!("{SCRIPT_SELECT} WHERE campaign_id = $1 ORDER BY slug"))
            .bind(campaign.0)
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push(self.script_from_row(row).await?);
        }
        Ok(out)
    }

    /// One of the campaign's scripts; another campaign's is `NotFound`.
    pub async fn script_by_slug(&self, actor: &Actor, slug: &str) -> StoreResult<ScriptInfo> {
        let campaign = script_reader(actor)?;
        self.script_of_campaign(campaign, slug).await
    }

    /// One version of one of the campaign's scripts.
    pub async fn script_version(&self, actor: &Actor, slug: &str, number: u32) -> StoreResult<ScriptVersion> {
        let campaign = script_reader(actor)?;
        self.version_of_campaign(campaign, slug, number).await
    }

    /// Attaches an approved version to a draft or running program: its callers read it from the next
    /// call. The script must have been checked for the program's purpose, dial mode and recording
    /// ([`ScriptFacts::mismatches`]). Audited with the version before and after — on a running program
    /// this is the mid-program switch the campaign must be able to trace.
    pub async fn attach_script(
        &self,
        actor: &Actor,
        program_slug: &str,
        script_slug: &str,
        number: u32,
    ) -> StoreResult<crate::Program> {
        let campaign = campaign_only(actor, require_in_org(actor, Capability::ManagePrograms, None))?;
        let program = self.program_by_slug(actor, program_slug).await?;
        if !matches!(program.status, ProgramStatus::Draft | ProgramStatus::Running) {
            return Err(Invalid::new("status", "a script is attached to a draft or running program only").into());
        }
        // Program managers hold edit_scripts; read the script as the campaign.
        let info = self.script_of_campaign(campaign, script_slug).await?;
        let version = self.version_of_campaign(campaign, script_slug, number).await?;
        if version.status != VersionStatus::Approved {
            return Err(Invalid::new(
                "script",
                format!("version {} is {}: only an approved version can be attached", number, version.status.as_str()),
            )
            .into());
        }
        let listed = self.listed_people(program.id).await?;
        if let Some(first) = info.facts.mismatches(&program.settings, listed).into_iter().next() {
            return Err(Invalid::new("script", first).into());
        }
        let before = match program.script_version_id {
            Some(id) => self.version_ref(id).await?,
            None => serde_json::Value::Null,
        };
        let mut tx = self.write().await?;
        sqlx::query("UPDATE programs SET script_version_id = $1, updated_at = $2 WHERE id = $3 AND campaign_id = $4")
            .bind(version.id)
            .bind(now_us())
            .bind(program.id)
            .bind(campaign.0)
            .execute(&mut *tx.tx)
            .await?;
        tx.audit(
            campaign,
            actor,
            "program.script",
            "program",
            &program.id.to_string(),
            json!({
                "program": program.slug, "status": program.status.as_str(),
                "before": before,
                "after": {"version_id": version.id, "script": info.slug, "number": version.number,
                          "language": version.language, "sha256": version.body_sha256},
            }),
        )
        .await?;
        tx.commit().await?;
        self.program_by_slug(actor, program_slug).await
    }

    /// The script version attached to a program, with its script's slug.
    pub async fn program_script(
        &self,
        actor: &Actor,
        program_slug: &str,
    ) -> StoreResult<Option<(String, ScriptVersion)>> {
        let program = self.program_by_slug(actor, program_slug).await?;
        let Some(id) = program.script_version_id else { return Ok(None) };
        let row = sqlx::query(&format!("{VERSION_SELECT} WHERE v.id = $1")).bind(id).fetch_one(&self.pool).await?;
        let slug: String =
            sqlx::query("SELECT s.slug FROM scripts s, script_versions v WHERE v.id = $1 AND s.id = v.script_id")
                .bind(id)
                .fetch_one(&self.pool)
                .await?
                .get(0);
        Ok(Some((slug, version_from_row(&row)?)))
    }

    /// The approved translations of the program's attached version (the languages a caller may switch
    /// to mid-call), oldest first; one per language, the newest approved.
    pub async fn program_translations(&self, actor: &Actor, program_slug: &str) -> StoreResult<Vec<ScriptVersion>> {
        let program = self.program_by_slug(actor, program_slug).await?;
        let Some(id) = program.script_version_id else { return Ok(Vec::new()) };
        let rows = sqlx::query(&format!(
            "{VERSION_SELECT} WHERE v.translation_of = $1 AND v.status = 'approved' ORDER BY v.number"
        ))
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<ScriptVersion> = Vec::new();
        for row in &rows {
            let v = version_from_row(row)?;
            out.retain(|o| o.language != v.language);
            out.push(v);
        }
        Ok(out)
    }

    /// What the attached script lacks for the program to start (CR-31: callers read only approved
    /// words; CR-48: the opening they read is in it).
    pub(crate) async fn attached_script_blockers(&self, program: &crate::Program) -> StoreResult<Vec<Invalid>> {
        let Some(id) = program.script_version_id else {
            return Ok(vec![Invalid::new("script", "no approved script is attached (CR-31, CR-48)")]);
        };
        let row = sqlx::query(
            "SELECT v.status, s.facts_json FROM script_versions v, scripts s WHERE v.id = $1 AND s.id = v.script_id",
        )
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        let status = status_of(&row.get::<String, _>(0))?;
        let facts: ScriptFacts = serde_json::from_str(&row.get::<String, _>(1))
            .map_err(|e| StoreError::Other(format!("script facts: {e}")))?;
        let mut out = Vec::new();
        if status != VersionStatus::Approved {
            out.push(Invalid::new("script", "the attached script version is not approved (CR-31)"));
        }
        let listed = self.listed_people(program.id).await?;
        // Settings may have changed since the script was attached.
        out.extend(facts.mismatches(&program.settings, listed).into_iter().map(|m| Invalid::new("script", m)));
        Ok(out)
    }

    pub(crate) async fn listed_people(&self, program_id: i64) -> StoreResult<u64> {
        // The snapshot's counts, written with its entries (`call_list_counts`, migration 0026): one
        // read, not a count of every entry (687,923 at 1M people).
        let n: i64 = sqlx::query(
            "SELECT CAST(COALESCE(SUM(people), 0) AS BIGINT) FROM call_list_counts \
             WHERE program_id = $1 AND mode <> 'excluded'",
        )
        .bind(program_id)
        .fetch_one(&self.pool)
        .await?
        .get(0);
        Ok(n.max(0) as u64)
    }

    /// A version named by id, for audit details.
    async fn version_ref(&self, id: i64) -> StoreResult<serde_json::Value> {
        let row = sqlx::query(
            "SELECT s.slug, v.number, v.language, v.body_sha256 FROM script_versions v, scripts s              WHERE v.id = $1 AND s.id = v.script_id",
        )
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        Ok(json!({"version_id": id, "script": row.get::<String, _>(0), "number": row.get::<i64, _>(1),
                  "language": row.get::<String, _>(2), "sha256": row.get::<String, _>(3)}))
    }

    async fn script_of_campaign(&self, campaign: OrgId, slug: &str) -> StoreResult<ScriptInfo> {
        let row = sqlx::query(&format!("{SCRIPT_SELECT} WHERE campaign_id = $1 AND slug = $2"))
            .bind(campaign.0)
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        self.script_from_row(&row).await
    }

    async fn version_of_campaign(&self, campaign: OrgId, slug: &str, number: u32) -> StoreResult<ScriptVersion> {
        let row = sqlx::query(&format!(
            "{VERSION_SELECT} WHERE v.script_id = (SELECT id FROM scripts WHERE campaign_id = $1 AND slug = $2) \
             AND v.number = $3"
        ))
        .bind(campaign.0)
        .bind(slug)
        .bind(i64::from(number))
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        version_from_row(&row)
    }

    async fn move_version(
        &self,
        actor: &Actor,
        info: &ScriptInfo,
        version: &ScriptVersion,
        next: VersionStatus,
        reason: Option<&str>,
    ) -> StoreResult<ScriptVersion> {
        let campaign = script_reader(actor)?;
        let me = actor.principal().map(|p| p.user_id);
        let deciding = check_move(version.number, version.status, next, me, version.author)?;
        let mut tx = self.write().await?;
        let action =
            write_move(&mut tx, VersionTable::Scripts, version.id, version.status, next, me, deciding, reason).await?;
        tx.audit(
            campaign,
            actor,
            action,
            "script_version",
            &version.id.to_string(),
            json!({"script": info.slug, "number": version.number, "sha256": version.body_sha256,
                   "from": version.status.as_str(), "to": next.as_str()}),
        )
        .await?;
        tx.commit().await?;
        self.script_version(actor, &info.slug, version.number).await
    }

    async fn script_from_row(&self, row: &AnyRow) -> StoreResult<ScriptInfo> {
        let id: i64 = row.get(0);
        let facts: String = row.get(3);
        let versions = sqlx::query(
            "SELECT id, number, language, status, created_at FROM script_versions WHERE script_id = $1 ORDER BY number",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(VersionSummary {
                id: r.get(0),
                number: r.get::<i64, _>(1) as u32,
                language: r.get(2),
                status: status_of(&r.get::<String, _>(3))?,
                created_at_us: r.get(4),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
        Ok(ScriptInfo {
            id,
            slug: row.get(1),
            name: row.get(2),
            facts: serde_json::from_str(&facts).map_err(|e| StoreError::Other(format!("script facts: {e}")))?,
            created_at_us: row.get(4),
            versions,
        })
    }
}

const SCRIPT_SELECT: &str = "SELECT id, slug, name, facts_json, created_at FROM scripts";
const VERSION_SELECT: &str = "SELECT v.id, v.script_id, v.number, v.language, \
     (SELECT t.number FROM script_versions t WHERE t.id = v.translation_of), v.body, v.body_sha256, v.status, \
     v.author_id, v.created_at, v.submitted_by, v.submitted_at, v.decided_by, v.decided_at, v.rejection_reason \
     FROM script_versions v";

fn version_from_row(row: &AnyRow) -> StoreResult<ScriptVersion> {
    let user = |i: usize| row.get::<Option<i64>, _>(i).map(UserId);
    Ok(ScriptVersion {
        id: row.get(0),
        script_id: row.get(1),
        number: row.get::<i64, _>(2) as u32,
        language: row.get(3),
        translation_of: row.get::<Option<i64>, _>(4).map(|n| n as u32),
        body: row.get(5),
        body_sha256: row.get(6),
        status: status_of(&row.get::<String, _>(7))?,
        author: user(8),
        created_at_us: row.get(9),
        submitted_by: user(10),
        submitted_at_us: row.get(11),
        decided_by: user(12),
        decided_at_us: row.get(13),
        rejection_reason: row.get(14),
    })
}

/// The approved-messaging tables whose versions move through [`check_move`].
#[derive(Clone, Copy)]
pub(crate) enum VersionTable {
    Scripts,
    Audio,
}

/// Writes a checked move of one version (`deciding`: an approval or rejection, else a submission) if
/// it is still at `from`, and returns the audit action to record with it (`script.version.approve`…).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn write_move(
    tx: &mut crate::db::WriteTx,
    table: VersionTable,
    id: i64,
    from: VersionStatus,
    next: VersionStatus,
    me: Option<UserId>,
    deciding: bool,
    reason: Option<&str>,
) -> StoreResult<&'static str> {
    let (table_name, actions) = match table {
        VersionTable::Scripts => {
            ("script_versions", ["script.version.submit", "script.version.approve", "script.version.reject"])
        }
        VersionTable::Audio => {
            ("audio_versions", ["audio.version.submit", "audio.version.approve", "audio.version.reject"])
        }
    };
    let who = if deciding { "decided" } else { "submitted" };
    let sql = format!(
        "UPDATE {table_name} SET status = $1, {who}_by = $2, {who}_at = $3, rejection_reason = $4 \
         WHERE id = $5 AND status = $6"
    );
    let changed = sqlx::query(&sql)
        .bind(next.as_str())
        .bind(me.map(|u| u.0))
        .bind(now_us())
        .bind(reason)
        .bind(id)
        .bind(from.as_str())
        .execute(&mut *tx.tx)
        .await?
        .rows_affected();
    if changed != 1 {
        // Someone else moved it between our read and this write.
        return Err(Invalid::new("status", "the version changed meanwhile: read it again").into());
    }
    Ok(match next {
        VersionStatus::Submitted => actions[0],
        VersionStatus::Approved => actions[1],
        VersionStatus::Rejected => actions[2],
        VersionStatus::Draft => unreachable!("nothing moves back to draft"),
    })
}

/// The approval state machine's one gate, shared by script and audio versions: the move must be one
/// [`VersionStatus::may_become`] allows, and a decision (approve, reject) is never the author's own —
/// a second person reads (or hears) every word. Returns whether the move is a decision.
pub(crate) fn check_move(
    number: u32,
    status: VersionStatus,
    next: VersionStatus,
    me: Option<UserId>,
    author: Option<UserId>,
) -> StoreResult<bool> {
    if !status.may_become(next) {
        return Err(Invalid::new(
            "status",
            format!("version {} is {}: it cannot become {}", number, status.as_str(), next.as_str()),
        )
        .into());
    }
    let deciding = matches!(next, VersionStatus::Approved | VersionStatus::Rejected);
    if deciding && (me.is_none() || me == author) {
        return Err(Invalid::new("status", "an author cannot approve or reject their own version").into());
    }
    Ok(deciding)
}

pub(crate) fn status_of(text: &str) -> StoreResult<VersionStatus> {
    VersionStatus::parse(text).ok_or_else(|| StoreError::Other(format!("unknown script version status {text:?}")))
}

/// Campaign staff who write script drafts and submit them.
pub(crate) fn script_writer(actor: &Actor) -> StoreResult<OrgId> {
    campaign_only(actor, require_in_org(actor, Capability::EditScripts, None))
}

/// Campaign staff who approve and reject.
pub(crate) fn script_approver(actor: &Actor) -> StoreResult<OrgId> {
    campaign_only(actor, require_in_org(actor, Capability::ApproveScripts, None))
}

/// Anyone who writes or approves scripts reads them.
pub(crate) fn script_reader(actor: &Actor) -> StoreResult<OrgId> {
    let org = match require_in_org(actor, Capability::EditScripts, None) {
        Ok(org) => Ok(org),
        Err(_) => require_in_org(actor, Capability::ApproveScripts, None),
    };
    campaign_only(actor, org)
}

/// Scripts are a campaign's (CR-31): capabilities are granted to campaign roles only, and this holds
/// even if the grant table changed.
pub(crate) fn campaign_only(actor: &Actor, org: StoreResult<OrgId>) -> StoreResult<OrgId> {
    let org = org?;
    match actor.principal() {
        Some(p) if p.org_kind != OrgKind::Campaign => Err(StoreError::Forbidden(Capability::EditScripts.as_str())),
        _ => Ok(org),
    }
}
