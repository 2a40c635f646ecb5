//! Universes: saved filters compiled to SQL over a campaign's people, their live counts, and the counts
//! kept with each saved universe (stamped with the campaign's data generations, migration 0028).

use crate::db::{Backend, Store};
use crate::error::{StoreError, StoreResult};
use crate::now_us;
use crate::orgs::require_in_org;
use clearline_core::universe::{Field, Filter};
use clearline_core::{Actor, Capability};
use serde::Serialize;
use serde_json::json;
use sqlx::any::AnyArguments;
use sqlx::{Arguments, Row};

/// A saved universe.
#[derive(Clone, Debug, Serialize)]
pub struct Universe {
    pub id: i64,
    pub name: String,
    pub filter: Filter,
}

enum Param {
    Text(String),
    Int(i64),
}

/// Compiles a filter to a SQL condition over `persons p`, pushing parameters in order of appearance.
struct Compiler {
    backend: Backend,
    params: Vec<Param>,
}

impl Compiler {
    fn placeholder(&mut self, p: Param) -> String {
        self.params.push(p);
        self.backend.param(self.params.len())
    }

    fn compile(&mut self, f: &Filter) -> String {
        match f {
            Filter::All { filters } if filters.is_empty() => "1=1".into(),
            Filter::Any { filters } if filters.is_empty() => "1=0".into(),
            Filter::All { filters } => {
                format!("({})", filters.iter().map(|f| self.compile(f)).collect::<Vec<_>>().join(" AND "))
            }
            Filter::Any { filters } => {
                format!("({})", filters.iter().map(|f| self.compile(f)).collect::<Vec<_>>().join(" OR "))
            }
            // NOT over a NULL comparison is NULL; COALESCE makes "not in party X" include unknown party.
            Filter::Not { filter } => format!("(NOT COALESCE({}, 1=0))", self.compile(filter)),
            Filter::In { field, values } => {
                let list: Vec<String> = values.iter().map(|v| self.placeholder(Param::Text(v.clone()))).collect();
                format!("p.{} IN ({})", field.column(), list.join(","))
            }
            Filter::Range { field, min, max } => self.range(field.column(), *min, *max),
            Filter::Age { min, max, on_year } => {
                // age in [min, max] ⇔ birth_year in [on_year − max, on_year − min]
                self.range(Field::BirthYear.column(), max.map(|m| on_year - m), min.map(|m| on_year - m))
            }
            Filter::VotedIn { election } => {
                // vote_history is a JSON array of [election, how]; the election is checked free of
                // LIKE wildcards and quotes (Filter::check).
                let pattern = self.placeholder(Param::Text(format!("%[\"{election}\",%")));
                format!("p.vote_history LIKE {pattern}")
            }
            Filter::OnDoNotCall => {
                "EXISTS (SELECT 1 FROM phones ph JOIN do_not_call d ON d.campaign_id = ph.campaign_id \
                 AND d.number_index = ph.number_index WHERE ph.person_id = p.id)"
                    .into()
            }
            // Resolved before compiling (Store::resolve); never reached.
            Filter::InUniverse { .. } | Filter::Sample { .. } => "1=0".into(),
            // Ids the store drew itself: integers, written into the statement (no parameter limit).
            Filter::People { ids } if ids.is_empty() => "1=0".into(),
            Filter::People { ids } => {
                format!("p.id IN ({})", ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","))
            }
            Filter::HasPhone { line_types } => {
                if line_types.is_empty() {
                    "EXISTS (SELECT 1 FROM phones ph WHERE ph.person_id = p.id)".into()
                } else {
                    let list: Vec<String> =
                        line_types.iter().map(|t| self.placeholder(Param::Text(t.to_ascii_lowercase()))).collect();
                    format!(
                        "EXISTS (SELECT 1 FROM phones ph WHERE ph.person_id = p.id AND ph.line_type IN ({}))",
                        list.join(",")
                    )
                }
            }
        }
    }

    fn range(&mut self, column: &str, min: Option<i64>, max: Option<i64>) -> String {
        let mut parts = Vec::new();
        if let Some(m) = min {
            parts.push(format!("p.{column} >= {}", self.placeholder(Param::Int(m))));
        }
        if let Some(m) = max {
            parts.push(format!("p.{column} <= {}", self.placeholder(Param::Int(m))));
        }
        format!("({})", parts.join(" AND "))
    }
}

/// The households among the people a filter selects: a household counts once however many of its
/// members are selected (an unlinked person is a household of one).
const SELECTED_HOUSEHOLDS: &str = "COUNT(DISTINCT COALESCE(p.household_id, p.id))";

/// The households of the whole campaign, counted without a `DISTINCT`: every household's id is its
/// oldest member's own id (`households.rs`; people are never deleted), so each household has exactly
/// one person whose `household_id` is their `id`. A `DISTINCT` over a million households fed in the
/// targeting index's order (random by household) cost SQLite ~1–1.5 s; this is one pass.
const EVERY_HOUSEHOLD: &str = "COUNT(CASE WHEN p.household_id IS NULL OR p.household_id = p.id THEN 1 END)";

/// How a compiled universe query finds its rows: through the campaign's indexes (counts), or in id
/// order (pages: keyset paging reads each row once over all the pages).
#[derive(Clone, Copy)]
enum Drive {
    Campaign,
    Id,
}

/// A saved universe with the counts stored for it (`None`: never counted).
#[derive(Clone, Debug, Serialize)]
pub struct UniverseWithCounts {
    pub universe: Universe,
    pub counts: Option<StoredCounts>,
}

/// A universe's counts as stored, and whether the campaign's people, phones and (when the universe
/// selects on it) do-not-call list are still what they were counted on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct StoredCounts {
    pub people: u64,
    pub households: u64,
    /// When they were counted (µs since the epoch).
    pub counted_at_us: i64,
    /// `false`: something the universe depends on changed since; the figures are what it was then.
    pub current: bool,
}

/// The campaign's data generations: (people and phones, do-not-call list).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Generations {
    data: i64,
    dnc: i64,
}

/// Whether a filter, at any depth and through the saved universes it names, selects on the
/// do-not-call list. A universe it names that is not in `saved`, or a chain too deep, counts as yes:
/// a count is never taken for current on a guess.
fn uses_do_not_call(filter: &Filter, saved: &std::collections::HashMap<i64, Filter>, depth: usize) -> bool {
    if depth > 8 {
        return true;
    }
    match filter {
        Filter::All { filters } | Filter::Any { filters } => {
            filters.iter().any(|f| uses_do_not_call(f, saved, depth + 1))
        }
        Filter::Not { filter } => uses_do_not_call(filter, saved, depth + 1),
        Filter::Sample { of, .. } => uses_do_not_call(of, saved, depth + 1),
        Filter::InUniverse { universe_id } => {
            saved.get(universe_id).is_none_or(|f| uses_do_not_call(f, saved, depth + 1))
        }
        Filter::OnDoNotCall => true,
        Filter::In { .. }
        | Filter::Range { .. }
        | Filter::Age { .. }
        | Filter::VotedIn { .. }
        | Filter::HasPhone { .. }
        | Filter::People { .. } => false,
    }
}

/// One person of a universe, as exported (phones still sealed).
#[derive(Clone, Debug, Serialize)]
pub struct Member {
    pub id: i64,
    pub person_key: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub res_address: Option<String>,
    pub res_city: Option<String>,
    pub res_state: Option<String>,
    pub res_zip: Option<String>,
    pub party: Option<String>,
    pub precinct: Option<String>,
    pub household_id: Option<i64>,
    #[serde(skip)]
    pub phones: Vec<(String, Vec<u8>, String)>,
}

/// What a sample drew.
#[derive(Clone, Debug, Serialize)]
pub struct Sample {
    pub population: u64,
    pub drawn: u64,
    /// Voter IDs, in draw order.
    pub person_keys: Vec<String>,
    /// Per stratum (when stratified): value → (population, drawn).
    pub strata: Vec<(String, u64, u64)>,
}

/// A drawn sample: ids and voter IDs in draw order, and per stratum (population, drawn).
#[derive(Default)]
struct Drawn {
    population: u64,
    ids: Vec<i64>,
    keys: Vec<String>,
    strata: Vec<(String, u64, u64)>,
}

impl Store {
    /// Replaces `in_universe` references by the saved filters they name (depth-limited: no cycles).
    fn resolve<'a>(
        &'a self,
        campaign: clearline_core::OrgId,
        filter: &'a Filter,
        depth: usize,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = StoreResult<Filter>> + Send + 'a>> {
        Box::pin(async move {
            if depth > 8 {
                return Err(clearline_core::validate::Invalid::new(
                    "filter",
                    "universes refer to each other too deeply (a cycle?)",
                )
                .into());
            }
            Ok(match filter {
                Filter::All { filters } => {
                    let mut out = Vec::new();
                    for f in filters {
                        out.push(self.resolve(campaign, f, depth + 1).await?);
                    }
                    Filter::All { filters: out }
                }
                Filter::Any { filters } => {
                    let mut out = Vec::new();
                    for f in filters {
                        out.push(self.resolve(campaign, f, depth + 1).await?);
                    }
                    Filter::Any { filters: out }
                }
                Filter::Not { filter } => {
                    Filter::Not { filter: Box::new(self.resolve(campaign, filter, depth + 1).await?) }
                }
                Filter::InUniverse { universe_id } => {
                    let row = sqlx::query("SELECT filter_json FROM universes WHERE id = $1 AND campaign_id = $2")
                        .bind(*universe_id)
                        .bind(campaign.0)
                        .fetch_optional(&self.pool)
                        .await?
                        .ok_or_else(|| {
                            clearline_core::validate::Invalid::new(
                                "filter",
                                "in_universe names no universe of this campaign",
                            )
                        })?;
                    let json: String = row.get(0);
                    let saved: Filter = serde_json::from_str(&json).map_err(|e| StoreError::Other(e.to_string()))?;
                    self.resolve(campaign, &saved, depth + 1).await?
                }
                Filter::Sample { of, size, seed, stratify_by } => {
                    let of = self.resolve(campaign, of, depth + 1).await?;
                    let drawn = self.draw(campaign, &of, *size, *seed, *stratify_by).await?;
                    Filter::People { ids: drawn.ids }
                }
                other => other.clone(),
            })
        })
    }

    /// The WHERE clause and parameters for a filter over the campaign.
    async fn compiled(
        &self,
        campaign: clearline_core::OrgId,
        filter: &Filter,
    ) -> StoreResult<(String, AnyArguments<'static>)> {
        let (condition, args, _) = self.compiled_counted(campaign, filter).await?;
        Ok((condition, args))
    }

    /// Like `compiled`, also returning how many parameters it used (to number any that follow).
    async fn compiled_counted(
        &self,
        campaign: clearline_core::OrgId,
        filter: &Filter,
    ) -> StoreResult<(String, AnyArguments<'static>, usize)> {
        self.compiled_for(campaign, filter, Drive::Campaign).await
    }

    async fn compiled_for(
        &self,
        campaign: clearline_core::OrgId,
        filter: &Filter,
        drive: Drive,
    ) -> StoreResult<(String, AnyArguments<'static>, usize)> {
        filter.check().map_err(|e| clearline_core::validate::Invalid::new("filter", e.0))?;
        let resolved = self.resolve(campaign, filter, 0).await?;
        Ok(self.compile_resolved(campaign, &resolved, drive))
    }

    /// The WHERE clause of a filter already resolved (no `in_universe`, no `sample` left).
    fn compile_resolved(
        &self,
        campaign: clearline_core::OrgId,
        resolved: &Filter,
        drive: Drive,
    ) -> (String, AnyArguments<'static>, usize) {
        let mut c = Compiler { backend: self.backend, params: Vec::new() };
        let campaign_param = c.placeholder(Param::Int(campaign.0));
        let condition = c.compile(resolved);
        let used = c.params.len();
        let mut args = AnyArguments::default();
        for p in c.params {
            let _ = match p {
                Param::Text(t) => args.add(t),
                Param::Int(i) => args.add(i),
            };
        }
        // `+p.campaign_id` (a no-op on the value) keeps SQLite from driving a paged scan by the
        // campaign's key index, which sorted the whole campaign for every page.
        let campaign_column = match drive {
            Drive::Campaign => "p.campaign_id",
            Drive::Id => "+p.campaign_id",
        };
        (format!("{campaign_column} = {campaign_param} AND {condition}"), args, used)
    }

    /// How many households a filter reaches (people sharing a household count once).
    pub async fn count_universe_households(&self, actor: &Actor, filter: &Filter) -> StoreResult<u64> {
        Ok(self.count_universe_people_and_households(actor, filter).await?.1)
    }

    /// People and households a filter selects, counted in one pass over the campaign (pages show both;
    /// two queries read the campaign's people twice).
    pub async fn count_universe_people_and_households(
        &self,
        actor: &Actor,
        filter: &Filter,
    ) -> StoreResult<(u64, u64)> {
        let campaign = require_in_org(actor, Capability::EditTargeting, None)?;
        let (condition, args) = self.compiled(campaign, filter).await?;
        let households = if filter.selects_everyone() { EVERY_HOUSEHOLD } else { SELECTED_HOUSEHOLDS };
        let sql = format!("SELECT COUNT(*), {households} FROM persons p WHERE {condition}");
        let row = sqlx::query_with(&sql, args).fetch_one(&self.pool).await?;
        Ok((row.get::<i64, _>(0) as u64, row.get::<i64, _>(1) as u64))
    }

    /// A seeded random sample of a universe (the same seed draws the same people), optionally stratified
    /// by a field with proportional allocation (largest remainders).
    pub async fn sample_universe(
        &self,
        actor: &Actor,
        filter: &Filter,
        size: u64,
        seed: u64,
        stratify_by: Option<Field>,
    ) -> StoreResult<Sample> {
        let campaign = require_in_org(actor, Capability::EditTargeting, None)?;
        filter.check().map_err(|e| clearline_core::validate::Invalid::new("filter", e.0))?;
        let resolved = self.resolve(campaign, filter, 0).await?;
        let drawn = self.draw(campaign, &resolved, size, seed, stratify_by).await?;
        Ok(Sample {
            population: drawn.population,
            drawn: drawn.keys.len() as u64,
            person_keys: drawn.keys,
            strata: if stratify_by.is_some() { drawn.strata } else { Vec::new() },
        })
    }

    /// Draws a seeded sample of a resolved filter's people (in id order, so the same seed over the same
    /// people draws the same sample): proportional allocation over the strata, remainders to the largest
    /// fractional parts (ties by stratum order), each stratum shuffled by the one seeded generator.
    async fn draw(
        &self,
        campaign: clearline_core::OrgId,
        resolved: &Filter,
        size: u64,
        seed: u64,
        stratify_by: Option<Field>,
    ) -> StoreResult<Drawn> {
        use rand::seq::SliceRandom;
        use rand::SeedableRng;
        let (condition, args, _) = self.compile_resolved(campaign, resolved, Drive::Campaign);
        let column = stratify_by.map(|f| format!("CAST(p.{} AS TEXT)", f.column())).unwrap_or_else(|| "''".into());
        let sql = format!("SELECT p.id, p.person_key, {column} FROM persons p WHERE {condition} ORDER BY p.id");
        let rows = sqlx::query_with(&sql, args).fetch_all(&self.pool).await?;
        let mut by_stratum: std::collections::BTreeMap<String, Vec<(i64, String)>> = std::collections::BTreeMap::new();
        for r in &rows {
            let stratum: Option<String> = r.get(2);
            by_stratum.entry(stratum.unwrap_or_default()).or_default().push((r.get(0), r.get(1)));
        }
        let population = rows.len() as u64;
        let size = size.min(population);
        let mut alloc: Vec<(String, u64, f64)> = by_stratum
            .iter()
            .map(|(k, v)| {
                let exact = size as f64 * v.len() as f64 / population.max(1) as f64;
                (k.clone(), exact.floor() as u64, exact - exact.floor())
            })
            .collect();
        let mut left = size - alloc.iter().map(|a| a.1).sum::<u64>();
        let mut order: Vec<usize> = (0..alloc.len()).collect();
        order.sort_by(|&a, &b| alloc[b].2.partial_cmp(&alloc[a].2).unwrap_or(std::cmp::Ordering::Equal));
        for i in order {
            if left == 0 {
                break;
            }
            alloc[i].1 += 1;
            left -= 1;
        }
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut drawn = Drawn { population, ..Drawn::default() };
        for (stratum, take, _) in alloc {
            let mut members = by_stratum.remove(&stratum).unwrap_or_default();
            let pop = members.len() as u64;
            members.shuffle(&mut rng);
            members.truncate(take as usize);
            drawn.strata.push((stratum, pop, members.len() as u64));
            for (id, key) in members {
                drawn.ids.push(id);
                drawn.keys.push(key);
            }
        }
        Ok(drawn)
    }

    /// Records that the actor is exporting a universe's people (call before writing the export).
    pub async fn record_universe_export(&self, actor: &Actor, filter: &Filter, format: &str) -> StoreResult<()> {
        let campaign = require_in_org(actor, Capability::ExportPersonalData, None)?;
        filter.check().map_err(|e| clearline_core::validate::Invalid::new("filter", e.0))?;
        let mut tx = self.write().await?;
        tx.audit(campaign, actor, "universe.export", "universe", "", json!({"format": format, "filter": filter}))
            .await?;
        tx.commit().await
    }

    /// `SELECT columns FROM persons p` for the universe's people after `after_id`, in id order, at most
    /// `limit` (keyset paging keeps memory flat), with its arguments.
    pub(crate) async fn universe_page_query(
        &self,
        campaign: clearline_core::OrgId,
        filter: &Filter,
        columns: &str,
        after_id: i64,
        limit: i64,
    ) -> StoreResult<(String, AnyArguments<'static>)> {
        let (condition, mut args, used) = self.compiled_for(campaign, filter, Drive::Id).await?;
        let (after, limit_param) = (self.backend.param(used + 1), self.backend.param(used + 2));
        let _ = args.add(after_id);
        let _ = args.add(limit.clamp(1, 10_000));
        let sql = format!(
            "SELECT {columns} FROM persons p WHERE {condition} AND p.id > {after} ORDER BY p.id LIMIT {limit_param}"
        );
        Ok((sql, args))
    }

    /// A page of a universe's people in id order, after `after_id` (keyset paging keeps memory flat).
    pub async fn universe_page(
        &self,
        actor: &Actor,
        filter: &Filter,
        after_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<Member>> {
        let campaign = require_in_org(actor, Capability::ExportPersonalData, None)?;
        let (sql, args) = self
            .universe_page_query(
                campaign,
                filter,
                "p.id, p.person_key, p.first_name, p.last_name, p.res_address, p.res_city, p.res_state, p.res_zip, \
                 p.party, p.precinct, p.household_id",
                after_id,
                limit,
            )
            .await?;
        let rows = sqlx::query_with(&sql, args).fetch_all(&self.pool).await?;
        let mut members: Vec<Member> = rows
            .iter()
            .map(|r| Member {
                id: r.get(0),
                person_key: r.get(1),
                first_name: r.get(2),
                last_name: r.get(3),
                res_address: r.get(4),
                res_city: r.get(5),
                res_state: r.get(6),
                res_zip: r.get(7),
                party: r.get(8),
                precinct: r.get(9),
                household_id: r.get(10),
                phones: Vec::new(),
            })
            .collect();
        if let (Some(first), Some(last)) = (members.first().map(|m| m.id), members.last().map(|m| m.id)) {
            // `+campaign_id`: the person-id range is the selective condition (see `dial_facts`).
            let phones = sqlx::query(
                "SELECT person_id, kind, number_enc, line_type FROM phones WHERE +campaign_id = $1 AND person_id >= $2 \
                 AND person_id <= $3 ORDER BY person_id, position",
            )
            .bind(campaign.0)
            .bind(first)
            .bind(last)
            .fetch_all(&self.pool)
            .await?;
            let position: std::collections::HashMap<i64, usize> =
                members.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
            for r in phones {
                if let Some(&i) = position.get(&r.get::<i64, _>(0)) {
                    members[i].phones.push((r.get(1), r.get(2), r.get(3)));
                }
            }
        }
        Ok(members)
    }

    /// How many of the campaign's people a filter selects (live count; nothing is saved).
    pub async fn count_universe(&self, actor: &Actor, filter: &Filter) -> StoreResult<u64> {
        let campaign = require_in_org(actor, Capability::EditTargeting, None)?;
        let (condition, args) = self.compiled(campaign, filter).await?;
        let sql = format!("SELECT COUNT(*) FROM persons p WHERE {condition}");
        let n: i64 = sqlx::query_with(&sql, args).fetch_one(&self.pool).await?.get(0);
        Ok(n as u64)
    }

    /// Saves a named universe for the actor's campaign.
    pub async fn save_universe(&self, actor: &Actor, name: &str, filter: &Filter) -> StoreResult<i64> {
        let campaign = require_in_org(actor, Capability::EditTargeting, None)?;
        filter.check().map_err(|e| clearline_core::validate::Invalid::new("filter", e.0))?;
        let name = universe_name(name)?;
        let mut tx = self.write().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO universes (campaign_id, name, filter_json, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(campaign.0)
        .bind(name)
        .bind(serde_json::to_string(filter).expect("filter serializes"))
        .bind(actor.principal().map(|p| p.user_id.0))
        .bind(now_us())
        .fetch_one(&mut *tx.tx)
        .await
        .map_err(StoreError::conflict_on("name"))?
        .get(0);
        tx.audit(campaign, actor, "universe.create", "universe", &id.to_string(), json!({})).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Renames one of the campaign's universes; its id, and so every program and universe that refers
    /// to it, stays. Programs name their universe in their settings too: those names follow, in the
    /// same transaction, so a call list is still built from the universe the program was set up with.
    pub async fn rename_universe(&self, actor: &Actor, universe_id: i64, name: &str) -> StoreResult<()> {
        let campaign = require_in_org(actor, Capability::EditTargeting, None)?;
        let name = universe_name(name)?;
        let mut tx = self.write().await?;
        let old = universe_name_in(&mut tx, campaign, universe_id).await?;
        if old == name {
            return Ok(());
        }
        sqlx::query("UPDATE universes SET name = $1 WHERE id = $2 AND campaign_id = $3")
            .bind(name)
            .bind(universe_id)
            .bind(campaign.0)
            .execute(&mut *tx.tx)
            .await
            .map_err(StoreError::conflict_on("name"))?;
        let programs = sqlx::query(
            "SELECT id, slug, settings_json FROM programs WHERE universe_id = $1 AND campaign_id = $2 ORDER BY slug",
        )
        .bind(universe_id)
        .bind(campaign.0)
        .fetch_all(&mut *tx.tx)
        .await?;
        let mut slugs = Vec::with_capacity(programs.len());
        for row in &programs {
            // Edited as JSON, not as `ProgramSettings`: only the universe's name changes, every other
            // setting stays byte for byte what it was.
            let json: String = row.get(2);
            let mut settings: serde_json::Value =
                serde_json::from_str(&json).map_err(|e| StoreError::Other(format!("program settings: {e}")))?;
            settings["universe"] = serde_json::Value::String(name.to_string());
            sqlx::query("UPDATE programs SET settings_json = $1 WHERE id = $2")
                .bind(settings.to_string())
                .bind(row.get::<i64, _>(0))
                .execute(&mut *tx.tx)
                .await?;
            slugs.push(row.get::<String, _>(1));
        }
        tx.audit(
            campaign,
            actor,
            "universe.rename",
            "universe",
            &universe_id.to_string(),
            json!({"from": old, "to": name, "programs": slugs}),
        )
        .await?;
        tx.commit().await
    }

    /// Deletes one of the campaign's universes, refused (naming them) while a program draws its call
    /// list from it or another saved universe selects through it (`in_universe`): deleting it would
    /// change what they select.
    pub async fn delete_universe(&self, actor: &Actor, universe_id: i64) -> StoreResult<()> {
        let campaign = require_in_org(actor, Capability::EditTargeting, None)?;
        let mut tx = self.write().await?;
        let name = universe_name_in(&mut tx, campaign, universe_id).await?;
        let programs: Vec<String> =
            sqlx::query("SELECT slug FROM programs WHERE universe_id = $1 AND campaign_id = $2 ORDER BY slug")
                .bind(universe_id)
                .bind(campaign.0)
                .fetch_all(&mut *tx.tx)
                .await?
                .iter()
                .map(|r| r.get(0))
                .collect();
        if !programs.is_empty() {
            return Err(clearline_core::validate::Invalid::new(
                "universe",
                format!("programs draw their call lists from it: {}", programs.join(", ")),
            )
            .into());
        }
        let others =
            sqlx::query("SELECT name, filter_json FROM universes WHERE campaign_id = $1 AND id <> $2 ORDER BY name")
                .bind(campaign.0)
                .bind(universe_id)
                .fetch_all(&mut *tx.tx)
                .await?;
        let mut referring = Vec::new();
        for row in &others {
            let json: String = row.get(1);
            let filter: Filter = serde_json::from_str(&json).map_err(|e| StoreError::Other(e.to_string()))?;
            if filter.refers_to_universe(universe_id) {
                referring.push(row.get::<String, _>(0));
            }
        }
        if !referring.is_empty() {
            return Err(clearline_core::validate::Invalid::new(
                "universe",
                format!("other universes select through it (in another universe): {}", referring.join(", ")),
            )
            .into());
        }
        sqlx::query("DELETE FROM universes WHERE id = $1 AND campaign_id = $2")
            .bind(universe_id)
            .bind(campaign.0)
            .execute(&mut *tx.tx)
            .await?;
        tx.audit(campaign, actor, "universe.delete", "universe", &universe_id.to_string(), json!({"name": name}))
            .await?;
        tx.commit().await
    }

    /// The campaign's saved universes.
    pub async fn list_universes(&self, actor: &Actor) -> StoreResult<Vec<Universe>> {
        // Those who explain dials (compliance officers among them) read the definitions a program's
        // call list is drawn from; only targeting roles change them.
        let campaign = require_in_org(actor, Capability::EditTargeting, None)
            .or_else(|_| require_in_org(actor, Capability::ExplainDials, None))?;
        let rows = sqlx::query("SELECT id, name, filter_json FROM universes WHERE campaign_id = $1 ORDER BY name")
            .bind(campaign.0)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let json: String = r.get(2);
                Ok(Universe {
                    id: r.get(0),
                    name: r.get(1),
                    filter: serde_json::from_str(&json).map_err(|e| StoreError::Other(e.to_string()))?,
                })
            })
            .collect()
    }

    /// The campaign's data generations as committed now (both 0 before anything was written).
    async fn generations(&self, campaign: clearline_core::OrgId) -> StoreResult<Generations> {
        let row = sqlx::query("SELECT generation, dnc_generation FROM campaign_data WHERE campaign_id = $1")
            .bind(campaign.0)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| Generations { data: r.get(0), dnc: r.get(1) }).unwrap_or_default())
    }

    /// How many people the actor's campaign has, as kept by the store with every insert and delete
    /// (`campaign_data`, migration 0028): one row read instead of a count over the campaign.
    pub async fn campaign_people(&self, actor: &Actor) -> StoreResult<u64> {
        let campaign = require_in_org(actor, Capability::EditLists, None)
            .or_else(|_| require_in_org(actor, Capability::EditTargeting, None))?;
        let row = sqlx::query("SELECT people FROM campaign_data WHERE campaign_id = $1")
            .bind(campaign.0)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.get::<i64, _>(0).max(0) as u64).unwrap_or(0))
    }

    /// The campaign's saved universes, each with its stored counts and whether they are current.
    pub async fn universes_with_counts(&self, actor: &Actor) -> StoreResult<Vec<UniverseWithCounts>> {
        let campaign = require_in_org(actor, Capability::EditTargeting, None)?;
        // Read before the counts: a change committed in between makes them look stale, never current.
        let now = self.generations(campaign).await?;
        let rows = sqlx::query(
            "SELECT u.id, u.name, u.filter_json, c.people, c.households, c.generation, c.dnc_generation, c.counted_at \
             FROM universes u LEFT JOIN universe_counts c ON c.universe_id = u.id WHERE u.campaign_id = $1 ORDER BY u.name",
        )
        .bind(campaign.0)
        .fetch_all(&self.pool)
        .await?;
        let mut universes = Vec::with_capacity(rows.len());
        for r in &rows {
            let json: String = r.get(2);
            let filter: Filter = serde_json::from_str(&json).map_err(|e| StoreError::Other(e.to_string()))?;
            universes.push(Universe { id: r.get(0), name: r.get(1), filter });
        }
        let saved: std::collections::HashMap<i64, Filter> =
            universes.iter().map(|u| (u.id, u.filter.clone())).collect();
        Ok(rows
            .iter()
            .zip(universes)
            .map(|(r, universe)| {
                let counts = r.get::<Option<i64>, _>(3).map(|people| {
                    let counted = Generations { data: r.get(5), dnc: r.get(6) };
                    let current = counted.data == now.data
                        && (counted.dnc == now.dnc || !uses_do_not_call(&universe.filter, &saved, 0));
                    StoredCounts {
                        people: people as u64,
                        households: r.get::<i64, _>(4) as u64,
                        counted_at_us: r.get(7),
                        current,
                    }
                });
                UniverseWithCounts { universe, counts }
            })
            .collect())
    }

    /// Counts one saved universe now and stores the counts, stamped with the campaign's generations
    /// read before the count (a change committed during the count leaves them stale). A count that
    /// lost a race to a newer one is not stored over it. Not audited: the figures are derived from
    /// what is stored and change nobody's data.
    pub async fn refresh_universe_counts(&self, actor: &Actor, universe_id: i64) -> StoreResult<(u64, u64)> {
        let campaign = require_in_org(actor, Capability::EditTargeting, None)?;
        let before = self.generations(campaign).await?;
        let row = sqlx::query("SELECT filter_json FROM universes WHERE id = $1 AND campaign_id = $2")
            .bind(universe_id)
            .bind(campaign.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let filter: Filter =
            serde_json::from_str(&row.get::<String, _>(0)).map_err(|e| StoreError::Other(e.to_string()))?;
        let (people, households) = self.count_universe_people_and_households(actor, &filter).await?;
        let mut tx = self.write().await?;
        // `WHERE EXISTS`: a universe deleted meanwhile gets no counts row.
        sqlx::query(
            "INSERT INTO universe_counts (universe_id, campaign_id, people, households, generation, dnc_generation, counted_at) \
             SELECT $1, $2, $3, $4, $5, $6, $7 WHERE EXISTS (SELECT 1 FROM universes WHERE id = $1 AND campaign_id = $2) \
             ON CONFLICT (universe_id) DO UPDATE SET people = EXCLUDED.people, households = EXCLUDED.households, \
             generation = EXCLUDED.generation, dnc_generation = EXCLUDED.dnc_generation, counted_at = EXCLUDED.counted_at \
             WHERE universe_counts.generation <= EXCLUDED.generation AND universe_counts.dnc_generation <= EXCLUDED.dnc_generation",
        )
        .bind(universe_id)
        .bind(campaign.0)
        .bind(people as i64)
        .bind(households as i64)
        .bind(before.data)
        .bind(before.dnc)
        .bind(now_us())
        .execute(&mut *tx.tx)
        .await?;
        tx.commit().await?;
        Ok((people, households))
    }

    /// A saved universe by name.
    pub async fn universe_by_name(&self, actor: &Actor, name: &str) -> StoreResult<Universe> {
        self.list_universes(actor).await?.into_iter().find(|u| u.name == name).ok_or(StoreError::NotFound)
    }
}

/// A universe's name as stored: trimmed, 1-120 characters.
fn universe_name(name: &str) -> StoreResult<&str> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(clearline_core::validate::Invalid::new("name", "must be 1-120 characters").into());
    }
    Ok(name)
}

/// The name of one of the campaign's universes, read inside the write that changes it (another
/// campaign's universe is not found, exactly like a missing one).
async fn universe_name_in(
    tx: &mut crate::db::WriteTx,
    campaign: clearline_core::OrgId,
    universe_id: i64,
) -> StoreResult<String> {
    Ok(sqlx::query("SELECT name FROM universes WHERE id = $1 AND campaign_id = $2")
        .bind(universe_id)
        .bind(campaign.0)
        .fetch_optional(&mut *tx.tx)
        .await?
        .ok_or(StoreError::NotFound)?
        .get(0))
}
