//! The universes page: the campaign's saved universes with their counts, a builder that writes the
//! filter JSON (docs/universes.md) from rows of conditions, a live count, saving, renaming and
//! deleting, and seeded samples.
//!
//! The builder is a plain form: adding or removing a row is a submit that re-renders the page with the
//! rows as given, so it works without script; app.js only refreshes the count as the form changes, by
//! posting the same form to the same route and asking for JSON. Filters travel in POST bodies, never in
//! URLs (they describe people).

use super::{render, Chrome};
use crate::error::ApiError;
use crate::routes::Caller;
use crate::state::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::ACCEPT;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use clearline_core::universe::{Field, Filter};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// More rows than this is a filter for the JSON editor, not a form (and bounds the work of one post).
const MAX_ROWS: usize = 40;

/// What a row can say: the text fields (a list of values), and the conditions that are not a field.
const TEXT_FIELDS: [(&str, &str); 13] = [
    ("party", "Party"),
    ("gender", "Gender"),
    ("race", "Race"),
    ("voter_status", "Voter status"),
    ("county", "County"),
    ("res_city", "City"),
    ("res_zip", "ZIP code"),
    ("res_state", "State"),
    ("source_state", "Source state (voter file)"),
    ("precinct", "Precinct"),
    ("congressional_district", "Congressional district"),
    ("state_house_district", "State house district"),
    ("state_senate_district", "State senate district"),
];
const OTHER_KINDS: [(&str, &str); 6] = [
    ("age", "Age"),
    ("birth_year", "Birth year"),
    ("voted_in", "Voted in election"),
    ("has_phone", "Has a phone"),
    ("on_do_not_call", "On the do-not-call list"),
    ("in_universe", "In another universe"),
];
const LINE_TYPES: [&str; 5] = ["wireless", "landline", "voip", "protected", "unknown"];

/// How a row's inputs look: decides which inputs the template shows for it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RowShape {
    Values,
    Bounds,
    Election,
    LineTypes,
    Nothing,
    Universe,
}

fn shape_of(kind: &str) -> RowShape {
    match kind {
        "age" | "birth_year" => RowShape::Bounds,
        "voted_in" => RowShape::Election,
        "has_phone" => RowShape::LineTypes,
        "on_do_not_call" => RowShape::Nothing,
        "in_universe" => RowShape::Universe,
        _ => RowShape::Values,
    }
}

fn label_of(kind: &str) -> &'static str {
    TEXT_FIELDS.iter().chain(OTHER_KINDS.iter()).find(|(k, _)| *k == kind).map(|(_, l)| *l).unwrap_or("Condition")
}

/// One condition of the builder, as the form gave it (kept as text, so a refused value comes back as
/// typed).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Row {
    pub kind: String,
    pub negate: bool,
    /// Comma-separated values (text fields) or the election's name.
    pub values: String,
    pub min: String,
    pub max: String,
    pub line_types: Vec<String>,
    /// A saved universe's id.
    pub universe: String,
}

/// The builder's state: how the rows combine, the year ages are counted on, the rows, a name to save.
#[derive(Clone, Debug, PartialEq)]
pub struct Builder {
    /// `all` or `any`.
    pub combine: String,
    pub on_year: String,
    pub rows: Vec<Row>,
    pub name: String,
}

impl Builder {
    fn fresh(on_year: i16) -> Builder {
        Builder {
            combine: "all".into(),
            on_year: on_year.to_string(),
            rows: vec![Row { kind: "party".into(), ..Row::default() }],
            name: String::new(),
        }
    }

    /// Reads the builder and the button pressed from a form body. Fields: `combine`, `on_year`,
    /// `name`, `action`, and per row `row.N.kind`, `row.N.not`, `row.N.values`, `row.N.min`,
    /// `row.N.max`, `row.N.line_type` (repeated), `row.N.universe`.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<(Builder, String), ApiError> {
        let mut builder =
            Builder { combine: "all".into(), on_year: String::new(), rows: Vec::new(), name: String::new() };
        let mut action = String::from("count");
        let mut rows: BTreeMap<usize, Row> = BTreeMap::new();
        for (key, value) in pairs {
            match key.as_str() {
                "combine" => builder.combine = value.clone(),
                "on_year" => builder.on_year = value.clone(),
                "name" => builder.name = value.clone(),
                "action" => action = value.clone(),
                _ => {
                    let Some(rest) = key.strip_prefix("row.") else { continue };
                    let Some((index, part)) = rest.split_once('.') else { continue };
                    let Ok(index) = index.parse::<usize>() else { continue };
                    let row = rows.entry(index).or_default();
                    match part {
                        "kind" => row.kind = value.clone(),
                        "not" => row.negate = !value.is_empty(),
                        "values" => row.values = value.clone(),
                        "min" => row.min = value.clone(),
                        "max" => row.max = value.clone(),
                        "line_type" => row.line_types.push(value.clone()),
                        "universe" => row.universe = value.clone(),
                        _ => {}
                    }
                }
            }
        }
        if rows.len() > MAX_ROWS {
            return Err(ApiError::invalid("rows", format!("at most {MAX_ROWS} conditions")));
        }
        builder.rows = rows.into_values().collect();
        Ok((builder, action))
    }

    /// The filter the rows say, every row checked; a refusal names the row and its input.
    pub fn filter(&self) -> Result<Filter, ApiError> {
        let on_year: i64 = self
            .on_year
            .trim()
            .parse()
            .ok()
            .filter(|y| (1900..=2200).contains(y))
            .ok_or_else(|| ApiError::invalid("on_year", "a year such as 2026"))?;
        let mut filters = Vec::with_capacity(self.rows.len());
        for (i, row) in self.rows.iter().enumerate() {
            let leaf = row.filter(i + 1, on_year)?;
            leaf.check().map_err(|e| ApiError::invalid(row_field(i + 1, &row.kind, None), e.0))?;
            filters.push(if row.negate { Filter::Not { filter: Box::new(leaf) } } else { leaf });
        }
        match self.combine.as_str() {
            "all" => Ok(Filter::All { filters }),
            "any" => Ok(Filter::Any { filters }),
            _ => Err(ApiError::invalid("combine", "all or any")),
        }
    }

    /// The builder for a saved filter, when it has the builder's shape (all or any of conditions, each
    /// possibly negated, or one condition alone); `None` for a filter written by hand in a deeper shape.
    pub fn from_filter(filter: &Filter, name: &str, default_year: i16) -> Option<Builder> {
        let alone;
        let (combine, leaves) = match filter {
            Filter::All { filters } => ("all", filters),
            Filter::Any { filters } => ("any", filters),
            // One condition alone (`{"op":"in",…}`) is all of one: the same people.
            one => {
                alone = vec![one.clone()];
                ("all", &alone)
            }
        };
        let mut on_year = None;
        let mut rows = Vec::new();
        for leaf in leaves {
            let (negate, leaf) = match leaf {
                Filter::Not { filter } => (true, filter.as_ref()),
                other => (false, other),
            };
            let mut row = Row { negate, ..Row::default() };
            match leaf {
                Filter::In { field, values } => {
                    row.kind = field_name(*field);
                    row.values = values.join(", ");
                }
                Filter::Range { field: Field::BirthYear, min, max } => {
                    row.kind = "birth_year".into();
                    row.min = min.map(|m| m.to_string()).unwrap_or_default();
                    row.max = max.map(|m| m.to_string()).unwrap_or_default();
                }
                Filter::Age { min, max, on_year: year } => {
                    // One year for the whole builder: two ages on different years are not its shape.
                    if on_year.is_some_and(|y| y != *year) {
                        return None;
                    }
                    on_year = Some(*year);
                    row.kind = "age".into();
                    row.min = min.map(|m| m.to_string()).unwrap_or_default();
                    row.max = max.map(|m| m.to_string()).unwrap_or_default();
                }
                Filter::VotedIn { election } => {
                    row.kind = "voted_in".into();
                    row.values = election.clone();
                }
                Filter::HasPhone { line_types } => {
                    row.kind = "has_phone".into();
                    row.line_types = line_types.clone();
                }
                Filter::OnDoNotCall => row.kind = "on_do_not_call".into(),
                Filter::InUniverse { universe_id } => {
                    row.kind = "in_universe".into();
                    row.universe = universe_id.to_string();
                }
                _ => return None,
            }
            rows.push(row);
        }
        Some(Builder {
            combine: combine.into(),
            on_year: on_year.unwrap_or(default_year as i64).to_string(),
            rows,
            name: name.into(),
        })
    }
}

fn field_name(field: Field) -> String {
    serde_json::to_value(field).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// How a refusal names a row's input: `row 2 (Age) min`.
fn row_field(n: usize, kind: &str, input: Option<&str>) -> String {
    let label = label_of(kind);
    match input {
        Some(input) => format!("row {n} ({label}) {input}"),
        None => format!("row {n} ({label})"),
    }
}

fn whole_number(n: usize, kind: &str, input: &str, text: &str) -> Result<Option<i64>, ApiError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    // The value is not repeated in the message (the house rule for errors); the page keeps it in the input.
    text.parse().map(Some).map_err(|_| ApiError::invalid(row_field(n, kind, Some(input)), "not a whole number"))
}

impl Row {
    fn filter(&self, n: usize, on_year: i64) -> Result<Filter, ApiError> {
        let kind = self.kind.as_str();
        Ok(match kind {
            "age" => Filter::Age {
                min: whole_number(n, kind, "min", &self.min)?,
                max: whole_number(n, kind, "max", &self.max)?,
                on_year,
            },
            "birth_year" => Filter::Range {
                field: Field::BirthYear,
                min: whole_number(n, kind, "min", &self.min)?,
                max: whole_number(n, kind, "max", &self.max)?,
            },
            "voted_in" => Filter::VotedIn { election: self.values.trim().to_string() },
            "has_phone" => Filter::HasPhone { line_types: self.line_types.clone() },
            "on_do_not_call" => Filter::OnDoNotCall,
            "in_universe" => {
                Filter::InUniverse {
                    universe_id: self.universe.trim().parse().map_err(|_| {
                        ApiError::invalid(row_field(n, kind, Some("universe")), "choose a saved universe")
                    })?,
                }
            }
            text => {
                let field = TEXT_FIELDS
                    .iter()
                    .find(|(k, _)| *k == text)
                    .and_then(|(k, _)| serde_json::from_value::<Field>(serde_json::Value::String(k.to_string())).ok())
                    .ok_or_else(|| {
                        ApiError::invalid(
                            format!("row {n} field"),
                            "not a targetable field (names, addresses and phone numbers cannot be targeted)",
                        )
                    })?;
                let values: Vec<String> =
                    self.values.split([',', '\n']).map(str::trim).filter(|v| !v.is_empty()).map(String::from).collect();
                if values.is_empty() {
                    return Err(ApiError::invalid(
                        row_field(n, kind, Some("values")),
                        "give one or more values, separated by commas",
                    ));
                }
                Filter::In { field, values }
            }
        })
    }
}

/// A saved universe as the list shows it.
struct SavedView {
    id: i64,
    name: String,
    /// Current counts: (people, households).
    people: Option<u64>,
    households: Option<u64>,
    /// What the row says instead of current counts (being counted, or cannot be counted).
    not_current: Option<String>,
    /// When the counts shown (or the last ones) were taken.
    counted_at: String,
    /// What its rename input holds: its name, or the name a refused rename was given (kept as typed).
    rename_to: String,
    /// A delete was asked for and waits for its confirmation.
    confirming_delete: bool,
}

/// A row ready for the template: its inputs, and which of them its kind shows.
struct RowView {
    row: Row,
    shape: RowShape,
}

impl RowView {
    fn shows_values(&self) -> bool {
        matches!(self.shape, RowShape::Values | RowShape::Election)
    }
    fn shows_bounds(&self) -> bool {
        self.shape == RowShape::Bounds
    }
    fn shows_line_types(&self) -> bool {
        self.shape == RowShape::LineTypes
    }
    fn shows_universe(&self) -> bool {
        self.shape == RowShape::Universe
    }
    fn values_label(&self) -> &'static str {
        if self.shape == RowShape::Election {
            "Election, as the file names it (e.g. GENERAL-11/08/2022)"
        } else {
            "Values, separated by commas"
        }
    }
    fn is_kind(&self, kind: &str) -> bool {
        self.row.kind == kind
    }
    fn has_line_type(&self, t: &&str) -> bool {
        self.row.line_types.iter().any(|x| x == t)
    }
}

/// The sample form's values, as given.
#[derive(Clone, Debug)]
struct SampleForm {
    universe: String,
    size: String,
    seed: String,
    stratify_by: String,
    /// Save the sample as a universe of this name (empty: only draw it).
    save_as: String,
}

impl SampleForm {
    fn stratifies_by(&self, field: &str) -> bool {
        self.stratify_by == field
    }

    /// The size, seed and stratifying field, each checked (a refusal names its input).
    fn parsed(&self) -> Result<(u64, u64, Option<Field>), ApiError> {
        let size: u64 = self
            .size
            .trim()
            .parse()
            .ok()
            .filter(|n| (1..=clearline_core::universe::MAX_SAMPLE).contains(n))
            .ok_or_else(|| ApiError::invalid("size", "a whole number from 1 to 1,000,000"))?;
        let seed: u64 =
            self.seed.trim().parse().map_err(|_| ApiError::invalid("seed", "a whole number (0 or more)"))?;
        let stratify_by = match self.stratify_by.trim() {
            "" => None,
            name => Some(
                serde_json::from_value::<Field>(serde_json::Value::String(name.to_string()))
                    .map_err(|_| ApiError::invalid("stratify_by", "not a targetable field"))?,
            ),
        };
        Ok((size, seed, stratify_by))
    }
}

impl Default for SampleForm {
    fn default() -> Self {
        SampleForm {
            universe: String::new(),
            size: "400".into(),
            seed: "1".into(),
            stratify_by: String::new(),
            save_as: String::new(),
        }
    }
}

/// What a sample drew, for the page.
struct SampleView {
    /// The saved universe sampled; `None`: the builder's rows, unsaved.
    universe: Option<String>,
    seed: u64,
    population: u64,
    drawn: u64,
    /// (stratum, population, drawn)
    strata: Vec<(String, u64, u64)>,
    /// The first [`SHOWN_KEYS`] voter IDs drawn, in draw order.
    person_keys: Vec<String>,
    /// How many more were drawn than the page lists.
    not_listed: u64,
    /// The universe the sample was saved as, when the form named one.
    saved_as: Option<String>,
}

/// A page lists at most this many of the voter IDs drawn (`clearline universe sample` prints them all).
const SHOWN_KEYS: usize = 1_000;

#[derive(Template)]
#[template(path = "universes.html")]
struct UniversesPage {
    chrome: Chrome,
    saved: Vec<SavedView>,
    builder: Builder,
    rows: Vec<RowView>,
    text_fields: &'static [(&'static str, &'static str)],
    other_kinds: &'static [(&'static str, &'static str)],
    line_types: &'static [&'static str],
    /// (people, households) the builder's filter selects.
    counted: Option<(u64, u64)>,
    /// The filter the rows make, as JSON (empty when the rows were refused).
    filter_json: String,
    notice: Option<String>,
    error: Option<String>,
    sample_form: SampleForm,
    sample: Option<SampleView>,
    sample_error: Option<String>,
}

fn this_year() -> i16 {
    jiff::Zoned::now().year()
}

/// What one page shows besides the saved list.
struct Shown {
    builder: Builder,
    counted: Option<(u64, u64)>,
    filter_json: String,
    notice: Option<String>,
    error: Option<ApiError>,
    sample_form: SampleForm,
    sample: Option<SampleView>,
    sample_error: Option<ApiError>,
    /// A refused rename: the universe and the name as typed.
    renaming: Option<(i64, String)>,
    /// The universe whose delete waits for its confirmation.
    confirm_delete: Option<i64>,
}

impl Shown {
    fn builder(builder: Builder) -> Shown {
        Shown {
            builder,
            counted: None,
            filter_json: String::new(),
            notice: None,
            error: None,
            sample_form: SampleForm::default(),
            sample: None,
            sample_error: None,
            renaming: None,
            confirm_delete: None,
        }
    }
}

/// How long a page waits for its campaign's recount before it shows "counting" instead (the recount
/// goes on): well inside the pages' 100 ms goal, and enough for a small campaign's whole recount.
const RECOUNT_WAIT: std::time::Duration = std::time::Duration::from_millis(60);

/// Which server and campaign (or universe): a process may run several servers on several stores
/// (the tests do), whose ids coincide.
type Key = (usize, i64);

fn key(state: &AppState, id: i64) -> Key {
    (std::sync::Arc::as_ptr(&state.0) as usize, id)
}

/// Recounts running in this process, by campaign: the page that finds counts stale starts one, and
/// later pages wait on the same one instead of starting another (`true` once it has finished).
static RECOUNTS: std::sync::LazyLock<std::sync::Mutex<HashMap<Key, tokio::sync::watch::Receiver<bool>>>> =
    std::sync::LazyLock::new(Default::default);

/// When each universe's last count failed here: shown as not countable, and not recounted on every
/// view, for a minute (a failure may pass, such as a write lock held past its timeout by an import).
static UNCOUNTABLE: std::sync::LazyLock<std::sync::Mutex<HashMap<Key, std::time::Instant>>> =
    std::sync::LazyLock::new(Default::default);
const UNCOUNTABLE_FOR: std::time::Duration = std::time::Duration::from_secs(60);

fn uncountable(state: &AppState, universe: i64) -> bool {
    UNCOUNTABLE
        .lock()
        .expect("uncountable lock")
        .get(&key(state, universe))
        .is_some_and(|at| at.elapsed() < UNCOUNTABLE_FOR)
}

/// Starts a recount of the campaign's stale universes unless one is running here, and returns what to
/// wait on. Universes are counted one after another: each count reads the whole campaign.
fn recount(state: &AppState, caller: &Caller, stale: Vec<i64>) -> tokio::sync::watch::Receiver<bool> {
    let campaign = key(state, caller.0.principal.org_id.0);
    let mut running = RECOUNTS.lock().expect("recounts lock");
    if let Some(rx) = running.get(&campaign) {
        if !*rx.borrow() {
            return rx.clone();
        }
    }
    let (tx, rx) = tokio::sync::watch::channel(false);
    running.insert(campaign, rx.clone());
    let (state, actor) = (state.clone(), caller.actor());
    tokio::spawn(async move {
        for id in stale {
            match state.store().refresh_universe_counts(&actor, id).await {
                Ok(_) => {
                    UNCOUNTABLE.lock().expect("uncountable lock").remove(&key(&state, id));
                }
                Err(e) => {
                    // The universe's id and the store's error (which names fields, never values).
                    tracing::warn!(universe = id, error = %e, "a saved universe could not be counted");
                    UNCOUNTABLE.lock().expect("uncountable lock").insert(key(&state, id), std::time::Instant::now());
                }
            }
        }
        RECOUNTS.lock().expect("recounts lock").remove(&campaign);
        let _ = tx.send(true);
    });
    rx
}

fn counted_at(us: i64) -> String {
    jiff::Timestamp::from_microsecond(us).map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()).unwrap_or_default()
}

/// The saved universes with their stored counts. Counts that are not current (the campaign's people,
/// phones or do-not-call list changed since, or never counted) are recounted in the background; the
/// page waits a moment for that, and otherwise says they are being counted — with the last figures
/// and when they were taken, never presented as current.
async fn saved_views(state: &AppState, caller: &Caller, shown: &Shown) -> Vec<SavedView> {
    let actor = caller.actor();
    let store = state.store();
    let mut saved = store.universes_with_counts(&actor).await.unwrap_or_default();
    let stale: Vec<i64> = saved
        .iter()
        .filter(|u| !u.counts.is_some_and(|c| c.current) && !uncountable(state, u.universe.id))
        .map(|u| u.universe.id)
        .collect();
    if !stale.is_empty() {
        let mut done = recount(state, caller, stale);
        if tokio::time::timeout(RECOUNT_WAIT, done.wait_for(|d| *d)).await.is_ok() {
            saved = store.universes_with_counts(&actor).await.unwrap_or(saved);
        }
    }
    saved
        .into_iter()
        .map(|u| {
            let (people, households, not_current) = match u.counts {
                Some(c) if c.current => (Some(c.people), Some(c.households), None),
                _ if uncountable(state, u.universe.id) => (None, None, Some("cannot be counted".to_string())),
                Some(c) => (
                    None,
                    None,
                    Some(format!(
                        "being counted again: the campaign's people, phones or do-not-call list changed after the \
                         last count ({} people in {} households)",
                        c.people, c.households
                    )),
                ),
                None => (None, None, Some("being counted".to_string())),
            };
            SavedView {
                rename_to: match &shown.renaming {
                    Some((id, typed)) if *id == u.universe.id => typed.clone(),
                    _ => u.universe.name.clone(),
                },
                confirming_delete: shown.confirm_delete == Some(u.universe.id),
                counted_at: u.counts.map(|c| counted_at(c.counted_at_us)).unwrap_or_default(),
                id: u.universe.id,
                name: u.universe.name,
                people,
                households,
                not_current,
            }
        })
        .collect()
}

async fn page(state: &AppState, caller: &Caller, shown: Shown) -> Response {
    let saved = saved_views(state, caller, &shown).await;
    let status = shown.error.as_ref().or(shown.sample_error.as_ref()).map(ApiError::status);
    let rows = shown.builder.rows.iter().map(|r| RowView { row: r.clone(), shape: shape_of(&r.kind) }).collect();
    let mut response = render(&UniversesPage {
        chrome: Chrome::for_caller(caller, "/universes"),
        saved,
        rows,
        builder: shown.builder,
        text_fields: &TEXT_FIELDS,
        other_kinds: &OTHER_KINDS,
        line_types: &LINE_TYPES,
        counted: shown.counted,
        filter_json: shown.filter_json,
        notice: shown.notice,
        error: shown.error.map(|e| e.to_string()),
        sample_form: shown.sample_form,
        sample: shown.sample,
        sample_error: shown.sample_error.map(|e| e.to_string()),
    });
    if let Some(status) = status {
        *response.status_mut() = status;
    }
    response
}

/// The filter's counts: people, and households (people sharing a household counted once).
async fn count(state: &AppState, caller: &Caller, filter: &Filter) -> Result<(u64, u64), ApiError> {
    Ok(state.store().count_universe_people_and_households(&caller.actor(), filter).await?)
}

fn pretty(filter: &Filter) -> String {
    serde_json::to_string_pretty(filter).unwrap_or_default()
}

/// The builder's rows run: the filter, its JSON and its counts, or the refusal.
async fn run_builder(state: &AppState, caller: &Caller, builder: &Builder) -> (String, Result<(u64, u64), ApiError>) {
    match builder.filter() {
        Ok(filter) => {
            let json = pretty(&filter);
            (json, count(state, caller, &filter).await)
        }
        Err(e) => (String::new(), Err(e)),
    }
}

fn form_pairs(body: &Bytes) -> Result<Vec<(String, String)>, ApiError> {
    serde_urlencoded::from_bytes(body).map_err(|_| ApiError::BadRequest("the form could not be read".into()))
}

/// GET /universes: the saved list and a builder with one empty row (`?saved=1`, `?renamed=1`,
/// `?deleted=1`: after a change).
pub async fn universes(State(state): State<AppState>, caller: Caller, uri: axum::http::Uri) -> Response {
    let mut shown = Shown::builder(Builder::fresh(this_year()));
    shown.notice = match uri.query() {
        Some("saved=1") => Some("Universe saved.".into()),
        Some("renamed=1") => Some("Universe renamed.".into()),
        Some("deleted=1") => Some("Universe deleted.".into()),
        _ => None,
    };
    page(&state, &caller, shown).await
}

/// What the live count answers app.js.
#[derive(Serialize)]
struct LiveCount {
    people: Option<u64>,
    households: Option<u64>,
    filter: String,
    error: Option<String>,
}

/// POST /universes/build: the builder re-rendered after a button — count, add a row, remove row N —
/// with the count (`reshape`, app.js after a row's field changed: the same, a refusal not shown);
/// asked with `Accept: application/json` (app.js), the count alone as JSON.
pub async fn build(State(state): State<AppState>, caller: Caller, headers: HeaderMap, body: Bytes) -> Response {
    let wants_json = headers.get(ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("application/json"));
    let parsed = form_pairs(&body).and_then(|pairs| Builder::from_pairs(&pairs));
    let (mut builder, action) = match parsed {
        Ok(b) => b,
        Err(e) if wants_json => return e.into_response(),
        Err(e) => {
            let mut shown = Shown::builder(Builder::fresh(this_year()));
            shown.error = Some(e);
            return page(&state, &caller, shown).await;
        }
    };
    if wants_json {
        let (filter, counted) = run_builder(&state, &caller, &builder).await;
        let status = counted.as_ref().err().map(ApiError::status).unwrap_or(axum::http::StatusCode::OK);
        let live = match counted {
            Ok((people, households)) => {
                LiveCount { people: Some(people), households: Some(households), filter, error: None }
            }
            Err(e) => LiveCount { people: None, households: None, filter, error: Some(e.to_string()) },
        };
        return (status, Json(live)).into_response();
    }
    if action == "add" {
        if builder.rows.len() >= MAX_ROWS {
            let mut shown = Shown::builder(builder);
            shown.error = Some(ApiError::invalid("rows", format!("at most {MAX_ROWS} conditions")));
            return page(&state, &caller, shown).await;
        }
        builder.rows.push(Row { kind: "party".into(), ..Row::default() });
    } else if let Some(n) = action.strip_prefix("remove.").and_then(|n| n.parse::<usize>().ok()) {
        if n < builder.rows.len() {
            builder.rows.remove(n);
        }
    }
    // A new row is empty: count what the rows before it say, and leave the new one for the user.
    let counted_rows = if action == "add" {
        Builder { rows: builder.rows[..builder.rows.len() - 1].to_vec(), ..builder.clone() }
    } else {
        builder.clone()
    };
    let (filter_json, counted) = run_builder(&state, &caller, &counted_rows).await;
    let mut shown = Shown::builder(builder);
    shown.filter_json = filter_json;
    match counted {
        Ok(c) => shown.counted = Some(c),
        // A row app.js re-rendered for its new field is still empty: not an error yet.
        Err(_) if action == "reshape" => {}
        Err(e) => shown.error = Some(e),
    }
    page(&state, &caller, shown).await
}

/// POST /universes: saves the builder's filter as a named universe (audited by the store), then shows
/// the list with it.
pub async fn save(State(state): State<AppState>, caller: Caller, body: Bytes) -> Response {
    let (builder, _) = match form_pairs(&body).and_then(|pairs| Builder::from_pairs(&pairs)) {
        Ok(b) => b,
        Err(e) => {
            let mut shown = Shown::builder(Builder::fresh(this_year()));
            shown.error = Some(e);
            return page(&state, &caller, shown).await;
        }
    };
    let saved = match builder.filter() {
        Ok(filter) => {
            state.store().save_universe(&caller.actor(), &builder.name, &filter).await.map_err(ApiError::from)
        }
        Err(e) => Err(e),
    };
    match saved {
        // The list shows it with its counts, taken now (the builder counted it just before); a reload
        // does not save it twice.
        Ok(id) => {
            if let Err(e) = state.store().refresh_universe_counts(&caller.actor(), id).await {
                tracing::warn!(universe = id, error = %e, "a saved universe could not be counted");
            }
            Redirect::to("/universes?saved=1").into_response()
        }
        Err(e) => {
            let (filter_json, counted) = run_builder(&state, &caller, &builder).await;
            let mut shown = Shown::builder(builder);
            shown.filter_json = filter_json;
            shown.counted = counted.ok();
            shown.error = Some(e);
            page(&state, &caller, shown).await
        }
    }
}

/// POST /universes/{id}/rename: a new name (`name`) for a saved universe; its id stays, so programs and
/// universes using it keep it. A refused name comes back in its input with the reason.
pub async fn rename(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Path(id): axum::extract::Path<i64>,
    body: Bytes,
) -> Response {
    let pairs = form_pairs(&body).unwrap_or_default();
    let name = pairs.iter().find(|(k, _)| k == "name").map(|(_, v)| v.clone()).unwrap_or_default();
    let renamed = state.store().rename_universe(&caller.actor(), id, &name).await.map_err(ApiError::from);
    let mut refused = Shown::builder(Builder::fresh(this_year()));
    refused.renaming = Some((id, name));
    after_change(&state, &caller, renamed, "/universes?renamed=1", refused).await
}

/// The page after a rename or a delete: the list saying it is done (a redirect, so a reload does not
/// repeat it), no such universe, or the refusal shown on `refused`.
async fn after_change(
    state: &AppState,
    caller: &Caller,
    result: Result<(), ApiError>,
    done: &str,
    mut refused: Shown,
) -> Response {
    match result {
        Ok(()) => Redirect::to(done).into_response(),
        Err(ApiError::NotFound) => {
            super::error_page(axum::http::StatusCode::NOT_FOUND, "There is no such universe.".into())
        }
        Err(e) => {
            refused.error = Some(e);
            page(state, caller, refused).await
        }
    }
}

/// POST /universes/{id}/delete: without `confirm=yes`, the list asks to confirm (a plain form, so
/// no script is needed to keep a stray click from deleting); with it, the universe is deleted — or
/// the page says which programs or universes still use it.
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Path(id): axum::extract::Path<i64>,
    body: Bytes,
) -> Response {
    let pairs = form_pairs(&body).unwrap_or_default();
    let confirmed = pairs.iter().any(|(k, v)| k == "confirm" && v == "yes");
    let actor = caller.actor();
    let deleted = if confirmed {
        state.store().delete_universe(&actor, id).await.map_err(ApiError::from)
    } else {
        // Only a universe of the caller's campaign is offered for confirmation.
        match state.store().list_universes(&actor).await {
            Ok(all) if all.iter().any(|u| u.id == id) => {
                let mut shown = Shown::builder(Builder::fresh(this_year()));
                shown.confirm_delete = Some(id);
                return page(&state, &caller, shown).await;
            }
            Ok(_) => Err(ApiError::NotFound),
            Err(e) => Err(e.into()),
        }
    };
    after_change(&state, &caller, deleted, "/universes?deleted=1", Shown::builder(Builder::fresh(this_year()))).await
}

/// POST /universes/open: a saved universe loaded into the builder (its id in the body).
pub async fn open(State(state): State<AppState>, caller: Caller, body: Bytes) -> Response {
    let pairs = form_pairs(&body).unwrap_or_default();
    let id: Option<i64> = pairs.iter().find(|(k, _)| k == "universe").and_then(|(_, v)| v.trim().parse().ok());
    let found = match id {
        Some(id) => state
            .store()
            .list_universes(&caller.actor())
            .await
            .map_err(ApiError::from)
            .map(|all| all.into_iter().find(|u| u.id == id)),
        None => Err(ApiError::invalid("universe", "choose a saved universe")),
    };
    let universe = match found {
        Ok(Some(u)) => u,
        Ok(None) => return super::error_page(axum::http::StatusCode::NOT_FOUND, "There is no such universe.".into()),
        Err(e) => {
            let mut shown = Shown::builder(Builder::fresh(this_year()));
            shown.error = Some(e);
            return page(&state, &caller, shown).await;
        }
    };
    let json = pretty(&universe.filter);
    let counted = count(&state, &caller, &universe.filter).await;
    let (builder, notice) = match Builder::from_filter(&universe.filter, "", this_year()) {
        Some(b) => (
            b,
            format!("Loaded “{}” into the builder; save it under a new name to keep a changed copy.", universe.name),
        ),
        None => (
            Builder::fresh(this_year()),
            format!("“{}” is written in a shape the builder cannot show; its filter is below as JSON.", universe.name),
        ),
    };
    let mut shown = Shown::builder(builder);
    shown.filter_json = json;
    shown.notice = Some(notice);
    match counted {
        Ok(c) => shown.counted = Some(c),
        Err(e) => shown.error = Some(e),
    }
    page(&state, &caller, shown).await
}

/// POST /universes/sample: a seeded sample, optionally stratified by a field, of a saved universe
/// (`universe`) or — pressed in the builder (`action=sample`) — of the builder's rows as they stand,
/// unsaved; the page shows each stratum's population and draw (the store draws it, as `clearline
/// universe sample`), and a builder's rows stay as given.
pub async fn sample(State(state): State<AppState>, caller: Caller, body: Bytes) -> Response {
    let pairs = form_pairs(&body).unwrap_or_default();
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let form = SampleForm {
        universe: get("universe"),
        size: get("size"),
        seed: get("seed"),
        stratify_by: get("stratify_by"),
        save_as: get("save_as"),
    };
    if get("action") == "sample" {
        return sample_builder(&state, &caller, &pairs, form).await;
    }
    let drawn = draw_saved(&state, &caller, &form).await;
    let mut shown = Shown::builder(Builder::fresh(this_year()));
    shown.sample_form = form;
    match drawn {
        Ok(view) => shown.sample = Some(view),
        Err(e) => shown.sample_error = Some(e),
    }
    page(&state, &caller, shown).await
}

/// A sample of the builder's rows, unsaved: a refused row is the builder's error (named as a count
/// names it), a refused size or seed the sample's.
async fn sample_builder(state: &AppState, caller: &Caller, pairs: &[(String, String)], form: SampleForm) -> Response {
    let builder = match Builder::from_pairs(pairs) {
        Ok((builder, _)) => builder,
        Err(e) => {
            let mut shown = Shown::builder(Builder::fresh(this_year()));
            shown.error = Some(e);
            return page(state, caller, shown).await;
        }
    };
    let (filter_json, counted) = run_builder(state, caller, &builder).await;
    let filter = builder.filter();
    let mut shown = Shown::builder(builder);
    shown.filter_json = filter_json;
    match (filter, counted) {
        (Ok(filter), Ok(c)) => {
            shown.counted = Some(c);
            let drawn = match draw(state, caller, &form, &filter, None).await {
                Ok(mut view) => save_sample(state, caller, &form, filter).await.map(|saved| {
                    view.saved_as = saved;
                    view
                }),
                Err(e) => Err(e),
            };
            match drawn {
                Ok(view) => shown.sample = Some(view),
                Err(e) => shown.sample_error = Some(e),
            }
        }
        (Err(e), _) | (_, Err(e)) => shown.error = Some(e),
    }
    shown.sample_form = form;
    page(state, caller, shown).await
}

async fn draw_saved(state: &AppState, caller: &Caller, form: &SampleForm) -> Result<SampleView, ApiError> {
    let id: i64 = form.universe.trim().parse().map_err(|_| ApiError::invalid("universe", "choose a saved universe"))?;
    // The form's own inputs first: a bad size is named whichever universe was chosen.
    form.parsed()?;
    let universe = state
        .store()
        .list_universes(&caller.actor())
        .await?
        .into_iter()
        .find(|u| u.id == id)
        .ok_or_else(|| ApiError::invalid("universe", "no saved universe of this campaign has this id"))?;
    // Saved, the sample refers to the universe (so the universe cannot be deleted from under it, and a
    // rename follows); drawn, it is of the universe's filter as it stands.
    let of = Filter::InUniverse { universe_id: universe.id };
    let mut view = draw(state, caller, form, &universe.filter, Some(universe.name)).await?;
    view.saved_as = save_sample(state, caller, form, of).await?;
    Ok(view)
}

/// Saves the form's sample of `of` as a universe when the form names one (a program can then call
/// exactly that sample: its call list freezes the people drawn), as `clearline universe sample
/// --save-as` does.
async fn save_sample(
    state: &AppState,
    caller: &Caller,
    form: &SampleForm,
    of: Filter,
) -> Result<Option<String>, ApiError> {
    let name = form.save_as.trim();
    if name.is_empty() {
        return Ok(None);
    }
    let (size, seed, stratify_by) = form.parsed()?;
    let sample = Filter::Sample { of: Box::new(of), size, seed, stratify_by };
    state.store().save_universe(&caller.actor(), name, &sample).await.map_err(|e| match ApiError::from(e) {
        // The name is the form's `save_as`, whatever the store calls it.
        ApiError::Invalid { reason, .. } => ApiError::invalid("save_as", reason),
        ApiError::Conflict(_) => ApiError::invalid("save_as", "a universe of this name already exists"),
        other => other,
    })?;
    Ok(Some(name.to_string()))
}

/// Draws the form's sample of `filter`; `universe` names the saved universe it is (`None`: the
/// builder's rows, unsaved).
async fn draw(
    state: &AppState,
    caller: &Caller,
    form: &SampleForm,
    filter: &Filter,
    universe: Option<String>,
) -> Result<SampleView, ApiError> {
    let (size, seed, stratify_by) = form.parsed()?;
    let sample = state.store().sample_universe(&caller.actor(), filter, size, seed, stratify_by).await?;
    Ok(SampleView {
        universe,
        seed,
        population: sample.population,
        drawn: sample.drawn,
        strata: sample.strata,
        not_listed: sample.person_keys.len().saturating_sub(SHOWN_KEYS) as u64,
        person_keys: sample.person_keys.into_iter().take(SHOWN_KEYS).collect(),
        saved_as: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn rows_make_the_filter_the_json_format_documents() {
        let (builder, action) = Builder::from_pairs(&pairs(&[
            ("combine", "all"),
            ("on_year", "2026"),
            ("row.0.kind", "party"),
            ("row.0.values", "DEM, UNA,"),
            ("row.1.kind", "age"),
            ("row.1.min", "18"),
            ("row.1.max", "35"),
            ("row.2.kind", "on_do_not_call"),
            ("row.2.not", "on"),
            ("row.3.kind", "has_phone"),
            ("row.3.line_type", "wireless"),
            ("row.3.line_type", "landline"),
            ("action", "count"),
        ]))
        .unwrap();
        assert_eq!(action, "count");
        let expected: Filter = serde_json::from_str(
            r#"{"op":"all","filters":[{"op":"in","field":"party","values":["DEM","UNA"]},
                {"op":"age","min":18,"max":35,"on_year":2026},{"op":"not","filter":{"op":"on_do_not_call"}},
                {"op":"has_phone","line_types":["wireless","landline"]}]}"#,
        )
        .unwrap();
        assert_eq!(builder.filter().unwrap(), expected);
        // And back: a saved filter of this shape opens as the same rows.
        let reopened = Builder::from_filter(&expected, "", 2000).unwrap();
        assert_eq!(reopened.filter().unwrap(), expected);
        assert_eq!(reopened.on_year, "2026");
    }

    #[test]
    fn a_refused_row_names_its_row_and_input_but_not_the_value() {
        let refused = |items: &[(&str, &str)]| {
            let mut all = vec![("on_year", "2026")];
            all.extend_from_slice(items);
            Builder::from_pairs(&pairs(&all)).unwrap().0.filter().unwrap_err().to_string()
        };
        let e = refused(&[("row.0.kind", "age"), ("row.0.min", "abc")]);
        assert_eq!(e, "row 1 (Age) min: not a whole number");
        let e = refused(&[("row.0.kind", "party"), ("row.0.values", "DEM"), ("row.1.kind", "last_name")]);
        assert!(e.starts_with("row 2 field: not a targetable field"), "{e}");
        let e = refused(&[("row.0.kind", "county"), ("row.0.values", " , ")]);
        assert!(e.starts_with("row 1 (County) values:"), "{e}");
        let e = refused(&[("row.0.kind", "age"), ("row.0.min", "40"), ("row.0.max", "30")]);
        assert_eq!(e, "row 1 (Age): min is above max");
        let e = refused(&[("row.0.kind", "has_phone"), ("row.0.line_type", "pager")]);
        assert!(e.starts_with("row 1 (Has a phone): line types are"), "{e}");
        let e = refused(&[("row.0.kind", "voted_in"), ("row.0.values", "100%")]);
        assert!(e.starts_with("row 1 (Voted in election):") && !e.contains("100%"), "{e}");
        let e = Builder::from_pairs(&pairs(&[("on_year", "soon")])).unwrap().0.filter().unwrap_err().to_string();
        assert_eq!(e, "on_year: a year such as 2026");
    }

    #[test]
    fn a_deeper_filter_is_not_forced_into_rows() {
        let deep: Filter =
            serde_json::from_str(r#"{"op":"any","filters":[{"op":"all","filters":[{"op":"on_do_not_call"}]}]}"#)
                .unwrap();
        assert!(Builder::from_filter(&deep, "", 2026).is_none());
        let not_deep: Filter = serde_json::from_str(r#"{"op":"not","filter":{"op":"any","filters":[]}}"#).unwrap();
        assert!(Builder::from_filter(&not_deep, "", 2026).is_none(), "a not over a group is not a row");
        // One condition alone opens as one row.
        let alone: Filter = serde_json::from_str(r#"{"op":"in","field":"party","values":["DEM","UNA"]}"#).unwrap();
        let opened = Builder::from_filter(&alone, "", 2026).unwrap();
        assert_eq!((opened.rows.len(), opened.rows[0].values.as_str()), (1, "DEM, UNA"));
        let two_years: Filter = serde_json::from_str(
            r#"{"op":"all","filters":[{"op":"age","min":18,"on_year":2026},{"op":"age","max":80,"on_year":2024}]}"#,
        )
        .unwrap();
        assert!(Builder::from_filter(&two_years, "", 2026).is_none());
    }
}
