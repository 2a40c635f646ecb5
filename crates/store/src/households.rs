//! Households: people sharing a residential address, or a phone number and a last name within one ZIP
//! code, are linked,
//! so a program can call a household once. Recomputed for the whole campaign inside each import's
//! transaction (a new row can join two existing households).
//!
//! Why a phone links people only within one ZIP: data vendors append shared landlines to every
//! resident of an address, but the same number on two people far apart is far more often a stale or
//! recycled append than a household. Why the last name too: two people at different addresses who
//! share a number are a family (a grown child, a second home) when they share a name; otherwise the
//! number is more often recycled or mistyped. Over-linking is the costly mistake — a household is
//! called once, so every wrongly linked voter is a voter nobody calls.
//!
//! Why a phone shared by more than [`MAX_PHONE_HOUSEHOLD`] people in one ZIP links nobody: such a
//! number is an office, an institution's switchboard or a bad append, not a household line, and
//! linking through it would chain hundreds of unrelated people into one "household" that a program
//! would then call only once.

use crate::bulk_pg::ArrayLiteral;
use crate::error::StoreResult;
use crate::voters::ImportTx;
use futures::TryStreamExt;
use sqlx::any::AnyArguments;
use sqlx::{Arguments, Row};
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

/// The most people one phone number may link within one ZIP code.
pub const MAX_PHONE_HOUSEHOLD: usize = 10;

fn address_key(address: &str, zip: &str) -> Option<u64> {
    let normalized: String = address
        .chars()
        .map(|c| if c.is_alphanumeric() { c.to_ascii_uppercase() } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if normalized.is_empty() {
        return None;
    }
    let mut h = DefaultHasher::new();
    (normalized, zip5(zip)).hash(&mut h);
    Some(h.finish())
}

fn zip5(zip: &str) -> &str {
    zip.get(..5).unwrap_or(zip)
}

#[derive(Default)]
struct UnionFind(Vec<u32>);

/// Links the people who share a phone key, unless more than [`MAX_PHONE_HOUSEHOLD`] do.
fn link_phones(uf: &mut UnionFind, mut links: Vec<((u64, u64), u32)>) {
    links.sort_unstable();
    links.dedup();
    for group in links.chunk_by(|a, b| a.0 == b.0) {
        if group.len() > MAX_PHONE_HOUSEHOLD {
            continue;
        }
        for &(_, i) in &group[1..] {
            uf.union(group[0].1, i);
        }
    }
}

impl UnionFind {
    fn find(&mut self, mut x: u32) -> u32 {
        while self.0[x as usize] != x {
            let parent = self.0[x as usize];
            self.0[x as usize] = self.0[parent as usize];
            x = parent;
        }
        x
    }

    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            // Keep the smaller index as the root: indexes follow person ids, so the root is the
            // household's oldest member and household ids stay stable across re-imports.
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.0[hi as usize] = lo;
        }
    }
}

/// Whom a phone may link a person with: people of the same ZIP code and last name.
fn link_scope(zip: &str, last_name: Option<&str>) -> u64 {
    let mut h = DefaultHasher::new();
    zip5(zip).hash(&mut h);
    last_name.unwrap_or("").trim().to_uppercase().hash(&mut h);
    h.finish()
}

fn phone_key(number_index: &[u8], scope: u64) -> (u64, u64) {
    let mut h = DefaultHasher::new();
    number_index.hash(&mut h);
    (h.finish(), scope)
}

/// Links households as a campaign's first import inserts its people, so each row is written with its
/// household already set and only the few rows whose household later merges into an older one are
/// rewritten at the end (instead of every row of the campaign). Ids must arrive ascending.
#[derive(Default)]
pub(crate) struct HouseholdLinker {
    ids: Vec<i64>,
    uf: UnionFind,
    /// The household each row was written with.
    written: Vec<i64>,
    first_at_address: HashMap<u64, u32>,
    /// (phone key, person index): linked at the end, once it is known how many people share each.
    phone_links: Vec<((u64, u64), u32)>,
}

impl HouseholdLinker {
    /// Adds a person; returns the household id to write with the row.
    pub(crate) fn add<'a>(
        &mut self,
        id: i64,
        address: Option<&str>,
        zip: Option<&str>,
        last_name: Option<&str>,
        phone_indexes: impl Iterator<Item = &'a [u8]>,
    ) -> i64 {
        let i = self.ids.len() as u32;
        self.ids.push(id);
        self.uf.0.push(i);
        let zip_text = zip.unwrap_or("");
        if let Some(key) = address_key(address.unwrap_or(""), zip_text) {
            match self.first_at_address.get(&key) {
                Some(&first) => self.uf.union(first, i),
                None => {
                    self.first_at_address.insert(key, i);
                }
            }
        }
        let scope = link_scope(zip_text, last_name);
        self.phone_links.extend(phone_indexes.map(|index| (phone_key(index, scope), i)));
        let household = self.ids[self.uf.find(i) as usize];
        self.written.push(household);
        household
    }

    /// The number of households and the rows whose household changed after they were written.
    fn finish(mut self) -> (u64, Vec<(i64, i64)>) {
        link_phones(&mut self.uf, std::mem::take(&mut self.phone_links));
        let mut households = 0u64;
        let mut changes = Vec::new();
        for i in 0..self.ids.len() as u32 {
            let root = self.uf.find(i);
            if root == i {
                households += 1;
            }
            let household = self.ids[root as usize];
            if self.written[i as usize] != household {
                changes.push((self.ids[i as usize], household));
            }
        }
        (households, changes)
    }
}

impl ImportTx {
    /// Links the campaign's people into households and returns how many households there are.
    pub async fn assign_households(&mut self) -> StoreResult<u64> {
        if let Some(linker) = self.linker.take() {
            let (households, changes) = linker.finish();
            self.write_households(&changes).await?;
            return Ok(households);
        }
        let campaign = self.campaign_id();
        // Person ids in ascending order, with their address key, ZIP and current household.
        let mut ids: Vec<i64> = Vec::new();
        let mut current: Vec<Option<i64>> = Vec::new();
        let mut scopes: Vec<u64> = Vec::new();
        let mut first_at_address: HashMap<u64, u32> = HashMap::new();
        let mut uf = UnionFind(Vec::new());
        {
            let mut rows = sqlx::query(
                "SELECT id, res_address, res_zip, household_id, last_name FROM persons WHERE campaign_id = $1 \
                 ORDER BY id",
            )
            .bind(campaign)
            .fetch(&mut **self.tx_mut());
            while let Some(row) = rows.try_next().await? {
                let i = ids.len() as u32;
                let id: i64 = row.get(0);
                let address: Option<String> = row.get(1);
                let zip: Option<String> = row.get(2);
                ids.push(id);
                current.push(row.get(3));
                uf.0.push(i);
                let last_name: Option<String> = row.get(4);
                scopes.push(link_scope(zip.as_deref().unwrap_or(""), last_name.as_deref()));
                if let Some(key) = address_key(address.as_deref().unwrap_or(""), zip.as_deref().unwrap_or("")) {
                    match first_at_address.get(&key) {
                        Some(&first) => uf.union(first, i),
                        None => {
                            first_at_address.insert(key, i);
                        }
                    }
                }
            }
        }
        drop(first_at_address);
        {
            // Keyed by 64-bit hashes of (blind index, ZIP): memory per phone stays small on big files.
            let mut phone_links: Vec<((u64, u64), u32)> = Vec::new();
            let mut rows = sqlx::query("SELECT person_id, number_index FROM phones WHERE campaign_id = $1")
                .bind(campaign)
                .fetch(&mut **self.tx_mut());
            while let Some(row) = rows.try_next().await? {
                let person: i64 = row.get(0);
                // `ids` is ascending (ORDER BY id), so a binary search finds the person's position.
                let Ok(i) = ids.binary_search(&person) else { continue };
                let index: Vec<u8> = row.get(1);
                phone_links.push((phone_key(&index, scopes[i]), i as u32));
            }
            drop(rows);
            link_phones(&mut uf, phone_links);
        }
        // Write only what changed, many rows to a statement.
        let mut changes: Vec<(i64, i64)> = Vec::new();
        let mut households = 0u64;
        for i in 0..ids.len() as u32 {
            let root = uf.find(i);
            if root == i {
                households += 1;
            }
            let household = ids[root as usize];
            if current[i as usize] != Some(household) {
                changes.push((ids[i as usize], household));
            }
        }
        self.write_households(&changes).await?;
        Ok(households)
    }

    /// Sets `household_id` on the given `(person id, household id)` pairs, many rows to a statement.
    async fn write_households(&mut self, changes: &[(i64, i64)]) -> StoreResult<()> {
        let backend = self.backend_kind();
        if backend == crate::db::Backend::Postgres && !changes.is_empty() {
            // Two array parameters: one statement, one index plan (see `bulk_pg`).
            let (mut ids, mut households) = (ArrayLiteral::with_capacity(0), ArrayLiteral::with_capacity(0));
            for (id, household) in changes {
                ids.int(Some(*id));
                households.int(Some(*household));
            }
            sqlx::query(
                "UPDATE persons SET household_id = c.household FROM \
                 unnest(CAST($1 AS bigint[]), CAST($2 AS bigint[])) AS c(id, household) WHERE persons.id = c.id",
            )
            .bind(ids.finish())
            .bind(households.finish())
            .execute(&mut **self.tx_mut())
            .await?;
            return Ok(());
        }
        for group in changes.chunks(500) {
            let p = |n: usize| backend.param(n);
            let mut sql = String::from("UPDATE persons SET household_id = CASE id");
            let mut n = 0;
            for _ in group {
                sql.push_str(&format!(" WHEN {} THEN {}", p(n + 1), p(n + 2)));
                n += 2;
            }
            sql.push_str(" END WHERE id IN (");
            let list: Vec<String> = (0..group.len()).map(|k| p(n + k + 1)).collect();
            sql.push_str(&list.join(","));
            sql.push(')');
            let mut args = AnyArguments::default();
            for (id, hh) in group {
                let _ = args.add(*id);
                let _ = args.add(*hh);
            }
            for (id, _) in group {
                let _ = args.add(*id);
            }
            sqlx::query_with(&sql, args).execute(&mut **self.tx_mut()).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_match_whatever_their_punctuation_and_case() {
        assert_eq!(address_key("12 Oak St.", "27601"), address_key("12  OAK ST", "27601-1234"));
        assert_ne!(address_key("12 Oak St", "27601"), address_key("14 Oak St", "27601"));
        assert_ne!(address_key("12 Oak St", "27601"), address_key("12 Oak St", "27605"));
        assert_eq!(address_key("  ", "27601"), None);
    }

    #[test]
    fn a_phone_shared_by_too_many_people_links_nobody() {
        let n = MAX_PHONE_HOUSEHOLD as u32 + 1;
        let mut uf = UnionFind((0..n + 3).collect());
        // One number on n people in one ZIP (an office line), another on two people.
        let mut links: Vec<((u64, u64), u32)> = (0..n).map(|i| ((7, 1), i)).collect();
        links.push(((8, 1), n));
        links.push(((8, 1), n + 2));
        link_phones(&mut uf, links);
        assert!((0..n).all(|i| uf.find(i) == i), "nobody linked through the shared line");
        assert_eq!(uf.find(n + 2), n);
        // At the limit, they are one household.
        let mut uf = UnionFind((0..n).collect());
        link_phones(&mut uf, (0..n - 1).map(|i| ((7, 1), i)).collect());
        assert!((0..n - 1).all(|i| uf.find(i) == 0));
    }

    #[test]
    fn union_find_keeps_the_oldest_member_as_root() {
        let mut uf = UnionFind((0..5).collect());
        uf.union(3, 4);
        uf.union(4, 1);
        assert_eq!(uf.find(3), 1);
        assert_eq!(uf.find(0), 0);
    }
}
