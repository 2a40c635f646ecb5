//! PostgreSQL bulk writes for imports. New people and their phones go in with `COPY … FROM STDIN` in
//! the binary format, one `COPY` per table per chunk, on the typed connection an import on PostgreSQL
//! runs on (sqlx's `Any` driver, which the rest of the store uses, has no copy protocol; see
//! `ImportConn`). Before, each chunk was one `INSERT … SELECT FROM unnest(array literals)`.
//!
//! Array literals (`ArrayLiteral`) remain for the statements that pass a chunk's worth of values as
//! one parameter — a re-import's key look-up (`= ANY`) and household rewrites — so each keeps one
//! plan instead of a generic plan over thousands of parameters.

use crate::error::{StoreError, StoreResult};
use crate::voters::{PersonRecord, PhoneRecord};
use sqlx::PgConnection;

/// A PostgreSQL array literal (`{"a","b\"c",NULL}`) built one element at a time.
pub(crate) struct ArrayLiteral(String);

impl ArrayLiteral {
    pub(crate) fn with_capacity(bytes: usize) -> Self {
        let mut s = String::with_capacity(bytes + 2);
        s.push('{');
        ArrayLiteral(s)
    }

    fn separate(&mut self) {
        if self.0.len() > 1 {
            self.0.push(',');
        }
    }

    /// A text element, quoted, with `"` and `\` escaped; `None` is SQL NULL.
    pub(crate) fn text(&mut self, value: Option<&str>) {
        self.separate();
        let Some(value) = value else {
            self.0.push_str("NULL");
            return;
        };
        self.0.push('"');
        for c in value.chars() {
            if c == '"' || c == '\\' {
                self.0.push('\\');
            }
            self.0.push(c);
        }
        self.0.push('"');
    }

    pub(crate) fn int(&mut self, value: Option<i64>) {
        self.separate();
        match value {
            Some(v) => self.0.push_str(&v.to_string()),
            None => self.0.push_str("NULL"),
        }
    }

    pub(crate) fn finish(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

/// A new person with the id and household it is written with.
pub(crate) struct NewPerson {
    pub id: i64,
    pub household: Option<i64>,
    pub person: PersonRecord,
}

/// Rows in PostgreSQL's binary `COPY` format: a signature and two zero words, then for each row its
/// field count and each field as a big-endian length (−1 for NULL) followed by its bytes, then a −1
/// trailer. Binary rather than text so no value needs escaping (a name holding a tab, a backslash or
/// a newline goes through as its bytes) and bytea travels raw instead of as hex twice its size. The
/// cost is that every field must match its column's type exactly (`bigint` as 8 bytes, `text` as
/// UTF-8, `bytea` as is); a mismatch fails the import loudly, it cannot store a wrong value.
pub(crate) struct CopyRows {
    buf: Vec<u8>,
    /// A field longer than a length word can say; reported by [`CopyRows::finish`].
    too_long: bool,
}

impl CopyRows {
    pub(crate) fn with_capacity(bytes: usize) -> Self {
        let mut buf = Vec::with_capacity(bytes + 21);
        buf.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
        buf.extend_from_slice(&0i32.to_be_bytes()); // flags: no OIDs
        buf.extend_from_slice(&0i32.to_be_bytes()); // no header extension
        CopyRows { buf, too_long: false }
    }

    pub(crate) fn row(&mut self, fields: i16) {
        self.buf.extend_from_slice(&fields.to_be_bytes());
    }

    pub(crate) fn int(&mut self, value: Option<i64>) {
        match value {
            Some(v) => {
                self.buf.extend_from_slice(&8i32.to_be_bytes());
                self.buf.extend_from_slice(&v.to_be_bytes());
            }
            None => self.buf.extend_from_slice(&(-1i32).to_be_bytes()),
        }
    }

    pub(crate) fn text(&mut self, value: Option<&str>) {
        self.bytes(value.map(str::as_bytes));
    }

    pub(crate) fn bytes(&mut self, value: Option<&[u8]>) {
        let Some(value) = value else {
            self.buf.extend_from_slice(&(-1i32).to_be_bytes());
            return;
        };
        match i32::try_from(value.len()) {
            Ok(n) => {
                self.buf.extend_from_slice(&n.to_be_bytes());
                self.buf.extend_from_slice(value);
            }
            Err(_) => self.too_long = true,
        }
    }

    pub(crate) fn finish(mut self) -> StoreResult<Vec<u8>> {
        if self.too_long {
            return Err(StoreError::Other("a value is too long to store (over 2 GiB)".into()));
        }
        self.buf.extend_from_slice(&(-1i16).to_be_bytes());
        Ok(self.buf)
    }
}

/// Sends one `COPY … FROM STDIN` and checks that every row arrived. Inside the import's transaction:
/// a row the server refuses fails the statement, and the import with it (nothing stays).
async fn copy_in(conn: &mut PgConnection, statement: &str, data: Vec<u8>, rows: usize) -> StoreResult<()> {
    let mut copy = conn.copy_in_raw(statement).await?;
    // On a failed send the `PgCopyIn` is dropped, which tells the server to abandon the COPY.
    copy.send(data).await?;
    let copied = copy.finish().await?;
    if copied != rows as u64 {
        return Err(StoreError::Other(format!("COPY stored {copied} of {rows} rows")));
    }
    Ok(())
}

const PERSON_COPY: &str = "COPY persons (campaign_id, batch_id, created_at, updated_at, id, household_id, birth_year, \
     person_key, source_state, first_name, middle_name, last_name, name_suffix, res_address, res_city, res_state, \
     res_zip, county, gender, race, party, voter_status, registration_date, precinct, congressional_district, \
     state_house_district, state_senate_district, vote_history, extra, field_problems, address_zones, \
     birth_date_enc, email_enc, email_index, content_hash) FROM STDIN (FORMAT binary)";
const PERSON_COPY_FIELDS: i16 = 35;

/// Writes new people with one `COPY`, straight into `persons`: a temporary staging table and an
/// `INSERT … SELECT` write every row twice and measured no faster (docs/benchmarks.md, 2026-12-01
/// evening).
pub(crate) async fn copy_persons(
    conn: &mut PgConnection,
    campaign: i64,
    batch: i64,
    now: i64,
    rows: &[NewPerson],
) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut data = CopyRows::with_capacity(rows.len() * 900);
    for r in rows {
        let p = &r.person;
        data.row(PERSON_COPY_FIELDS);
        for v in [Some(campaign), Some(batch), Some(now), Some(now), Some(r.id), r.household, p.birth_year] {
            data.int(v);
        }
        data.text(Some(&p.person_key));
        for v in [
            &p.source_state,
            &p.first_name,
            &p.middle_name,
            &p.last_name,
            &p.name_suffix,
            &p.res_address,
            &p.res_city,
            &p.res_state,
            &p.res_zip,
            &p.county,
            &p.gender,
            &p.race,
            &p.party,
            &p.voter_status,
            &p.registration_date,
            &p.precinct,
            &p.congressional_district,
            &p.state_house_district,
            &p.state_senate_district,
        ] {
            data.text(v.as_deref());
        }
        for v in [&p.vote_history, &p.extra, &p.field_problems, &p.address_zones] {
            data.text(Some(v));
        }
        for v in [&p.birth_date_enc, &p.email_enc, &p.email_index] {
            data.bytes(v.as_deref());
        }
        data.bytes(Some(&p.content_hash));
    }
    copy_in(conn, PERSON_COPY, data.finish()?, rows.len()).await
}

const PHONE_COPY: &str = "COPY phones (campaign_id, person_id, position, kind, number_enc, number_index, line_type, \
     npa_zones, npa_state) FROM STDIN (FORMAT binary)";
const PHONE_COPY_FIELDS: i16 = 9;

/// Writes phones (person id, phone, position on the person) with one `COPY`.
pub(crate) async fn copy_phones(
    conn: &mut PgConnection,
    campaign: i64,
    phones: &[(i64, PhoneRecord, usize)],
) -> StoreResult<()> {
    if phones.is_empty() {
        return Ok(());
    }
    let mut data = CopyRows::with_capacity(phones.len() * 300);
    for (person, ph, position) in phones {
        data.row(PHONE_COPY_FIELDS);
        data.int(Some(campaign));
        data.int(Some(*person));
        data.int(Some(*position as i64));
        data.text(Some(&ph.kind));
        data.bytes(Some(&ph.number_enc));
        data.bytes(Some(&ph.number_index));
        data.text(Some(&ph.line_type));
        data.text(Some(&ph.npa_zones));
        data.text(ph.npa_state.as_deref());
    }
    copy_in(conn, PHONE_COPY, data.finish()?, phones.len()).await
}

#[cfg(test)]
mod tests {
    use super::{ArrayLiteral, CopyRows};

    #[test]
    fn copy_rows_frame_every_field_by_length_and_nulls_as_minus_one() {
        let mut c = CopyRows::with_capacity(0);
        c.row(4);
        c.int(Some(-2));
        c.text(Some("a\tb\\"));
        c.bytes(None);
        c.bytes(Some(&[0, 0x5c]));
        let mut want = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0".to_vec();
        want.extend_from_slice(&[0, 4]);
        want.extend_from_slice(&[0, 0, 0, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]);
        want.extend_from_slice(&[0, 0, 0, 4, b'a', b'\t', b'b', b'\\']);
        want.extend_from_slice(&[0xff, 0xff, 0xff, 0xff]);
        want.extend_from_slice(&[0, 0, 0, 2, 0, 0x5c]);
        want.extend_from_slice(&[0xff, 0xff]);
        assert_eq!(c.finish().unwrap(), want);
    }

    #[test]
    fn array_literals_quote_escape_and_mark_nulls() {
        let mut a = ArrayLiteral::with_capacity(0);
        a.text(Some("plain"));
        a.text(Some(r#"say "hi" \ bye"#));
        a.text(None);
        a.text(Some("NULL"));
        a.text(Some(""));
        assert_eq!(a.finish(), r#"{"plain","say \"hi\" \\ bye",NULL,"NULL",""}"#);
        let mut i = ArrayLiteral::with_capacity(0);
        i.int(Some(-5));
        i.int(None);
        assert_eq!(i.finish(), "{-5,NULL}");
        assert_eq!(ArrayLiteral::with_capacity(0).finish(), "{}");
    }
}
