//! An external sort of fixed-size link records, for household linking: records are buffered up to a
//! fixed number, each full buffer is sorted and written to a temporary file as one run, and the runs
//! are merged when the records are read back. Memory is one buffer plus a small read buffer per run,
//! whatever the number of records (the records themselves are hashes and person positions, never
//! personal data in the clear).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;

/// A link: a key (address or phone-and-scope hash) and the position of the person carrying it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Link {
    pub(crate) key: (u64, u64),
    pub(crate) person: u32,
}

const RECORD: usize = 20;

impl Link {
    fn to_bytes(self) -> [u8; RECORD] {
        let mut b = [0u8; RECORD];
        b[..8].copy_from_slice(&self.key.0.to_le_bytes());
        b[8..16].copy_from_slice(&self.key.1.to_le_bytes());
        b[16..].copy_from_slice(&self.person.to_le_bytes());
        b
    }

    fn from_bytes(b: &[u8]) -> Link {
        Link {
            key: (
                u64::from_le_bytes(b[..8].try_into().expect("8 bytes")),
                u64::from_le_bytes(b[8..16].try_into().expect("8 bytes")),
            ),
            person: u32::from_le_bytes(b[16..20].try_into().expect("4 bytes")),
        }
    }
}

/// Records buffered before a run is written: 256k × 24 bytes = 6 MB.
pub(crate) const RUN_RECORDS: usize = 256 * 1024;

pub(crate) struct LinkSorter {
    buffer: Vec<Link>,
    run_records: usize,
    /// The runs written so far: (first record, records), in one temporary file.
    runs: Vec<(u64, u64)>,
    file: Option<BufWriter<File>>,
    written: u64,
}

impl LinkSorter {
    pub(crate) fn new(run_records: usize) -> LinkSorter {
        LinkSorter { buffer: Vec::new(), run_records: run_records.max(1), runs: Vec::new(), file: None, written: 0 }
    }

    pub(crate) fn push(&mut self, link: Link) -> std::io::Result<()> {
        if self.buffer.capacity() == 0 {
            self.buffer.reserve_exact(self.run_records);
        }
        self.buffer.push(link);
        if self.buffer.len() == self.run_records {
            self.spill()?;
        }
        Ok(())
    }

    /// Sorts the buffer and writes it as one run.
    fn spill(&mut self) -> std::io::Result<()> {
        self.buffer.sort_unstable();
        let file = match &mut self.file {
            Some(f) => f,
            None => self.file.insert(BufWriter::with_capacity(1 << 16, tempfile::tempfile()?)),
        };
        for link in &self.buffer {
            file.write_all(&link.to_bytes())?;
        }
        self.runs.push((self.written, self.buffer.len() as u64));
        self.written += self.buffer.len() as u64;
        self.buffer.clear();
        Ok(())
    }

    /// Runs written to disk so far (for the tests of the spill boundary).
    #[cfg(test)]
    pub(crate) fn runs(&self) -> usize {
        self.runs.len()
    }

    /// Every record pushed, in ascending order.
    pub(crate) fn into_sorted(mut self) -> std::io::Result<Sorted> {
        if self.runs.is_empty() {
            // Everything fits in the buffer: no file at all.
            self.buffer.sort_unstable();
            return Ok(Sorted {
                file: None,
                runs: Vec::new(),
                heap: BinaryHeap::new(),
                memory: self.buffer.into_iter(),
            });
        }
        if !self.buffer.is_empty() {
            self.spill()?;
        }
        self.buffer = Vec::new();
        let file = self.file.take().expect("runs were written").into_inner().map_err(|e| e.into_error())?;
        let mut sorted =
            Sorted { file: Some(file), runs: Vec::new(), heap: BinaryHeap::new(), memory: Vec::new().into_iter() };
        for (i, &(start, len)) in self.runs.iter().enumerate() {
            sorted.runs.push(Run { next: start, end: start + len, buf: Vec::new(), at: 0 });
            if let Some(link) = sorted.next_of(i)? {
                sorted.heap.push(Reverse((link, i)));
            }
        }
        Ok(sorted)
    }
}

struct Run {
    /// Next record to read from the file, and the end of the run.
    next: u64,
    end: u64,
    buf: Vec<u8>,
    at: usize,
}

/// Records read back in order: a k-way merge of the runs (or the in-memory buffer when nothing spilled).
pub(crate) struct Sorted {
    file: Option<File>,
    runs: Vec<Run>,
    heap: BinaryHeap<Reverse<(Link, usize)>>,
    memory: std::vec::IntoIter<Link>,
}

/// Records read from a run at once (64 KB).
const READ_RECORDS: u64 = 3_276;

impl Sorted {
    fn next_of(&mut self, run: usize) -> std::io::Result<Option<Link>> {
        let file = self.file.as_ref().expect("a merge reads its file");
        let r = &mut self.runs[run];
        if r.at == r.buf.len() {
            if r.next == r.end {
                r.buf = Vec::new();
                return Ok(None);
            }
            let n = (r.end - r.next).min(READ_RECORDS);
            r.buf.resize(n as usize * RECORD, 0);
            file.read_exact_at(&mut r.buf, r.next * RECORD as u64)?;
            r.next += n;
            r.at = 0;
        }
        let link = Link::from_bytes(&r.buf[r.at..r.at + RECORD]);
        r.at += RECORD;
        Ok(Some(link))
    }

    pub(crate) fn next_link(&mut self) -> std::io::Result<Option<Link>> {
        if self.file.is_none() {
            return Ok(self.memory.next());
        }
        let Some(Reverse((link, run))) = self.heap.pop() else { return Ok(None) };
        if let Some(next) = self.next_of(run)? {
            self.heap.push(Reverse((next, run)));
        }
        Ok(Some(link))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(mut sorted: Sorted) -> Vec<Link> {
        let mut out = Vec::new();
        while let Some(link) = sorted.next_link().unwrap() {
            out.push(link);
        }
        out
    }

    #[test]
    fn records_come_back_sorted_whether_or_not_they_spilled() {
        let links: Vec<Link> = (0..1_000u32)
            .map(|i| Link { key: (u64::from(i.wrapping_mul(2_654_435_761) % 97), u64::from(i % 3)), person: i })
            .collect();
        let mut expected = links.clone();
        expected.sort_unstable();
        for run_records in [1, 7, 100, 999, 1_000, 5_000] {
            let mut sorter = LinkSorter::new(run_records);
            for &l in &links {
                sorter.push(l).unwrap();
                assert!(sorter.buffer.len() < run_records, "the buffer never holds a full run");
            }
            let runs = sorter.runs();
            assert_eq!(runs, 1_000 / run_records, "one run on disk per full buffer ({run_records})");
            assert_eq!(drain(sorter.into_sorted().unwrap()), expected, "run size {run_records}");
        }
        assert!(drain(LinkSorter::new(4).into_sorted().unwrap()).is_empty());
    }
}
