//! `cargo run --release -p clearline-voterfile --example voterfile -- gen nc 1000000 42 out.tsv`
//! `cargo run --release -p clearline-voterfile --example voterfile -- read nc out.tsv`
//!
//! Generates a file, or reads one and prints the row count and throughput of the reader alone.

use clearline_voterfile::{generate, open_reader, Layout};
use std::io::Write;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: voterfile gen LAYOUT ROWS SEED FILE | voterfile read LAYOUT FILE";
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["gen", layout, rows, seed, file] => {
            let layout: Layout = layout.parse().expect("layout");
            let start = Instant::now();
            let mut out = std::io::BufWriter::new(std::fs::File::create(file).expect("create"));
            let stats = generate(&layout, rows.parse().expect("rows"), seed.parse().expect("seed"), &mut out)
                .expect("generate");
            out.flush().expect("flush");
            let secs = start.elapsed().as_secs_f64();
            println!("{stats:?}");
            println!("{:.2} s, {:.0} rows/s", secs, stats.rows as f64 / secs);
        }
        ["read", layout, file] => {
            let layout: Layout = layout.parse().expect("layout");
            let start = Instant::now();
            let reader = open_reader(&layout, None, std::fs::File::open(file).expect("open")).expect("header");
            let (mut rows, mut phones) = (0u64, 0u64);
            for row in reader {
                let row = row.unwrap_or_else(|e| panic!("{e}"));
                rows += 1;
                phones += row.fields.phones.len() as u64;
            }
            let secs = start.elapsed().as_secs_f64();
            println!("{rows} rows, {phones} phones, {:.2} s, {:.0} rows/s", secs, rows as f64 / secs);
        }
        _ => eprintln!("{usage}"),
    }
}
