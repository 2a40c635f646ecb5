//! The column-mapping editor (`/voters/mappings`): a campaign's saved mappings for delimited files that
//! have no preset layout, and a form that builds one from the file's header — one row per source
//! column, each given one of the fields the mapping format fills or kept as an extra column.
//!
//! Only the header is ever kept. A sample upload is read up to its first record and the rest is read
//! and dropped unkept; a file without a header gives only its column count (its first record is a
//! person). Column names travel in the editor's hidden inputs, so nothing is stored until it is saved,
//! and saving goes through the same parser and checks as `clearline import mapping`.

use super::{render, Chrome};
use crate::error::ApiError;
use crate::routes::Caller;
use crate::state::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use clearline_voterfile::{ColumnMapping, ColumnRef, ColumnSpec, MappedColumns, TextEncoding};
use std::collections::BTreeMap;

/// What an editor offers for a column, grouped as the select shows it: every field of the mapping
/// format ([`MappedColumns::FIELD_NAMES`], in its order; a test checks they match).
const FIELD_GROUPS: [(&str, &[(&str, &str)]); 6] = [
    ("Person key", &[("voter_id", "Person key (state voter ID)")]),
    (
        "Name",
        &[
            ("first_name", "First name"),
            ("middle_name", "Middle name"),
            ("last_name", "Last name"),
            ("name_suffix", "Name suffix"),
        ],
    ),
    (
        "Residential address",
        &[
            ("res_address", "Street address (several columns are joined)"),
            ("res_city", "City"),
            ("res_state", "State"),
            ("res_zip", "ZIP code"),
            ("county", "County"),
        ],
    ),
    (
        "Person",
        &[
            ("birth_year", "Birth year"),
            ("birth_date", "Date of birth"),
            ("gender", "Gender"),
            ("race", "Race"),
            ("party", "Party"),
            ("voter_status", "Voter status"),
            ("registration_date", "Registration date"),
            ("precinct", "Precinct"),
            ("congressional_district", "Congressional district"),
            ("state_house_district", "State house district"),
            ("state_senate_district", "State senate district"),
        ],
    ),
    (
        "Phones and email",
        &[
            ("home_phone", "Home phone"),
            ("home_phone_line_type", "Home phone: line type"),
            ("cell_phone", "Cell phone"),
            ("cell_phone_line_type", "Cell phone: line type"),
            ("work_phone", "Work phone"),
            ("work_phone_line_type", "Work phone: line type"),
            ("other_phone", "Other phone"),
            ("other_phone_line_type", "Other phone: line type"),
            ("email", "Email"),
        ],
    ),
    ("Vote history", &[("vote_history", "Vote history (each column one election)")]),
];

/// The delimiters the form offers (value, label); a saved mapping's other delimiter is offered too.
const DELIMITERS: [(&str, &str); 4] =
    [(",", "comma ( , )"), (";", "semicolon ( ; )"), ("tab", "tab"), ("|", "pipe ( | )")];

/// A file of more columns than this is not a voter file the editor can show.
const MAX_COLUMNS: usize = 500;

/// How much of a sample upload is kept to find its first record (the rest is read and dropped).
const SAMPLE_PREFIX_BYTES: usize = 256 * 1024;

/// How the file is read, as the form gives it (kept as text, so a refused value comes back as typed).
#[derive(Clone, Debug, PartialEq)]
pub struct FileShape {
    pub name: String,
    /// One character, or `tab`.
    pub delimiter: String,
    pub quoted: bool,
    pub header: bool,
    /// Empty: detect.
    pub encoding: String,
}

impl Default for FileShape {
    fn default() -> Self {
        FileShape { name: String::new(), delimiter: ",".into(), quoted: true, header: true, encoding: String::new() }
    }
}

impl FileShape {
    fn delimiter_char(&self) -> Result<char, ApiError> {
        let mut chars = self.delimiter.chars();
        match (self.delimiter.as_str(), chars.next(), chars.next()) {
            ("tab", _, _) => Ok('\t'),
            (_, Some(c), None) => Ok(c),
            _ => Err(ApiError::invalid("delimiter", "one character, or tab")),
        }
    }

    fn encoding(&self) -> Result<Option<TextEncoding>, ApiError> {
        match self.encoding.trim() {
            "" => Ok(None),
            given => given
                .parse()
                .map(Some)
                .map_err(|_| ApiError::invalid("encoding", "utf-8, latin-1, windows-1252, or empty to detect")),
        }
    }

    fn is_delimiter(&self, value: &&str) -> bool {
        self.delimiter == *value
    }

    /// A delimiter none of [`DELIMITERS`] is (a mapping saved from the CLI), offered as it is.
    fn other_delimiter(&self) -> Option<&str> {
        (!DELIMITERS.iter().any(|(d, _)| *d == self.delimiter)).then_some(self.delimiter.as_str())
    }

    fn is_encoding(&self, value: &str) -> bool {
        self.encoding == value
    }
}

/// One source column of the editor.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Column {
    /// Its header name (empty for a file without a header).
    pub source: String,
    /// Its 1-based position in the file, when known (0: a saved mapping named it by header only).
    pub position: u32,
    /// The field it fills; empty: kept as an extra column.
    pub field: String,
}

impl Column {
    fn title(&self) -> String {
        match (self.source.is_empty(), self.position) {
            (false, _) => self.source.clone(),
            (true, 0) => "(unnamed column)".into(),
            (true, n) => format!("column {n}"),
        }
    }

    fn is_field(&self, field: &&str) -> bool {
        self.field == *field
    }
}

/// The editor's state: the file's shape and its columns.
#[derive(Clone, Debug, PartialEq)]
pub struct Editor {
    pub shape: FileShape,
    pub columns: Vec<Column>,
}

impl Editor {
    /// Reads the editor from a form body: `name`, `delimiter`, `quoted`, `header`, `encoding`, and per
    /// column `col.N.source`, `col.N.position`, `col.N.field`.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<Editor, ApiError> {
        let mut shape = FileShape { quoted: false, header: false, ..FileShape::default() };
        let mut columns: BTreeMap<usize, Column> = BTreeMap::new();
        for (key, value) in pairs {
            match key.as_str() {
                "name" => shape.name = value.trim().to_string(),
                "delimiter" => shape.delimiter = value.clone(),
                "quoted" => shape.quoted = !value.is_empty(),
                "header" => shape.header = !value.is_empty(),
                "encoding" => shape.encoding = value.clone(),
                _ => {
                    let Some((index, part)) = key.strip_prefix("col.").and_then(|rest| rest.split_once('.')) else {
                        continue;
                    };
                    let Ok(index) = index.parse::<usize>() else { continue };
                    if index >= MAX_COLUMNS {
                        return Err(ApiError::invalid("columns", format!("at most {MAX_COLUMNS} columns")));
                    }
                    let column = columns.entry(index).or_default();
                    match part {
                        "source" => column.source = value.trim().to_string(),
                        "position" => column.position = value.trim().parse().unwrap_or(0),
                        "field" => column.field = value.clone(),
                        _ => {}
                    }
                }
            }
        }
        Ok(Editor { shape, columns: columns.into_values().collect() })
    }

    /// The mapping the rows say, checked as `clearline import mapping` checks a file; a refusal names
    /// the input (the column, by its header name or position) or the mapping's field.
    pub fn mapping(&self) -> Result<ColumnMapping, ApiError> {
        let delimiter = self.shape.delimiter_char()?;
        let encoding = self.shape.encoding()?;
        // The reader looks header names up case-insensitively: a name given twice is found by position.
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for c in &self.columns {
            *seen.entry(c.source.to_ascii_lowercase()).or_default() += 1;
        }
        let mut by_field: Vec<(&'static str, Vec<ColumnRef>)> = Vec::new();
        for (i, column) in self.columns.iter().enumerate() {
            if column.field.is_empty() {
                continue;
            }
            let input = format!("column {} ({})", i + 1, column.title());
            let field = MappedColumns::FIELD_NAMES
                .iter()
                .find(|f| **f == column.field)
                .ok_or_else(|| ApiError::invalid(input.clone(), "not a field a mapping can fill"))?;
            let unique_name = !column.source.is_empty() && seen[&column.source.to_ascii_lowercase()] == 1;
            let reference = match (self.shape.header && unique_name, column.position) {
                (true, _) => ColumnRef::Name(column.source.clone()),
                (false, n) if n > 0 => ColumnRef::Position(n),
                _ => return Err(ApiError::invalid(input, "a column without a unique header name needs its position")),
            };
            match by_field.iter_mut().find(|(f, _)| f == field) {
                Some((_, refs)) => refs.push(reference),
                None => by_field.push((field, vec![reference])),
            }
        }
        let mut columns = MappedColumns::default();
        for (field, mut refs) in by_field {
            let spec = if refs.len() == 1 { ColumnSpec::One(refs.remove(0)) } else { ColumnSpec::Many(refs) };
            columns.set(field, spec);
        }
        let mapping = ColumnMapping {
            delimiter,
            quoted: self.shape.quoted,
            header: self.shape.header,
            encoding,
            columns: Box::new(columns),
        };
        // Through the text the CLI would be given: what is saved is exactly what it accepts.
        ColumnMapping::parse_checked(&mapping.to_json()).map_err(|reason| ApiError::invalid("mapping", reason))
    }

    /// The editor for a saved mapping: its shape, and one row per column it names (a file without a
    /// header: every position up to the last it names; the others kept as extra columns).
    pub fn from_mapping(name: &str, mapping: &ColumnMapping) -> Editor {
        let shape = FileShape {
            name: name.to_string(),
            delimiter: if mapping.delimiter == '\t' { "tab".into() } else { mapping.delimiter.to_string() },
            quoted: mapping.quoted,
            header: mapping.header,
            encoding: mapping.encoding.map(|e| e.name().to_string()).unwrap_or_default(),
        };
        let mut columns: Vec<Column> = Vec::new();
        for (field, refs) in mapping.mapped() {
            for reference in refs {
                match reference {
                    ColumnRef::Name(source) => {
                        columns.push(Column { source: source.clone(), position: 0, field: field.to_string() })
                    }
                    ColumnRef::Position(n) => {
                        columns.push(Column { source: String::new(), position: *n, field: field.to_string() })
                    }
                }
            }
        }
        if !mapping.header {
            let last = columns.iter().map(|c| c.position).max().unwrap_or(0);
            let mut by_position: Vec<Column> =
                (1..=last).map(|n| Column { source: String::new(), position: n, field: String::new() }).collect();
            for c in columns {
                if let Some(slot) = c.position.checked_sub(1).and_then(|i| by_position.get_mut(i as usize)) {
                    *slot = c;
                }
            }
            columns = by_position;
        }
        Editor { shape, columns }
    }

    /// The editor for a file's first record: with a header, its names (a field whose name or label
    /// a column's header matches is chosen for it); without, only the count of columns.
    fn from_first_record(shape: FileShape, fields: Vec<String>) -> Editor {
        let columns = fields
            .into_iter()
            .enumerate()
            .map(|(i, value)| {
                let position = i as u32 + 1;
                if !shape.header {
                    // A person's values: not kept, not shown.
                    return Column { source: String::new(), position, field: String::new() };
                }
                let field = guess_field(&value).unwrap_or_default().to_string();
                Column { source: value, position, field }
            })
            .collect();
        Editor { shape, columns }
    }
}

/// The field a header name plainly means: the field's own name or its label, ignoring case, spaces
/// and punctuation (`Voter ID`, `first_name`, `ZIP code`).
fn guess_field(header: &str) -> Option<&'static str> {
    let plain = |s: &str| s.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase();
    let wanted = plain(header);
    if wanted.is_empty() {
        return None;
    }
    FIELD_GROUPS
        .iter()
        .flat_map(|(_, fields)| fields.iter())
        .find(|(field, label)| plain(field) == wanted || plain(label) == wanted)
        .map(|(field, _)| *field)
        .or(if wanted == "voterid" { Some("voter_id") } else { None })
}

struct MappingRow {
    name: String,
    created: String,
}

#[derive(Template)]
#[template(path = "mappings.html")]
struct MappingsPage {
    chrome: Chrome,
    mappings: Vec<MappingRow>,
    shape: FileShape,
    editor: Option<Editor>,
    field_groups: &'static [(&'static str, &'static [(&'static str, &'static str)])],
    delimiters: &'static [(&'static str, &'static str)],
    notice: Option<String>,
    error: Option<String>,
}

async fn page(
    state: &AppState,
    caller: &Caller,
    shape: FileShape,
    editor: Option<Editor>,
    notice: Option<String>,
    error: Option<ApiError>,
) -> Response {
    let mappings = state
        .store()
        .column_mappings(&caller.actor())
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|m| MappingRow {
            name: m.name,
            created: jiff::Timestamp::from_microsecond(m.created_at_us)
                .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_default(),
        })
        .collect();
    let status = error.as_ref().map(ApiError::status);
    let mut response = render(&MappingsPage {
        chrome: Chrome::for_caller(caller, "/voters"),
        mappings,
        shape,
        editor,
        field_groups: &FIELD_GROUPS,
        delimiters: &DELIMITERS,
        notice,
        error: error.map(|e| e.to_string()),
    });
    if let Some(status) = status {
        *response.status_mut() = status;
    }
    response
}

/// GET /voters/mappings: the saved mappings and the form that starts one from a file's header.
pub async fn mappings(State(state): State<AppState>, caller: Caller, uri: axum::http::Uri) -> Response {
    let notice = (uri.query() == Some("saved=1"))
        .then(|| "Mapping saved: the Voters page's import form lists it as a layout.".to_string());
    page(&state, &caller, FileShape::default(), None, notice, None).await
}

/// GET /voters/mappings/{name}: a saved mapping in the editor.
pub async fn edit(State(state): State<AppState>, caller: Caller, Path(name): Path<String>) -> Response {
    let text = match state.store().column_mapping(&caller.actor(), &name).await {
        Ok(text) => text,
        Err(clearline_store::StoreError::NotFound) => {
            return super::error_page(axum::http::StatusCode::NOT_FOUND, "There is no such mapping.".into())
        }
        Err(e) => return super::error_page(ApiError::from(e).status(), "The mapping could not be read.".into()),
    };
    match ColumnMapping::from_json(&text) {
        Ok(mapping) => {
            let editor = Editor::from_mapping(&name, &mapping);
            page(&state, &caller, editor.shape.clone(), Some(editor), None, None).await
        }
        // Saved before mappings were checked, and no longer read: start it again from its file.
        Err(e) => {
            let shape = FileShape { name, ..FileShape::default() };
            let error = ApiError::invalid("mapping", format!("the saved mapping no longer reads: {e}"));
            page(&state, &caller, shape, None, None, Some(error)).await
        }
    }
}

/// POST /voters/mappings/columns (multipart): the editor for a file's columns, from an uploaded sample
/// (`sample`) or a pasted header line (`header_line`), read with `delimiter`, `quoted`, `header` and
/// `encoding`; `name` is carried to the editor.
pub async fn columns(State(state): State<AppState>, caller: Caller, form: Multipart) -> Response {
    let mut shape = FileShape { quoted: false, header: false, ..FileShape::default() };
    match read_columns(form, &mut shape).await {
        Ok(fields) => {
            let editor = Editor::from_first_record(shape.clone(), fields);
            page(&state, &caller, shape, Some(editor), None, None).await
        }
        Err(e) => page(&state, &caller, shape, None, None, Some(e)).await,
    }
}

async fn read_columns(mut form: Multipart, shape: &mut FileShape) -> Result<Vec<String>, ApiError> {
    let bad = |e: axum::extract::multipart::MultipartError| ApiError::BadRequest(e.body_text());
    let mut sample: Vec<u8> = Vec::new();
    let mut header_line = String::new();
    while let Some(mut field) = form.next_field().await.map_err(bad)? {
        match field.name().unwrap_or("") {
            "sample" => {
                // The first bytes are enough for the first record; the rest is read and dropped unkept.
                while let Some(chunk) = field.chunk().await.map_err(bad)? {
                    let room = SAMPLE_PREFIX_BYTES.saturating_sub(sample.len());
                    sample.extend_from_slice(&chunk[..chunk.len().min(room)]);
                }
            }
            "header_line" => header_line = field.text().await.map_err(bad)?,
            "name" => shape.name = field.text().await.map_err(bad)?.trim().to_string(),
            "delimiter" => shape.delimiter = field.text().await.map_err(bad)?,
            "quoted" => shape.quoted = !field.text().await.map_err(bad)?.is_empty(),
            "header" => shape.header = !field.text().await.map_err(bad)?.is_empty(),
            "encoding" => shape.encoding = field.text().await.map_err(bad)?,
            _ => return Err(ApiError::invalid("form", "unexpected field")),
        }
    }
    let delimiter = shape.delimiter_char()?;
    let encoding = shape.encoding()?;
    let (input, which) = if !sample.is_empty() {
        (sample, "sample")
    } else if !header_line.trim().is_empty() {
        // Pasted text is UTF-8 whatever the file's encoding.
        (header_line.into_bytes(), "header_line")
    } else {
        return Err(ApiError::invalid("sample", "choose a sample of the file, or paste its header line"));
    };
    let read_as = if which == "header_line" { Some(TextEncoding::Utf8) } else { encoding };
    let (_, fields) = clearline_voterfile::first_record(delimiter, shape.quoted, read_as, input.as_slice())
        .map_err(|e| ApiError::invalid(which, e.to_string()))?;
    if fields.len() > MAX_COLUMNS {
        return Err(ApiError::invalid(which, format!("more than {MAX_COLUMNS} columns: is the delimiter right?")));
    }
    Ok(fields)
}

/// POST /voters/mappings: saves the editor's mapping under its name (audited by the store), or shows
/// the editor again, as given, with the refusal.
pub async fn save(State(state): State<AppState>, caller: Caller, body: Bytes) -> Response {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let editor = match Editor::from_pairs(&pairs) {
        Ok(editor) => editor,
        Err(e) => return page(&state, &caller, FileShape::default(), None, None, Some(e)).await,
    };
    let saved = match editor.mapping() {
        Ok(mapping) => state
            .store()
            .save_column_mapping(&caller.actor(), &editor.shape.name, &mapping.to_json())
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match saved {
        Ok(()) => Redirect::to("/voters/mappings?saved=1").into_response(),
        Err(e) => page(&state, &caller, editor.shape.clone(), Some(editor), None, Some(e)).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_editor_offers_exactly_the_fields_of_the_mapping_format() {
        let offered: Vec<&str> = FIELD_GROUPS.iter().flat_map(|(_, fields)| fields.iter().map(|(f, _)| *f)).collect();
        assert_eq!(offered, MappedColumns::FIELD_NAMES);
    }

    #[test]
    fn rows_make_the_mapping_and_a_saved_mapping_opens_as_the_same_rows() {
        let editor = Editor::from_pairs(&pairs(&[
            ("name", "vendor-x"),
            ("delimiter", ";"),
            ("quoted", "on"),
            ("header", "on"),
            ("col.0.source", "ID"),
            ("col.0.position", "1"),
            ("col.0.field", "voter_id"),
            ("col.1.source", "Num"),
            ("col.1.position", "2"),
            ("col.1.field", "res_address"),
            ("col.2.source", "Rue"),
            ("col.2.position", "3"),
            ("col.2.field", "res_address"),
            ("col.3.source", "Notes"),
            ("col.3.position", "4"),
            ("col.3.field", ""),
            ("col.4.source", "Mobile"),
            ("col.4.position", "5"),
            ("col.4.field", "cell_phone"),
        ]))
        .unwrap();
        let mapping = editor.mapping().unwrap();
        let expected = ColumnMapping::from_json(
            r#"{"delimiter":";","quoted":true,"header":true,"columns":{"voter_id":"ID",
                "res_address":["Num","Rue"],"cell_phone":"Mobile"}}"#,
        )
        .unwrap();
        assert_eq!(mapping, expected);
        let reopened = Editor::from_mapping("vendor-x", &mapping);
        assert_eq!(reopened.mapping().unwrap(), mapping);
        assert_eq!(reopened.shape.name, "vendor-x");
    }

    #[test]
    fn a_refusal_names_the_column_or_the_field_of_the_mapping() {
        let refused = |items: &[(&str, &str)]| {
            let mut all = vec![("delimiter", ","), ("header", "on")];
            all.extend_from_slice(items);
            Editor::from_pairs(&pairs(&all)).unwrap().mapping().unwrap_err().to_string()
        };
        let e = refused(&[("col.0.source", "First"), ("col.0.position", "1"), ("col.0.field", "first_name")]);
        assert!(e.starts_with("mapping:") && e.contains("`voter_id`"), "{e}");
        let e = refused(&[("col.0.source", "ID"), ("col.0.position", "1"), ("col.0.field", "frist_name")]);
        assert_eq!(e, "column 1 (ID): not a field a mapping can fill");
        let e = refused(&[
            ("col.0.source", "ID"),
            ("col.0.position", "1"),
            ("col.0.field", "voter_id"),
            ("col.1.source", "Kind"),
            ("col.1.position", "2"),
            ("col.1.field", "cell_phone_line_type"),
        ]);
        assert!(e.contains("`cell_phone_line_type`") && e.contains("phone column"), "{e}");
        let e = refused(&[("delimiter", "::")]);
        assert_eq!(e, "delimiter: one character, or tab");
    }

    #[test]
    fn a_file_without_a_header_keeps_only_its_column_count() {
        let shape = FileShape { header: false, ..FileShape::default() };
        let editor = Editor::from_first_record(shape, vec!["A123".into(), "Jane".into(), "Doe".into()]);
        assert_eq!(editor.columns.len(), 3);
        assert!(editor.columns.iter().all(|c| c.source.is_empty()), "no value kept: {:?}", editor.columns);
        assert_eq!(editor.columns[2].title(), "column 3");
        // Headers that plainly name a field are chosen for it.
        let shape = FileShape::default();
        let editor = Editor::from_first_record(shape, vec!["Voter ID".into(), "First Name".into(), "Notes".into()]);
        let fields: Vec<&str> = editor.columns.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["voter_id", "first_name", ""]);
    }
}
