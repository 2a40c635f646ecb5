//! Streaming reader: one record at a time, in constant memory.

use crate::encoding::{decode_append, TextEncoding};
use crate::layout::{
    is_ohio_election, preset_columns, preset_required, preset_targets, Target, FIELD_COUNT, FL_COLUMNS,
};
use crate::mapping::{ColumnMapping, ColumnRef};
use crate::{CanonicalFields, Layout, PhoneKind, SourcePhone, SourceRow, StructuralError, VoteRecord};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Chain, Cursor, Read};

/// The longest record the reader accepts (a longer one is a structural error: a binary file, or an
/// unterminated quote swallowing the rest of the file).
pub const MAX_RECORD_BYTES: usize = 1 << 20;

/// How much of a mapped file without a declared encoding is looked at to detect it.
const DETECT_BYTES: usize = 1 << 20;

/// Reads a voter file in `layout`.
///
/// The encoding is `encoding` if given, else the layout's (NC and FL Latin-1, WA windows-1252, OH and
/// generic UTF-8, a mapping's own), else (a mapping that names none) detected: valid UTF-8 in the first
/// 1 MiB is UTF-8, anything else windows-1252. The header, when the layout has one, is read and checked
/// here; each following record is read by the iterator. The first structural error ends the iteration.
pub fn open_reader<R: Read>(
    layout: &Layout,
    encoding: Option<TextEncoding>,
    input: R,
) -> Result<VoterReader<R>, StructuralError> {
    let mut input = input;
    let (delim, quoted, header) = match layout {
        Layout::Nc => (b'\t', false, true),
        Layout::Oh => (b',', true, true),
        Layout::Fl => (b'\t', false, false),
        Layout::Wa => (b'|', false, true),
        Layout::Generic => (b',', true, true),
        Layout::Mapping(m) => {
            m.validate().map_err(|reason| StructuralError::new(0, format!("mapping: {reason}")))?;
            (m.delimiter as u8, m.quoted, m.header)
        }
    };
    let mut prefix = Vec::new();
    let mut detected = false;
    let enc = match encoding.or_else(|| layout.default_encoding()) {
        Some(e) => e,
        None => {
            detected = true;
            (&mut input)
                .take(DETECT_BYTES as u64)
                .read_to_end(&mut prefix)
                .map_err(|e| StructuralError::new(1, format!("read error: {e}")))?;
            match std::str::from_utf8(&prefix) {
                Ok(_) => TextEncoding::Utf8,
                // Cut in the middle of a character at the end of the sample: still UTF-8.
                Err(e) if e.error_len().is_none() => TextEncoding::Utf8,
                Err(_) => TextEncoding::Windows1252,
            }
        }
    };
    let mut reader = VoterReader {
        input: BufReader::with_capacity(1 << 16, Cursor::new(prefix).chain(input)),
        layout_name: layout.name(),
        enc,
        detected,
        delim,
        quoted,
        plan: None,
        pending_mapping: None,
        line: 0,
        raw: Vec::with_capacity(1024),
        text: String::with_capacity(1024),
        unquoted: String::with_capacity(1024),
        ranges: Vec::with_capacity(80),
        done: false,
        skip_named_first_line: *layout == Layout::Fl,
    };
    if header {
        let Some(line) = reader.read_record()? else {
            return Err(StructuralError::new(
                1,
                format!("the file is empty: the {} layout needs a header line", layout.name()),
            ));
        };
        let names: Vec<String> = (0..reader.ranges.len()).map(|i| reader.field(i).trim().to_string()).collect();
        let plan = match layout {
            Layout::Mapping(m) => plan_for_mapping(m, &names, true),
            preset => plan_for_preset(preset, &names),
        };
        reader.plan = Some(plan.map_err(|reason| StructuralError::new(line, reason))?);
    } else {
        match layout {
            Layout::Mapping(m) => reader.pending_mapping = Some(m.clone()),
            preset => {
                let names: Vec<String> = FL_COLUMNS.iter().map(|s| s.to_string()).collect();
                reader.plan = Some(plan_for_preset(preset, &names).map_err(|r| StructuralError::new(0, r))?);
            }
        }
    }
    Ok(reader)
}

/// The first record of a delimited file, decoded and split exactly as an import with a mapping of this
/// delimiter, quoting and encoding would read it (each field trimmed), and the encoding it was read in.
/// A mapping editor takes a header's column names from it; of a file without a header, only the
/// column count is worth keeping (the first record is a person).
pub fn first_record<R: Read>(
    delimiter: char,
    quoted: bool,
    encoding: Option<TextEncoding>,
    input: R,
) -> Result<(TextEncoding, Vec<String>), StructuralError> {
    // A mapping that reads no header: the reader then leaves the first record for us to take.
    let columns =
        crate::MappedColumns { voter_id: Some(crate::ColumnSpec::One(ColumnRef::Position(1))), ..Default::default() };
    let probe =
        Layout::Mapping(ColumnMapping { delimiter, quoted, header: false, encoding, columns: Box::new(columns) });
    let mut reader = open_reader(&probe, encoding, input)?;
    if reader.read_record()?.is_none() {
        return Err(StructuralError::new(1, "the file is empty"));
    }
    let fields = (0..reader.ranges.len()).map(|i| reader.field(i).trim().to_string()).collect();
    Ok((reader.enc, fields))
}

/// Iterator over the records of a voter file; see [`open_reader`].
pub struct VoterReader<R> {
    input: BufReader<Chain<Cursor<Vec<u8>>, R>>,
    layout_name: &'static str,
    enc: TextEncoding,
    detected: bool,
    delim: u8,
    quoted: bool,
    plan: Option<Plan>,
    /// A mapping without a header: the plan is made on the first record, which gives the column count.
    pending_mapping: Option<ColumnMapping>,
    /// Physical lines consumed so far.
    line: u64,
    raw: Vec<u8>,
    /// The current record, decoded (unquoted layouts: the fields are ranges of it).
    text: String,
    /// Quoted layouts: the fields' contents without their quotes.
    unquoted: String,
    ranges: Vec<(usize, usize)>,
    done: bool,
    /// Florida: the first record may be a header some exports add.
    skip_named_first_line: bool,
}

impl<R: Read> VoterReader<R> {
    /// The encoding the file is read in (declared, the layout's, or detected).
    pub fn encoding(&self) -> TextEncoding {
        self.enc
    }

    /// The number of physical lines read so far.
    pub fn lines_read(&self) -> u64 {
        self.line
    }

    /// The names of the columns that go to [`CanonicalFields::extra`], in column order: the same for
    /// every record of a file. Known once the first record is read (a mapping without a header plans
    /// its columns on it); empty before.
    pub fn extra_columns(&self) -> Vec<String> {
        self.plan.as_ref().map(|p| p.extras.iter().map(|(_, name)| name.clone()).collect()).unwrap_or_default()
    }

    fn field(&self, i: usize) -> &str {
        let (a, b) = self.ranges[i];
        if self.quoted {
            &self.unquoted[a..b]
        } else {
            &self.text[a..b]
        }
    }

    /// Reads one physical line into `raw`, without its line ending. `false` at the end of the file.
    fn read_physical_line(&mut self) -> Result<bool, StructuralError> {
        self.raw.clear();
        let n = (&mut self.input)
            .take(MAX_RECORD_BYTES as u64 + 1)
            .read_until(b'\n', &mut self.raw)
            .map_err(|e| StructuralError::new(self.line + 1, format!("read error: {e}")))?;
        if n == 0 {
            return Ok(false);
        }
        self.line += 1;
        if self.raw.last() == Some(&b'\n') {
            self.raw.pop();
            if self.raw.last() == Some(&b'\r') {
                self.raw.pop();
            }
        } else if self.raw.len() > MAX_RECORD_BYTES {
            return Err(StructuralError::new(self.line, "line longer than 1 MiB (not a voter file?)"));
        }
        if self.line == 1 && self.raw.starts_with(b"\xEF\xBB\xBF") {
            if self.enc != TextEncoding::Utf8 {
                return Err(StructuralError::new(
                    1,
                    format!(
                        "the file starts with a UTF-8 byte-order mark but is being read as {}: give --encoding utf-8",
                        self.enc
                    ),
                ));
            }
            self.raw.drain(..3);
        }
        if self.raw.contains(&0) {
            return Err(StructuralError::new(
                self.line,
                "NUL byte in the line (a binary or UTF-16 file is not a voter file)",
            ));
        }
        Ok(true)
    }

    /// Decodes `raw` onto the end of `text`.
    fn decode_raw(&mut self) -> Result<(), StructuralError> {
        decode_append(self.enc, &self.raw, &mut self.text).map_err(|offset| {
            let field = 1 + self.raw[..offset].iter().filter(|&&b| b == self.delim).count();
            let how = if self.detected { "detected as utf-8 from its first 1 MiB" } else { "read as utf-8" };
            StructuralError::new(
                self.line,
                format!(
                    "bytes that are not valid UTF-8 in field {field}; the file is {how}: if it is Latin-1 or \
                     Windows-1252, give --encoding latin-1 or --encoding windows-1252"
                ),
            )
        })
    }

    /// Reads the next record into `ranges`; returns its first line, or `None` at the end of the file.
    /// Blank lines between records are skipped.
    fn read_record(&mut self) -> Result<Option<u64>, StructuralError> {
        loop {
            if !self.read_physical_line()? {
                return Ok(None);
            }
            if !self.raw.is_empty() {
                break;
            }
        }
        let start = self.line;
        self.text.clear();
        self.ranges.clear();
        self.decode_raw()?;
        if !self.quoted {
            let mut from = 0;
            for (i, &b) in self.text.as_bytes().iter().enumerate() {
                if b == self.delim {
                    self.ranges.push((from, i));
                    from = i + 1;
                }
            }
            self.ranges.push((from, self.text.len()));
            return Ok(Some(start));
        }
        self.unquoted.clear();
        let mut parser = QuotedParser { state: QState::FieldStart, field_start: 0, quote_line: start };
        let mut total = self.raw.len();
        loop {
            match parser.feed(&self.text, self.line, self.delim, &mut self.unquoted, &mut self.ranges) {
                Ok(true) => return Ok(Some(start)),
                Ok(false) => {
                    if !self.read_physical_line()? {
                        return Err(StructuralError::new(
                            parser.quote_line,
                            "unterminated quoted field: the closing quote is missing",
                        ));
                    }
                    total += self.raw.len() + 1;
                    if total > MAX_RECORD_BYTES {
                        return Err(StructuralError::new(
                            parser.quote_line,
                            "quoted field runs past 1 MiB: the closing quote is missing",
                        ));
                    }
                    self.text.clear();
                    self.decode_raw()?;
                }
                Err(reason) => return Err(StructuralError::new(self.line, reason)),
            }
        }
    }

    fn next_row(&mut self) -> Result<Option<SourceRow>, StructuralError> {
        let Some(mut line) = self.read_record()? else { return Ok(None) };
        if self.skip_named_first_line {
            // A Florida extract has no header, but some exports add one: skip a first line that names
            // the layout's first two fields.
            self.skip_named_first_line = false;
            let named = self.ranges.len() >= 2
                && self.field(0).trim().eq_ignore_ascii_case(FL_COLUMNS[0])
                && self.field(1).trim().eq_ignore_ascii_case(FL_COLUMNS[1]);
            if named {
                let Some(next) = self.read_record()? else { return Ok(None) };
                line = next;
            }
        }
        if let Some(mapping) = self.pending_mapping.take() {
            let names: Vec<String> = (1..=self.ranges.len()).map(|i| format!("column {i}")).collect();
            let plan = plan_for_mapping(&mapping, &names, false).map_err(|r| StructuralError::new(line, r))?;
            self.plan = Some(plan);
        }
        let plan = self.plan.as_ref().expect("plan is set once the header or first record is read");
        if self.ranges.len() != plan.ncols {
            return Err(StructuralError::new(
                line,
                format!(
                    "expected {} fields, found {} (the {} layout{})",
                    plan.ncols,
                    self.ranges.len(),
                    self.layout_name,
                    if self.layout_name == "mapping" { " fixes the count from the first line" } else { "" }
                ),
            ));
        }
        Ok(Some(self.build_row(plan, line)))
    }

    fn value(&self, col: usize) -> &str {
        self.field(col).trim()
    }

    fn joined(&self, cols: &[usize]) -> Option<String> {
        match cols {
            [] => None,
            [c] => Some(self.value(*c)).filter(|v| !v.is_empty()).map(str::to_string),
            many => {
                let mut out = String::new();
                for &c in many {
                    let v = self.value(c);
                    if !v.is_empty() {
                        if !out.is_empty() {
                            out.push(' ');
                        }
                        out.push_str(v);
                    }
                }
                Some(out).filter(|s| !s.is_empty())
            }
        }
    }

    fn build_row(&self, plan: &Plan, line: u64) -> SourceRow {
        let mut vals: [Option<String>; FIELD_COUNT] = Default::default();
        for (slot, cols) in vals.iter_mut().zip(plan.fields.iter()) {
            *slot = self.joined(cols);
        }
        let [first_name, middle_name, last_name, name_suffix, res_address, res_city, res_state, res_zip, county, birth_year, birth_date, gender, race, party, voter_status, registration_date, precinct, congressional_district, state_house_district, state_senate_district] =
            vals;
        let mut phones = Vec::new();
        for p in &plan.phones {
            if let Some(raw) = self.joined(&p.cols) {
                let line_type_hint = p.line_type.and_then(|c| self.joined(&[c]));
                phones.push(SourcePhone { kind: p.kind, raw, line_type_hint });
            }
        }
        if let Some([area, number, ext]) = plan.split_phone {
            let number = self.value(number);
            if !number.is_empty() {
                let (area, ext) = (self.value(area), self.value(ext));
                let mut raw = String::with_capacity(area.len() + number.len() + ext.len() + 2);
                raw.push_str(area);
                raw.push_str(number);
                if !ext.is_empty() {
                    raw.push_str(" x");
                    raw.push_str(ext);
                }
                phones.push(SourcePhone { kind: PhoneKind::Other, raw, line_type_hint: None });
            }
        }
        let mut vote_history = Vec::new();
        if let Some(col) = plan.packed_votes {
            for entry in self.value(col).split(';') {
                let entry = entry.trim();
                if entry.is_empty() {
                    continue;
                }
                let (election, how) = entry.split_once('=').unwrap_or((entry, ""));
                vote_history.push(VoteRecord { election: election.trim().to_string(), how: how.trim().to_string() });
            }
        }
        for (col, name) in &plan.elections {
            let how = self.value(*col);
            if !how.is_empty() {
                vote_history.push(VoteRecord { election: name.clone(), how: how.to_string() });
            }
        }
        let mut extra = Vec::new();
        for (col, name) in &plan.extras {
            let v = self.value(*col);
            if !v.is_empty() {
                extra.push((name.clone(), v.to_string()));
            }
        }
        SourceRow {
            line,
            person_key: self.joined(&plan.key),
            fields: CanonicalFields {
                first_name,
                middle_name,
                last_name,
                name_suffix,
                res_address,
                res_city,
                res_state,
                res_zip,
                county,
                birth_year,
                birth_date,
                gender,
                race,
                party,
                voter_status,
                registration_date,
                precinct,
                congressional_district,
                state_house_district,
                state_senate_district,
                phones,
                email: self.joined(&plan.email),
                vote_history,
                extra,
            },
        }
    }
}

impl<R: Read> Iterator for VoterReader<R> {
    type Item = Result<SourceRow, StructuralError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_row() {
            Ok(Some(row)) => Some(Ok(row)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QState {
    FieldStart,
    InQuotes,
    AfterQuote,
}

/// RFC 4180 fields, strictly: a field is either unquoted (no `"` in it) or wholly quoted, with `""` for
/// a quote inside; a quoted field may span lines.
struct QuotedParser {
    state: QState,
    /// Where the current field starts in the output.
    field_start: usize,
    /// The line where the last quoted field opened (for an unterminated quote).
    quote_line: u64,
}

impl QuotedParser {
    /// Feeds one physical line. `Ok(true)`: the record is complete; `Ok(false)`: a quoted field goes on
    /// onto the next line.
    fn feed(
        &mut self,
        line: &str,
        line_no: u64,
        delim: u8,
        out: &mut String,
        ranges: &mut Vec<(usize, usize)>,
    ) -> Result<bool, String> {
        let b = line.as_bytes();
        let mut i = 0;
        loop {
            match self.state {
                QState::FieldStart => {
                    if i < b.len() && b[i] == b'"' {
                        self.state = QState::InQuotes;
                        self.quote_line = line_no;
                        i += 1;
                        continue;
                    }
                    let end = b[i..].iter().position(|&c| c == delim).map_or(b.len(), |p| i + p);
                    let content = &line[i..end];
                    if content.contains('"') {
                        return Err(format!(
                            "a quote inside unquoted field {} (a quoted field must start with its quote)",
                            ranges.len() + 1
                        ));
                    }
                    out.push_str(content);
                    ranges.push((self.field_start, out.len()));
                    self.field_start = out.len();
                    if end == b.len() {
                        return Ok(true);
                    }
                    i = end + 1;
                }
                QState::InQuotes => match b[i..].iter().position(|&c| c == b'"') {
                    None => {
                        out.push_str(&line[i..]);
                        out.push('\n');
                        return Ok(false);
                    }
                    Some(p) => {
                        out.push_str(&line[i..i + p]);
                        i += p + 1;
                        if i < b.len() && b[i] == b'"' {
                            out.push('"');
                            i += 1;
                        } else {
                            self.state = QState::AfterQuote;
                        }
                    }
                },
                QState::AfterQuote => {
                    ranges.push((self.field_start, out.len()));
                    self.field_start = out.len();
                    self.state = QState::FieldStart;
                    if i == b.len() {
                        return Ok(true);
                    }
                    if b[i] != delim {
                        return Err(format!("text after the closing quote of field {}", ranges.len()));
                    }
                    i += 1;
                }
            }
        }
    }
}

/// Which columns feed which canonical field.
#[derive(Debug, Default)]
struct Plan {
    ncols: usize,
    key: Vec<usize>,
    fields: [Vec<usize>; FIELD_COUNT],
    phones: Vec<PhonePlan>,
    /// Florida: area code, number, extension.
    split_phone: Option<[usize; 3]>,
    email: Vec<usize>,
    packed_votes: Option<usize>,
    elections: Vec<(usize, String)>,
    extras: Vec<(usize, String)>,
}

#[derive(Debug)]
struct PhonePlan {
    kind: PhoneKind,
    cols: Vec<usize>,
    line_type: Option<usize>,
}

impl Plan {
    /// Adds one resolved (column, target) pair.
    fn add(&mut self, col: usize, target: Target, split: &mut [Option<usize>; 3]) {
        match target {
            Target::Key => self.key.push(col),
            Target::Field(f) => self.fields[f as usize].push(col),
            Target::Phone(kind) => match self.phones.iter_mut().find(|p| p.kind == kind) {
                Some(p) => p.cols.push(col),
                None => self.phones.push(PhonePlan { kind, cols: vec![col], line_type: None }),
            },
            Target::LineType(kind) => {
                if let Some(p) = self.phones.iter_mut().find(|p| p.kind == kind) {
                    p.line_type.get_or_insert(col);
                }
            }
            Target::PhoneArea => split[0] = Some(col),
            Target::PhoneNumber => split[1] = Some(col),
            Target::PhoneExt => split[2] = Some(col),
            Target::Email => self.email.push(col),
            Target::VoteHistoryPacked => self.packed_votes = Some(col),
            Target::Election => {} // named by the caller
        }
    }
}

/// Case-insensitive header look-up; the error names a column that appears twice.
fn header_index(names: &[String]) -> HashMap<String, Vec<usize>> {
    let mut index: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, n) in names.iter().enumerate() {
        index.entry(n.to_ascii_lowercase()).or_default().push(i);
    }
    index
}

fn find(index: &HashMap<String, Vec<usize>>, name: &str) -> Result<Option<usize>, String> {
    match index.get(&name.to_ascii_lowercase()).map(Vec::as_slice) {
        None | Some([]) => Ok(None),
        Some([i]) => Ok(Some(*i)),
        Some([a, b, ..]) => {
            Err(format!("column `{name}` appears more than once in the header (columns {} and {})", a + 1, b + 1))
        }
    }
}

fn plan_for_preset(layout: &Layout, names: &[String]) -> Result<Plan, String> {
    let documented = preset_columns(layout);
    let is_oh = *layout == Layout::Oh;
    let known = |n: &str| documented.iter().any(|d| d.eq_ignore_ascii_case(n)) || (is_oh && is_ohio_election(n));
    if !names.iter().any(|n| known(n)) {
        return Err(format!(
            "not a {} header: none of the layout's column names is on the first line (the layout needs its header line)",
            layout.name()
        ));
    }
    let index = header_index(names);
    for required in preset_required(layout) {
        if find(&index, required)?.is_none() {
            let mut reason = format!("the header has no `{required}` column");
            if let Some((i, n)) = names.iter().enumerate().find(|(_, n)| !known(n)) {
                reason.push_str(&format!("; the first unexpected column is `{n}` (column {})", i + 1));
            }
            return Err(reason);
        }
    }
    let mut plan = Plan { ncols: names.len(), ..Plan::default() };
    let mut used = vec![false; names.len()];
    let mut split = [None; 3];
    for (name, target) in preset_targets(layout) {
        if let Some(col) = find(&index, name)? {
            used[col] = true;
            plan.add(col, *target, &mut split);
        }
    }
    if let [Some(a), Some(n), Some(e)] = split {
        plan.split_phone = Some([a, n, e]);
    }
    for (col, name) in names.iter().enumerate() {
        if used[col] {
            continue;
        }
        if is_oh && is_ohio_election(name) {
            plan.elections.push((col, name.clone()));
        } else {
            plan.extras.push((col, name.clone()));
        }
    }
    Ok(plan)
}

/// `names`: the header's names, or `column N` for a file without a header.
fn plan_for_mapping(mapping: &ColumnMapping, names: &[String], has_header: bool) -> Result<Plan, String> {
    let index = header_index(names);
    let entries = mapping.columns.entries();
    if has_header {
        let mapped_names = entries.iter().flat_map(|(_, spec, _)| spec_refs(spec)).filter_map(|r| match r {
            ColumnRef::Name(n) => Some(n),
            ColumnRef::Position(_) => None,
        });
        let mut any_name = false;
        let mut any_found = false;
        for n in mapped_names {
            any_name = true;
            any_found |= find(&index, n)?.is_some();
        }
        if any_name && !any_found {
            return Err("none of the mapped columns is on the first line (does the file have a header?)".into());
        }
    }
    let mut plan = Plan { ncols: names.len(), ..Plan::default() };
    let mut used = vec![false; names.len()];
    let mut split = [None; 3];
    for (field, spec, target) in entries {
        for r in spec_refs(spec) {
            let col = match r {
                ColumnRef::Name(n) => {
                    find(&index, n)?.ok_or_else(|| format!("the header has no column `{n}` (mapped to `{field}`)"))?
                }
                ColumnRef::Position(p) => {
                    let p = *p as usize;
                    if p > names.len() {
                        return Err(format!(
                            "`{field}` is mapped to column {p} but the file has {} columns",
                            names.len()
                        ));
                    }
                    p - 1
                }
            };
            used[col] = true;
            if target == Target::Election {
                plan.elections.push((col, names[col].clone()));
            } else {
                plan.add(col, target, &mut split);
            }
        }
    }
    for (col, name) in names.iter().enumerate() {
        if !used[col] {
            plan.extras.push((col, name.clone()));
        }
    }
    Ok(plan)
}

fn spec_refs(spec: &crate::mapping::ColumnSpec) -> &[ColumnRef] {
    match spec {
        crate::mapping::ColumnSpec::One(r) => std::slice::from_ref(r),
        crate::mapping::ColumnSpec::Many(v) => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Vec<String>, String> {
        let mut p = QuotedParser { state: QState::FieldStart, field_start: 0, quote_line: 1 };
        let mut out = String::new();
        let mut ranges = Vec::new();
        assert!(p.feed(line, 1, b',', &mut out, &mut ranges)?, "record should end on the line");
        Ok(ranges.iter().map(|&(a, b)| out[a..b].to_string()).collect())
    }

    #[test]
    fn the_first_record_is_split_and_decoded_as_an_import_reads_it() {
        let file = "ID;\"Nom, complet\";Prénom\r\n1;x;y\r\n".as_bytes();
        let (enc, fields) = first_record(';', true, None, file).unwrap();
        assert_eq!(enc, TextEncoding::Utf8);
        assert_eq!(fields, ["ID", "Nom, complet", "Prénom"]);
        // Unquoted, a quote is a character; Latin-1 bytes are detected as windows-1252.
        let (enc, fields) = first_record('|', false, None, &b"A|\"B\"|Pr\xe9nom\n"[..]).unwrap();
        assert_eq!((enc, fields), (TextEncoding::Windows1252, vec!["A".into(), "\"B\"".into(), "Prénom".into()]));
        assert!(first_record(',', true, None, &b""[..]).is_err());
    }

    #[test]
    fn quoted_fields() {
        assert_eq!(parse(r#""a","b ""c""",,"""#).unwrap(), vec!["a", "b \"c\"", "", ""]);
        assert_eq!(parse("\"a\",\"\"\"\"").unwrap(), vec!["a", "\""]);
        assert_eq!(parse(r#""a","b"x"#).unwrap_err(), "text after the closing quote of field 2");
        assert_eq!(parse(r#"a,"",c,"#).unwrap(), vec!["a", "", "c", ""]);
        assert_eq!(parse("").unwrap(), vec![""]);
        assert_eq!(parse(r#""x"y,z"#).unwrap_err(), "text after the closing quote of field 1");
        assert!(parse(r#"ab"c,d"#).unwrap_err().starts_with("a quote inside unquoted field 1"));
    }

    #[test]
    fn quoted_field_across_lines() {
        let mut p = QuotedParser { state: QState::FieldStart, field_start: 0, quote_line: 1 };
        let mut out = String::new();
        let mut ranges = Vec::new();
        assert!(!p.feed(r#""1","two"#, 1, b',', &mut out, &mut ranges).unwrap());
        assert!(p.feed(r#"lines",3"#, 2, b',', &mut out, &mut ranges).unwrap());
        let fields: Vec<&str> = ranges.iter().map(|&(a, b)| &out[a..b]).collect();
        assert_eq!(fields, vec!["1", "two\nlines", "3"]);
    }
}
