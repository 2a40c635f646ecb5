//! The facts of a stored person, as contact-policy cases: one case per phone, in the case-file format
//! (docs/policy.md), so `policy explain --campaign --voter` checks exactly what `policy check` would.
//!
//! What comes from the records: the number (decrypted, never printed), its line type and the zones of
//! its area code (added by the engine from the number), the address zones and state, the voter file's
//! state, the campaign's do-not-call list, and whether an unrevoked consent record exists (with its
//! date). What the records do not hold yet — the program (dial mode, purpose, window, attempt rules),
//! the call history, RND checks, the agent — comes from the flags or is missing, and a missing fact
//! denies, naming it.

use crate::config::Config;
use anyhow::Context;
use clearline_store::{Store, StoreError};
use serde_json::{Map, Value};
use std::process::ExitCode;

/// `(label, facts)` per valid phone of the person, or the exit code of a refusal already explained.
pub async fn person_cases(
    config: &Config,
    email: &str,
    campaign: &str,
    voter: &str,
) -> anyhow::Result<Result<Vec<(String, Map<String, Value>)>, ExitCode>> {
    let store = Store::open(&config.store_config()).await.context("opening the database")?;
    let Some(actor) = crate::cli_actor(&store, email).await else { return Ok(Err(ExitCode::from(2))) };
    let Ok(org) = store.organization_by_slug(&actor, campaign).await else {
        eprintln!("error: --campaign {campaign:?} is not your campaign");
        return Ok(Err(ExitCode::from(2)));
    };
    // An audited read, for roles that may see personal data.
    let person = match store.read_person(&actor, org.id, voter).await {
        Ok(p) => p,
        Err(StoreError::Forbidden(_)) => {
            eprintln!("error: your role may not see personal data");
            return Ok(Err(ExitCode::from(1)));
        }
        Err(StoreError::NotFound) => {
            eprintln!("error: no person with that voter ID in this campaign");
            return Ok(Err(ExitCode::from(1)));
        }
        Err(e) => return Err(e.into()),
    };
    let sealer = crate::vaultkeys::campaign_sealer(config, &store, &actor, org.id).await?;
    let mut cases = Vec::new();
    for (position, phone) in person.phones.iter().enumerate() {
        let number =
            sealer.cipher().decrypt("phone", &phone.number_enc).context("decrypting with the campaign's key")?;
        let number = String::from_utf8(number).context("a stored phone is not text")?;
        let index = clearline_ingest::dnc::phone_index(&sealer, &number);
        let on_dnc = store.on_do_not_call(&actor, org.id, &index).await?;
        let consents = store.consents_for(&actor, org.id, &index).await?;
        let consent = consents.iter().filter(|c| c.revoked_at_us.is_none()).max_by_key(|c| c.obtained_at_us);

        let mut facts = Map::new();
        facts.insert("id".into(), Value::from(format!("{voter}/{}", position + 1)));
        facts.insert("phone".into(), Value::from(number));
        facts.insert("line_type".into(), Value::from(phone.line_type.clone()));
        if let Some(at) = person.line_types_as_of_us.and_then(|us| jiff::Timestamp::from_microsecond(us).ok()) {
            facts.insert("line_type_checked_at".into(), Value::from(at.to_string()));
        }
        let zones: Vec<&str> = person.address_zones.split(',').map(str::trim).filter(|z| !z.is_empty()).collect();
        facts.insert("candidate_zones".into(), Value::from(zones));
        if let Some(state) = &person.res_state {
            facts.insert("address_state".into(), Value::from(state.clone()));
        }
        if let Some(state) = &person.source_state {
            facts.insert("source_state".into(), Value::from(state.clone()));
        }
        facts.insert("on_dnc".into(), Value::from(on_dnc));
        if let Some(listed) = store.national_dnc_status(&actor, org.id, &index, phone.npa_state.as_deref()).await? {
            facts.insert("on_national_dnc".into(), Value::from(listed));
        }
        facts.insert("consent".into(), Value::from(consent.is_some()));
        if let Some(c) = consent {
            let at = jiff::Timestamp::from_microsecond(c.obtained_at_us).context("a consent date out of range")?;
            facts.insert("consent_at".into(), Value::from(at.to_string()));
            facts.insert("written_consent".into(), Value::from(c.written));
        }
        let newest_rnd = store.newest_rnd_check(&actor, org.id, &index).await?;
        if let Some(rnd) =
            clearline_ingest::policy_check::usable_rnd(consent.map(|c| c.obtained_at_us), newest_rnd.as_ref())
        {
            facts.insert("rnd_result".into(), Value::from(rnd.result.as_str()));
            facts.insert("rnd_checked_at".into(), Value::from(rnd.checked_at.to_string()));
        }
        let area = number_area(&facts);
        cases.push((format!("phone {} ({}, {area}, {})", position + 1, phone.kind, phone.line_type), facts));
    }
    Ok(Ok(cases))
}

/// "area code 919" for a NANP number; never more of the number than that.
fn number_area(facts: &Map<String, Value>) -> String {
    facts
        .get("phone")
        .and_then(Value::as_str)
        .and_then(|n| n.strip_prefix("+1"))
        .and_then(|n| n.get(..3))
        .map_or_else(|| "outside the NANP".to_string(), |npa| format!("area code {npa}"))
}
