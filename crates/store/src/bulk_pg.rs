//! PostgreSQL bulk writes for imports: a whole chunk's column travels as one array-literal parameter
//! and `unnest` turns the arrays back into rows on the server. One statement of a few dozen parameters
//! replaces multi-row `VALUES` lists of tens of thousands, which PostgreSQL must parse, plan and bind
//! one by one (the import was 20× slower than `\copy` that way). `COPY` itself is out of reach here:
//! the store runs on sqlx's `Any` driver, which has no copy protocol.

use crate::error::StoreResult;
use crate::voters::{PersonRecord, PhoneRecord};
use sqlx::any::AnyArguments;
use sqlx::{Any, Arguments, Transaction};

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

    /// A bytea element in hex form (`"\\x0a1b"`: the array parser turns `\\` into the `\` of `\x`).
    pub(crate) fn bytes(&mut self, value: Option<&[u8]>) {
        self.separate();
        let Some(value) = value else {
            self.0.push_str("NULL");
            return;
        };
        self.0.push_str("\"\\\\x");
        const HEX: &[u8; 16] = b"0123456789abcdef";
        for b in value {
            self.0.push(HEX[(b >> 4) as usize] as char);
            self.0.push(HEX[(b & 15) as usize] as char);
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

/// Inserts new people in one statement.
pub(crate) async fn insert_persons(
    tx: &mut Transaction<'static, Any>,
    campaign: i64,
    batch: i64,
    now: i64,
    rows: &[NewPerson],
) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let n = rows.len();
    let int_col = |f: &dyn Fn(&NewPerson) -> Option<i64>| {
        let mut a = ArrayLiteral::with_capacity(n * 12);
        rows.iter().for_each(|r| a.int(f(r)));
        a.finish()
    };
    let text_col = |f: &dyn Fn(&PersonRecord) -> Option<&str>| {
        let mut a = ArrayLiteral::with_capacity(n * 16);
        rows.iter().for_each(|r| a.text(f(&r.person)));
        a.finish()
    };
    let bytes_col = |f: &dyn Fn(&PersonRecord) -> Option<&[u8]>| {
        let mut a = ArrayLiteral::with_capacity(n * 70);
        rows.iter().for_each(|r| a.bytes(f(&r.person)));
        a.finish()
    };
    let ints = [int_col(&|r| Some(r.id)), int_col(&|r| r.household), int_col(&|r| r.person.birth_year)];
    let texts = [
        text_col(&|p| Some(&p.person_key)),
        text_col(&|p| p.source_state.as_deref()),
        text_col(&|p| p.first_name.as_deref()),
        text_col(&|p| p.middle_name.as_deref()),
        text_col(&|p| p.last_name.as_deref()),
        text_col(&|p| p.name_suffix.as_deref()),
        text_col(&|p| p.res_address.as_deref()),
        text_col(&|p| p.res_city.as_deref()),
        text_col(&|p| p.res_state.as_deref()),
        text_col(&|p| p.res_zip.as_deref()),
        text_col(&|p| p.county.as_deref()),
        text_col(&|p| p.gender.as_deref()),
        text_col(&|p| p.race.as_deref()),
        text_col(&|p| p.party.as_deref()),
        text_col(&|p| p.voter_status.as_deref()),
        text_col(&|p| p.registration_date.as_deref()),
        text_col(&|p| p.precinct.as_deref()),
        text_col(&|p| p.congressional_district.as_deref()),
        text_col(&|p| p.state_house_district.as_deref()),
        text_col(&|p| p.state_senate_district.as_deref()),
        text_col(&|p| Some(&p.vote_history)),
        text_col(&|p| Some(&p.extra)),
        text_col(&|p| Some(&p.field_problems)),
        text_col(&|p| Some(&p.address_zones)),
    ];
    let blobs = [
        bytes_col(&|p| p.birth_date_enc.as_deref()),
        bytes_col(&|p| p.email_enc.as_deref()),
        bytes_col(&|p| p.email_index.as_deref()),
        bytes_col(&|p| Some(&p.content_hash)),
    ];
    let mut unnest: Vec<String> = Vec::new();
    let mut next = 4; // $1 campaign, $2 batch, $3 now
    for (count, ty) in [(ints.len(), "bigint"), (texts.len(), "text"), (blobs.len(), "bytea")] {
        for _ in 0..count {
            unnest.push(format!("CAST(${next} AS {ty}[])"));
            next += 1;
        }
    }
    let sql = format!(
        "INSERT INTO persons (campaign_id, batch_id, created_at, updated_at, id, household_id, birth_year, \
         person_key, source_state, first_name, middle_name, last_name, name_suffix, res_address, res_city, \
         res_state, res_zip, county, gender, race, party, voter_status, registration_date, precinct, \
         congressional_district, state_house_district, state_senate_district, vote_history, extra, \
         field_problems, address_zones, birth_date_enc, email_enc, email_index, content_hash) \
         SELECT CAST($1 AS bigint), CAST($2 AS bigint), CAST($3 AS bigint), CAST($3 AS bigint), u.* FROM unnest({}) AS u",
        unnest.join(", ")
    );
    let mut args = AnyArguments::default();
    let _ = args.add(campaign);
    let _ = args.add(batch);
    let _ = args.add(now);
    for column in ints.into_iter().chain(texts).chain(blobs) {
        let _ = args.add(column);
    }
    sqlx::query_with(&sql, args).execute(&mut **tx).await?;
    Ok(())
}

/// Inserts phones (person id, phone, position on the person) in one statement.
pub(crate) async fn insert_phones(
    tx: &mut Transaction<'static, Any>,
    campaign: i64,
    phones: &[(i64, PhoneRecord, usize)],
) -> StoreResult<()> {
    if phones.is_empty() {
        return Ok(());
    }
    let n = phones.len();
    let mut person = ArrayLiteral::with_capacity(n * 12);
    let mut position = ArrayLiteral::with_capacity(n * 2);
    let mut kind = ArrayLiteral::with_capacity(n * 8);
    let mut number_enc = ArrayLiteral::with_capacity(n * 120);
    let mut number_index = ArrayLiteral::with_capacity(n * 70);
    let mut line_type = ArrayLiteral::with_capacity(n * 12);
    let mut npa_zones = ArrayLiteral::with_capacity(n * 20);
    let mut npa_state = ArrayLiteral::with_capacity(n * 5);
    for (id, ph, pos) in phones {
        person.int(Some(*id));
        position.int(Some(*pos as i64));
        kind.text(Some(&ph.kind));
        number_enc.bytes(Some(&ph.number_enc));
        number_index.bytes(Some(&ph.number_index));
        line_type.text(Some(&ph.line_type));
        npa_zones.text(Some(&ph.npa_zones));
        npa_state.text(ph.npa_state.as_deref());
    }
    let sql = "INSERT INTO phones (campaign_id, person_id, position, kind, number_enc, number_index, line_type, \
               npa_zones, npa_state) \
               SELECT CAST($1 AS bigint), u.* FROM unnest(CAST($2 AS bigint[]), CAST($3 AS bigint[]), \
               CAST($4 AS text[]), CAST($5 AS bytea[]), CAST($6 AS bytea[]), CAST($7 AS text[]), CAST($8 AS text[]), \
               CAST($9 AS text[])) AS u";
    let mut args = AnyArguments::default();
    let _ = args.add(campaign);
    for column in [person, position, kind, number_enc, number_index, line_type, npa_zones, npa_state] {
        let _ = args.add(column.finish());
    }
    sqlx::query_with(sql, args).execute(&mut **tx).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::ArrayLiteral;

    #[test]
    fn array_literals_quote_escape_and_mark_nulls() {
        let mut a = ArrayLiteral::with_capacity(0);
        a.text(Some("plain"));
        a.text(Some(r#"say "hi" \ bye"#));
        a.text(None);
        a.text(Some("NULL"));
        a.text(Some(""));
        assert_eq!(a.finish(), r#"{"plain","say \"hi\" \\ bye",NULL,"NULL",""}"#);
        let mut b = ArrayLiteral::with_capacity(0);
        b.bytes(Some(&[0x00, 0xab, 0x7f]));
        b.bytes(None);
        assert_eq!(b.finish(), r#"{"\\x00ab7f",NULL}"#);
        let mut i = ArrayLiteral::with_capacity(0);
        i.int(Some(-5));
        i.int(None);
        assert_eq!(i.finish(), "{-5,NULL}");
        assert_eq!(ArrayLiteral::with_capacity(0).finish(), "{}");
    }
}
