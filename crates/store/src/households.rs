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
//!
//! Memory: the links (a hash of each address, of each phone with its scope) go through an external
//! sort on disk ([`crate::spill`]) instead of in-memory maps, so what stays in memory per person is the
//! union-find's parent (4 bytes) and, on a first import, the household each row was written with
//! (4 bytes): ~8 bytes a person instead of ~130. The result does not depend on the order links are
//! applied in: union-find always keeps the smallest position as a component's root, so a household's id
//! is its oldest member's, exactly as before.

use crate::bulk_pg::ArrayLiteral;
use crate::error::{StoreError, StoreResult};
use crate::spill::{Link, LinkSorter, RUN_RECORDS};
use crate::voters::{on_conn, ImportConn, ImportTx};
use futures::TryStreamExt;
use sqlx::sqlite::SqliteArguments;
use sqlx::{Arguments, Row};
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

/// Addresses remembered while a first import writes its rows, to write each row with its household
/// already right (a guess: the exact households are computed at the end from every link). A bounded
/// window — cleared when full — so memory does not grow with the file: voter files list a household's
/// members together, so the window catches nearly all of them; a member it misses is only rewritten
/// at the end. 512k entries: ~17 MB.
pub(crate) const GUESS_ADDRESSES: usize = 512 * 1024;

/// Household changes written per statement batch.
const CHANGE_BATCH: usize = 20_000;

fn io_error(e: std::io::Error) -> StoreError {
    StoreError::Other(format!("household links on disk: {e}"))
}

/// Person ids by position, as runs of consecutive ids (an import takes its ids in ascending blocks), so
/// the ids cost a few bytes per run instead of eight per person.
#[derive(Default)]
pub(crate) struct IdRuns {
    /// (first position, first id) of each run; positions and ids both ascend.
    runs: Vec<(u32, i64)>,
    len: u32,
}

impl IdRuns {
    /// Appends the id of the next position; ids must ascend.
    pub(crate) fn push(&mut self, id: i64) -> u32 {
        let position = self.len;
        match self.runs.last() {
            Some(&(p, first)) if first + i64::from(position - p) == id => {}
            _ => self.runs.push((position, id)),
        }
        self.len += 1;
        position
    }

    pub(crate) fn len(&self) -> u32 {
        self.len
    }

    pub(crate) fn id(&self, position: u32) -> i64 {
        let run = self.runs.partition_point(|&(p, _)| p <= position) - 1;
        let (p, first) = self.runs[run];
        first + i64::from(position - p)
    }

    /// The position of `id`, if it is one of them.
    pub(crate) fn position(&self, id: i64) -> Option<u32> {
        let run = self.runs.partition_point(|&(_, first)| first <= id).checked_sub(1)?;
        let (p, first) = self.runs[run];
        let end = self.runs.get(run + 1).map_or(self.len, |r| r.0);
        let position = p as i64 + (id - first);
        (position < i64::from(end)).then_some(position as u32)
    }

    #[cfg(test)]
    pub(crate) fn runs(&self) -> usize {
        self.runs.len()
    }
}

/// The most people one phone number may link within one ZIP code.
pub const MAX_PHONE_HOUSEHOLD: usize = 10;

pub(crate) fn address_key(address: &str, zip: &str) -> Option<u64> {
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

/// A growable array of `u32` in fixed blocks: exactly 4 bytes an element (plus the last block's
/// unused part), where a `Vec` doubling its capacity holds up to twice that, and briefly three
/// times while it copies itself to grow (tens of MB at millions of people).
#[derive(Default)]
pub(crate) struct U32s {
    blocks: Vec<Box<[u32]>>,
    len: usize,
}

const U32S_BLOCK: usize = 1 << 16;

impl U32s {
    pub(crate) fn push(&mut self, value: u32) {
        if self.len == self.blocks.len() * U32S_BLOCK {
            self.blocks.push(vec![0; U32S_BLOCK].into_boxed_slice());
        }
        self.blocks[self.len / U32S_BLOCK][self.len % U32S_BLOCK] = value;
        self.len += 1;
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Bytes held (for the test of the bound).
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        self.blocks.len() * U32S_BLOCK * 4
    }
}

impl std::ops::Index<usize> for U32s {
    type Output = u32;
    fn index(&self, i: usize) -> &u32 {
        assert!(i < self.len, "index {i} past {}", self.len);
        &self.blocks[i / U32S_BLOCK][i % U32S_BLOCK]
    }
}

impl std::ops::IndexMut<usize> for U32s {
    fn index_mut(&mut self, i: usize) -> &mut u32 {
        assert!(i < self.len, "index {i} past {}", self.len);
        &mut self.blocks[i / U32S_BLOCK][i % U32S_BLOCK]
    }
}

impl FromIterator<u32> for U32s {
    fn from_iter<I: IntoIterator<Item = u32>>(iter: I) -> Self {
        let mut v = U32s::default();
        iter.into_iter().for_each(|x| v.push(x));
        v
    }
}

#[derive(Default)]
struct UnionFind(U32s);

/// Links the people who share an address key: sorted links, every group joined to its first member.
fn link_sorted_addresses(uf: &mut UnionFind, links: LinkSorter) -> std::io::Result<()> {
    let mut sorted = links.into_sorted()?;
    let mut first: Option<Link> = None;
    while let Some(link) = sorted.next_link()? {
        match first {
            Some(f) if f.key == link.key => uf.union(f.person, link.person),
            _ => first = Some(link),
        }
    }
    Ok(())
}

/// Links the people who share a phone key, unless more than [`MAX_PHONE_HOUSEHOLD`] do (the same rule
/// as [`link_phones`], over sorted links: one group, at most eleven people, in memory at a time).
fn link_sorted_phones(uf: &mut UnionFind, links: LinkSorter) -> std::io::Result<()> {
    let mut sorted = links.into_sorted()?;
    let mut group: Vec<u32> = Vec::new();
    let mut key = None;
    let mut oversized = false;
    let flush = |uf: &mut UnionFind, group: &mut Vec<u32>, oversized: bool| {
        if !oversized && group.len() > 1 {
            for &i in &group[1..] {
                uf.union(group[0], i);
            }
        }
        group.clear();
    };
    while let Some(link) = sorted.next_link()? {
        if key != Some(link.key) {
            flush(uf, &mut group, oversized);
            key = Some(link.key);
            oversized = false;
        }
        // The same person with the same number twice (home and cell) counts once.
        if oversized || group.last() == Some(&link.person) {
            continue;
        }
        group.push(link.person);
        if group.len() > MAX_PHONE_HOUSEHOLD {
            oversized = true;
            group.clear();
        }
    }
    flush(uf, &mut group, oversized);
    Ok(())
}

/// Links the people who share a phone key, unless more than [`MAX_PHONE_HOUSEHOLD`] do (the rule in
/// memory: the reference the sorted form is tested against).
#[cfg(test)]
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
    /// How many components (each root is its own parent).
    fn roots(&mut self) -> u64 {
        (0..self.0.len() as u32).filter(|&i| self.find(i) == i).count() as u64
    }

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
pub(crate) fn link_scope(zip: &str, last_name: Option<&str>) -> u64 {
    let mut h = DefaultHasher::new();
    zip5(zip).hash(&mut h);
    last_name.unwrap_or("").trim().to_uppercase().hash(&mut h);
    h.finish()
}

pub(crate) fn phone_key(number_index: &[u8], scope: u64) -> (u64, u64) {
    let mut h = DefaultHasher::new();
    number_index.hash(&mut h);
    (h.finish(), scope)
}

/// Links households as a campaign's first import inserts its people, so each row is written with its
/// household already set (as far as the address window sees) and only the rows whose household turns
/// out different are rewritten at the end (instead of every row of the campaign). Ids must arrive
/// ascending.
pub(crate) struct HouseholdLinker {
    ids: IdRuns,
    uf: UnionFind,
    /// The position whose id each row was written with as its household.
    written: U32s,
    /// A bounded window of recent addresses (see [`GUESS_ADDRESSES`]): guesses only.
    recent_addresses: HashMap<u64, u32>,
    window: usize,
    /// Every (address key, position) and (phone key, position): the exact links, sorted on disk.
    addresses: LinkSorter,
    phones: LinkSorter,
}

impl Default for HouseholdLinker {
    fn default() -> Self {
        HouseholdLinker::with_limits(GUESS_ADDRESSES, RUN_RECORDS)
    }
}

impl HouseholdLinker {
    /// A linker with a given address window and sort-run size (small ones in tests, to cross them).
    pub(crate) fn with_limits(window: usize, run_records: usize) -> HouseholdLinker {
        HouseholdLinker {
            ids: IdRuns::default(),
            uf: UnionFind::default(),
            written: U32s::default(),
            recent_addresses: HashMap::new(),
            window: window.max(1),
            addresses: LinkSorter::new(run_records),
            phones: LinkSorter::new(run_records),
        }
    }

    /// Adds a person; returns the household id to write with the row.
    pub(crate) fn add<'a>(
        &mut self,
        id: i64,
        address: Option<&str>,
        zip: Option<&str>,
        last_name: Option<&str>,
        phone_indexes: impl Iterator<Item = &'a [u8]>,
    ) -> StoreResult<i64> {
        let i = self.ids.push(id);
        self.uf.0.push(i);
        let zip_text = zip.unwrap_or("");
        if let Some(key) = address_key(address.unwrap_or(""), zip_text) {
            self.addresses.push(Link { key: (key, 0), person: i }).map_err(io_error)?;
            match self.recent_addresses.get(&key) {
                Some(&first) => self.uf.union(first, i),
                None => {
                    if self.recent_addresses.len() >= self.window {
                        // Clearing keeps the table's allocation: the window's memory stays fixed.
                        self.recent_addresses.clear();
                    }
                    self.recent_addresses.insert(key, i);
                }
            }
        }
        let scope = link_scope(zip_text, last_name);
        for index in phone_indexes {
            self.phones.push(Link { key: phone_key(index, scope), person: i }).map_err(io_error)?;
        }
        let root = self.uf.find(i);
        self.written.push(root);
        Ok(self.ids.id(root))
    }

    /// Applies every link; then the households and the rows to rewrite come from [`Self::changes`].
    fn resolve(&mut self) -> StoreResult<u64> {
        self.recent_addresses = HashMap::new();
        let addresses = std::mem::replace(&mut self.addresses, LinkSorter::new(1));
        link_sorted_addresses(&mut self.uf, addresses).map_err(io_error)?;
        let phones = std::mem::replace(&mut self.phones, LinkSorter::new(1));
        link_sorted_phones(&mut self.uf, phones).map_err(io_error)?;
        Ok(self.uf.roots())
    }

    /// Up to `max` rows, from position `*from` on, whose household differs from the one they were
    /// written with: (person id, household id).
    fn changes(&mut self, from: &mut u32, max: usize) -> Vec<(i64, i64)> {
        let mut changes = Vec::new();
        while *from < self.ids.len() && changes.len() < max {
            let i = *from;
            let root = self.uf.find(i);
            if self.written[i as usize] != root {
                changes.push((self.ids.id(i), self.ids.id(root)));
            }
            *from += 1;
        }
        changes
    }
}

impl ImportTx {
    /// Links the campaign's people into households and returns how many households there are.
    pub async fn assign_households(&mut self) -> StoreResult<u64> {
        // The whole-campaign path reads phones back.
        self.write_staged().await?;
        if let Some(mut linker) = self.linker.take() {
            let households = linker.resolve()?;
            let mut from = 0u32;
            loop {
                let changes = linker.changes(&mut from, CHANGE_BATCH);
                if changes.is_empty() {
                    break;
                }
                self.write_households(&changes).await?;
            }
            return Ok(households);
        }
        let campaign = self.campaign_id();
        // The whole campaign, by ascending id: positions, address links, and each phone's link (its
        // scope from its person's ZIP and last name). Links go to disk, not into memory.
        let mut ids = IdRuns::default();
        let mut uf = UnionFind::default();
        let mut addresses = LinkSorter::new(RUN_RECORDS);
        on_conn!(self.conn_mut(), |c| {
            let mut rows =
                sqlx::query("SELECT id, res_address, res_zip FROM persons WHERE campaign_id = $1 ORDER BY id")
                    .bind(campaign)
                    .fetch(c);
            while let Some(row) = rows.try_next().await? {
                let i = ids.push(row.get(0));
                uf.0.push(i);
                let address: Option<String> = row.get(1);
                let zip: Option<String> = row.get(2);
                if let Some(key) = address_key(address.as_deref().unwrap_or(""), zip.as_deref().unwrap_or("")) {
                    addresses.push(Link { key: (key, 0), person: i }).map_err(io_error)?;
                }
            }
        });
        link_sorted_addresses(&mut uf, addresses).map_err(io_error)?;
        {
            let mut phones = LinkSorter::new(RUN_RECORDS);
            on_conn!(self.conn_mut(), |c| {
                let mut rows = sqlx::query(
                    "SELECT ph.person_id, ph.number_index, p.res_zip, p.last_name FROM phones ph \
                     JOIN persons p ON p.id = ph.person_id WHERE ph.campaign_id = $1",
                )
                .bind(campaign)
                .fetch(c);
                while let Some(row) = rows.try_next().await? {
                    let Some(i) = ids.position(row.get(0)) else { continue };
                    let index: Vec<u8> = row.get(1);
                    let zip: Option<String> = row.get(2);
                    let last_name: Option<String> = row.get(3);
                    let scope = link_scope(zip.as_deref().unwrap_or(""), last_name.as_deref());
                    phones.push(Link { key: phone_key(&index, scope), person: i }).map_err(io_error)?;
                }
            });
            link_sorted_phones(&mut uf, phones).map_err(io_error)?;
        }
        let households = uf.roots();
        // Compare with the stored households, by ascending id again, and write only what changed.
        // (The changes are collected while the rows stream: on a re-import they are few.)
        let mut changes: Vec<(i64, i64)> = Vec::new();
        on_conn!(self.conn_mut(), |c| {
            let mut rows = sqlx::query("SELECT id, household_id FROM persons WHERE campaign_id = $1 ORDER BY id")
                .bind(campaign)
                .fetch(c);
            while let Some(row) = rows.try_next().await? {
                let id: i64 = row.get(0);
                let current: Option<i64> = row.get(1);
                let Some(i) = ids.position(id) else { continue };
                let household = ids.id(uf.find(i));
                if current != Some(household) {
                    changes.push((id, household));
                }
            }
        });
        for batch in changes.chunks(CHANGE_BATCH) {
            self.write_households(batch).await?;
        }
        Ok(households)
    }

    /// Sets `household_id` on the given `(person id, household id)` pairs, many rows to a statement.
    async fn write_households(&mut self, changes: &[(i64, i64)]) -> StoreResult<()> {
        let w = match self.conn_mut() {
            ImportConn::Postgres(_) if changes.is_empty() => return Ok(()),
            ImportConn::Postgres(w) => {
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
                .execute(&mut *w.tx)
                .await?;
                return Ok(());
            }
            ImportConn::Sqlite(w, _) => w,
        };
        let backend = crate::db::Backend::Sqlite;
        for group in changes.chunks(500) {
            let p = |n: usize| backend.param(n);
            // `OR FAIL`: no statement journal (see `Store::write_sqlite_import`).
            let mut sql = String::from("UPDATE OR FAIL persons SET household_id = CASE id");
            let mut n = 0;
            for _ in group {
                sql.push_str(&format!(" WHEN {} THEN {}", p(n + 1), p(n + 2)));
                n += 2;
            }
            sql.push_str(" END WHERE id IN (");
            let list: Vec<String> = (0..group.len()).map(|k| p(n + k + 1)).collect();
            sql.push_str(&list.join(","));
            sql.push(')');
            let mut args = SqliteArguments::default();
            for (id, hh) in group {
                let _ = args.add(*id);
                let _ = args.add(*hh);
            }
            for (id, _) in group {
                let _ = args.add(*id);
            }
            // Kept prepared only at the full size: the last group's shape is used once.
            sqlx::query_with(&sql, args).persistent(group.len() == 500).execute(&mut *w.tx).await?;
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

    /// People for the linking tests: ids ascending with gaps, addresses and phones from small pools so
    /// that households form, some phones shared by more than the limit.
    struct Person {
        id: i64,
        address: Option<String>,
        zip: String,
        last_name: String,
        phones: Vec<Vec<u8>>,
    }

    fn people(n: usize, seed: u64) -> Vec<Person> {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut id = 100i64;
        (0..n)
            .map(|_| {
                id += if rng.gen_bool(0.05) { rng.gen_range(2..50) } else { 1 };
                let address = rng.gen_bool(0.9).then(|| format!("{} Oak St", rng.gen_range(0..n / 3 + 1)));
                let phones = (0..rng.gen_range(0..3))
                    .map(|_| {
                        // One office line on many people; otherwise a pool of numbers.
                        if rng.gen_bool(0.05) {
                            b"office".to_vec()
                        } else {
                            format!("n{}", rng.gen_range(0..n / 2 + 1)).into_bytes()
                        }
                    })
                    .collect();
                Person {
                    id,
                    address,
                    zip: ["27601", "27605"][rng.gen_range(0..2)].to_string(),
                    last_name: ["SMITH", "JONES", "LEE"][rng.gen_range(0..3)].to_string(),
                    phones,
                }
            })
            .collect()
    }

    /// The linking as it was done before the links went to disk (every map in memory): the reference.
    /// Returns the household id each person was written with, the final ones, and the household count.
    fn in_memory_reference(people: &[Person]) -> (Vec<i64>, Vec<i64>, u64) {
        let mut uf = UnionFind::default();
        let mut first_at_address: HashMap<u64, u32> = HashMap::new();
        let mut phone_links = Vec::new();
        let mut written = Vec::new();
        for (i, p) in people.iter().enumerate() {
            let i = i as u32;
            uf.0.push(i);
            if let Some(key) = address_key(p.address.as_deref().unwrap_or(""), &p.zip) {
                match first_at_address.get(&key) {
                    Some(&first) => uf.union(first, i),
                    None => {
                        first_at_address.insert(key, i);
                    }
                }
            }
            let scope = link_scope(&p.zip, Some(&p.last_name));
            phone_links.extend(p.phones.iter().map(|ph| (phone_key(ph, scope), i)));
            written.push(people[uf.find(i) as usize].id);
        }
        link_phones(&mut uf, phone_links);
        let finals: Vec<i64> = (0..people.len() as u32).map(|i| people[uf.find(i) as usize].id).collect();
        let households = uf.roots();
        (written, finals, households)
    }

    /// Runs the linker over `people`: the households written, the final ones, and the count.
    fn linked(people: &[Person], mut linker: HouseholdLinker) -> (Vec<i64>, Vec<i64>, u64) {
        let written: Vec<i64> = people
            .iter()
            .map(|p| {
                linker
                    .add(
                        p.id,
                        p.address.as_deref(),
                        Some(&p.zip),
                        Some(&p.last_name),
                        p.phones.iter().map(|ph| &ph[..]),
                    )
                    .unwrap()
            })
            .collect();
        assert!(linker.recent_addresses.len() <= linker.window, "the address window stays bounded");
        let households = linker.resolve().unwrap();
        let mut finals = written.clone();
        let mut from = 0;
        loop {
            let changes = linker.changes(&mut from, 7);
            if changes.is_empty() {
                break;
            }
            for (id, household) in changes {
                let at = people.iter().position(|p| p.id == id).unwrap();
                assert_ne!(finals[at], household, "only rows whose household changed are rewritten");
                finals[at] = household;
            }
        }
        (written, finals, households)
    }

    #[test]
    fn households_on_disk_equal_the_in_memory_linking() {
        for seed in 0..4 {
            let people = people(3_000, seed);
            let (ref_written, ref_finals, ref_households) = in_memory_reference(&people);
            assert!(ref_households < 2_900, "the data forms households");
            // The default limits: nothing spills at this size, and the guesses are the old ones, so
            // exactly the same rows are rewritten.
            let (written, finals, households) = linked(&people, HouseholdLinker::default());
            assert_eq!((&written, &finals, households), (&ref_written, &ref_finals, ref_households));
            // A tiny address window (cleared every few rows) and tiny sort runs (dozens of runs on
            // disk, merged): the guesses differ, the households do not.
            let linker = HouseholdLinker::with_limits(3, 50);
            let (written, finals, households) = linked(&people, linker);
            assert_ne!(written, ref_written, "the small window does guess differently");
            assert_eq!((&finals, households), (&ref_finals, ref_households), "seed {seed}");
        }
    }

    #[test]
    fn sorted_phone_links_follow_the_in_memory_rule() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        for _ in 0..20 {
            let n = 400u32;
            // Keys shared by up to ~14 people, with the same person twice on some keys.
            let links: Vec<((u64, u64), u32)> =
                (0..1_200).map(|_| ((rng.gen_range(0..100), rng.gen_range(0..2)), rng.gen_range(0..n))).collect();
            let mut reference = UnionFind((0..n).collect());
            link_phones(&mut reference, links.clone());
            let mut sorter = LinkSorter::new(64);
            for &(key, person) in &links {
                sorter.push(Link { key, person }).unwrap();
            }
            let mut uf = UnionFind((0..n).collect());
            link_sorted_phones(&mut uf, sorter).unwrap();
            let roots = |uf: &mut UnionFind| (0..n).map(|i| uf.find(i)).collect::<Vec<_>>();
            assert_eq!(roots(&mut uf), roots(&mut reference));
        }
    }

    #[test]
    fn u32s_hold_four_bytes_an_element_in_blocks() {
        let n = 3 * U32S_BLOCK + 5;
        let mut v: U32s = (0..n as u32).collect();
        assert_eq!(v.len(), n);
        assert_eq!(v.bytes(), 4 * 4 * U32S_BLOCK, "four blocks, no doubling slack");
        v[U32S_BLOCK] = 7;
        assert_eq!((v[0], v[U32S_BLOCK - 1], v[U32S_BLOCK], v[n - 1]), (0, U32S_BLOCK as u32 - 1, 7, n as u32 - 1));
    }

    #[test]
    fn id_runs_give_back_every_id_and_position() {
        let ids: Vec<i64> = (1..=10).chain(15..=20).chain([40, 41, 99]).collect();
        let mut runs = IdRuns::default();
        for (i, &id) in ids.iter().enumerate() {
            assert_eq!(runs.push(id), i as u32);
        }
        assert_eq!(runs.runs(), 4, "consecutive ids share a run");
        for (i, &id) in ids.iter().enumerate() {
            assert_eq!(runs.id(i as u32), id);
            assert_eq!(runs.position(id), Some(i as u32));
        }
        for missing in [0, 11, 14, 21, 39, 42, 98, 100] {
            assert_eq!(runs.position(missing), None, "{missing}");
        }
    }
}
