//! `clearline export results`: a program's call results as CSV, or as NGP VAN / EveryAction
//! `canvassResponses` request bodies (JSON Lines, one per attempt).
//!
//! VAN's ids (result codes, activist codes, contact types, the person id type) are per committee and
//! context, so none is guessed: a mapping file names them, and an attempt whose disposition the file
//! neither maps nor skips stops the export before anything is written. The export is recorded in the
//! audit trail, then written to a temporary file renamed into place: a failed export leaves no file.
//! Names appear only for roles that may export personal data; formula-like CSV cells are defused.
//!
//! On a survey program the CSV also carries one `answer_STEP` column per question of the attached
//! script (the answers decrypted), only for roles that may export personal data (`export_personal_data`:
//! answers are personal data tied to a voter id); and, with `--weight-targets FILE`, a `weight` column:
//! each respondent's raked weight on their complete interview's row (any role that sees results).

use clearline_core::disposition::Disposition;
use clearline_core::Actor;
use clearline_ingest::defuse;
use clearline_store::{ResultRow, Store};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::path::Path;

/// The mapping file for the VAN export.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VanMapping {
    /// The person identifier type the committee's context accepts in
    /// `people/{personIdType}:{personId}/canvassResponses` (the person id is Clearline's voter id).
    pub person_id_type: String,
    /// VAN's contact type for these calls (phone), from `GET canvassResponses/contactTypes`.
    pub contact_type_id: i64,
    /// VAN's input type; 11 is "API".
    #[serde(default = "api_input_type")]
    pub input_type_id: i64,
    /// Disposition code → VAN result code id (`GET canvassResponses/resultCodes`), for attempts that
    /// did not reach a canvass (not home, busy, refused, wrong number…).
    #[serde(default)]
    pub result_codes: BTreeMap<String, i64>,
    /// Disposition code → activist code applied (a result of Canvassed is implied), e.g. `complete`.
    #[serde(default)]
    pub activist_codes: BTreeMap<String, i64>,
    /// Dispositions left out of the export (e.g. `interrupted`, `technical_problem`).
    #[serde(default)]
    pub skip: BTreeSet<String>,
}

fn api_input_type() -> i64 {
    11
}

impl VanMapping {
    /// Every problem of the mapping itself: unknown codes, a code mapped twice.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        let all = self.result_codes.keys().chain(self.activist_codes.keys()).chain(self.skip.iter());
        for code in all {
            if Disposition::from_code(code).is_none() {
                out.push(format!("{code:?} is not a disposition code"));
            } else if !seen.insert(code.clone()) {
                out.push(format!("{code} is mapped more than once (result code, activist code, skip)"));
            }
        }
        if self.person_id_type.trim().is_empty() || self.person_id_type.contains(['/', ':', '?', '#']) {
            out.push("person_id_type must be a plain identifier type name".into());
        }
        out
    }

    /// The request for one attempt: `None` when its disposition is skipped, `Err` when unmapped.
    pub fn request(&self, row: &ResultRow) -> Result<Option<Value>, String> {
        let code = row.disposition.as_str();
        if self.skip.contains(code) {
            return Ok(None);
        }
        let date = jiff::Timestamp::from_microsecond(row.dialed_at_us)
            .map(|t| t.round(jiff::Unit::Second).unwrap_or(t).to_string())
            .map_err(|_| format!("attempt {}: its time is out of range", row.attempt_id))?;
        let context =
            json!({"contactTypeId": self.contact_type_id, "inputTypeId": self.input_type_id, "dateCanvassed": date});
        let body = if let Some(id) = self.result_codes.get(code) {
            json!({"canvassContext": context, "resultCodeId": id, "responses": null})
        } else if let Some(id) = self.activist_codes.get(code) {
            json!({"canvassContext": context, "resultCodeId": null,
                   "responses": [{"type": "ActivistCode", "activistCodeId": id, "action": "Apply"}]})
        } else {
            return Err(code.to_string());
        };
        let path = format!("people/{}:{}/canvassResponses", self.person_id_type, percent_encode(&row.voter_id));
        Ok(Some(json!({"method": "POST", "path": path, "body": body})))
    }
}

/// A voter id as one URL path segment (VAN: "an external identifier, URL encoded").
fn percent_encode(id: &str) -> String {
    id.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The export's optional inputs.
pub struct Options<'a> {
    /// The VAN mapping file.
    pub mapping: Option<&'a Path>,
    /// Population targets to rake the respondents to (a `weight` column).
    pub weight_targets: Option<&'a Path>,
}

/// The survey columns of a CSV export: question step ids, each attempt's answers as cells, weights.
#[derive(Default)]
struct SurveyColumns {
    steps: Vec<String>,
    answers: HashMap<i64, HashMap<String, String>>,
    weights: Option<HashMap<i64, f64>>,
}

async fn survey_columns(
    config: &crate::config::Config,
    store: &Store,
    actor: &Actor,
    program: &str,
    answers: bool,
    targets: Option<&Path>,
) -> anyhow::Result<SurveyColumns> {
    let mut out = SurveyColumns::default();
    if answers {
        if let Some((_, version)) = store.program_script(actor, program).await? {
            if let Ok(script) = clearline_core::script::parse(&version.body) {
                out.steps = clearline_core::script::walk::questions(&script).map(|(s, _)| s.id.clone()).collect();
            }
        }
        let stored = store.survey_answers(actor, program).await?;
        if !stored.is_empty() {
            let campaign = actor.principal().map(|p| p.org_id).ok_or_else(|| anyhow::anyhow!("sign in with --as"))?;
            let sealer = crate::vaultkeys::campaign_sealer(config, store, actor, campaign).await?;
            for a in stored {
                let plain = sealer
                    .cipher()
                    .decrypt(clearline_calling::run::ANSWER_FIELD, &a.answer_enc)
                    .map_err(|_| anyhow::anyhow!("a stored answer cannot be decrypted with the campaign's key"))?;
                let answer = clearline_core::script::Answer::decode(&plain)
                    .ok_or_else(|| anyhow::anyhow!("a stored answer is not readable"))?;
                out.answers.entry(a.attempt_id).or_default().insert(a.step, answer.to_cell());
            }
        }
    }
    if let Some(path) = targets {
        let data = crate::survey_report::load(config, store, actor, program).await?;
        let (weights, _) = crate::survey_report::weights(&data, Some(&path.to_path_buf()))?;
        out.weights = Some(data.respondents.iter().map(|r| r.case.attempt_id).zip(weights).collect());
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
pub async fn run(
    config: &crate::config::Config,
    store: &Store,
    actor: &Actor,
    program: &str,
    format: &str,
    options: Options<'_>,
    out: &Path,
    json_out: bool,
) -> anyhow::Result<std::process::ExitCode> {
    use std::process::ExitCode;
    let mapping = options.mapping;
    if options.weight_targets.is_some() && format != "csv" {
        eprintln!("error: --weight-targets is for --format csv");
        return Ok(ExitCode::from(2));
    }
    let van = match (format, mapping) {
        ("csv", None) => None,
        ("van-canvass", Some(path)) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("{}: cannot read the mapping file: {e}", path.display()))?;
            let mapping: VanMapping = match serde_json::from_str(&text) {
                Ok(m) => m,
                Err(e) => {
                    eprintln!("error: {}: line {}: {e}", path.display(), e.line());
                    return Ok(ExitCode::from(2));
                }
            };
            let problems = mapping.problems();
            if !problems.is_empty() {
                for p in problems {
                    eprintln!("error: {}: {p}", path.display());
                }
                return Ok(ExitCode::from(2));
            }
            Some(mapping)
        }
        ("van-canvass", None) => {
            eprintln!("error: --format van-canvass needs --mapping FILE (VAN's ids are per committee)");
            return Ok(ExitCode::from(2));
        }
        ("csv", Some(_)) => {
            eprintln!("error: --mapping is for --format van-canvass");
            return Ok(ExitCode::from(2));
        }
        _ => {
            eprintln!("error: --format: not one of csv, van-canvass");
            return Ok(ExitCode::from(2));
        }
    };
    let mut rows = Vec::new();
    let mut after = 0;
    loop {
        let page = match store.program_results(actor, program, after, 5_000).await {
            Ok(p) => p,
            Err(e) => return crate::program::store_refusal(e, "program"),
        };
        let Some(last) = page.last() else { break };
        after = last.attempt_id;
        rows.extend(page);
    }
    // Everything is built in memory first: an unmapped disposition stops the export with nothing written.
    let mut body = Vec::new();
    let mut written = 0u64;
    match &van {
        Some(mapping) => {
            let mut unmapped: BTreeMap<String, u64> = BTreeMap::new();
            for row in &rows {
                match mapping.request(row) {
                    Ok(Some(request)) => {
                        serde_json::to_writer(&mut body, &request)?;
                        body.push(b'\n');
                        written += 1;
                    }
                    Ok(None) => {}
                    Err(code) => *unmapped.entry(code).or_default() += 1,
                }
            }
            if !unmapped.is_empty() {
                for (code, n) in unmapped {
                    eprintln!(
                        "error: {n} attempts ended {code}: map it under result_codes or activist_codes, or list it in skip"
                    );
                }
                return Ok(ExitCode::from(1));
            }
        }
        None => {
            let names = Store::results_carry_names(actor);
            let survey = match survey_columns(config, store, actor, program, names, options.weight_targets).await {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(ExitCode::from(1));
                }
            };
            let mut w = csv::Writer::from_writer(&mut body);
            let mut header = vec!["attempt_id", "voter_id"];
            if names {
                header.extend(["first_name", "last_name"]);
            }
            header.extend([
                "program",
                "vendor",
                "dial_kind",
                "line_type",
                "disposition",
                "aapor_code",
                "contact",
                "complete",
                "agent",
                "dialed_at",
                "ended_at",
                "script_version_id",
                "language",
            ]);
            let answer_columns: Vec<String> = survey.steps.iter().map(|s| format!("answer_{s}")).collect();
            header.extend(answer_columns.iter().map(String::as_str));
            if survey.weights.is_some() {
                header.push("weight");
            }
            w.write_record(&header)?;
            let time = |us: Option<i64>| {
                us.and_then(|us| jiff::Timestamp::from_microsecond(us).ok()).map(|t| t.to_string()).unwrap_or_default()
            };
            for row in &rows {
                let d = Disposition::from_code(&row.disposition);
                let mut record = vec![row.attempt_id.to_string(), row.voter_id.clone()];
                if names {
                    record.push(row.first_name.clone().unwrap_or_default());
                    record.push(row.last_name.clone().unwrap_or_default());
                }
                record.extend([
                    program.to_string(),
                    row.vendor.clone().unwrap_or_default(),
                    row.dial_kind.clone(),
                    row.line_type.clone().unwrap_or_default(),
                    row.disposition.clone(),
                    d.map(|d| d.aapor_code().to_string()).unwrap_or_default(),
                    d.map(|d| d.is_contact().to_string()).unwrap_or_default(),
                    d.map(|d| d.is_complete().to_string()).unwrap_or_default(),
                    row.agent.clone().unwrap_or_default(),
                    time(Some(row.dialed_at_us)),
                    time(row.ended_at_us),
                    row.script_version_id.map(|v| v.to_string()).unwrap_or_default(),
                    row.language.clone().unwrap_or_default(),
                ]);
                let given = survey.answers.get(&row.attempt_id);
                for step in &survey.steps {
                    record.push(given.and_then(|a| a.get(step)).cloned().unwrap_or_default());
                }
                if let Some(weights) = &survey.weights {
                    record.push(weights.get(&row.attempt_id).map(|w| w.to_string()).unwrap_or_default());
                }
                w.write_record(record.iter().map(|c| defuse(c)))?;
                written += 1;
            }
            w.flush()?;
        }
    }
    store.record_results_export(actor, program, format, written).await?;
    let dir = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(&body)?;
    tmp.persist(out).map_err(|e| anyhow::anyhow!("{}: {}", out.display(), e.error))?;
    if json_out {
        println!("{}", json!({"rows": written, "file": out.display().to_string(), "format": format}));
    } else {
        println!("Wrote {written} results of {program} to {} ({format}).", out.display());
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(disposition: &str) -> ResultRow {
        ResultRow {
            attempt_id: 7,
            voter_id: "AB 12/3".into(),
            first_name: None,
            last_name: None,
            vendor: None,
            dial_kind: "preview".into(),
            line_type: None,
            disposition: disposition.into(),
            agent: None,
            dialed_at_us: 1_792_501_200_400_000,
            ended_at_us: None,
            script_version_id: None,
            language: None,
        }
    }

    fn mapping() -> VanMapping {
        serde_json::from_str(
            r#"{"person_id_type": "StateFileID", "contact_type_id": 1,
                "result_codes": {"no_answer": 1, "busy": 2}, "activist_codes": {"complete": 18917},
                "skip": ["interrupted"]}"#,
        )
        .unwrap()
    }

    #[test]
    fn bodies_have_a_result_code_or_responses_never_both() {
        let m = mapping();
        assert!(m.problems().is_empty());
        let r = m.request(&row("no_answer")).unwrap().unwrap();
        assert_eq!(r["path"], "people/StateFileID:AB%2012%2F3/canvassResponses", "the id is URL encoded");
        assert_eq!(r["body"]["resultCodeId"], 1);
        assert!(r["body"]["responses"].is_null());
        assert_eq!(r["body"]["canvassContext"]["dateCanvassed"], "2026-10-20T13:00:00Z");
        assert_eq!(r["body"]["canvassContext"]["inputTypeId"], 11, "API by default");
        let c = m.request(&row("complete")).unwrap().unwrap();
        assert!(c["body"]["resultCodeId"].is_null());
        assert_eq!(c["body"]["responses"][0]["activistCodeId"], 18917);
        assert_eq!(m.request(&row("interrupted")).unwrap(), None);
        assert_eq!(m.request(&row("refused")), Err("refused".to_string()));
    }

    #[test]
    fn a_mapping_that_names_an_unknown_or_twice_mapped_code_is_refused() {
        let m: VanMapping = serde_json::from_str(
            r#"{"person_id_type": "State/ID", "contact_type_id": 1, "result_codes": {"no_anwser": 1, "busy": 2},
                "skip": ["busy"]}"#,
        )
        .unwrap();
        let problems = m.problems();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("\"no_anwser\" is not a disposition code")));
        assert!(problems.iter().any(|p| p.contains("busy is mapped more than once")));
        assert!(serde_json::from_str::<VanMapping>(r#"{"person_id_type":"X","contact_type_id":1,"typo":1}"#).is_err());
    }
}
