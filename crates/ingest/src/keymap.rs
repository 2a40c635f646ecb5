//! The per-file person-key map: which line first carried each person key, so a row repeating a key is
//! rejected naming that line.
//!
//! Why on disk: the map has one entry per row of the file, so in memory it grew with the file (a
//! `HashMap<u64, u64>` took ~36 MB at 1M rows and would take ~140 MB, plus as much again while it
//! resized, at 5M) — the import's memory must not depend on the file's size. Here it is an
//! open-addressing hash table in an anonymous temporary file, read and written a slot group at a time
//! (`pread`/`pwrite`: the operating system's page cache holds the hot part, outside the process), next
//! to an append-only log of the keys themselves. The process holds only the log's write buffer and
//! one slot group, whatever the file's size.
//!
//! Why the log of keys: the table is keyed by a 64-bit hash, and two different keys can share one.
//! A hash match is only a candidate; the key is read back from the log and compared exactly, so a
//! collision never rejects a row (colliding keys simply occupy two slots of the table).
//!
//! The reader thread is the only user; a row costs two small system calls on the hot path, which the
//! reader has time for (it waits on the writer most of the import).

use std::fs::File;
use std::hash::{BuildHasher, RandomState};
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;

/// Bytes per slot: the key's hash, then the log offset of its record plus one (0 marks an empty slot,
/// so a freshly extended — sparse, zero-filled — file is an empty table).
const SLOT: u64 = 16;
/// Slots read at once when probing (one 64-byte group: at the load factor below, nearly every probe
/// ends inside the first group).
const GROUP: u64 = 4;
/// The table doubles when it is half full, so probe sequences stay short.
const MAX_LOAD_NUM: u64 = 1;
const MAX_LOAD_DEN: u64 = 2;

pub(crate) struct KeyMap {
    table: File,
    /// Slots in the table: a power of two.
    capacity: u64,
    len: u64,
    /// Records: line (u64 LE), key length (u32 LE), key bytes.
    log: BufWriter<File>,
    /// Bytes appended to the log so far (some may still sit in the write buffer).
    log_len: u64,
    hasher: RandomState,
    /// Scratch for one slot group.
    group: [u8; (SLOT * GROUP) as usize],
}

impl KeyMap {
    /// An empty map with room for `initial_capacity` slots (rounded up to a power of two, at least
    /// one group) before its first doubling.
    pub(crate) fn new(initial_capacity: u64) -> std::io::Result<KeyMap> {
        let capacity = initial_capacity.max(GROUP).next_power_of_two();
        let table = tempfile::tempfile()?;
        table.set_len(capacity * SLOT)?;
        Ok(KeyMap {
            table,
            capacity,
            len: 0,
            log: BufWriter::with_capacity(64 * 1024, tempfile::tempfile()?),
            log_len: 0,
            hasher: RandomState::new(),
            group: [0; (SLOT * GROUP) as usize],
        })
    }

    /// How many distinct keys the map holds.
    #[cfg(test)]
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Slots in the on-disk table (for the tests of its growth).
    #[cfg(test)]
    pub(crate) fn capacity(&self) -> u64 {
        self.capacity
    }

    /// The line that first carried `key`, if one did; otherwise records `line` as its first line.
    pub(crate) fn first_line_or_insert(&mut self, key: &str, line: u64) -> std::io::Result<Option<u64>> {
        let hash = self.hasher.hash_one(key);
        let mut slot = hash & (self.capacity - 1);
        loop {
            // Read the group holding `slot` (groups are aligned, so a group never runs past the end).
            let group_start = slot & !(GROUP - 1);
            self.table.read_exact_at(&mut self.group, group_start * SLOT)?;
            for s in slot..group_start + GROUP {
                let at = ((s - group_start) * SLOT) as usize;
                let stored_hash = u64::from_le_bytes(self.group[at..at + 8].try_into().expect("8 bytes"));
                let stored = u64::from_le_bytes(self.group[at + 8..at + 16].try_into().expect("8 bytes"));
                if stored == 0 {
                    let offset = self.append(key, line)?;
                    self.table.write_all_at(&slot_bytes(hash, offset), s * SLOT)?;
                    self.len += 1;
                    if self.len * MAX_LOAD_DEN > self.capacity * MAX_LOAD_NUM {
                        self.grow()?;
                    }
                    return Ok(None);
                }
                if stored_hash == hash {
                    let (first, same) = self.record_matches(stored - 1, key)?;
                    if same {
                        return Ok(Some(first));
                    }
                    // Another key with the same hash: keep probing.
                }
            }
            slot = (group_start + GROUP) & (self.capacity - 1);
        }
    }

    fn append(&mut self, key: &str, line: u64) -> std::io::Result<u64> {
        let offset = self.log_len;
        let len = u32::try_from(key.len()).map_err(|_| std::io::Error::other("a person key over 4 GB"))?;
        self.log.write_all(&line.to_le_bytes())?;
        self.log.write_all(&len.to_le_bytes())?;
        self.log.write_all(key.as_bytes())?;
        self.log_len += 12 + u64::from(len);
        Ok(offset)
    }

    /// The record at `offset`: its line, and whether its key is `key`.
    fn record_matches(&mut self, offset: u64, key: &str) -> std::io::Result<(u64, bool)> {
        // Hash matches are rare (a repeated key, or a true collision): flushing here is cheap overall.
        self.log.flush()?;
        let file = self.log.get_ref();
        let mut head = [0u8; 12];
        file.read_exact_at(&mut head, offset)?;
        let line = u64::from_le_bytes(head[..8].try_into().expect("8 bytes"));
        let len = u32::from_le_bytes(head[8..].try_into().expect("4 bytes")) as usize;
        if len != key.len() {
            return Ok((line, false));
        }
        let mut stored = vec![0u8; len];
        file.read_exact_at(&mut stored, offset + 12)?;
        Ok((line, stored == key.as_bytes()))
    }

    /// Doubles the table: every entry moves to its slot in a new file of twice the slots.
    fn grow(&mut self) -> std::io::Result<()> {
        let capacity = self.capacity * 2;
        let table = tempfile::tempfile()?;
        table.set_len(capacity * SLOT)?;
        // Read the old table in large blocks; place each entry by probing the new one.
        let mut block = vec![0u8; (SLOT * 4096) as usize];
        let mut group = [0u8; (SLOT * GROUP) as usize];
        let mut at = 0u64;
        while at < self.capacity {
            let n = (self.capacity - at).min(4096);
            let bytes = &mut block[..(n * SLOT) as usize];
            self.table.read_exact_at(bytes, at * SLOT)?;
            for entry in bytes.chunks_exact(SLOT as usize) {
                let hash = u64::from_le_bytes(entry[..8].try_into().expect("8 bytes"));
                let stored = u64::from_le_bytes(entry[8..].try_into().expect("8 bytes"));
                if stored != 0 {
                    place(&table, capacity, &mut group, hash, stored)?;
                }
            }
            at += n;
        }
        self.table = table;
        self.capacity = capacity;
        Ok(())
    }
}

fn slot_bytes(hash: u64, offset: u64) -> [u8; SLOT as usize] {
    let mut bytes = [0u8; SLOT as usize];
    bytes[..8].copy_from_slice(&hash.to_le_bytes());
    bytes[8..].copy_from_slice(&(offset + 1).to_le_bytes());
    bytes
}

/// Puts an entry (its stored offset already plus one) into the first free slot from its home slot.
fn place(
    table: &File,
    capacity: u64,
    group: &mut [u8; (SLOT * GROUP) as usize],
    hash: u64,
    stored: u64,
) -> std::io::Result<()> {
    let mut slot = hash & (capacity - 1);
    loop {
        let group_start = slot & !(GROUP - 1);
        table.read_exact_at(group, group_start * SLOT)?;
        for s in slot..group_start + GROUP {
            let at = ((s - group_start) * SLOT) as usize;
            if group[at + 8..at + 16] == [0u8; 8] {
                let mut bytes = [0u8; SLOT as usize];
                bytes[..8].copy_from_slice(&hash.to_le_bytes());
                bytes[8..].copy_from_slice(&stored.to_le_bytes());
                return table.write_all_at(&bytes, s * SLOT);
            }
        }
        slot = (group_start + GROUP) & (capacity - 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn repeats_name_the_first_line_across_the_tables_doublings() {
        // A tiny table doubles many times while these keys go in; every repeat, before or after a
        // doubling, must still find its first line.
        let mut map = KeyMap::new(4).unwrap();
        let mut reference: HashMap<String, u64> = HashMap::new();
        let mut line = 1u64;
        for round in 0..3 {
            for i in 0..3_000u64 {
                line += 1;
                // Keys repeat across rounds, and some within a round.
                let key = format!("NC{:06}", (i * 7 + round * 1_000) % 4_000);
                let expected = reference.get(&key).copied();
                assert_eq!(map.first_line_or_insert(&key, line).unwrap(), expected, "key {key} at line {line}");
                reference.entry(key).or_insert(line);
            }
        }
        assert_eq!(map.len(), reference.len() as u64);
        assert!(map.capacity() >= 2 * map.len(), "the table stays at most half full");
        assert!(map.capacity() > 4, "the table grew");
    }

    #[test]
    fn keys_sharing_a_hash_are_told_apart_exactly() {
        // Force every key onto one hash by using the same hasher state and checking the exact compare:
        // two different keys whose stored hash matches must not be taken for each other.
        let mut map = KeyMap::new(8).unwrap();
        assert_eq!(map.first_line_or_insert("A1", 2).unwrap(), None);
        // Write a forged slot: a different key's record under A2's hash, as a collision would.
        let hash = map.hasher.hash_one("A2");
        let offset = map.append("ZZ", 3).unwrap();
        let mut slot = hash & (map.capacity - 1);
        loop {
            let mut bytes = [0u8; 16];
            map.table.read_exact_at(&mut bytes, slot * SLOT).unwrap();
            if bytes[8..] == [0u8; 8] {
                map.table.write_all_at(&slot_bytes(hash, offset), slot * SLOT).unwrap();
                map.len += 1;
                break;
            }
            slot = (slot + 1) & (map.capacity - 1);
        }
        // A2 meets a slot with its hash but another key: it is new, not a repeat of line 3.
        assert_eq!(map.first_line_or_insert("A2", 4).unwrap(), None);
        assert_eq!(map.first_line_or_insert("A2", 5).unwrap(), Some(4));
        assert_eq!(map.first_line_or_insert("A1", 6).unwrap(), Some(2));
        // Same length, different bytes, and a different length, are both told apart.
        assert_eq!(map.first_line_or_insert("A", 7).unwrap(), None);
    }
}
