//! The per-file person-key map: which line first carried each person key, so a row repeating a key is
//! rejected naming that line.
//!
//! Why on disk: the map has one entry per row of the file, so in memory it grew with the file (a
//! `HashMap<u64, u64>` took ~36 MB at 1M rows and would take ~140 MB, plus as much again while it
//! resized, at 5M) — the import's memory must not depend on the file's size. Here each entry — the
//! key's 64-bit hash and where the key sits in an append-only log of keys — is a 16-byte slot of an
//! open-addressing table in an anonymous temporary file; the process keeps one byte per slot (empty,
//! or 7 bits of the hash), so a new key — nearly every row — is placed without reading the disk at
//! all, and a slot is read back only when its byte matches (a repeat, or 1 in 128 otherwise).
//!
//! Why the log of keys: the table is keyed by a hash, and two different keys can share one. A hash
//! match is only a candidate; the key is read back from the log and compared exactly, so a collision
//! never rejects a row (colliding keys simply occupy two slots).
//!
//! Why levels instead of resizing: a full table is not rehashed (that read and rewrote every slot at
//! random); it is frozen, and a table of twice the size takes the new keys. A look-up checks every
//! level's bytes in memory (a key is in at most one level), which costs a few memory reads per level
//! and levels grow geometrically (about ten at 5M rows). Memory: 2–4 bytes per row.

use std::fs::File;
use std::hash::{BuildHasher, RandomState};
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;

/// Bytes per slot on disk: the key's hash, then the log offset of its record.
const SLOT: u64 = 16;

/// One table: its slots on disk, one control byte per slot in memory.
struct Level {
    file: File,
    /// 0: empty; otherwise 0x80 | the hash's top 7 bits.
    control: Vec<u8>,
    len: usize,
}

impl Level {
    fn new(slots: usize) -> std::io::Result<Level> {
        let file = tempfile::tempfile()?;
        // A sparse file: nothing is written until a slot is.
        file.set_len(slots as u64 * SLOT)?;
        Ok(Level { file, control: vec![0; slots], len: 0 })
    }

    fn mask(&self) -> usize {
        self.control.len() - 1
    }

    /// Frozen when half full, so probe sequences stay short.
    fn full(&self) -> bool {
        self.len * 2 >= self.control.len()
    }
}

pub(crate) struct KeyMap {
    /// Oldest first; only the last takes new keys.
    levels: Vec<Level>,
    /// Records: line (u64 LE), key length (u32 LE), key bytes.
    log: BufWriter<File>,
    /// Bytes appended to the log so far (some may still sit in the write buffer).
    log_len: u64,
    hasher: RandomState,
}

fn control_byte(hash: u64) -> u8 {
    0x80 | (hash >> 57) as u8
}

impl KeyMap {
    /// An empty map whose first table has `initial_slots` slots (rounded up to a power of two).
    pub(crate) fn new(initial_slots: usize) -> std::io::Result<KeyMap> {
        Ok(KeyMap {
            levels: vec![Level::new(initial_slots.max(2).next_power_of_two())?],
            log: BufWriter::with_capacity(64 * 1024, tempfile::tempfile()?),
            log_len: 0,
            hasher: RandomState::new(),
        })
    }

    /// Levels so far (for the tests of growth).
    #[cfg(test)]
    pub(crate) fn levels(&self) -> usize {
        self.levels.len()
    }

    /// Bytes the map holds in memory besides the log's write buffer (for the tests of its bound).
    #[cfg(test)]
    pub(crate) fn memory_bytes(&self) -> usize {
        self.levels.iter().map(|l| l.control.len()).sum()
    }

    /// The line that first carried `key`, if one did; otherwise records `line` as its first line.
    pub(crate) fn first_line_or_insert(&mut self, key: &str, line: u64) -> std::io::Result<Option<u64>> {
        let hash = self.hasher.hash_one(key);
        let control = control_byte(hash);
        let newest = self.levels.len() - 1;
        let mut free = 0usize;
        for l in 0..self.levels.len() {
            let mask = self.levels[l].mask();
            let mut slot = hash as usize & mask;
            loop {
                let c = self.levels[l].control[slot];
                if c == 0 {
                    free = slot;
                    break;
                }
                if c == control {
                    let mut stored = [0u8; SLOT as usize];
                    self.levels[l].file.read_exact_at(&mut stored, slot as u64 * SLOT)?;
                    if u64::from_le_bytes(stored[..8].try_into().expect("8 bytes")) == hash {
                        let offset = u64::from_le_bytes(stored[8..].try_into().expect("8 bytes"));
                        let (first, same) = self.record_matches(offset, key)?;
                        if same {
                            return Ok(Some(first));
                        }
                        // Another key with the same hash: keep probing.
                    }
                }
                slot = (slot + 1) & mask;
            }
        }
        // New: into the newest level's first free slot on the key's probe sequence.
        let offset = self.append(key, line)?;
        let mut bytes = [0u8; SLOT as usize];
        bytes[..8].copy_from_slice(&hash.to_le_bytes());
        bytes[8..].copy_from_slice(&offset.to_le_bytes());
        let level = &mut self.levels[newest];
        level.file.write_all_at(&bytes, free as u64 * SLOT)?;
        level.control[free] = control;
        level.len += 1;
        if level.full() {
            let slots = level.control.len() * 2;
            self.levels.push(Level::new(slots)?);
        }
        Ok(None)
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn repeats_name_the_first_line_across_levels() {
        // A tiny first table: the keys spread over many levels, and every repeat, whichever level
        // holds its key, must still find its first line.
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
        assert!(map.levels() > 5, "the keys spread over several levels");
        // The memory bound: one byte per slot, slots at most ~4 per key.
        assert!(
            map.memory_bytes() <= 4 * reference.len() + 8,
            "{} bytes for {} keys",
            map.memory_bytes(),
            reference.len()
        );
    }

    #[test]
    fn keys_sharing_a_hash_are_told_apart_exactly() {
        let mut map = KeyMap::new(8).unwrap();
        assert_eq!(map.first_line_or_insert("A1", 2).unwrap(), None);
        // Forge what a collision leaves: another key's record ("ZZ", line 3) under A2's hash.
        let hash = map.hasher.hash_one("A2");
        let offset = map.append("ZZ", 3).unwrap();
        let level = &mut map.levels[0];
        let mut slot = hash as usize & level.mask();
        while level.control[slot] != 0 {
            slot = (slot + 1) & level.mask();
        }
        let mut bytes = [0u8; SLOT as usize];
        bytes[..8].copy_from_slice(&hash.to_le_bytes());
        bytes[8..].copy_from_slice(&offset.to_le_bytes());
        level.file.write_all_at(&bytes, slot as u64 * SLOT).unwrap();
        level.control[slot] = control_byte(hash);
        level.len += 1;
        // A2 meets a slot with its hash but another key: it is new, not a repeat of line 3.
        assert_eq!(map.first_line_or_insert("A2", 4).unwrap(), None);
        assert_eq!(map.first_line_or_insert("A2", 5).unwrap(), Some(4));
        assert_eq!(map.first_line_or_insert("A1", 6).unwrap(), Some(2));
        assert_eq!(map.first_line_or_insert("ZZ", 7).unwrap(), None, "ZZ was never inserted under its own hash");
    }
}
