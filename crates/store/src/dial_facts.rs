//! What the contact policy engine needs to know about a universe's people, read in pages: each
//! person's address zones and states and each phone's line type, sealed number, do-not-call entry and
//! newest unrevoked consent. The store never decrypts: the caller opens the numbers with the campaign's
//! key.

use crate::db::Store;
use crate::error::StoreResult;
use crate::orgs::require_in_org;
use clearline_core::universe::Filter;
use clearline_core::{Actor, Capability};
use serde_json::json;
use sqlx::Row;
use std::collections::HashMap;

/// One person's facts for the policy engine.
#[derive(Clone, Debug, Default)]
pub struct PersonDialFacts {
    pub id: i64,
    pub person_key: String,
    pub household_id: Option<i64>,
    /// Comma-separated IANA zones of the address.
    pub address_zones: String,
    pub res_state: Option<String>,
    pub source_state: Option<String>,
    /// When the import batch that last wrote this person's phones started: their line types are as of
    /// then (CR-12).
    pub line_types_as_of_us: Option<i64>,
    pub phones: Vec<PhoneDialFacts>,
}

/// One phone's facts for the policy engine.
#[derive(Clone, Debug, Default)]
pub struct PhoneDialFacts {
    /// The phone's place among the person's phones (the file's order).
    pub position: u32,
    pub kind: String,
    pub number_enc: Vec<u8>,
    pub line_type: String,
    /// On the campaign's do-not-call list.
    pub on_dnc: bool,
    /// When the newest unrevoked consent for this number was obtained.
    pub consent_at_us: Option<i64>,
    /// That consent was given in writing (CR-27).
    pub consent_written: bool,
    /// The newest Reassigned Numbers Database check of this number (CR-13), if any.
    pub rnd: Option<RndRow>,
    /// On the federal Do Not Call Registry (CR-24): `Some(true)` listed; `Some(false)` not listed in an
    /// extract that covers the number's area-code state; `None` no extract covers it.
    pub on_national_dnc: Option<bool>,
}

/// One Reassigned Numbers Database answer as stored: `no`, `yes` or `no_data`, when it was given, and
/// the date it was asked about (the number's status since then).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RndRow {
    pub result: String,
    pub checked_at_us: i64,
    pub asked_since_us: i64,
}

impl Store {
    /// Records that the actor checks a universe against the contact policy (the numbers are personal
    /// data: the caller decrypts them). Call once before reading the pages.
    pub async fn record_universe_policy_check(&self, actor: &Actor, filter: &Filter) -> StoreResult<()> {
        let campaign = require_in_org(actor, Capability::ExportPersonalData, None)?;
        filter.check().map_err(|e| clearline_core::validate::Invalid::new("filter", e.0))?;
        let mut tx = self.write().await?;
        tx.audit(campaign, actor, "universe.policy_check", "universe", "", json!({"filter": filter})).await?;
        tx.commit().await
    }

    /// A page of a universe's people with their dial facts, in id order after `after_id`: for a policy
    /// check (personal-data roles) or a program's call list (program managers). Only ciphertext and
    /// blind-index matches leave the store; the caller opens the numbers for the engine and shows none.
    pub async fn universe_dial_facts(
        &self,
        actor: &Actor,
        filter: &Filter,
        after_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<PersonDialFacts>> {
        let campaign = require_in_org(actor, Capability::ExportPersonalData, None)
            .or_else(|_| crate::dial_history::dial_reader(actor))?;
        let columns = "p.id, p.person_key, p.household_id, p.address_zones, p.res_state, p.source_state, \
                       (SELECT b.started_at FROM import_batches b WHERE b.id = p.batch_id)";
        let (sql, args) = self.universe_page_query(campaign, filter, columns, after_id, limit).await?;
        let mut people: Vec<PersonDialFacts> = sqlx::query_with(&sql, args)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| PersonDialFacts {
                id: r.get(0),
                person_key: r.get(1),
                household_id: r.get(2),
                address_zones: r.get(3),
                res_state: r.get(4),
                source_state: r.get(5),
                line_types_as_of_us: r.get(6),
                phones: Vec::new(),
            })
            .collect();
        let (Some(first), Some(last)) = (people.first().map(|p| p.id), people.last().map(|p| p.id)) else {
            return Ok(people);
        };
        // Blind indexes are compared in SQL: the do-not-call list and consents are matched without any
        // number leaving its ciphertext. `+ph.campaign_id` keeps SQLite off the (campaign, blind index)
        // index, which would scan every phone of the campaign for each page: the person-id range is
        // the selective condition.
        let phones = sqlx::query(
            "SELECT ph.person_id, ph.kind, ph.number_enc, ph.line_type, \
             CAST(CASE WHEN EXISTS (SELECT 1 FROM do_not_call d WHERE d.campaign_id = ph.campaign_id \
               AND d.number_index = ph.number_index) THEN 1 ELSE 0 END AS BIGINT), \
             (SELECT MAX(c.obtained_at) FROM consents c WHERE c.campaign_id = ph.campaign_id \
               AND c.number_index = ph.number_index AND c.revoked_at IS NULL) \
             , ph.position, \
             (SELECT c.written FROM consents c WHERE c.campaign_id = ph.campaign_id \
               AND c.number_index = ph.number_index AND c.revoked_at IS NULL \
               ORDER BY c.obtained_at DESC, c.id DESC LIMIT 1), \
             (SELECT r.result || ' ' || CAST(r.checked_at AS TEXT) || ' ' || CAST(r.asked_since AS TEXT) \
               FROM rnd_checks r WHERE r.campaign_id = ph.campaign_id AND r.number_index = ph.number_index \
               ORDER BY r.checked_at DESC, r.id DESC LIMIT 1), \
             CASE WHEN EXISTS (SELECT 1 FROM national_dnc n WHERE n.campaign_id = ph.campaign_id \
               AND n.number_index = ph.number_index) THEN 1 \
               WHEN EXISTS (SELECT 1 FROM national_dnc_extracts e WHERE e.campaign_id = ph.campaign_id \
               AND e.state = ph.npa_state) THEN 0 END \
             FROM phones ph WHERE +ph.campaign_id = $1 AND ph.person_id >= $2 AND ph.person_id <= $3 \
             ORDER BY ph.person_id, ph.position",
        )
        .bind(campaign.0)
        .bind(first)
        .bind(last)
        .fetch_all(&self.pool)
        .await?;
        let position: HashMap<i64, usize> = people.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
        for r in phones {
            if let Some(&i) = position.get(&r.get::<i64, _>(0)) {
                people[i].phones.push(PhoneDialFacts {
                    kind: r.get(1),
                    number_enc: r.get(2),
                    line_type: r.get(3),
                    on_dnc: r.get::<i64, _>(4) == 1,
                    consent_at_us: r.get(5),
                    position: u32::try_from(r.get::<i64, _>(6)).unwrap_or(u32::MAX),
                    consent_written: r.get::<Option<i64>, _>(7) == Some(1),
                    rnd: r.get::<Option<String>, _>(8).as_deref().and_then(parse_rnd_row),
                    on_national_dnc: r.get::<Option<i64>, _>(9).map(|n| n == 1),
                });
            }
        }
        Ok(people)
    }
}

/// `result checked_at asked_since`, as the phone query packs the newest check into one column.
fn parse_rnd_row(text: &str) -> Option<RndRow> {
    let mut parts = text.split(' ');
    let result = parts.next()?.to_string();
    let checked_at_us = parts.next()?.parse().ok()?;
    let asked_since_us = parts.next()?.parse().ok()?;
    Some(RndRow { result, checked_at_us, asked_since_us })
}
