//! Field-encryption throughput: `cargo run --release -p clearline-vault --example throughput`.

use clearline_vault::{purpose, BlindIndexer, FieldCipher, KeyRing, MasterKey};
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let master = MasterKey::generate();
    let (ring, _) = KeyRing::create(&master, 1);
    let cipher = FieldCipher::new(&ring);
    let plaintext = b"+19195550123"; // 12 bytes
    let n = 2_000_000u32;

    let mut buf = Vec::with_capacity(64);
    let start = Instant::now();
    for _ in 0..n {
        buf.clear();
        cipher.encrypt_into("phone", black_box(plaintext), &mut buf);
        black_box(&buf);
    }
    report("encrypt_into (reused buffer)", n, start);

    let start = Instant::now();
    for _ in 0..n {
        black_box(cipher.encrypt("phone", black_box(plaintext)));
    }
    report("encrypt (new Vec each)", n, start);

    let sealed = cipher.encrypt("phone", plaintext);
    let mut out = Vec::with_capacity(64);
    let start = Instant::now();
    for _ in 0..n {
        out.clear();
        cipher.decrypt_into("phone", black_box(&sealed), &mut out).unwrap();
        black_box(&out);
    }
    report("decrypt_into (reused buffer)", n, start);

    let indexer = BlindIndexer::new(&ring).unwrap();
    let phone = indexer.for_purpose(purpose::PHONE);
    let start = Instant::now();
    for _ in 0..n {
        black_box(phone.index(black_box(plaintext)));
    }
    report("blind index (for_purpose)", n, start);

    let start = Instant::now();
    for _ in 0..n {
        black_box(indexer.index(purpose::PHONE, black_box(plaintext)));
    }
    report("blind index (index, key derived per call)", n, start);
}

fn report(what: &str, n: u32, start: Instant) {
    let secs = start.elapsed().as_secs_f64();
    println!("{what:45} {:>12.0} per second ({:.0} ns each)", f64::from(n) / secs, secs * 1e9 / f64::from(n));
}
