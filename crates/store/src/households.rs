//! Households: people sharing a residential address, or a phone number within one ZIP code, are linked,
//! so a program can call a household once. Recomputed for the whole campaign inside each import's
//! transaction (a new row can join two existing households).
//!
//! Why a phone links people only within one ZIP: data vendors append shared landlines to every
//! resident of an address, but the same number on two people far apart is far more often a stale or
//! recycled append than a household.

use crate::error::StoreResult;
use crate::voters::ImportTx;
use futures::TryStreamExt;
use sqlx::any::AnyArguments;
use sqlx::{Arguments, Row};
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

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

struct UnionFind(Vec<u32>);

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

impl ImportTx {
    /// Links the campaign's people into households and returns how many households there are.
    pub async fn assign_households(&mut self) -> StoreResult<u64> {
        let campaign = self.campaign_id();
        // Person ids in ascending order, with their address key, ZIP and current household.
        let mut ids: Vec<i64> = Vec::new();
        let mut current: Vec<Option<i64>> = Vec::new();
        let mut zips: Vec<u64> = Vec::new();
        let mut first_at_address: HashMap<u64, u32> = HashMap::new();
        let mut uf = UnionFind(Vec::new());
        {
            let mut rows = sqlx::query(
                "SELECT id, res_address, res_zip, household_id FROM persons WHERE campaign_id = $1 ORDER BY id",
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
                let mut h = DefaultHasher::new();
                zip5(zip.as_deref().unwrap_or("")).hash(&mut h);
                zips.push(h.finish());
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
            let mut first_with_phone: HashMap<(u64, u64), u32> = HashMap::new();
            let mut rows = sqlx::query("SELECT person_id, number_index FROM phones WHERE campaign_id = $1")
                .bind(campaign)
                .fetch(&mut **self.tx_mut());
            while let Some(row) = rows.try_next().await? {
                let person: i64 = row.get(0);
                // `ids` is ascending (ORDER BY id), so a binary search finds the person's position.
                let Ok(i) = ids.binary_search(&person) else { continue };
                let i = i as u32;
                let index: Vec<u8> = row.get(1);
                let mut h = DefaultHasher::new();
                index.hash(&mut h);
                let key = (h.finish(), zips[i as usize]);
                match first_with_phone.get(&key) {
                    Some(&first) => uf.union(first, i),
                    None => {
                        first_with_phone.insert(key, i);
                    }
                }
            }
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
        let backend = self.backend_kind();
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
        Ok(households)
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
    fn union_find_keeps_the_oldest_member_as_root() {
        let mut uf = UnionFind((0..5).collect());
        uf.union(3, 4);
        uf.union(4, 1);
        assert_eq!(uf.find(3), 1);
        assert_eq!(uf.find(0), 0);
    }
}
