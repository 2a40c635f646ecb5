//! `clearline export results`: a program's call results as CSV, or as NGP VAN / EveryAction
//! `canvassResponses` request bodies (JSON Lines, one per attempt), or as a VAN bulk-upload file (a
//! CSV, one row per attempt, and beside it the `bulkImportJobs` request body that loads it).
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
//!
//! In the canvass export a canvassed attempt (one the mapping gives an activist code) also carries its
//! survey answers as `SurveyResponse` items, through the mapping's `survey_questions` (script step →
//! VAN survey question, option key → VAN survey response). Answers are personal data, so only roles
//! with `export_personal_data` may send them; an answered question the mapping neither maps nor lists
//! in `skip_questions`, or an answer whose option it does not map, stops the export like an unmapped
//! disposition.

use clearline_core::access::Capability;
use clearline_core::disposition::Disposition;
use clearline_core::script::{Answer, AnswerKind, Script};
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
    /// For van-bulk: where the file will be put for VAN to fetch (`file.sourceUrl`; https).
    #[serde(default)]
    pub source_url: Option<String>,
    /// For van-bulk: the VAN user id the results are recorded as canvassed by (`CanvassedBy`, which
    /// VAN's canvass-results bulk upload requires).
    #[serde(default)]
    pub canvassed_by: Option<i64>,
    /// For van-canvass on a survey program: script question step → the VAN survey question its
    /// answers are sent as.
    #[serde(default)]
    pub survey_questions: BTreeMap<String, VanQuestion>,
    /// Script questions whose answers are left out of the export on purpose (e.g. an open question).
    #[serde(default)]
    pub skip_questions: BTreeSet<String>,
}

/// One script question as VAN reads it (`GET surveyQuestions` lists a committee's questions and
/// their responses).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VanQuestion {
    /// VAN's `surveyQuestionId`.
    pub question_id: i64,
    /// The question's option key — or, for a scale or numeric question, the number as written, e.g.
    /// `"7"` — → VAN's `surveyResponseId`. A value left out is refused when it was answered.
    pub responses: BTreeMap<String, i64>,
}

/// Why an attempt's answers cannot become `SurveyResponse` items. Each names a question step and at
/// most an option key or a number: never an open answer's text, never a voter.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Clone)]
pub enum UnmappedAnswer {
    /// An answered question the mapping neither maps nor skips.
    Question(String),
    /// An answered option (or number) the question's mapping has no response for.
    Value { step: String, value: String },
    /// An open answer: free text has no VAN response id.
    Open(String),
}

impl UnmappedAnswer {
    /// The refusal, for `n` answers.
    pub fn message(&self, n: u64) -> String {
        match self {
            UnmappedAnswer::Question(step) => format!(
                "{n} answers to the question {step}: map it under survey_questions, or list it in skip_questions"
            ),
            UnmappedAnswer::Value { step, value } => {
                format!("{n} answers to {step} were {value:?}: map it under survey_questions.{step}.responses")
            }
            UnmappedAnswer::Open(step) => format!(
                "{n} answers to the open question {step}: free text has no VAN response; list it in skip_questions"
            ),
        }
    }
}

/// What the mapping makes of one attempt.
#[derive(Debug, PartialEq, Eq)]
pub enum Mapped {
    Skipped,
    ResultCode(i64),
    ActivistCode(i64),
}

/// The columns of the bulk-upload file after the person id column, in order: those VAN's canvass
/// results and activist code uploads read (no input type: a bulk upload records its own).
const BULK_COLUMNS: [&str; 5] = ["ContactTypeID", "DateCanvassed", "CanvassedBy", "ResultID", "ActivistCodeID"];
/// Where a bulk row's result code and activist code are (counting the person id column first).
const RESULT_COLUMN: usize = 4;
const ACTIVIST_COLUMN: usize = 5;

fn api_input_type() -> i64 {
    11
}

impl VanMapping {
    /// Every problem of the mapping for an export format: `problems` and, for `van-bulk`, the fields
    /// only a bulk upload needs (each problem names its field).
    pub fn problems_for(&self, format: &str) -> Vec<String> {
        let mut out = self.problems();
        if format == "van-bulk" {
            match self.source_url.as_deref().map(str::trim) {
                None | Some("") => {
                    out.push("source_url: required for van-bulk: the https URL VAN will fetch the file from".into())
                }
                Some(url) if !url.starts_with("https://") || url.contains(char::is_whitespace) => {
                    out.push("source_url: an https URL without spaces".into())
                }
                Some(_) => {}
            }
            match self.canvassed_by {
                None => {
                    out.push("canvassed_by: required for van-bulk: the VAN user id the results are canvassed by".into())
                }
                Some(id) if id <= 0 => out.push("canvassed_by: a VAN user id (a positive number)".into()),
                Some(_) => {}
            }
            // The id type is also the file's first column name: plain, so the header needs no quoting.
            if !self.person_id_type.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                out.push("person_id_type: letters, digits and _ only (it names the file's id column)".into());
            }
            // VAN's bulk-upload mapping type for survey responses is not confirmed from its documentation
            // (docs/calling.md): a bulk upload carries no answers, so a mapping that says to send some is
            // refused rather than half obeyed. `skip_questions` may stay: it leaves answers out anyway.
            if !self.survey_questions.is_empty() {
                out.push(
                    "survey_questions: only for --format van-canvass (a bulk upload carries no survey answers)".into(),
                );
            }
        } else {
            for (field, given) in
                [("source_url", self.source_url.is_some()), ("canvassed_by", self.canvassed_by.is_some())]
            {
                if given {
                    out.push(format!("{field}: only for --format van-bulk"));
                }
            }
        }
        out
    }

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

    /// Every problem of the survey section against the program's script: a step that is not one of its
    /// questions, mapped and skipped at once, an open question mapped, an option or number the
    /// question does not have, an id that is not positive.
    pub fn question_problems(&self, script: Option<&Script>) -> Vec<String> {
        let mut out = Vec::new();
        let questions: BTreeMap<&str, &clearline_core::script::Question> = script
            .map(|s| clearline_core::script::walk::questions(s).map(|(step, q)| (step.id.as_str(), q)).collect())
            .unwrap_or_default();
        for step in &self.skip_questions {
            if !questions.contains_key(step.as_str()) {
                out.push(format!("skip_questions: {step:?} is not a question of the program's script"));
            }
        }
        for (step, mapped) in &self.survey_questions {
            let Some(question) = questions.get(step.as_str()) else {
                out.push(format!("survey_questions: {step:?} is not a question of the program's script"));
                continue;
            };
            if self.skip_questions.contains(step) {
                out.push(format!("survey_questions.{step}: also listed in skip_questions"));
            }
            if mapped.question_id <= 0 {
                out.push(format!("survey_questions.{step}.question_id: a VAN survey question id (a positive number)"));
            }
            if matches!(question.answer, AnswerKind::Open) {
                out.push(format!(
                    "survey_questions.{step}: an open question's free text has no VAN response; list it in skip_questions"
                ));
                continue;
            }
            for (value, id) in &mapped.responses {
                let known = if question.answer.is_choice() {
                    question.options.iter().any(|o| &o.key == value)
                } else {
                    let (min, max) = question.answer.bounds();
                    value.parse::<i64>().is_ok_and(|n| min.is_none_or(|m| n >= m) && max.is_none_or(|m| n <= m))
                };
                if !known {
                    out.push(format!(
                        "survey_questions.{step}.responses: {value:?} is not one of the question's answers"
                    ));
                }
                if *id <= 0 {
                    out.push(format!(
                        "survey_questions.{step}.responses.{value}: a VAN survey response id (a positive number)"
                    ));
                }
            }
        }
        out
    }

    /// The `SurveyResponse` items for one attempt's answers, in the order asked; skipped questions
    /// are left out. `Err` lists every answer the mapping cannot send.
    pub fn survey_items(&self, answers: &[(String, Answer)]) -> Result<Vec<Value>, Vec<UnmappedAnswer>> {
        let mut items = Vec::new();
        let mut unmapped = Vec::new();
        for (step, answer) in answers {
            if self.skip_questions.contains(step) {
                continue;
            }
            // Free text can never be mapped: say so rather than ask for a mapping.
            if matches!(answer, Answer::Text(_)) {
                unmapped.push(UnmappedAnswer::Open(step.clone()));
                continue;
            }
            let Some(question) = self.survey_questions.get(step) else {
                unmapped.push(UnmappedAnswer::Question(step.clone()));
                continue;
            };
            let values: Vec<String> = match answer {
                Answer::Choice(key) => vec![key.clone()],
                // One item per option chosen: VAN records each as a response to the question.
                Answer::Choices(keys) => keys.clone(),
                Answer::Number(n) => vec![n.to_string()],
                Answer::Text(_) => continue,
            };
            for value in values {
                match question.responses.get(&value) {
                    Some(response) => items.push(json!({"type": "SurveyResponse",
                        "surveyQuestionId": question.question_id, "surveyResponseId": response})),
                    None => unmapped.push(UnmappedAnswer::Value { step: step.clone(), value }),
                }
            }
        }
        if unmapped.is_empty() {
            Ok(items)
        } else {
            Err(unmapped)
        }
    }

    /// What an attempt's disposition maps to; `Err` (the code) when the file neither maps nor skips it.
    pub fn classify(&self, row: &ResultRow) -> Result<Mapped, String> {
        let code = row.disposition.as_str();
        if self.skip.contains(code) {
            Ok(Mapped::Skipped)
        } else if let Some(id) = self.result_codes.get(code) {
            Ok(Mapped::ResultCode(*id))
        } else if let Some(id) = self.activist_codes.get(code) {
            Ok(Mapped::ActivistCode(*id))
        } else {
            Err(code.to_string())
        }
    }

    /// The request for one attempt: `None` when its disposition is skipped, `Err` when unmapped. A
    /// canvassed attempt (an activist code) carries `survey` (its `SurveyResponse` items) after the
    /// activist code; an attempt with a result code cannot (VAN takes a result code or responses).
    pub fn request(&self, row: &ResultRow, survey: Vec<Value>) -> Result<Option<Value>, String> {
        let mapped = self.classify(row)?;
        if mapped == Mapped::Skipped {
            return Ok(None);
        }
        let date = canvassed_at(row)?;
        // Written out although false is VAN's default: an activist code applied on a call is a
        // contact, so it belongs in the contact history (as parsons and VAN's own example send it).
        let context = json!({"contactTypeId": self.contact_type_id, "inputTypeId": self.input_type_id,
            "dateCanvassed": date, "omitActivistCodeContactHistory": false});
        let body = match mapped {
            Mapped::ResultCode(id) => json!({"canvassContext": context, "resultCodeId": id, "responses": null}),
            Mapped::ActivistCode(id) => {
                let mut responses = vec![json!({"type": "ActivistCode", "activistCodeId": id, "action": "Apply"})];
                responses.extend(survey);
                json!({"canvassContext": context, "resultCodeId": null, "responses": responses})
            }
            Mapped::Skipped => return Ok(None),
        };
        let path = format!("people/{}:{}/canvassResponses", self.person_id_type, percent_encode(&row.voter_id));
        Ok(Some(json!({"method": "POST", "path": path, "body": body})))
    }
}

/// When an attempt was canvassed, as VAN reads it: its dial, in UTC to the second.
fn canvassed_at(row: &ResultRow) -> Result<String, String> {
    jiff::Timestamp::from_microsecond(row.dialed_at_us)
        .map(|t| t.round(jiff::Unit::Second).unwrap_or(t).to_string())
        .map_err(|_| format!("attempt {}: its time is out of range", row.attempt_id))
}

/// The bulk-upload file's header: the person id column (named by the mapping's id type), then
/// [`BULK_COLUMNS`]. The request body's `file.columns` is made from this same list.
pub fn bulk_header(mapping: &VanMapping) -> Vec<String> {
    std::iter::once(mapping.person_id_type.clone()).chain(BULK_COLUMNS.iter().map(|c| c.to_string())).collect()
}

/// One attempt's row of the bulk-upload file (`None` when skipped): a result code or an activist
/// code, never both (VAN's rule for canvass responses, kept here too). Cells are defused.
pub fn bulk_row(mapping: &VanMapping, row: &ResultRow) -> Result<Option<Vec<String>>, String> {
    let (result, activist) = match mapping.classify(row)? {
        Mapped::Skipped => return Ok(None),
        Mapped::ResultCode(id) => (id.to_string(), String::new()),
        Mapped::ActivistCode(id) => (String::new(), id.to_string()),
    };
    let cells = [
        row.voter_id.clone(),
        mapping.contact_type_id.to_string(),
        canvassed_at(row)?,
        mapping.canvassed_by.map(|id| id.to_string()).unwrap_or_default(),
        result,
        activist,
    ];
    Ok(Some(cells.iter().map(|c| defuse(c)).collect()))
}

/// The `POST bulkImportJobs` body that loads the file: its columns are exactly the file's header, and
/// the mapping types are those the rows use (canvass results, activist codes).
pub fn bulk_request(mapping: &VanMapping, file_name: &str, program: &str, results: bool, activists: bool) -> Value {
    let mut mapping_types = Vec::new();
    if results {
        mapping_types.push(json!({"name": "CanvassResults"}));
    }
    if activists {
        mapping_types.push(json!({"name": "ActivistCode"}));
    }
    let columns: Vec<Value> = bulk_header(mapping).into_iter().map(|name| json!({"name": name})).collect();
    json!({
        "description": format!("Clearline call results: {program}"),
        "file": {
            "fileName": file_name,
            "hasHeader": true,
            "hasQuotes": true,
            "sourceUrl": mapping.source_url.as_deref().unwrap_or_default().trim(),
            "columns": columns,
            "columnDelimiter": "csv",
        },
        "actions": [{
            "resourceType": "Contacts",
            "actionType": "loadMappedFile",
            "resultFileSizeKbLimit": 5000,
            "mappingTypes": mapping_types,
        }],
    })
}

/// Where the bulk-upload request body is written: beside the file, `NAME.bulk-import.json`.
pub fn bulk_request_path(out: &Path) -> std::path::PathBuf {
    out.with_extension("bulk-import.json")
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
        for (attempt, answers) in decrypt_answers(config, store, actor, stored).await? {
            let cells = out.answers.entry(attempt).or_default();
            for (step, answer) in answers {
                cells.insert(step, answer.to_cell());
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

/// The stored answers decrypted with the campaign's key: attempt → (step, answer) in the order asked.
async fn decrypt_answers(
    config: &crate::config::Config,
    store: &Store,
    actor: &Actor,
    stored: Vec<clearline_store::StoredAnswer>,
) -> anyhow::Result<BTreeMap<i64, Vec<(String, Answer)>>> {
    let mut out: BTreeMap<i64, Vec<(String, Answer)>> = BTreeMap::new();
    if stored.is_empty() {
        return Ok(out);
    }
    let campaign = actor.principal().map(|p| p.org_id).ok_or_else(|| anyhow::anyhow!("sign in with --as"))?;
    let sealer = crate::vaultkeys::campaign_sealer(config, store, actor, campaign).await?;
    for a in stored {
        let plain = sealer
            .cipher()
            .decrypt(clearline_calling::run::ANSWER_FIELD, &a.answer_enc)
            .map_err(|_| anyhow::anyhow!("a stored answer cannot be decrypted with the campaign's key"))?;
        let answer = Answer::decode(&plain).ok_or_else(|| anyhow::anyhow!("a stored answer is not readable"))?;
        out.entry(a.attempt_id).or_default().push((a.step, answer));
    }
    Ok(out)
}

/// The survey answers of a canvass export: attempt → (step, answer), for the canvassed attempts
/// whose answers the mapping does not skip. Refused (the message) when such answers exist and the
/// role may not export personal data, or when the mapping has a survey section and the role may not
/// — before anything is decrypted. Also counts the answered attempts whose answers a result code
/// keeps out of VAN.
async fn canvass_answers(
    config: &crate::config::Config,
    store: &Store,
    actor: &Actor,
    program: &str,
    mapping: &VanMapping,
    rows: &[ResultRow],
) -> anyhow::Result<Result<(BTreeMap<i64, Vec<(String, Answer)>>, u64), String>> {
    let canvassed: BTreeSet<i64> = rows
        .iter()
        .filter(|r| matches!(mapping.classify(r), Ok(Mapped::ActivistCode(_))))
        .map(|r| r.attempt_id)
        .collect();
    let result_coded: BTreeSet<i64> = rows
        .iter()
        .filter(|r| matches!(mapping.classify(r), Ok(Mapped::ResultCode(_))))
        .map(|r| r.attempt_id)
        .collect();
    let stored = store.survey_answers(actor, program).await?;
    let left_out: BTreeSet<i64> = stored.iter().map(|a| a.attempt_id).filter(|a| result_coded.contains(a)).collect();
    let wanted: Vec<clearline_store::StoredAnswer> = stored
        .into_iter()
        .filter(|a| canvassed.contains(&a.attempt_id) && !mapping.skip_questions.contains(&a.step))
        .collect();
    let may_export = Store::results_carry_names(actor);
    if !may_export && (!wanted.is_empty() || !mapping.survey_questions.is_empty()) {
        // The steps are stored in the clear: they are named without decrypting a single answer.
        let steps: BTreeSet<&str> = wanted.iter().map(|a| a.step.as_str()).collect();
        let role = actor.principal().map(|p| p.role.as_str()).unwrap_or("anonymous");
        let named = if steps.is_empty() {
            String::new()
        } else {
            format!(" (answers to {})", steps.into_iter().collect::<Vec<_>>().join(", "))
        };
        return Ok(Err(format!(
            "survey answers{named} are personal data: sending them as SurveyResponse items needs the {} \
             capability, which the {role} role does not have; list the questions in skip_questions to \
             export without answers",
            Capability::ExportPersonalData.as_str()
        )));
    }
    Ok(Ok((decrypt_answers(config, store, actor, wanted).await?, left_out.len() as u64)))
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
        ("van-canvass" | "van-bulk", Some(path)) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("{}: cannot read the mapping file: {e}", path.display()))?;
            let mapping: VanMapping = match serde_json::from_str(&text) {
                Ok(m) => m,
                Err(e) => {
                    eprintln!("error: {}: line {}: {e}", path.display(), e.line());
                    return Ok(ExitCode::from(2));
                }
            };
            let problems = mapping.problems_for(format);
            if !problems.is_empty() {
                for p in problems {
                    eprintln!("error: {}: {p}", path.display());
                }
                return Ok(ExitCode::from(2));
            }
            Some(mapping)
        }
        ("van-canvass" | "van-bulk", None) => {
            eprintln!("error: --format {format} needs --mapping FILE (VAN's ids are per committee)");
            return Ok(ExitCode::from(2));
        }
        ("csv", Some(_)) => {
            eprintln!("error: --mapping is for --format van-canvass or van-bulk");
            return Ok(ExitCode::from(2));
        }
        _ => {
            eprintln!("error: --format: not one of csv, van-canvass, van-bulk");
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
    // The bulk upload's request body, written beside the file.
    let mut bulk_body: Option<Value> = None;
    match &van {
        Some(mapping) if format == "van-bulk" => {
            let mut unmapped: BTreeMap<String, u64> = BTreeMap::new();
            let (mut results, mut activists) = (false, false);
            // Quoted throughout, as the body's `hasQuotes` says.
            let mut w = csv::WriterBuilder::new().quote_style(csv::QuoteStyle::Always).from_writer(&mut body);
            w.write_record(bulk_header(mapping))?;
            for row in &rows {
                match bulk_row(mapping, row) {
                    Ok(Some(record)) => {
                        results |= !record[RESULT_COLUMN].is_empty();
                        activists |= !record[ACTIVIST_COLUMN].is_empty();
                        w.write_record(&record)?;
                        written += 1;
                    }
                    Ok(None) => {}
                    Err(code) => *unmapped.entry(code).or_default() += 1,
                }
            }
            w.flush()?;
            drop(w);
            if !unmapped.is_empty() {
                for (code, n) in unmapped {
                    eprintln!(
                        "error: {n} attempts ended {code}: map it under result_codes or activist_codes, or list it in skip"
                    );
                }
                return Ok(ExitCode::from(1));
            }
            // No survey answers in a bulk upload (VAN's mapping type for them is not confirmed): say so
            // when the program has some, rather than leave them out unmentioned.
            let exported: BTreeSet<i64> = rows
                .iter()
                .filter(|r| matches!(mapping.classify(r), Ok(m) if m != Mapped::Skipped))
                .map(|r| r.attempt_id)
                .collect();
            let answered: BTreeSet<i64> = match store.survey_answers(actor, program).await {
                Ok(stored) => stored.into_iter().map(|a| a.attempt_id).filter(|a| exported.contains(a)).collect(),
                Err(e) => return crate::program::store_refusal(e, "program"),
            };
            if !answered.is_empty() {
                eprintln!(
                    "note: {} attempts have survey answers, which a bulk upload does not carry: use --format \
                     van-canvass to send them as SurveyResponse items",
                    answered.len()
                );
            }
            let file_name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            bulk_body = Some(bulk_request(mapping, &file_name, program, results, activists));
        }
        Some(mapping) => {
            let script = match store.program_script(actor, program).await {
                Ok(s) => s.and_then(|(_, version)| clearline_core::script::parse(&version.body).ok()),
                Err(e) => return crate::program::store_refusal(e, "program"),
            };
            let problems = mapping.question_problems(script.as_ref());
            if !problems.is_empty() {
                let path = options.mapping.map(|p| p.display().to_string()).unwrap_or_default();
                for p in problems {
                    eprintln!("error: {path}: {p}");
                }
                return Ok(ExitCode::from(2));
            }
            let (answers, answers_left_out) =
                match canvass_answers(config, store, actor, program, mapping, &rows).await? {
                    Ok(found) => found,
                    Err(refusal) => {
                        eprintln!("error: {refusal}");
                        return Ok(ExitCode::from(1));
                    }
                };
            let mut unmapped: BTreeMap<String, u64> = BTreeMap::new();
            let mut unmapped_answers: BTreeMap<UnmappedAnswer, u64> = BTreeMap::new();
            for row in &rows {
                let survey = match mapping.survey_items(answers.get(&row.attempt_id).map_or(&[], Vec::as_slice)) {
                    Ok(items) => items,
                    Err(problems) => {
                        for p in problems {
                            *unmapped_answers.entry(p).or_default() += 1;
                        }
                        Vec::new()
                    }
                };
                match mapping.request(row, survey) {
                    Ok(Some(request)) => {
                        serde_json::to_writer(&mut body, &request)?;
                        body.push(b'\n');
                        written += 1;
                    }
                    Ok(None) => {}
                    Err(code) => *unmapped.entry(code).or_default() += 1,
                }
            }
            if !unmapped.is_empty() || !unmapped_answers.is_empty() {
                for (code, n) in unmapped {
                    eprintln!(
                        "error: {n} attempts ended {code}: map it under result_codes or activist_codes, or list it in skip"
                    );
                }
                for (problem, n) in unmapped_answers {
                    eprintln!("error: {}", problem.message(n));
                }
                return Ok(ExitCode::from(1));
            }
            if answers_left_out > 0 {
                // VAN takes a result code or responses, never both: say what that leaves out.
                eprintln!(
                    "note: {answers_left_out} attempts with a result code also have survey answers, which VAN cannot \
                     take with a result code: they are not sent (give their disposition an activist code to send them)"
                );
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
                "custom_disposition",
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
                    row.custom_disposition.clone().unwrap_or_default(),
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
    let write_whole = |path: &Path, bytes: &[u8]| -> anyhow::Result<()> {
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        tmp.write_all(bytes)?;
        tmp.persist(path).map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.error))?;
        Ok(())
    };
    let request_path = bulk_request_path(out);
    if let Some(request) = &bulk_body {
        // The request first: a file found beside its request is a complete export.
        write_whole(&request_path, &serde_json::to_vec_pretty(request)?)?;
    }
    write_whole(out, &body)?;
    let request_file = bulk_body.is_some().then(|| request_path.display().to_string());
    if json_out {
        println!(
            "{}",
            json!({"rows": written, "file": out.display().to_string(), "format": format, "request_body": request_file})
        );
    } else {
        println!("Wrote {written} results of {program} to {} ({format}).", out.display());
        if let Some(path) = request_file {
            println!("The bulkImportJobs request body is in {path}: put the file at its sourceUrl, then POST it.");
        }
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
            custom_disposition: None,
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
        let r = m.request(&row("no_answer"), Vec::new()).unwrap().unwrap();
        assert_eq!(r["path"], "people/StateFileID:AB%2012%2F3/canvassResponses", "the id is URL encoded");
        assert_eq!(r["body"]["resultCodeId"], 1);
        assert!(r["body"]["responses"].is_null());
        assert_eq!(r["body"]["canvassContext"]["dateCanvassed"], "2026-10-20T13:00:00Z");
        assert_eq!(r["body"]["canvassContext"]["inputTypeId"], 11, "API by default");
        let c = m.request(&row("complete"), Vec::new()).unwrap().unwrap();
        assert!(c["body"]["resultCodeId"].is_null());
        assert_eq!(c["body"]["responses"][0]["activistCodeId"], 18917);
        assert_eq!(m.request(&row("interrupted"), Vec::new()).unwrap(), None);
        assert_eq!(m.request(&row("refused"), Vec::new()), Err("refused".to_string()));
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

    fn bulk_mapping() -> VanMapping {
        serde_json::from_str(
            r#"{"person_id_type": "StateFileID", "contact_type_id": 1,
                "result_codes": {"no_answer": 1, "busy": 2}, "activist_codes": {"complete": 18917},
                "skip": ["interrupted"], "source_url": "https://files.example.org/results.zip", "canvassed_by": 4242}"#,
        )
        .unwrap()
    }

    #[test]
    fn a_bulk_row_has_a_result_or_an_activist_code_and_the_body_lists_the_header() {
        let m = bulk_mapping();
        assert!(m.problems_for("van-bulk").is_empty(), "{:?}", m.problems_for("van-bulk"));
        let header = bulk_header(&m);
        assert_eq!(
            header,
            ["StateFileID", "ContactTypeID", "DateCanvassed", "CanvassedBy", "ResultID", "ActivistCodeID"]
        );
        let busy = bulk_row(&m, &row("busy")).unwrap().unwrap();
        assert_eq!(busy, ["AB 12/3", "1", "2026-10-20T13:00:00Z", "4242", "2", ""]);
        assert_eq!((header[RESULT_COLUMN].as_str(), header[ACTIVIST_COLUMN].as_str()), ("ResultID", "ActivistCodeID"));
        let complete = bulk_row(&m, &row("complete")).unwrap().unwrap();
        assert_eq!((complete[RESULT_COLUMN].as_str(), complete[ACTIVIST_COLUMN].as_str()), ("", "18917"));
        assert_eq!(bulk_row(&m, &row("interrupted")).unwrap(), None);
        assert_eq!(bulk_row(&m, &row("refused")), Err("refused".to_string()));
        // A voter id that looks like a formula is defused, as in the CSV export.
        let mut formula = row("busy");
        formula.voter_id = "=HYPERLINK(\"x\")".into();
        assert_eq!(bulk_row(&m, &formula).unwrap().unwrap()[0], "'=HYPERLINK(\"x\")");

        let body = bulk_request(&m, "results.csv", "gotv", true, false);
        let columns: Vec<&str> =
            body["file"]["columns"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(columns, header, "the body's columns are the file's header");
        assert_eq!(body["file"]["fileName"], "results.csv");
        assert_eq!(body["file"]["columnDelimiter"], "csv");
        assert_eq!(body["file"]["sourceUrl"], "https://files.example.org/results.zip");
        let action = &body["actions"][0];
        assert_eq!(
            (action["resourceType"].as_str(), action["actionType"].as_str()),
            (Some("Contacts"), Some("loadMappedFile"))
        );
        assert_eq!(action["resultFileSizeKbLimit"], 5000);
        assert_eq!(action["mappingTypes"], json!([{"name": "CanvassResults"}]), "only the types the rows use");
        let both = bulk_request(&m, "r.csv", "gotv", true, true);
        assert_eq!(both["actions"][0]["mappingTypes"], json!([{"name": "CanvassResults"}, {"name": "ActivistCode"}]));
    }

    #[test]
    fn a_bulk_mapping_without_its_url_or_canvasser_is_refused_naming_the_field() {
        let m = mapping();
        let problems = m.problems_for("van-bulk");
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("source_url: required for van-bulk"), "{problems:?}");
        assert!(problems[1].starts_with("canvassed_by: required for van-bulk"), "{problems:?}");
        assert!(m.problems_for("van-canvass").is_empty());
        let mut m = bulk_mapping();
        m.source_url = Some("http://files.example.org/x.zip".into());
        m.person_id_type = "State File ID".into();
        let problems = m.problems_for("van-bulk");
        assert!(problems.iter().any(|p| p.starts_with("source_url: an https URL")), "{problems:?}");
        assert!(problems.iter().any(|p| p.starts_with("person_id_type: letters, digits")), "{problems:?}");
        assert!(bulk_mapping()
            .problems_for("van-canvass")
            .iter()
            .any(|p| p == "source_url: only for --format van-bulk"));
    }

    fn survey_mapping() -> VanMapping {
        serde_json::from_str(
            r#"{"person_id_type": "StateFileID", "contact_type_id": 1, "activist_codes": {"complete": 18917},
                "result_codes": {"refused": 3},
                "survey_questions": {
                    "consent": {"question_id": 109149, "responses": {"yes": 465468, "later": 465469, "no": 465470}},
                    "likely": {"question_id": 109150, "responses": {"9": 465479, "10": 465480}},
                    "issues": {"question_id": 109151, "responses": {"economy": 1, "schools": 2, "health": 3}}},
                "skip_questions": ["comments"]}"#,
        )
        .unwrap()
    }

    fn survey_script() -> Script {
        clearline_core::script::parse(include_str!("../../../docs/scripts/survey.script")).unwrap()
    }

    #[test]
    fn a_canvassed_attempt_carries_its_answers_after_the_activist_code() {
        let m = survey_mapping();
        assert!(
            m.question_problems(Some(&survey_script())).is_empty(),
            "{:?}",
            m.question_problems(Some(&survey_script()))
        );
        let answers = vec![
            ("consent".to_string(), Answer::Choice("yes".into())),
            ("likely".to_string(), Answer::Number(10)),
            ("issues".to_string(), Answer::Choices(vec!["economy".into(), "health".into()])),
            ("comments".to_string(), Answer::Text("+1 for the library".into())),
        ];
        let items = m.survey_items(&answers).unwrap();
        let pairs: Vec<(i64, i64)> = items
            .iter()
            .map(|i| {
                assert_eq!(i["type"], "SurveyResponse");
                (i["surveyQuestionId"].as_i64().unwrap(), i["surveyResponseId"].as_i64().unwrap())
            })
            .collect();
        assert_eq!(pairs, [(109149, 465468), (109150, 465480), (109151, 1), (109151, 3)], "one item per option chosen");
        let body = m.request(&row("complete"), items).unwrap().unwrap()["body"].clone();
        assert!(body["resultCodeId"].is_null());
        assert_eq!(body["responses"][0]["type"], "ActivistCode");
        assert_eq!(body["responses"].as_array().unwrap().len(), 5);
        assert_eq!(body["canvassContext"]["omitActivistCodeContactHistory"], false);
        // A result code never travels with responses.
        let refused = m.request(&row("refused"), Vec::new()).unwrap().unwrap();
        assert!(refused["body"]["responses"].is_null());
    }

    #[test]
    fn an_answer_the_mapping_cannot_send_is_named_never_its_text() {
        let m = survey_mapping();
        let answers = vec![
            ("likely".to_string(), Answer::Number(7)),
            ("direction".to_string(), Answer::Choice("right".into())),
            ("issues".to_string(), Answer::Choices(vec!["roads".into()])),
        ];
        let unmapped = m.survey_items(&answers).unwrap_err();
        assert_eq!(
            unmapped,
            [
                UnmappedAnswer::Value { step: "likely".into(), value: "7".into() },
                UnmappedAnswer::Question("direction".into()),
                UnmappedAnswer::Value { step: "issues".into(), value: "roads".into() },
            ]
        );
        let mut open = survey_mapping();
        open.skip_questions.clear();
        let text = open.survey_items(&[("comments".into(), Answer::Text("my secret".into()))]).unwrap_err();
        assert_eq!(text, [UnmappedAnswer::Open("comments".into())]);
        assert!(!text[0].message(1).contains("secret"));
    }

    #[test]
    fn a_survey_section_that_does_not_fit_the_script_is_refused_by_name() {
        let m: VanMapping = serde_json::from_str(
            r#"{"person_id_type": "StateFileID", "contact_type_id": 1,
                "survey_questions": {
                    "consent": {"question_id": 1, "responses": {"maybe": 2}},
                    "likely": {"question_id": 1, "responses": {"11": 2}},
                    "comments": {"question_id": 1, "responses": {}},
                    "nosuch": {"question_id": 1, "responses": {}}},
                "skip_questions": ["consent", "typo"]}"#,
        )
        .unwrap();
        let problems = m.question_problems(Some(&survey_script()));
        for needle in [
            "skip_questions: \"typo\" is not a question",
            "survey_questions: \"nosuch\" is not a question",
            "survey_questions.consent: also listed in skip_questions",
            "survey_questions.consent.responses: \"maybe\" is not one of",
            "survey_questions.likely.responses: \"11\" is not one of",
            "survey_questions.comments: an open question",
        ] {
            assert!(problems.iter().any(|p| p.contains(needle)), "{needle} in {problems:?}");
        }
        assert_eq!(problems.len(), 6, "{problems:?}");
        assert!(m.question_problems(None).iter().all(|p| p.contains("is not a question")), "no script: no questions");
        assert!(serde_json::from_str::<VanMapping>(
            r#"{"person_id_type":"X","contact_type_id":1,"survey_questions":{"a":{"question_id":1,"responses":{},"x":1}}}"#
        )
        .is_err());
        let mut bulk = bulk_mapping();
        bulk.skip_questions.insert("comments".into());
        assert!(bulk.problems_for("van-bulk").is_empty(), "skipping answers fits a bulk upload, which has none");
        bulk.survey_questions = survey_mapping().survey_questions;
        assert!(bulk
            .problems_for("van-bulk")
            .iter()
            .any(|p| p.starts_with("survey_questions: only for --format van-canvass")));
    }
}
