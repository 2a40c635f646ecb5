//! Voter imports as a data director runs them: counts that balance, rejects with line and reason,
//! idempotent re-imports, all-or-nothing on a broken file, personal data unreadable at rest, and a
//! lost master key recovered from a key backup.

mod support;

use aho_corasick::AhoCorasick;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::cli::{clearline as run, ok_json};

const DATA: &str = "data@demo.clearline.test";

struct Campaign {
    dir: tempfile::TempDir,
}

impl Campaign {
    fn new() -> Campaign {
        let dir = tempfile::tempdir().unwrap();
        assert!(run(dir.path(), &["demo", "--no-serve", "--voters", "0"]).status.success());
        Campaign { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn gen(&self, layout: &str, rows: u64, seed: u64) -> (PathBuf, Value) {
        let file = self.path().join(format!("{layout}-{rows}-{seed}.txt"));
        let rows = rows.to_string();
        let seed = seed.to_string();
        let stats = ok_json(run(
            self.path(),
            &[
                "--json",
                "gen",
                "voters",
                "--layout",
                layout,
                "--rows",
                &rows,
                "--seed",
                &seed,
                "-o",
                file.to_str().unwrap(),
            ],
        ));
        (file, stats)
    }

    fn import(&self, layout: &str, file: &Path, extra: &[&str]) -> Output {
        let mut args = vec!["--as", DATA, "--json", "import", "voters", "--campaign", "demo", "--layout", layout];
        args.extend_from_slice(extra);
        args.push(file.to_str().unwrap());
        run(self.path(), &args)
    }

    fn show(&self, voter_id: &str) -> Output {
        run(self.path(), &["--as", DATA, "voters", "show", "--campaign", "demo", voter_id])
    }
}

fn nc_column(file: &Path, line: usize, column: &str) -> String {
    let text = std::fs::read(file).unwrap();
    let text: String = text.iter().map(|&b| b as char).collect(); // Latin-1
    let header: Vec<&str> = text.lines().next().unwrap().split('\t').collect();
    let i = header.iter().position(|h| *h == column).unwrap();
    text.lines().nth(line - 1).unwrap().split('\t').nth(i).unwrap().to_string()
}

#[test]
fn nc_import_balances_rejects_with_reasons_and_reimports_idempotently() {
    let c = Campaign::new();
    let (file, stats) = c.gen("nc", 3000, 11);
    let rejects = c.path().join("rejects.csv");
    let report = ok_json(c.import("nc", &file, &["--rejects", rejects.to_str().unwrap()]));
    assert_eq!(report["rows_read"], 3000);
    let n = |k: &str| report[k].as_u64().unwrap();
    assert_eq!(n("rows_read"), n("inserted") + n("updated") + n("unchanged") + n("rejected"), "{report}");
    assert_eq!(n("rejected"), stats["duplicate_keys"].as_u64().unwrap(), "every repeated voter ID is rejected");
    assert_eq!(n("phones_invalid"), stats["invalid_phones"].as_u64().unwrap(), "every invalid phone is rejected");
    assert!(n("phones_valid") > 1500);
    assert_eq!(report["reject_file"], rejects.to_str().unwrap());
    let csv = std::fs::read_to_string(&rejects).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "line,person_key,field,reason,value");
    assert_eq!(lines.len() as u64 - 1, n("rejected") + n("phones_invalid"));
    // Rows are normalized on several threads; the reject file still lists them in file order.
    let reject_lines: Vec<u64> = lines[1..].iter().map(|l| l.split(',').next().unwrap().parse().unwrap()).collect();
    assert!(reject_lines.windows(2).all(|w| w[0] <= w[1]), "rejects in file order: {reject_lines:?}");
    assert!(reject_lines.last() > Some(&2001), "the file spans more than one chunk of 2,000 rows");
    let repeat = lines.iter().find(|l| l.contains("repeats the person key of line")).expect("a repeated key");
    let first_line: usize = repeat.split("of line ").nth(1).unwrap().split(',').next().unwrap().parse().unwrap();
    let this_line: usize = repeat.split(',').next().unwrap().parse().unwrap();
    assert_eq!(
        nc_column(&file, first_line, "ncid"),
        nc_column(&file, this_line, "ncid"),
        "the reject names the first line"
    );

    // The same file again: nothing new, nothing changed.
    let again = ok_json(c.import("nc", &file, &[]));
    assert_eq!((again["inserted"].as_u64(), again["updated"].as_u64()), (Some(0), Some(0)));
    assert_eq!(again["unchanged"], report["inserted"]);
    // The first import linked households as its rows went in; this one recomputed them over the
    // stored campaign (the other path through the on-disk links): the same households.
    assert!(n("households") > 0 && n("households") < n("inserted"), "{report}");
    assert_eq!(again["households"], report["households"]);

    // One changed row is one update.
    let text: String = std::fs::read(&file).unwrap().iter().map(|&b| b as char).collect(); // Latin-1
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    let key = nc_column(&file, 2, "ncid");
    let old_last = nc_column(&file, 2, "last_name");
    lines[1] = lines[1].replacen(&format!("\t{old_last}\t"), "\tZZTESTNAME\t", 1);
    let changed = c.path().join("changed.txt");
    let latin1: Vec<u8> = lines.join("\n").chars().map(|ch| ch as u32 as u8).collect();
    std::fs::write(&changed, latin1).unwrap();
    let third = ok_json(c.import("nc", &changed, &[]));
    assert_eq!(third["updated"], 1, "{third}");
    let shown: Value = serde_json::from_slice(&c.show(&key).stdout).unwrap();
    assert_eq!(shown["last_name"], "ZZTESTNAME");
    assert_eq!(shown["person_key"], key.as_str());

    // Roles without list rights cannot import; nothing is written.
    let out = run(
        c.path(),
        &[
            "--as",
            "analyst@demo.clearline.test",
            "import",
            "voters",
            "--campaign",
            "demo",
            "--layout",
            "nc",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_structurally_broken_file_imports_nothing_and_names_the_line() {
    let c = Campaign::new();
    let (file, _) = c.gen("nc", 800, 5);
    let text = std::fs::read(&file).unwrap();
    let mut lines: Vec<Vec<u8>> = text.split(|&b| b == b'\n').map(|l| l.to_vec()).collect();
    // Line 500 loses a column.
    let pos = lines[499].iter().position(|&b| b == b'\t').unwrap();
    lines[499].remove(pos);
    let broken = c.path().join("broken.txt");
    std::fs::write(&broken, lines.join(&b'\n')).unwrap();
    let out = c.import("nc", &broken, &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken.txt") && err.contains("line 500") && err.contains("nothing was imported"), "{err}");
    let key = nc_column(&file, 2, "ncid");
    assert_eq!(c.show(&key).status.code(), Some(1), "nothing from before line 500 was kept either");

    // Undecodable bytes in a file declared UTF-8 (built from the file's pure-ASCII lines).
    let ascii: Vec<&[u8]> = text.split(|&b| b == b'\n').filter(|l| l.is_ascii()).collect();
    let mut bad = ascii.join(&b'\n');
    let at = bad.iter().enumerate().filter(|(_, b)| **b == b'\n').nth(300).unwrap().0 + 5;
    bad[at] = 0xff;
    let undecodable = c.path().join("undecodable.txt");
    std::fs::write(&undecodable, &bad).unwrap();
    let out = c.import("nc", &undecodable, &["--encoding", "utf-8"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 302"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = c.import("nc", &file, &["--encoding", "klingon"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Every source phone in four formats, every email, every birth date in three formats.
fn needles(fl_file: &Path, nc_file: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut add_phone = |digits: &str| {
        if digits.len() == 10 && !digits.starts_with(['0', '1']) {
            let (a, b, c) = (&digits[..3], &digits[3..6], &digits[6..]);
            out.push(format!("+1{digits}"));
            out.push(digits.to_string());
            out.push(format!("({a}) {b}-{c}"));
            out.push(format!("{a}-{b}-{c}"));
        }
    };
    let nc: String = std::fs::read(nc_file).unwrap().iter().map(|&b| b as char).collect();
    let header: Vec<&str> = nc.lines().next().unwrap().split('\t').collect();
    let phone_col = header.iter().position(|h| *h == "full_phone_number").unwrap();
    for line in nc.lines().skip(1) {
        let raw = line.split('\t').nth(phone_col).unwrap_or("");
        let digits: String = raw.split(['x', '#']).next().unwrap().chars().filter(char::is_ascii_digit).collect();
        add_phone(digits.strip_prefix('1').filter(|d| d.len() == 10).unwrap_or(&digits));
    }
    let fl: String = std::fs::read(fl_file).unwrap().iter().map(|&b| b as char).collect();
    let mut emails = Vec::new();
    let mut dates = Vec::new();
    // Registration dates (field 23) are stored in the clear by design; a birth date that happens to equal
    // someone's registration date cannot be told apart, so those few are left out of the search.
    let nc_registered = header.iter().position(|h| *h == "registr_dt").unwrap();
    let registration: std::collections::HashSet<&str> = fl
        .lines()
        .filter_map(|l| l.split('\t').nth(22))
        .chain(nc.lines().filter_map(|l| l.split('\t').nth(nc_registered)))
        .map(str::trim)
        .collect();
    for line in fl.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 38 {
            continue;
        }
        // Florida (1-based): 22 Birth Date (MM/DD/YYYY), 35-36 area code + number, 38 email.
        add_phone(&format!("{}{}", f[34].trim(), f[35].trim()));
        if f[37].contains('@') {
            emails.push(f[37].trim().to_string());
        }
        let d = f[21].trim();
        if registration.contains(d) {
            continue;
        }
        if let [m, day, y] = d.split('/').collect::<Vec<_>>()[..] {
            dates.push(d.to_string());
            dates.push(format!("{y}-{m}-{day}"));
            // Not YYYYMMDD: SQLite stores columns side by side, so eight bare digits turn up by chance
            // where a registration date meets a precinct number ("08/07/1961" + "022284").
            dates.push(format!("{m}-{day}-{y}"));
        }
    }
    assert!(emails.len() > 20 && dates.len() > 300, "the FL sample has emails ({}) and birth dates", emails.len());
    out.extend(emails);
    out.extend(dates);
    // The demo campaign's own callback number (a 555-01XX line too) is the campaign's, not a voter's.
    let campaign_number = ["+19195550142", "9195550142", "(919) 555-0142", "919-555-0142"];
    out.retain(|n| !campaign_number.contains(&n.as_str()));
    out.sort();
    out.dedup();
    out
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn hits(haystack: &[u8], patterns: &[String]) -> Vec<String> {
    let ac = AhoCorasick::new(patterns).unwrap();
    let mut found: Vec<String> = ac.find_iter(haystack).map(|m| patterns[m.pattern().as_usize()].clone()).collect();
    found.sort();
    found.dedup();
    found
}

#[test]
fn personal_data_is_unreadable_at_rest_on_sqlite() {
    let c = Campaign::new();
    let (nc, _) = c.gen("nc", 1500, 21);
    let (fl, _) = c.gen("fl", 1500, 22);
    let needles = needles(&fl, &nc);
    // Sources live elsewhere: only Clearline's own files are searched.
    let sources = tempfile::tempdir().unwrap();
    let (nc2, fl2) = (sources.path().join("nc.txt"), sources.path().join("fl.txt"));
    std::fs::rename(&nc, &nc2).unwrap();
    std::fs::rename(&fl, &fl2).unwrap();
    ok_json(c.import("nc", &nc2, &[]));
    let report = ok_json(c.import("fl", &fl2, &[]));
    assert!(report["inserted"].as_u64().unwrap() > 1400);
    // The data are there, readable through Clearline with the key...
    let fl_text: String = std::fs::read(&fl2).unwrap().iter().map(|&b| b as char).collect();
    let first: Vec<&str> = fl_text.lines().next().unwrap().split('\t').collect();
    let shown: Value = serde_json::from_slice(&c.show(first[1]).stdout).unwrap();
    if first[37].contains('@') {
        assert_eq!(shown["email"], first[37].trim().to_ascii_lowercase());
    }
    // ...and nowhere in the data directory, its WAL or its shared memory.
    for file in files_under(c.path()) {
        let bytes = std::fs::read(&file).unwrap();
        let found = hits(&bytes, &needles);
        assert!(
            found.is_empty(),
            "{} holds {} personal values in the clear, e.g. {:?}",
            file.display(),
            found.len(),
            &found[..found.len().min(3)]
        );
    }
    // The search itself works: the sources are full of them.
    assert!(!hits(&std::fs::read(&fl2).unwrap(), &needles).is_empty());
}

#[test]
fn a_lost_master_key_is_recovered_from_a_key_backup() {
    let c = Campaign::new();
    let (file, _) = c.gen("nc", 200, 3);
    ok_json(c.import("nc", &file, &[]));
    let key = nc_column(&file, 2, "ncid");
    let before = c.show(&key);
    assert!(before.status.success());
    let pass = c.path().join("passphrase");
    std::fs::write(&pass, "correct horse battery staple\n").unwrap();
    let backup = c.path().join("keys-backup.json");
    let out = run(
        c.path(),
        &["keys", "backup", "--out", backup.to_str().unwrap(), "--passphrase-file", pass.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // A fresh data directory with the database but not the master key.
    let fresh = tempfile::tempdir().unwrap();
    for name in ["clearline.db", "clearline.db-wal", "clearline.db-shm"] {
        let from = c.path().join(name);
        if from.exists() {
            std::fs::copy(&from, fresh.path().join(name)).unwrap();
        }
    }
    let show = |dir: &Path| run(dir, &["--as", DATA, "voters", "show", "--campaign", "demo", &key]);
    let locked = show(fresh.path());
    assert_eq!(locked.status.code(), Some(1), "a new master key cannot open the old data keys");
    let wrong = c.path().join("wrong");
    std::fs::write(&wrong, "not the passphrase at all").unwrap();
    let out =
        run(fresh.path(), &["keys", "restore", backup.to_str().unwrap(), "--passphrase-file", wrong.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let out =
        run(fresh.path(), &["keys", "restore", backup.to_str().unwrap(), "--passphrase-file", pass.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let after = show(fresh.path());
    assert!(after.status.success(), "{}", String::from_utf8_lossy(&after.stderr));
    assert_eq!(after.stdout, before.stdout, "the restored keys read the same record");

    // Rotation keeps everything readable and keeps the old key aside.
    let out = run(fresh.path(), &["keys", "rotate"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(fresh.path().join("master.key.previous").exists());
    assert_eq!(show(fresh.path()).stdout, before.stdout);
}

#[test]
fn personal_data_is_unreadable_at_rest_on_postgres() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    if !runtime.block_on(clearline_store::testing::postgres_available()) {
        return;
    }
    let url = clearline_store::testing::postgres_url();
    let schema = clearline_store::testing::unique_schema("pii");
    let dir = tempfile::tempdir().unwrap();
    let pg = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_clearline"))
            .arg("--data-dir")
            .arg(dir.path())
            .arg("--database-url")
            .arg(&url)
            .args(args)
            .env("CLEARLINE_POSTGRES_SCHEMA", &schema)
            .env_remove("CLEARLINE_MASTER_KEY")
            .output()
            .unwrap()
    };
    assert!(pg(&["demo", "--no-serve", "--voters", "0"]).status.success());
    let sources = tempfile::tempdir().unwrap();
    let (nc, fl) = (sources.path().join("nc.txt"), sources.path().join("fl.txt"));
    for (layout, file, seed) in [("nc", &nc, "31"), ("fl", &fl, "32")] {
        let out =
            pg(&["gen", "voters", "--layout", layout, "--rows", "1200", "--seed", seed, "-o", file.to_str().unwrap()]);
        assert!(out.status.success());
        let out =
            pg(&["--as", DATA, "import", "voters", "--campaign", "demo", "--layout", layout, file.to_str().unwrap()]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let needles = needles(&fl, &nc);
    let (user_host, db) = url.trim_start_matches("postgres://").rsplit_once('/').unwrap();
    let (user, host_port) = user_host.split_once('@').unwrap();
    let (host, port) = host_port.split_once(':').unwrap_or((host_port, "5432"));
    let dump = Command::new("pg_dump")
        .args(["-h", host, "-p", port, "-U", user, "-n", &schema, "--data-only", db])
        .output()
        .expect("pg_dump runs");
    assert!(dump.status.success(), "{}", String::from_utf8_lossy(&dump.stderr));
    assert!(dump.stdout.len() > 100_000, "the dump holds the imported data");
    // bytea columns dump as hex: look for the hex of every value too.
    let mut with_hex = needles.clone();
    with_hex.extend(needles.iter().map(|n| n.bytes().map(|b| format!("{b:02x}")).collect::<String>()));
    let found = hits(&dump.stdout, &with_hex);
    assert!(
        found.is_empty(),
        "pg_dump shows {} personal values in the clear, e.g. {:?}",
        found.len(),
        &found[..found.len().min(3)]
    );
    for file in files_under(dir.path()) {
        assert!(hits(&std::fs::read(&file).unwrap(), &needles).is_empty(), "{}", file.display());
    }
}

/// On PostgreSQL, where rows go in with `COPY`: a file that breaks after whole chunks were written
/// leaves nothing, and the intact file then imports.
#[test]
fn a_file_broken_after_written_chunks_imports_nothing_on_postgres() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    if !runtime.block_on(clearline_store::testing::postgres_available()) {
        return;
    }
    let url = clearline_store::testing::postgres_url();
    let schema = clearline_store::testing::unique_schema("broken_pg");
    let dir = tempfile::tempdir().unwrap();
    let pg = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_clearline"))
            .arg("--data-dir")
            .arg(dir.path())
            .arg("--database-url")
            .arg(&url)
            .args(args)
            .env("CLEARLINE_POSTGRES_SCHEMA", &schema)
            .env_remove("CLEARLINE_MASTER_KEY")
            .output()
            .unwrap()
    };
    assert!(pg(&["demo", "--no-serve", "--voters", "0"]).status.success());
    let sources = tempfile::tempdir().unwrap();
    let file = sources.path().join("nc.txt");
    assert!(pg(&["gen", "voters", "--layout", "nc", "--rows", "20000", "--seed", "5", "-o", file.to_str().unwrap()])
        .status
        .success());
    let text = std::fs::read(&file).unwrap();
    let mut lines: Vec<Vec<u8>> = text.split(|&b| b == b'\n').map(|l| l.to_vec()).collect();
    // Line 19,000 loses a column. The queues between reader and writer hold a few chunks of 1,000
    // rows, so the reader cannot get there before most of the file's chunks went in with `COPY`.
    let pos = lines[18999].iter().position(|&b| b == b'\t').unwrap();
    lines[18999].remove(pos);
    let broken = sources.path().join("broken.txt");
    std::fs::write(&broken, lines.join(&b'\n')).unwrap();
    let import =
        |f: &Path| pg(&["--as", DATA, "import", "voters", "--campaign", "demo", "--layout", "nc", f.to_str().unwrap()]);
    let out = import(&broken);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 19000") && err.contains("nothing was imported"), "{err}");
    let key = nc_column(&file, 2, "ncid");
    let show = |key: &str| pg(&["--as", DATA, "voters", "show", "--campaign", "demo", key]);
    assert_eq!(show(&key).status.code(), Some(1), "nothing from the first chunks was kept");
    let out = import(&file);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(show(&key).status.success());
}

#[test]
fn universes_count_what_was_imported() {
    let c = Campaign::new();
    let (file, _) = c.gen("nc", 600, 8);
    let report = ok_json(c.import("nc", &file, &[]));
    let everyone = r#"{"op":"all","filters":[]}"#;
    let count = |filter: &str| {
        let out = run(c.path(), &["--as", DATA, "--json", "universe", "count", filter]);
        ok_json(out)["count"].as_u64().unwrap()
    };
    assert_eq!(count(everyone), report["inserted"].as_u64().unwrap());
    // Party shares from the file itself.
    let text: String = std::fs::read(&file).unwrap().iter().map(|&b| b as char).collect();
    let header: Vec<&str> = text.lines().next().unwrap().split('\t').collect();
    let (party, key) =
        (header.iter().position(|h| *h == "party_cd").unwrap(), header.iter().position(|h| *h == "ncid").unwrap());
    let mut seen = std::collections::HashSet::new();
    let dems = text
        .lines()
        .skip(1)
        .filter(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            seen.insert(f[key].to_string()) && f[party] == "DEM"
        })
        .count() as u64;
    assert_eq!(count(r#"{"op":"in","field":"party","values":["DEM"]}"#), dems);
    let not_dem = count(r#"{"op":"not","filter":{"op":"in","field":"party","values":["DEM"]}}"#);
    assert_eq!(dems + not_dem, count(everyone));
    let out =
        run(c.path(), &["--as", DATA, "universe", "count", r#"{"op":"in","field":"last_name","values":["SMITH"]}"#]);
    assert_eq!(out.status.code(), Some(2), "names are not targetable");
    let out = run(c.path(), &["--as", "analyst@demo.clearline.test", "universe", "count", everyone]);
    assert_eq!(out.status.code(), Some(1), "analysts do not target");
}

#[test]
fn a_do_not_call_list_is_imported_and_checked_by_blind_index() {
    let c = Campaign::new();
    let list = c.path().join("dnc.csv");
    std::fs::write(&list, "phone,note\n(919) 555-0101,asked by mail\n919.555.0102\nnot a number\n+1 919 555 0101\n")
        .unwrap();
    let out = run(
        c.path(),
        &[
            "--as",
            "compliance@demo.clearline.test",
            "--json",
            "import",
            "dnc",
            "--campaign",
            "demo",
            list.to_str().unwrap(),
        ],
    );
    let report = ok_json(out);
    assert_eq!(
        (report["added"].as_u64(), report["already_listed"].as_u64(), report["invalid"].as_u64()),
        (Some(2), Some(1), Some(1))
    );
    let check = |n: &str| {
        let out = run(
            c.path(),
            &["--as", "compliance@demo.clearline.test", "--json", "voters", "dnc-check", "--campaign", "demo", n],
        );
        ok_json(out)["on_do_not_call"].as_bool().unwrap()
    };
    assert!(check("9195550101"), "any format of a listed number is found");
    assert!(check("1-919-555-0102"));
    assert!(!check("919-555-0103"));
    let out = run(
        c.path(),
        &["--as", "analyst@demo.clearline.test", "import", "dnc", "--campaign", "demo", list.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1), "analysts do not keep the list");
    // Stored by blind index and ciphertext only.
    for file in files_under(c.path()) {
        if file == list {
            continue;
        }
        let found = hits(&std::fs::read(&file).unwrap(), &["9195550101".to_string(), "+19195550102".to_string()]);
        assert!(found.is_empty(), "{} holds {found:?}", file.display());
    }
}

#[test]
fn a_universe_exports_as_csv_with_phones_decrypted_and_formulas_defused() {
    let c = Campaign::new();
    let header = "voter_id,first_name,middle_name,last_name,name_suffix,res_address,res_city,res_state,res_zip,county,birth_year,birth_date,gender,race,party,voter_status,registration_date,precinct,congressional_district,state_house_district,state_senate_district,home_phone,home_phone_line_type,cell_phone,cell_phone_line_type,work_phone,work_phone_line_type,email,vote_history";
    let file = c.path().join("generic.csv");
    std::fs::write(
        &file,
        format!(
            "{header}\n\
             G1,\"=cmd|' /C calc'!A0\",,Doe,,1 Main St,Raleigh,NC,27601,Wake,1980,,F,,DEM,A,,P1,,,,(919) 555-0111,landline,919.555.0112,wireless,,,,\n\
             G2,Ann,,Roe,,2 Main St,Raleigh,NC,27601,Wake,1990,,F,,REP,A,,P1,,,,,,,,,,,\n\
             G3,Bob,,Poe,,3 Main St,Raleigh,NC,27601,Wake,1970,,M,,DEM,A,,P2,,,,919-555-0113,,,,,,,\n"
        ),
    )
    .unwrap();
    ok_json(c.import("generic", &file, &[]));
    let out_file = c.path().join("dems.csv");
    let dems = r#"{"op":"in","field":"party","values":["DEM"]}"#;
    let out = run(
        c.path(),
        &["--as", DATA, "export", "universe", "--campaign", "demo", dems, "-o", out_file.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut reader = csv::Reader::from_path(&out_file).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][0], "G1");
    assert_eq!(&rows[0][1], "'=cmd|' /C calc'!A0", "a formula-like cell is defused");
    assert_eq!((&rows[0][10], &rows[0][11], &rows[0][12]), ("+19195550111", "home", "landline"));
    assert_eq!((&rows[0][13], &rows[0][14], &rows[0][15]), ("+19195550112", "cell", "wireless"));
    assert_eq!((&rows[1][0], &rows[1][10], &rows[1][12]), ("G3", "+19195550113", "unknown"), "unknown stays unknown");
    // An analyst cannot export people; the export itself is in the audit log.
    let out = run(
        c.path(),
        &[
            "--as",
            "analyst@demo.clearline.test",
            "export",
            "universe",
            "--campaign",
            "demo",
            dems,
            "-o",
            out_file.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let log =
        run(c.path(), &["--as", "compliance@demo.clearline.test", "audit", "export", "--action", "universe.export"]);
    assert_eq!(String::from_utf8_lossy(&log.stdout).lines().count(), 1);
}

#[test]
fn a_saved_mapping_imports_a_vendors_own_file_and_a_block_file_gives_line_types() {
    let c = Campaign::new();
    let mapping = c.path().join("vendor.json");
    std::fs::write(
        &mapping,
        r#"{"delimiter": ";", "quoted": false, "header": true, "encoding": "detect",
            "columns": {"voter_id": "ID", "first_name": "Prenom", "last_name": "Nom", "res_state": "Etat",
                        "party": "Parti", "cell_phone": "Portable", "home_phone": "Fixe"}}"#,
    )
    .unwrap();
    let out = run(c.path(), &["--as", DATA, "import", "mapping", "--name", "vendor-append", mapping.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let bad = c.path().join("bad.json");
    std::fs::write(&bad, r#"{"delimiter": ";", "header": true, "columns": {"voter_id": "ID", "nickname": "X"}}"#)
        .unwrap();
    let out = run(c.path(), &["--as", DATA, "import", "mapping", "--name", "typo", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "an unknown field in a mapping is refused, not dropped");

    let file = c.path().join("vendor.csv");
    std::fs::write(&file, "ID;Prenom;Nom;Etat;Parti;Portable;Fixe;Score\nV1;Ann;Lee;NC;DEM;919-555-0120;(919) 555-0121;87\nV2;Bo;Ray;NC;REP;;828.555.0122;12\n").unwrap();
    let blocks = c.path().join("blocks.csv");
    std::fs::write(&blocks, "prefix,line_type\n919555,wireless\n8285550,landline\n").unwrap();
    let report = ok_json(c.import("mapping:vendor-append", &file, &["--line-types", blocks.to_str().unwrap()]));
    assert_eq!((report["inserted"].as_u64(), report["phones_valid"].as_u64()), (Some(2), Some(3)));
    let v1: Value = serde_json::from_slice(&c.show("V1").stdout).unwrap();
    assert_eq!(v1["first_name"], "Ann");
    assert_eq!(v1["party"], "DEM");
    let phones = v1["phones"].as_array().unwrap();
    let by_kind = |kind: &str| phones.iter().find(|p| p["kind"] == kind).unwrap().clone();
    assert_eq!(by_kind("cell")["number"], "+19195550120");
    assert_eq!(by_kind("cell")["line_type"], "wireless", "from the NPA-NXX block file");
    assert_eq!(by_kind("home")["line_type"], "wireless", "the block file says 919-555 is wireless");
    let v2: Value = serde_json::from_slice(&c.show("V2").stdout).unwrap();
    assert_eq!(v2["phones"][0]["line_type"], "landline", "thousands-block 828-555-0 is landline");
    let out = c.import("mapping:nope", &file, &[]);
    assert_eq!(out.status.code(), Some(2), "an unknown mapping name is a usage error");
}

#[test]
fn a_universe_is_renamed_and_deleted_from_the_cli_unless_another_uses_it() {
    let c = Campaign::new();
    let universe = |args: &[&str]| {
        let mut all = vec!["--as", DATA, "universe"];
        all.extend_from_slice(args);
        run(c.path(), &all)
    };
    assert!(universe(&["save", "--name", "Dems", r#"{"op":"in","field":"party","values":["DEM"]}"#]).status.success());
    let out = universe(&["rename", "--name", "Dems", "--to", "Democrats"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listed = |name: &str| universe(&["count", "--name", name]).status.success();
    assert!(listed("Democrats") && !listed("Dems"));
    let id = String::from_utf8_lossy(&out.stdout).split_whitespace().nth(2).unwrap().to_string();
    let refers = format!(r#"{{"op":"not","filter":{{"op":"in_universe","universe_id":{id}}}}}"#);
    assert!(universe(&["save", "--name", "Not Dems", &refers]).status.success());
    // Taken name, and a universe another one selects through: exit 1, the reason named.
    let out = universe(&["rename", "--name", "Not Dems", "--to", "Democrats"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("name is already taken"));
    let out = universe(&["delete", "--name", "Democrats"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("universe:") && err.contains("Not Dems"), "{err}");
    assert!(universe(&["delete", "--name", "Not Dems"]).status.success());
    assert!(universe(&["delete", "--name", "Democrats"]).status.success());
    assert!(!listed("Democrats"));
    assert_eq!(universe(&["delete", "--name", "Democrats"]).status.code(), Some(2), "no such universe");
    let analyst = run(c.path(), &["--as", "analyst@demo.clearline.test", "universe", "delete", "--name", "x"]);
    assert_ne!(analyst.status.code(), Some(0));
}
