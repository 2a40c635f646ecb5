//! Voter data: campaign data keys (stored wrapped), import batches, people and phones.
//!
//! The store sees personal data only as the importer hands it over: fields classified "encrypted"
//! arrive as ciphertext and blind indexes made by `clearline-vault`; the store never holds a key.

use crate::bulk_pg::NewPerson;
use crate::db::{Backend, Store, WriteTx};
use crate::error::{StoreError, StoreResult};
use crate::households::HouseholdLinker;
use crate::now_us;
use crate::orgs::require_in_org;
use clearline_core::{Actor, Capability, OrgId};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::sqlite::SqliteArguments;
use sqlx::{Arguments, Row};
use std::collections::HashMap;

/// An import batch as listed for the campaign.
#[derive(Clone, Debug, Serialize)]
pub struct BatchInfo {
    pub id: i64,
    pub layout: String,
    pub file_sha256: String,
    pub rows_read: i64,
    pub inserted: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub rejected: i64,
    pub phones_valid: i64,
    pub phones_invalid: i64,
    pub started_at_us: i64,
    pub finished_at_us: i64,
    pub created_by: Option<i64>,
    pub has_rejects: bool,
}

/// A saved column mapping as listed: its name and when it was first saved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MappingInfo {
    pub name: String,
    pub created_at_us: i64,
}

/// One person as read back for someone allowed to see their record (ciphertext still sealed).
#[derive(Clone, Debug, Default, Serialize)]
pub struct PersonView {
    pub person_key: String,
    /// The state whose voter file the record came from.
    pub source_state: Option<String>,
    pub first_name: Option<String>,
    pub middle_name: Option<String>,
    pub last_name: Option<String>,
    pub res_address: Option<String>,
    pub res_city: Option<String>,
    pub res_state: Option<String>,
    pub res_zip: Option<String>,
    pub county: Option<String>,
    pub birth_year: Option<i64>,
    pub party: Option<String>,
    pub precinct: Option<String>,
    pub address_zones: String,
    pub field_problems: String,
    pub batch_id: i64,
    /// When the batch that last wrote the phones started: their line types are as of then (CR-12).
    pub line_types_as_of_us: Option<i64>,
    #[serde(skip)]
    pub birth_date_enc: Option<Vec<u8>>,
    #[serde(skip)]
    pub email_enc: Option<Vec<u8>>,
    pub phones: Vec<PhoneView>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct PhoneView {
    pub kind: String,
    #[serde(skip)]
    pub number_enc: Vec<u8>,
    pub line_type: String,
    pub npa_zones: String,
    pub npa_state: Option<String>,
}

/// One person as the importer prepared them: clear targeting fields, ciphertext, blind indexes.
#[derive(Clone, Debug, Default)]
pub struct PersonRecord {
    pub person_key: String,
    pub source_state: Option<String>,
    pub first_name: Option<String>,
    pub middle_name: Option<String>,
    pub last_name: Option<String>,
    pub name_suffix: Option<String>,
    pub res_address: Option<String>,
    pub res_city: Option<String>,
    pub res_state: Option<String>,
    pub res_zip: Option<String>,
    pub county: Option<String>,
    pub birth_year: Option<i64>,
    pub gender: Option<String>,
    pub race: Option<String>,
    pub party: Option<String>,
    pub voter_status: Option<String>,
    pub registration_date: Option<String>,
    pub precinct: Option<String>,
    pub congressional_district: Option<String>,
    pub state_house_district: Option<String>,
    pub state_senate_district: Option<String>,
    pub birth_date_enc: Option<Vec<u8>>,
    pub email_enc: Option<Vec<u8>>,
    pub email_index: Option<Vec<u8>>,
    /// JSON array of `[election, how]`.
    pub vote_history: String,
    /// Every other column of the source file: a JSON array of values (`null` where empty) aligned with
    /// the batch's `extra_columns`.
    pub extra: String,
    /// JSON array of `{field, reason}` problems found on an imported row.
    pub field_problems: String,
    /// Comma-separated IANA zones from the residential address.
    pub address_zones: String,
    /// A hash of everything above (the plaintext before encryption), so a re-import can tell unchanged
    /// rows without decrypting anything.
    pub content_hash: Vec<u8>,
    pub phones: Vec<PhoneRecord>,
}

#[derive(Clone, Debug, Default)]
pub struct PhoneRecord {
    /// `home`, `cell`, `work`, `other`.
    pub kind: String,
    pub number_enc: Vec<u8>,
    pub number_index: Vec<u8>,
    /// `wireless`, `landline`, `voip`, `protected`, `unknown`.
    pub line_type: String,
    /// Comma-separated IANA zones of the area code and exchange.
    pub npa_zones: String,
    pub npa_state: Option<String>,
}

/// What one chunk did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkCounts {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

/// The counts recorded with a batch.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchSummary {
    pub layout: String,
    pub file_sha256: String,
    pub rows_read: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    pub phones_valid: u64,
    pub phones_invalid: u64,
    /// Households in the campaign after this import.
    pub households: u64,
    /// The names the batch's `extra` arrays line up with.
    pub extra_columns: Vec<String>,
}

const PERSON_COLUMNS: [&str; 35] = [
    "campaign_id",
    "person_key",
    "source_state",
    "first_name",
    "middle_name",
    "last_name",
    "name_suffix",
    "res_address",
    "res_city",
    "res_state",
    "res_zip",
    "county",
    "birth_year",
    "gender",
    "race",
    "party",
    "voter_status",
    "registration_date",
    "precinct",
    "congressional_district",
    "state_house_district",
    "state_senate_district",
    "birth_date_enc",
    "email_enc",
    "email_index",
    "vote_history",
    "extra",
    "field_problems",
    "address_zones",
    "content_hash",
    "batch_id",
    "created_at",
    "updated_at",
    "household_id",
    "id",
];
/// Columns written on update (all but household_id and id); an insert writes all of them.
const UPDATE_COLUMNS: usize = 33;
const PHONE_COLUMNS: [&str; 9] = [
    "campaign_id",
    "person_id",
    "position",
    "kind",
    "number_enc",
    "number_index",
    "line_type",
    "npa_zones",
    "npa_state",
];

/// Binds a person's columns, moving the values (no second copy of every string). Generic so the same
/// binding serves the `Any` connection (SQLite) and the typed one of a PostgreSQL import.
fn bind_person_owned<'q, A>(args: &mut A, campaign: OrgId, batch: i64, now: i64, p: PersonRecord)
where
    A: Arguments<'q>,
    i64: sqlx::Encode<'q, A::Database> + sqlx::Type<A::Database>,
    String: sqlx::Encode<'q, A::Database> + sqlx::Type<A::Database>,
    Vec<u8>: sqlx::Encode<'q, A::Database> + sqlx::Type<A::Database>,
    Option<i64>: sqlx::Encode<'q, A::Database> + sqlx::Type<A::Database>,
    Option<String>: sqlx::Encode<'q, A::Database> + sqlx::Type<A::Database>,
    Option<Vec<u8>>: sqlx::Encode<'q, A::Database> + sqlx::Type<A::Database>,
{
    // Errors from `add` only arise for unsupported types; every type here is supported.
    let _ = args.add(campaign.0);
    let _ = args.add(p.person_key);
    for v in [
        p.source_state,
        p.first_name,
        p.middle_name,
        p.last_name,
        p.name_suffix,
        p.res_address,
        p.res_city,
        p.res_state,
        p.res_zip,
        p.county,
    ] {
        let _ = args.add(v);
    }
    let _ = args.add(p.birth_year);
    for v in [
        p.gender,
        p.race,
        p.party,
        p.voter_status,
        p.registration_date,
        p.precinct,
        p.congressional_district,
        p.state_house_district,
        p.state_senate_district,
    ] {
        let _ = args.add(v);
    }
    for v in [p.birth_date_enc, p.email_enc, p.email_index] {
        let _ = args.add(v);
    }
    for v in [p.vote_history, p.extra, p.field_problems, p.address_zones] {
        let _ = args.add(v);
    }
    let _ = args.add(p.content_hash);
    let _ = args.add(batch);
    let _ = args.add(now);
    let _ = args.add(now);
}

/// `($1,$2),($3,$4)…` for PostgreSQL; `(?,?),(?,?)…` for SQLite (see [`Backend::param`]).
fn placeholders(backend: Backend, rows: usize, cols: usize) -> String {
    let mut n = 0;
    let groups: Vec<String> = (0..rows)
        .map(|_| {
            let row: Vec<String> = (0..cols)
                .map(|_| {
                    n += 1;
                    backend.param(n)
                })
                .collect();
            format!("({})", row.join(","))
        })
        .collect();
    groups.join(",")
}

/// People per multi-row `INSERT` on SQLite (35 parameters each, within SQLite's limit of 32,766).
///
/// Why only statements of this size stay prepared: sqlx keeps up to 100 prepared statements per
/// connection, and a prepared multi-row insert holds its whole compiled program — ~0.4 MB for 2,000
/// phones. Phone inserts (whose row count differs nearly every chunk) and the odd-sized last group
/// filled that cache with ~80 MB of programs used once (heaptrack, 200,000 rows), so those run
/// unprepared-and-finalized; the full-size person insert, the same every time, stays cached.
const PERSONS_PER_INSERT: usize = 450;

/// The connection an import writes on, typed: on SQLite one of its own (see
/// [`Store::write_sqlite_import`]); on PostgreSQL one of the typed pool's, because `COPY` is only
/// reachable there (see `bulk_pg`). Either way one transaction holds the rows, the batch record and the
/// audit event.
pub(crate) enum ImportConn {
    /// The pool is the connection's own, closed when the import ends.
    Sqlite(WriteTx<sqlx::Sqlite>, sqlx::SqlitePool),
    Postgres(WriteTx<sqlx::Postgres>),
}

/// Runs `$body` on the import's connection, `$c` bound to it and `$args` naming its arguments type:
/// the body is compiled once per kind of connection, so a statement common to both backends is written
/// once.
macro_rules! on_conn {
    ($conn:expr, |$c:ident, $args:ident| $body:expr) => {
        match $conn {
            crate::voters::ImportConn::Sqlite(w, _) => {
                #[allow(dead_code)]
                type $args = sqlx::sqlite::SqliteArguments<'static>;
                let $c = &mut *w.tx;
                $body
            }
            crate::voters::ImportConn::Postgres(w) => {
                #[allow(dead_code)]
                type $args = sqlx::postgres::PgArguments;
                let $c = &mut *w.tx;
                $body
            }
        }
    };
    ($conn:expr, |$c:ident| $body:expr) => {
        on_conn!($conn, |$c, _Args| $body)
    };
}
pub(crate) use on_conn;

/// An import in progress: everything it writes commits together with its batch record and audit
/// event, or not at all.
pub struct ImportTx {
    conn: ImportConn,
    backend: Backend,
    /// The campaign had nobody when the import began: every row is new, no key look-up is needed,
    /// and households are linked as rows go in (see [`HouseholdLinker`]).
    first_import: bool,
    pub(crate) linker: Option<HouseholdLinker>,
    /// For work that must run outside the transaction, after it commits.
    pool: sqlx::AnyPool,
    /// SQLite: the next free person id, once read.
    next_person_id: Option<i64>,
    /// SQLite: this import's phones wait in a temporary table until its people are all in (see
    /// [`ImportTx::write_staged`]).
    phones_staged: bool,
    campaign: OrgId,
    batch_id: i64,
    actor: Actor,
    started_at: i64,
}

impl Store {
    /// The campaign's wrapped data keys, oldest version first.
    pub async fn campaign_keys(&self, actor: &Actor, campaign: OrgId) -> StoreResult<Vec<(u32, String)>> {
        let org = self.campaign_of(actor, campaign)?;
        let rows = sqlx::query("SELECT version, wrapped FROM campaign_keys WHERE campaign_id = $1 ORDER BY version")
            .bind(org.0)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(|r| (r.get::<i64, _>(0) as u32, r.get(1))).collect())
    }

    /// Every campaign's wrapped keys (system jobs: key rotation and backup).
    pub async fn all_campaign_keys(&self, actor: &Actor) -> StoreResult<Vec<(OrgId, u32, String)>> {
        if !matches!(actor, Actor::System { .. }) {
            return Err(StoreError::Forbidden("key management is a system job"));
        }
        let rows = sqlx::query("SELECT campaign_id, version, wrapped FROM campaign_keys ORDER BY campaign_id, version")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(|r| (OrgId(r.get(0)), r.get::<i64, _>(1) as u32, r.get(2))).collect())
    }

    /// Stores a new wrapped data key version for a campaign.
    pub async fn add_campaign_key(
        &self,
        actor: &Actor,
        campaign: OrgId,
        version: u32,
        wrapped: &str,
    ) -> StoreResult<()> {
        let org = self.campaign_of(actor, campaign)?;
        self.insert_wrapped_key(actor, org, "campaign", version, wrapped).await
    }

    /// Stores an organization's wrapped data key version (a campaign's, or a vendor's list key), audited
    /// in its own log; a version already there is a conflict on `version`.
    pub(crate) async fn insert_wrapped_key(
        &self,
        actor: &Actor,
        org: OrgId,
        kind: &str,
        version: u32,
        wrapped: &str,
    ) -> StoreResult<()> {
        let mut tx = self.write().await?;
        sqlx::query("INSERT INTO campaign_keys (campaign_id, version, wrapped, created_at) VALUES ($1, $2, $3, $4)")
            .bind(org.0)
            .bind(i64::from(version))
            .bind(wrapped)
            .bind(now_us())
            .execute(&mut *tx.tx)
            .await
            .map_err(StoreError::conflict_on("version"))?;
        tx.audit(org, actor, "keys.create_data_key", kind, &org.to_string(), json!({"version": version})).await?;
        tx.commit().await
    }

    /// Replaces wrapped keys in one transaction (master-key rotation or restore; system jobs only).
    pub async fn replace_wrapped_keys(
        &self,
        actor: &Actor,
        keys: &[(OrgId, u32, String)],
        action: &str,
    ) -> StoreResult<()> {
        if !matches!(actor, Actor::System { .. }) {
            return Err(StoreError::Forbidden("key management is a system job"));
        }
        let mut tx = self.write().await?;
        let mut per_campaign: HashMap<OrgId, usize> = HashMap::new();
        for (campaign, version, wrapped) in keys {
            sqlx::query(
                "INSERT INTO campaign_keys (campaign_id, version, wrapped, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (campaign_id, version) DO UPDATE SET wrapped = excluded.wrapped",
            )
            .bind(campaign.0)
            .bind(i64::from(*version))
            .bind(wrapped)
            .bind(now_us())
            .execute(&mut *tx.tx)
            .await?;
            *per_campaign.entry(*campaign).or_default() += 1;
        }
        for (campaign, n) in per_campaign {
            tx.audit(campaign, actor, action, "campaign", &campaign.to_string(), json!({"keys": n})).await?;
        }
        tx.commit().await
    }

    /// The campaign a user acts for (their own), or the one a system job names.
    fn campaign_of(&self, actor: &Actor, campaign: OrgId) -> StoreResult<OrgId> {
        match actor {
            Actor::System { .. } => Ok(campaign),
            Actor::User(p) if p.org_id == campaign && p.org_kind == clearline_core::OrgKind::Campaign => Ok(campaign),
            _ => Err(StoreError::NotFound),
        }
    }

    /// Starts an import into the actor's campaign (data managers, admins, owners: EditLists).
    pub async fn begin_import(&self, actor: &Actor, campaign: OrgId) -> StoreResult<ImportTx> {
        let org = require_in_org(actor, Capability::EditLists, Some(campaign))?;
        if org != campaign {
            return Err(StoreError::NotFound);
        }
        let mut conn = match self.backend {
            Backend::Sqlite => {
                let (pool, w) = self.write_sqlite_import().await?;
                ImportConn::Sqlite(w, pool)
            }
            Backend::Postgres => ImportConn::Postgres(self.write_pg().await?),
        };
        let kind: Option<String> = on_conn!(&mut conn, |c| sqlx::query("SELECT kind FROM organizations WHERE id = $1")
            .bind(campaign.0)
            .fetch_optional(c)
            .await?
            .map(|r| r.get(0)));
        if kind.as_deref() != Some("campaign") {
            return Err(StoreError::NotFound);
        }
        let now = now_us();
        let batch_id: i64 = on_conn!(&mut conn, |c| {
            sqlx::query(
                "INSERT INTO import_batches (campaign_id, created_by, layout, file_sha256, rows_read, inserted, \
                 updated, unchanged, rejected, phones_valid, phones_invalid, started_at, finished_at) \
                 VALUES ($1, $2, '', '', 0, 0, 0, 0, 0, 0, 0, $3, $3) RETURNING id",
            )
            .bind(campaign.0)
            .bind(actor.principal().map(|p| p.user_id.0))
            .bind(now)
            .fetch_one(c)
            .await?
            .get(0)
        });
        // Inside the write transaction, so no other import can add people meanwhile.
        let existing: i64 = on_conn!(&mut conn, |c| sqlx::query("SELECT COUNT(*) FROM persons WHERE campaign_id = $1")
            .bind(campaign.0)
            .fetch_one(c)
            .await?
            .get(0));
        Ok(ImportTx {
            conn,
            backend: self.backend,
            first_import: existing == 0,
            linker: (existing == 0).then(HouseholdLinker::default),
            next_person_id: None,
            phones_staged: false,
            pool: self.pool.clone(),
            campaign,
            batch_id,
            actor: actor.clone(),
            started_at: now,
        })
    }

    /// Saves (or replaces) a named column mapping for the actor's campaign.
    pub async fn save_column_mapping(&self, actor: &Actor, name: &str, mapping_json: &str) -> StoreResult<()> {
        let campaign = require_in_org(actor, Capability::EditLists, None)?;
        let ok =
            (1..=48).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok {
            return Err(clearline_core::validate::Invalid::new("name", "use 1-48 letters, digits, '-' or '_'").into());
        }
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO column_mappings (campaign_id, name, mapping_json, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (campaign_id, name) DO UPDATE SET mapping_json = excluded.mapping_json",
        )
        .bind(campaign.0)
        .bind(name)
        .bind(mapping_json)
        .bind(now_us())
        .execute(&mut *tx.tx)
        .await?;
        tx.audit(campaign, actor, "voters.save_mapping", "column_mapping", name, json!({})).await?;
        tx.commit().await
    }

    /// A saved column mapping of the actor's campaign.
    pub async fn column_mapping(&self, actor: &Actor, name: &str) -> StoreResult<String> {
        let campaign = require_in_org(actor, Capability::EditLists, None)?;
        let row = sqlx::query("SELECT mapping_json FROM column_mappings WHERE campaign_id = $1 AND name = $2")
            .bind(campaign.0)
            .bind(name)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(row.get(0))
    }

    /// The actor's campaign's saved column mappings, by name.
    pub async fn column_mappings(&self, actor: &Actor) -> StoreResult<Vec<MappingInfo>> {
        let campaign = require_in_org(actor, Capability::EditLists, None)?;
        let rows = sqlx::query("SELECT name, created_at FROM column_mappings WHERE campaign_id = $1 ORDER BY name")
            .bind(campaign.0)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(|r| MappingInfo { name: r.get(0), created_at_us: r.get(1) }).collect())
    }

    /// One person's record, for a campaign role allowed to see personal data. The read is audited.
    pub async fn read_person(&self, actor: &Actor, campaign: OrgId, person_key: &str) -> StoreResult<PersonView> {
        let org = require_in_org(actor, Capability::ExportPersonalData, Some(campaign))?;
        if org != campaign {
            return Err(StoreError::NotFound);
        }
        let mut tx = self.write().await?;
        let row = sqlx::query(
            "SELECT id, person_key, source_state, first_name, middle_name, last_name, res_address, res_city, res_state, res_zip, county, \
             birth_year, party, precinct, address_zones, field_problems, batch_id, birth_date_enc, email_enc, \
             (SELECT b.started_at FROM import_batches b WHERE b.id = persons.batch_id) AS line_types_as_of \
             FROM persons WHERE campaign_id = $1 AND person_key = $2",
        )
        .bind(org.0)
        .bind(person_key)
        .fetch_optional(&mut *tx.tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let id: i64 = row.get("id");
        let phones = sqlx::query(
            "SELECT kind, number_enc, line_type, npa_zones, npa_state FROM phones WHERE person_id = $1 ORDER BY position",
        )
        .bind(id)
        .fetch_all(&mut *tx.tx)
        .await?
        .iter()
        .map(|r| PhoneView {
            kind: r.get("kind"),
            number_enc: r.get("number_enc"),
            line_type: r.get("line_type"),
            npa_zones: r.get("npa_zones"),
            npa_state: r.get("npa_state"),
        })
        .collect();
        tx.audit(org, actor, "person.read", "person", &id.to_string(), json!({})).await?;
        tx.commit().await?;
        Ok(PersonView {
            person_key: row.get("person_key"),
            source_state: row.get("source_state"),
            first_name: row.get("first_name"),
            middle_name: row.get("middle_name"),
            last_name: row.get("last_name"),
            res_address: row.get("res_address"),
            res_city: row.get("res_city"),
            res_state: row.get("res_state"),
            res_zip: row.get("res_zip"),
            county: row.get("county"),
            birth_year: row.get("birth_year"),
            party: row.get("party"),
            precinct: row.get("precinct"),
            address_zones: row.get("address_zones"),
            field_problems: row.get("field_problems"),
            batch_id: row.get("batch_id"),
            line_types_as_of_us: row.get("line_types_as_of"),
            birth_date_enc: row.get("birth_date_enc"),
            email_enc: row.get("email_enc"),
            phones,
        })
    }

    /// The campaign's import batches, newest first.
    pub async fn import_batches(&self, actor: &Actor) -> StoreResult<Vec<BatchInfo>> {
        let campaign = require_in_org(actor, Capability::EditLists, None)?;
        let rows = sqlx::query(
            "SELECT id, layout, file_sha256, rows_read, inserted, updated, unchanged, rejected, phones_valid, phones_invalid, \
             started_at, finished_at, created_by, CASE WHEN rejects_enc IS NULL THEN 0 ELSE 1 END FROM import_batches WHERE campaign_id = $1 \
             AND file_sha256 <> '' ORDER BY id DESC LIMIT 200",
        )
        .bind(campaign.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| BatchInfo {
                id: r.get(0),
                layout: r.get(1),
                file_sha256: r.get(2),
                rows_read: r.get(3),
                inserted: r.get(4),
                updated: r.get(5),
                unchanged: r.get(6),
                rejected: r.get(7),
                phones_valid: r.get(8),
                phones_invalid: r.get(9),
                started_at_us: r.get(10),
                finished_at_us: r.get(11),
                created_by: r.get(12),
                has_rejects: r.get::<i64, _>(13) == 1,
            })
            .collect())
    }

    /// A batch's encrypted reject file, for a role that may export personal data. Audited as an export.
    pub async fn batch_rejects(&self, actor: &Actor, batch: i64) -> StoreResult<Option<Vec<u8>>> {
        let campaign = require_in_org(actor, Capability::ExportPersonalData, None)?;
        let mut tx = self.write().await?;
        let row = sqlx::query("SELECT rejects_enc FROM import_batches WHERE id = $1 AND campaign_id = $2")
            .bind(batch)
            .bind(campaign.0)
            .fetch_optional(&mut *tx.tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        tx.audit(campaign, actor, "voters.export_rejects", "import_batch", &batch.to_string(), json!({})).await?;
        tx.commit().await?;
        Ok(row.get(0))
    }

    /// The household id of a person (their household's oldest member's id).
    pub async fn household_of(&self, actor: &Actor, campaign: OrgId, person_key: &str) -> StoreResult<Option<i64>> {
        let org = self.campaign_of(actor, campaign)?;
        let row = sqlx::query("SELECT household_id FROM persons WHERE campaign_id = $1 AND person_key = $2")
            .bind(org.0)
            .bind(person_key)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(row.get(0))
    }

    /// How many people a campaign has (the actor's own campaign).
    pub async fn person_count(&self, actor: &Actor, campaign: OrgId) -> StoreResult<u64> {
        let org = self.campaign_of(actor, campaign)?;
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM persons WHERE campaign_id = $1")
            .bind(org.0)
            .fetch_one(&self.pool)
            .await?
            .get(0);
        Ok(n as u64)
    }
}

impl ImportTx {
    pub fn batch_id(&self) -> i64 {
        self.batch_id
    }

    pub(crate) fn campaign_id(&self) -> i64 {
        self.campaign.0
    }

    pub(crate) fn conn_mut(&mut self) -> &mut ImportConn {
        &mut self.conn
    }

    /// `n` fresh person ids, ascending. On SQLite the import holds the write lock, so nobody else can
    /// take ids meanwhile; on PostgreSQL they come from the identity sequence.
    async fn take_person_ids(&mut self, n: usize) -> StoreResult<Vec<i64>> {
        if n == 0 {
            return Ok(Vec::new());
        }
        match &mut self.conn {
            ImportConn::Sqlite(w, _) => {
                let next = match self.next_person_id {
                    Some(next) => next,
                    None => sqlx::query("SELECT COALESCE(MAX(id), 0) + 1 FROM persons")
                        .fetch_one(&mut *w.tx)
                        .await?
                        .get::<i64, _>(0),
                };
                self.next_person_id = Some(next + n as i64);
                Ok((next..next + n as i64).collect())
            }
            ImportConn::Postgres(w) => {
                let mut ids: Vec<i64> = sqlx::query(
                    "SELECT nextval(pg_get_serial_sequence('persons', 'id')) FROM generate_series(1, $1::bigint)",
                )
                .bind(n as i64)
                .fetch_all(&mut *w.tx)
                .await?
                .iter()
                .map(|r| r.get::<i64, _>(0))
                .collect();
                ids.sort_unstable();
                Ok(ids)
            }
        }
    }

    /// The stored keys and content hashes among these rows' keys.
    async fn existing(&mut self, rows: &[PersonRecord]) -> StoreResult<HashMap<String, (i64, Vec<u8>)>> {
        let campaign = self.campaign.0;
        let found = match &mut self.conn {
            // One array parameter: a plain `= ANY` keeps one good (index) plan for every chunk, where
            // a generic plan for an `IN` list of 2,000 parameters degraded to sequential scans. Rows
            // are decoded right here, in each arm: the two connections' rows are different types.
            ImportConn::Postgres(w) => {
                let mut keys = crate::bulk_pg::ArrayLiteral::with_capacity(rows.len() * 14);
                rows.iter().for_each(|r| keys.text(Some(&r.person_key)));
                sqlx::query(
                    "SELECT person_key, id, content_hash FROM persons WHERE campaign_id = $1 \
                     AND person_key = ANY(CAST($2 AS text[]))",
                )
                .bind(campaign)
                .bind(keys.finish())
                .fetch_all(&mut *w.tx)
                .await?
                .into_iter()
                .map(|r| (r.get::<String, _>(0), (r.get::<i64, _>(1), r.get::<Vec<u8>, _>(2))))
                .collect()
            }
            ImportConn::Sqlite(w, _) => {
                let list = placeholders(self.backend, 1, rows.len() + 1);
                let list = &list[1..list.len() - 1];
                let (campaign_param, keys) = list.split_once(',').expect("at least two parameters");
                let sql = format!(
                    "SELECT person_key, id, content_hash FROM persons WHERE campaign_id = {campaign_param} \
                     AND person_key IN ({keys})"
                );
                let mut args = SqliteArguments::default();
                let _ = args.add(campaign);
                for r in rows {
                    let _ = args.add(r.person_key.clone());
                }
                sqlx::query_with(&sql, args)
                    .fetch_all(&mut *w.tx)
                    .await?
                    .into_iter()
                    .map(|r| (r.get::<String, _>(0), (r.get::<i64, _>(1), r.get::<Vec<u8>, _>(2))))
                    .collect()
            }
        };
        Ok(found)
    }

    /// Inserts new people, updates changed ones, and leaves unchanged ones alone (by content hash).
    /// Keys must be unique within the chunk (the importer rejects repeats before they get here).
    pub async fn upsert_chunk(&mut self, rows: Vec<PersonRecord>) -> StoreResult<ChunkCounts> {
        let mut counts = ChunkCounts::default();
        if rows.is_empty() {
            return Ok(counts);
        }
        // Which keys exist already, and with what content? (Nothing, on a campaign's first import: the
        // reader has already rejected keys repeated within the file.)
        let existing: HashMap<String, (i64, Vec<u8>)> =
            if self.first_import { HashMap::new() } else { self.existing(&rows).await? };

        let now = now_us();

        let mut new_rows: Vec<PersonRecord> = Vec::new();
        let mut changed: Vec<(i64, PersonRecord)> = Vec::new();
        for r in rows {
            match existing.get(&r.person_key) {
                None => new_rows.push(r),
                Some((_, hash)) if *hash == r.content_hash => counts.unchanged += 1,
                Some((id, _)) => changed.push((*id, r)),
            }
        }

        // New people, many to a statement (within SQLite's limit of 32,766 parameters). Values are
        // moved into the statement's arguments, not copied. Ids are taken up front rather than read
        // back with RETURNING: a returned row costs as much to ship back as the insert itself.
        let mut phones: Vec<(i64, PhoneRecord, usize)> = Vec::new();
        let ids = self.take_person_ids(new_rows.len()).await?;
        let mut prepared: Vec<NewPerson> = Vec::with_capacity(new_rows.len());
        for (mut p, id) in new_rows.into_iter().zip(ids) {
            let household = match self.linker.as_mut() {
                Some(l) => Some(l.add(
                    id,
                    p.res_address.as_deref(),
                    p.res_zip.as_deref(),
                    p.last_name.as_deref(),
                    p.phones.iter().map(|ph| &ph.number_index[..]),
                )?),
                None => None,
            };
            phones.extend(std::mem::take(&mut p.phones).into_iter().enumerate().map(|(i, ph)| (id, ph, i)));
            prepared.push(NewPerson { id, household, person: p });
        }
        counts.inserted += prepared.len() as u64;
        match &mut self.conn {
            ImportConn::Postgres(w) => {
                crate::bulk_pg::copy_persons(&mut w.tx, self.campaign.0, self.batch_id, now, &prepared).await?
            }
            ImportConn::Sqlite(w, _) => {
                let mut pending = prepared.into_iter().peekable();
                while pending.peek().is_some() {
                    let group: Vec<NewPerson> = pending.by_ref().take(PERSONS_PER_INSERT).collect();
                    let full = group.len() == PERSONS_PER_INSERT;
                    // `OR FAIL`, not the default `OR ABORT`: a statement that may abort halfway keeps a
                    // statement journal to undo itself (see `Store::write_sqlite_import`). A failed
                    // statement aborts the whole import anyway, so nothing it left is kept.
                    let sql = format!(
                        "INSERT OR FAIL INTO persons ({}) VALUES {}",
                        PERSON_COLUMNS.join(","),
                        placeholders(self.backend, group.len(), PERSON_COLUMNS.len())
                    );
                    let mut args = SqliteArguments::default();
                    for NewPerson { id, household, person } in group {
                        bind_person_owned(&mut args, self.campaign, self.batch_id, now, person);
                        let _ = args.add(household);
                        let _ = args.add(id);
                    }
                    // Only the full-size statement is kept prepared (see `PERSONS_PER_INSERT`).
                    sqlx::query_with(&sql, args).persistent(full).execute(&mut *w.tx).await?;
                }
            }
        }

        // Changed people: rewrite the row and its phones.
        for (id, mut p) in changed {
            let sets: Vec<String> =
                PERSON_COLUMNS[..UPDATE_COLUMNS].iter().enumerate().map(|(i, c)| format!("{c} = ${}", i + 1)).collect();
            let sql = format!("UPDATE persons SET {} WHERE id = ${}", sets.join(","), UPDATE_COLUMNS + 1);
            let their_phones = std::mem::take(&mut p.phones);
            let (campaign, batch) = (self.campaign, self.batch_id);
            on_conn!(&mut self.conn, |c, Args| {
                let mut args = Args::default();
                bind_person_owned(&mut args, campaign, batch, now, p);
                let _ = args.add(id);
                sqlx::query_with(&sql, args).execute(&mut *c).await?;
                sqlx::query("DELETE FROM phones WHERE person_id = $1").bind(id).execute(c).await?;
            });
            phones.extend(their_phones.into_iter().enumerate().map(|(i, ph)| (id, ph, i)));
            counts.updated += 1;
        }

        let w = match &mut self.conn {
            ImportConn::Postgres(w) => {
                crate::bulk_pg::copy_phones(&mut w.tx, self.campaign.0, &phones).await?;
                return Ok(counts);
            }
            ImportConn::Sqlite(w, _) => w,
        };
        if !phones.is_empty() && !self.phones_staged {
            // A fresh table, never one left on this connection by something else: what it holds is
            // written to `phones` at the end.
            sqlx::query("DROP TABLE IF EXISTS temp.import_phones").execute(&mut *w.tx).await?;
            sqlx::query(&format!("CREATE TEMP TABLE import_phones ({})", PHONE_COLUMNS.join(",")))
                .execute(&mut *w.tx)
                .await?;
            self.phones_staged = true;
        }
        let mut pending = phones.into_iter().peekable();
        while pending.peek().is_some() {
            let group: Vec<(i64, PhoneRecord, usize)> = pending.by_ref().take(2000).collect();
            let sql = format!(
                "INSERT INTO temp.import_phones ({}) VALUES {}",
                PHONE_COLUMNS.join(","),
                placeholders(self.backend, group.len(), PHONE_COLUMNS.len())
            );
            let mut args = SqliteArguments::default();
            for (person, ph, position) in group {
                let _ = args.add(self.campaign.0);
                let _ = args.add(person);
                let _ = args.add(position as i64);
                let _ = args.add(ph.kind);
                let _ = args.add(ph.number_enc);
                let _ = args.add(ph.number_index);
                let _ = args.add(ph.line_type);
                let _ = args.add(ph.npa_zones);
                let _ = args.add(ph.npa_state);
            }
            // Not kept prepared: a chunk's phone count varies, so nearly every statement has a shape
            // of its own (see `PERSONS_PER_INSERT`).
            sqlx::query_with(&sql, args).persistent(false).execute(&mut *w.tx).await?;
        }
        Ok(counts)
    }

    /// Writes what the import staged (SQLite: its phones) into the real tables. Call it after the last
    /// chunk; households and `finish` call it too, so nothing staged is ever left out.
    ///
    /// Why stage: interleaving person and phone inserts chunk by chunk cost SQLite ~40 % against
    /// people first and phones after, measured natively; through the import, staging took a 1M-row
    /// import from 113.5 s to 93.2 s back to back (docs/benchmarks.md). The temporary table has no
    /// index, so appending to it is cheap, and it lives in SQLite's temporary file, not in memory;
    /// phones are ciphertext and blind indexes there as in `phones`. They go in in file order:
    /// sorted by blind index the import was twice as slow and peaked near 300 MB (the sort), and
    /// phone rows would no longer lie near their people's, which universe pages read by id range.
    pub async fn write_staged(&mut self) -> StoreResult<()> {
        if !std::mem::take(&mut self.phones_staged) {
            return Ok(());
        }
        if let ImportConn::Sqlite(w, _) = &mut self.conn {
            let columns = PHONE_COLUMNS.join(",");
            sqlx::query(&format!(
                "INSERT OR FAIL INTO phones ({columns}) SELECT {columns} FROM temp.import_phones ORDER BY rowid"
            ))
            .execute(&mut *w.tx)
            .await?;
            sqlx::query("DROP TABLE temp.import_phones").execute(&mut *w.tx).await?;
        }
        Ok(())
    }

    /// Records the batch with its counts and encrypted reject file, audits it, and commits everything.
    pub async fn finish(mut self, summary: &BatchSummary, rejects_enc: Option<Vec<u8>>) -> StoreResult<i64> {
        self.write_staged().await?;
        let batch_id = self.batch_id;
        on_conn!(&mut self.conn, |c| {
            sqlx::query(
                "UPDATE import_batches SET layout = $1, file_sha256 = $2, rows_read = $3, inserted = $4, \
                 updated = $5, unchanged = $6, rejected = $7, phones_valid = $8, phones_invalid = $9, \
                 rejects_enc = $10, finished_at = $11, extra_columns = $12 WHERE id = $13",
            )
            .bind(&summary.layout)
            .bind(&summary.file_sha256)
            .bind(summary.rows_read as i64)
            .bind(summary.inserted as i64)
            .bind(summary.updated as i64)
            .bind(summary.unchanged as i64)
            .bind(summary.rejected as i64)
            .bind(summary.phones_valid as i64)
            .bind(summary.phones_invalid as i64)
            .bind(rejects_enc)
            .bind(now_us())
            .bind(serde_json::to_string(&summary.extra_columns).expect("json"))
            .bind(batch_id)
            .execute(c)
            .await?;
        });
        let details = json!({
            "batch_id": self.batch_id,
            "layout": summary.layout,
            "file_sha256": summary.file_sha256,
            "rows_read": summary.rows_read,
            "inserted": summary.inserted,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
            "rejected": summary.rejected,
            "phones_valid": summary.phones_valid,
            "phones_invalid": summary.phones_invalid,
            "households": summary.households,
            "seconds": (now_us() - self.started_at) as f64 / 1e6,
        });
        let campaign = self.campaign;
        let actor = self.actor.clone();
        let object = self.batch_id.to_string();
        match &mut self.conn {
            ImportConn::Sqlite(w, _) => {
                w.audit(campaign, &actor, "voters.import", "import_batch", &object, details).await?
            }
            ImportConn::Postgres(w) => {
                w.audit(campaign, &actor, "voters.import", "import_batch", &object, details).await?
            }
        };
        let id = self.batch_id;
        match self.conn {
            ImportConn::Sqlite(w, pool) => {
                w.commit().await?;
                pool.close().await;
            }
            ImportConn::Postgres(w) => w.commit().await?,
        }
        if self.backend == Backend::Postgres && summary.inserted + summary.updated > 0 {
            // Fresh statistics, so the planner sees the new rows and uses the targeting index, and a
            // visibility map, so counts are answered from that index without visiting the rows. VACUUM
            // cannot run inside the import's transaction: it runs just after, before the import returns.
            // The import has committed: a failure here only makes counts slower until autovacuum runs,
            // so it is logged, not returned as a failed import.
            for sql in ["VACUUM (ANALYZE) persons", "VACUUM (ANALYZE) phones"] {
                if let Err(e) = sqlx::query(sql).execute(&self.pool).await {
                    tracing::warn!(batch = id, error = %e, "vacuum after an import failed; counts stay slower until autovacuum");
                }
            }
        }
        Ok(id)
    }

    /// Abandons the import: nothing it wrote remains.
    pub async fn abort(self) -> StoreResult<()> {
        match self.conn {
            ImportConn::Sqlite(w, pool) => {
                w.tx.rollback().await?;
                pool.close().await;
            }
            ImportConn::Postgres(w) => w.tx.rollback().await?,
        }
        Ok(())
    }
}
