//! Survey results as stored: each case's final disposition and voter fields, and the answers given on
//! the program's attempts — as ciphertext: the caller decrypts with the campaign's key (the store never
//! holds one). Reading them needs `view_results`; the report and disclosure built from them are audited
//! reads ([`Store::record_survey_read`]).

use crate::calling::person_column;
use crate::db::Store;
use crate::error::StoreResult;
use crate::orgs::require_in_org;
use clearline_core::program::QuotaField;
use clearline_core::{Actor, Capability};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

/// One case of a survey program: a person with at least one closed attempt, and the disposition of
/// the last of them (a final disposition ends the entry, so the last attempt's is the case's).
#[derive(Clone, Debug, Serialize)]
pub struct SurveyCase {
    pub person_id: i64,
    /// The last closed attempt.
    pub attempt_id: i64,
    pub disposition: String,
    pub attempts: u32,
    /// Voter-file fields for crosstabs and raking (plain columns of the voter file).
    pub party: Option<String>,
    pub gender: Option<String>,
    pub race: Option<String>,
    pub county: Option<String>,
    pub precinct: Option<String>,
    pub congressional_district: Option<String>,
    pub birth_year: Option<i64>,
}

/// One stored answer (its ciphertext).
#[derive(Clone, Debug)]
pub struct StoredAnswer {
    pub attempt_id: i64,
    pub person_id: i64,
    pub step: String,
    pub position: u32,
    pub answer_enc: Vec<u8>,
    pub shown_order: Option<Vec<String>>,
    pub answered_at_us: i64,
}

/// When the program's calls were made: the first dial and the last end (µs since the epoch).
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct FieldDates {
    pub first_dialed_at_us: Option<i64>,
    pub last_ended_at_us: Option<i64>,
    pub attempts: u64,
    /// Attempts placed on the simulated carrier (bot agents): simulated data, to be said so.
    pub simulated: u64,
}

impl Store {
    /// The program's cases, by person id.
    pub async fn survey_cases(&self, actor: &Actor, slug: &str) -> StoreResult<Vec<SurveyCase>> {
        require_in_org(actor, Capability::ViewResults, None)?;
        let program = self.program_by_slug(actor, slug).await?;
        let rows = sqlx::query(
            "SELECT a.person_id, a.id, a.disposition, \
             (SELECT COUNT(*) FROM call_attempts c WHERE c.program_id = a.program_id AND c.person_id = a.person_id), \
             p.party, p.gender, p.race, p.county, p.precinct, p.congressional_district, p.birth_year \
             FROM call_attempts a JOIN persons p ON p.id = a.person_id \
             WHERE a.program_id = $1 AND a.state <> 'in_flight' AND a.id = (SELECT MAX(b.id) FROM call_attempts b \
               WHERE b.program_id = a.program_id AND b.person_id = a.person_id AND b.state <> 'in_flight') \
             ORDER BY a.person_id",
        )
        .bind(program.id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| SurveyCase {
                person_id: r.get(0),
                attempt_id: r.get(1),
                disposition: r.get::<Option<String>, _>(2).unwrap_or_default(),
                attempts: r.get::<i64, _>(3) as u32,
                party: r.get(4),
                gender: r.get(5),
                race: r.get(6),
                county: r.get(7),
                precinct: r.get(8),
                congressional_district: r.get(9),
                birth_year: r.get(10),
            })
            .collect())
    }

    /// Every answer given on the program's closed attempts, by attempt and the order asked.
    pub async fn survey_answers(&self, actor: &Actor, slug: &str) -> StoreResult<Vec<StoredAnswer>> {
        require_in_org(actor, Capability::ViewResults, None)?;
        let program = self.program_by_slug(actor, slug).await?;
        let rows = sqlx::query(
            "SELECT s.attempt_id, a.person_id, s.step, s.position, s.answer_enc, s.shown_order, s.answered_at \
             FROM survey_answers s JOIN call_attempts a ON a.id = s.attempt_id \
             WHERE s.program_id = $1 AND a.program_id = $1 ORDER BY s.attempt_id, s.position",
        )
        .bind(program.id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| StoredAnswer {
                attempt_id: r.get(0),
                person_id: r.get(1),
                step: r.get(2),
                position: r.get::<i64, _>(3) as u32,
                answer_enc: r.get(4),
                shown_order: r
                    .get::<Option<String>, _>(5)
                    .map(|o| o.split(',').filter(|k| !k.is_empty()).map(String::from).collect()),
                answered_at_us: r.get(6),
            })
            .collect())
    }

    /// What a survey's results are read from, as one value that changes whenever they may: the
    /// program's attempts by state and disposition (their kept tallies, migration 0031), its answers
    /// (how many, and the latest attempt with some), the campaign's people (their data generation,
    /// migration 0028) and the attached script version. Equal stamps give equal `survey_cases`,
    /// `survey_answers` and `field_dates`' last result, so a page may keep what it computed from them.
    /// A few dozen rows, whatever the calls.
    pub async fn survey_stamp(&self, actor: &Actor, slug: &str) -> StoreResult<String> {
        let campaign = require_in_org(actor, Capability::ViewResults, None)?;
        let program = self.program_by_slug(actor, slug).await?;
        let mut stamp = format!("script {:?};", program.script_version_id);
        let tallies = sqlx::query(
            "SELECT state, disposition, CAST(SUM(n) AS BIGINT) FROM attempt_tallies WHERE program_id = $1 \
             GROUP BY state, disposition ORDER BY state, disposition",
        )
        .bind(program.id)
        .fetch_all(&self.pool)
        .await?;
        for t in tallies {
            stamp.push_str(&format!("{} {} {};", t.get::<String, _>(0), t.get::<String, _>(1), t.get::<i64, _>(2)));
        }
        let answers = sqlx::query(
            "SELECT COUNT(*), CAST(COALESCE(MAX(attempt_id), 0) AS BIGINT) FROM survey_answers WHERE program_id = $1",
        )
        .bind(program.id)
        .fetch_one(&self.pool)
        .await?;
        let generation: Option<i64> = sqlx::query("SELECT generation FROM campaign_data WHERE campaign_id = $1")
            .bind(campaign.0)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.get(0));
        stamp.push_str(&format!(
            "answers {} {}; people {:?}",
            answers.get::<i64, _>(0),
            answers.get::<i64, _>(1),
            generation
        ));
        Ok(stamp)
    }

    /// The program's first dial and last result.
    pub async fn field_dates(&self, actor: &Actor, slug: &str) -> StoreResult<FieldDates> {
        require_in_org(actor, Capability::ViewResults, None)?;
        let program = self.program_by_slug(actor, slug).await?;
        let row = sqlx::query(
            "SELECT MIN(dialed_at), MAX(ended_at), COUNT(*), CAST(COALESCE(SUM(simulated), 0) AS BIGINT) \
             FROM call_attempts WHERE program_id = $1",
        )
        .bind(program.id)
        .fetch_one(&self.pool)
        .await?;
        Ok(FieldDates {
            first_dialed_at_us: row.get(0),
            last_ended_at_us: row.get(1),
            attempts: row.get::<i64, _>(2) as u64,
            simulated: row.get::<i64, _>(3) as u64,
        })
    }

    /// The program's universe, name and filter as JSON text (the population a disclosure states).
    pub async fn program_universe_definition(&self, actor: &Actor, slug: &str) -> StoreResult<(String, String)> {
        require_in_org(actor, Capability::ViewResults, None)?;
        let program = self.program_by_slug(actor, slug).await?;
        let row = sqlx::query("SELECT name, filter_json FROM universes WHERE id = $1")
            .bind(program.universe_id)
            .fetch_one(&self.pool)
            .await?;
        Ok((row.get(0), row.get(1)))
    }

    /// The program's call list — every person of the universe it was snapshotted from, excluded from
    /// dialing or not — counted by one voter field: the population margins a survey is weighted to.
    /// Aggregates only (a count per stored value; `None` for people without the field). For
    /// `age_band` the counts are by birth year, as text: the band depends on the year the caller
    /// reports in (`clearline_core::program::quota::age_band`).
    pub async fn call_list_counts_by(
        &self,
        actor: &Actor,
        slug: &str,
        field: QuotaField,
    ) -> StoreResult<Vec<(Option<String>, u64)>> {
        require_in_org(actor, Capability::ViewResults, None)?;
        let program = self.program_by_slug(actor, slug).await?;
        // The column comes from the closed QuotaField set, never from input.
        let column = person_column(field);
        let rows = sqlx::query(&format!(
            "SELECT CAST(p.{column} AS TEXT), COUNT(*) FROM call_list_entries e JOIN persons p ON p.id = e.person_id \
             WHERE e.program_id = $1 GROUP BY p.{column} ORDER BY p.{column}"
        ))
        .bind(program.id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| (r.get::<Option<String>, _>(0), r.get::<i64, _>(1) as u64)).collect())
    }

    /// Records that the actor read the program's survey results (`survey.report`, `survey.disclosure`).
    pub async fn record_survey_read(&self, actor: &Actor, slug: &str, what: &str, respondents: u64) -> StoreResult<()> {
        self.record_survey_view(actor, slug, what, respondents, serde_json::Map::new()).await
    }

    /// [`Store::record_survey_read`] with what the view showed added to the event's detail (field
    /// names and counts only, e.g. `{"by": "party", "weighted_to": ["party"]}`: never an answer or a
    /// voter's value).
    pub async fn record_survey_view(
        &self,
        actor: &Actor,
        slug: &str,
        what: &str,
        respondents: u64,
        view: serde_json::Map<String, serde_json::Value>,
    ) -> StoreResult<()> {
        let campaign = require_in_org(actor, Capability::ViewResults, None)?;
        let program = self.program_by_slug(actor, slug).await?;
        let mut tx = self.write().await?;
        tx.audit(campaign, actor, &format!("survey.{what}"), "program", &program.id.to_string(), {
            let mut detail = view;
            detail.insert("program".into(), json!(slug));
            detail.insert("respondents".into(), json!(respondents));
            serde_json::Value::Object(detail)
        })
        .await?;
        tx.commit().await
    }
}
