//! A survey program called by bot respondents (issue 5, parts 6 and 7): answers recorded per call,
//! encrypted at rest; the report's rates checked against clearline-survey's functions on the stored
//! dispositions; the CR-52 disclosure from the program's facts; answers and weights in the export, by
//! role; and quotas per cell that stop a full cell being dialed.

mod support;

use clearline_core::disposition::Disposition;
use clearline_survey::rates::{outcome_rates, parse_aapor_code, Counts, Eligibility};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use support::cli::{clearline as run, ok_json, stderr, stdout};

const PM: &str = "programs@demo.clearline.test";
const DATA: &str = "data@demo.clearline.test";
const ANALYST: &str = "analyst@demo.clearline.test";
const SURVEY: &str = "survey-likely-voters";
/// 09:00 Eastern (EDT) on a Tuesday: the calling hours open.
const DAY_ONE: &str = "2026-10-20T13:00:00Z";

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = run(dir, args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

fn n(v: &Value) -> i64 {
    v.as_i64().unwrap_or_else(|| panic!("not an integer: {v}"))
}

/// Voter id → party, from the file the demo imports (NC layout, seed 2026).
fn parties(dir: &Path, rows: &str) -> HashMap<String, String> {
    let file = dir.join("nc.txt");
    ok(dir, &["gen", "voters", "--layout", "nc", "--rows", rows, "--seed", "2026", "-o", file.to_str().unwrap()]);
    let text: String = std::fs::read(&file).unwrap().iter().map(|&b| b as char).collect();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').map(|c| c.trim_matches('"')).collect();
    let id = header.iter().position(|c| *c == "ncid").unwrap();
    let party = header.iter().position(|c| *c == "party_cd").unwrap();
    lines
        .map(|l| l.split('\t').map(|c| c.trim_matches('"').trim().to_string()).collect::<Vec<_>>())
        .filter(|c| c.len() > party)
        .map(|c| (c[id].clone(), c[party].clone()))
        .collect()
}

fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records().map(|rec| header.iter().cloned().zip(rec.unwrap().iter().map(String::from)).collect()).collect()
}

#[test]
fn a_survey_run_records_encrypted_answers_and_reports_rates_toplines_and_the_disclosure() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["demo", "--no-serve", "--voters", "400"]);
    ok(d, &["--as", PM, "program", "start", SURVEY]);
    let report = ok_json(run(
        d,
        &[
            "--as",
            PM,
            "--json",
            "program",
            "simulate",
            SURVEY,
            "--agents",
            "3",
            "--minutes",
            "90",
            "--answer-rate",
            "0.5",
            "--start",
            DAY_ONE,
        ],
    ));
    assert!(n(&report["attempts_finished"]) > 50, "{report}");

    // The cases the report counts, recomputed here from the stored attempts: the last attempt of each
    // person is the case's final disposition; grouped with clearline-survey's verified parser.
    let attempts = ok_json(run(d, &["--as", PM, "--json", "program", "attempts", SURVEY]));
    let mut last: BTreeMap<i64, (i64, String)> = BTreeMap::new();
    for a in attempts.as_array().unwrap() {
        let entry = last.entry(n(&a["person_id"])).or_insert((0, String::new()));
        if n(&a["id"]) > entry.0 {
            *entry = (n(&a["id"]), a["disposition"].as_str().unwrap().to_string());
        }
    }
    let mut counts = Counts::default();
    for (_, code) in last.values() {
        let d = Disposition::from_code(code).unwrap();
        counts.add(parse_aapor_code(d.aapor_code()).unwrap(), 1.0);
    }
    let expected = outcome_rates(&counts, Eligibility::Estimated).unwrap();
    let completes = last.values().filter(|(_, c)| c == "complete").count();
    assert!(completes >= 10, "{completes} completes");
    // Bots that walk the script end where it sends them: screened-out voters are not eligible (4.70).
    assert!(last.values().any(|(_, c)| c == "not_eligible"), "the likely-voter screen sends some out");

    // The analyst reads the report (aggregates only).
    let r = ok_json(run(d, &["--as", ANALYST, "--json", "survey", "report", "--program", SURVEY, "--by", "party"]));
    assert_eq!(n(&r["cases"]) as usize, last.len());
    assert_eq!(n(&r["respondents"]) as usize, completes);
    for (name, value) in expected.by_name() {
        let got = r["aapor"]["rates"][name].as_f64();
        match value {
            Some(v) => assert!((got.unwrap() - v).abs() < 1e-12, "{name}: {got:?} vs {v}"),
            None => assert!(got.is_none(), "{name} undefined"),
        }
    }
    assert_eq!(r["aapor"]["rates"]["e"].as_f64(), expected.e);
    // Unweighted: design effect 1, MOE = 1.96·√(0.25/n).
    assert!((r["design_effect"].as_f64().unwrap() - 1.0).abs() < 1e-12);
    let moe = 1.96 * (0.25 / completes as f64).sqrt();
    assert!((r["margin_of_error"].as_f64().unwrap() - moe).abs() < 1e-9);
    // Toplines follow the skip logic: every respondent consented and is a likely voter (> 3).
    let q = |step: &str| r["questions"].as_array().unwrap().iter().find(|q| q["step"] == step).unwrap().clone();
    let consent = q("consent");
    let yes = &consent["variables"][0]["categories"][0];
    assert_eq!((yes["key"].as_str(), yes["share"].as_f64()), (Some("yes"), Some(1.0)), "{consent}");
    let likely = &q("likely")["variables"][0]["categories"];
    for low in 0..3 {
        assert_eq!(n(&likely[low]["respondents"]), 0, "a respondent who said {} was screened out", low + 1);
    }
    assert_eq!(n(&q("direction")["asked"]) as usize, completes);
    assert_eq!(q("direction")["randomized"], true);
    let shares: f64 = q("direction")["variables"][0]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["share"].as_f64().unwrap())
        .sum();
    assert!((shares - 1.0).abs() < 1e-9);
    assert_eq!(q("issues")["variables"].as_array().unwrap().len(), 5, "one yes/no variable per option");
    assert!(q("comments")["answered_text"].as_u64().is_some(), "open answers counted, never shown");
    // The crosstab by party: each column's shares sum to 1.
    let x = &r["crosstab"];
    assert_eq!(x["by"], "party");
    let direction = x["tables"].as_array().unwrap().iter().find(|t| t["key"] == "direction").unwrap();
    for col in 0..x["columns"].as_array().unwrap().len() {
        let s: f64 =
            direction["rows"].as_array().unwrap().iter().filter_map(|row| row["cells"][col]["share"].as_f64()).sum();
        assert!((s - 1.0).abs() < 1e-9, "column {col}: {s}");
    }

    // Raked to party margins: the weighted party shares meet the targets; deff > 1.
    let targets = d.join("targets.csv");
    std::fs::write(
        &targets,
        "variable,category,target\nparty,DEM,0.36\nparty,REP,0.33\nparty,UNA,0.29\nparty,LIB,0.01\nparty,GRE,0.01\n",
    )
    .unwrap();
    let mut reports = 1;
    let weighted = run(
        d,
        &[
            "--as",
            ANALYST,
            "--json",
            "survey",
            "report",
            "--program",
            SURVEY,
            "--weight-targets",
            targets.to_str().unwrap(),
        ],
    );
    if weighted.status.success() {
        reports += 1;
        let w: Value = serde_json::from_slice(&weighted.stdout).unwrap();
        assert_eq!(w["weighting"]["converged"], true);
        assert!(w["design_effect"].as_f64().unwrap() >= 1.0);
        assert!(w["effective_n"].as_f64().unwrap() <= completes as f64 + 1e-9);
    } else {
        // A party with a target but no respondent is an empty cell: refused, never "converged".
        assert_eq!(weighted.status.code(), Some(1), "{}", stderr(&weighted));
        assert!(
            stderr(&weighted).contains("weight-targets") || stderr(&weighted).contains("targets.csv"),
            "{}",
            stderr(&weighted)
        );
    }
    // Targets over the parties the respondents have: raked exactly.
    let seen: Vec<String> = x["columns"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
    let mut body = "variable,category,target\n".to_string();
    for (i, p) in seen.iter().enumerate() {
        body.push_str(&format!("party,{p},{}\n", 10 + i));
    }
    std::fs::write(&targets, body).unwrap();
    let w = ok_json(run(
        d,
        &[
            "--as",
            ANALYST,
            "--json",
            "survey",
            "report",
            "--program",
            SURVEY,
            "--by",
            "party",
            "--weight-targets",
            targets.to_str().unwrap(),
        ],
    ));
    reports += 1;
    let total: f64 = (0..seen.len()).map(|i| (10 + i) as f64).sum();
    let consent_cols =
        w["crosstab"]["tables"].as_array().unwrap().iter().find(|t| t["key"] == "consent").unwrap().clone();
    let weighted_by_party: Vec<f64> = (0..seen.len())
        .map(|c| {
            consent_cols["rows"].as_array().unwrap().iter().map(|r| r["cells"][c]["weighted"].as_f64().unwrap()).sum()
        })
        .collect();
    let sum: f64 = weighted_by_party.iter().sum();
    for (i, wp) in weighted_by_party.iter().enumerate() {
        assert!((wp / sum - (10 + i) as f64 / total).abs() < 1e-5, "party {} share", seen[i]);
    }

    // The disclosure statement, from the program's facts (CR-52).
    let md = ok(d, &["--as", ANALYST, "survey", "disclosure", "--program", SURVEY]);
    for needle in [
        "Sponsor: Friends of Jordan Rivera",
        "granite-calls",
        "Which of these issues matter most to you? Choose any that apply.",
        "options in random order",
        "Registered voters",
        "Field dates: 2026-10-20",
        &format!("complete interviews: {completes}"),
        "**Simulated data**",
        "unweighted",
        "Limitations",
    ] {
        assert!(md.contains(needle), "the disclosure lacks {needle:?}:\n{md}");
    }

    // Answers are encrypted at rest: no answer text is in the database files.
    for entry in std::fs::read_dir(d).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            for plain in ["Fix the potholes", "More bus routes", "\"choice\""] {
                assert!(!bytes.windows(plain.len()).any(|w| w == plain.as_bytes()), "{plain:?} in {}", path.display());
            }
        }
    }

    // The export: answers for roles that may export personal data, defused; not for the analyst.
    let csv_path = d.join("results.csv");
    ok(
        d,
        &[
            "--as",
            DATA,
            "export",
            "results",
            "--program",
            SURVEY,
            "--weight-targets",
            targets.to_str().unwrap(),
            "-o",
            csv_path.to_str().unwrap(),
        ],
    );
    let rows = read_csv(&csv_path);
    let header: Vec<&String> = rows[0].keys().collect();
    for col in [
        "answer_consent",
        "answer_likely",
        "answer_issues",
        "answer_direction",
        "answer_age",
        "answer_comments",
        "weight",
    ] {
        assert!(header.iter().any(|h| *h == col), "{col} in {header:?}");
    }
    let complete_rows: Vec<_> = rows.iter().filter(|r| r["disposition"] == "complete").collect();
    assert_eq!(complete_rows.len(), completes);
    assert!(complete_rows.iter().all(|r| r["answer_consent"] == "yes" && !r["weight"].is_empty()));
    assert!(rows.iter().filter(|r| r["disposition"] != "complete").all(|r| r["weight"].is_empty()));
    let weight_sum: f64 = complete_rows.iter().map(|r| r["weight"].parse::<f64>().unwrap()).sum();
    assert!((weight_sum - completes as f64).abs() < 1e-6, "weights keep the respondents' count");
    // A typed answer that starts like a formula is defused (bots type "+1 for the new library").
    let comments: Vec<&String> = rows.iter().map(|r| &r["answer_comments"]).filter(|c| !c.is_empty()).collect();
    assert!(!comments.is_empty());
    assert!(comments.iter().all(|c| !c.starts_with(['=', '+', '-', '@'])), "{comments:?}");
    assert!(comments.iter().any(|c| c.contains("+1 for the new library")), "{comments:?}");
    let analyst_path = d.join("analyst.csv");
    ok(d, &["--as", ANALYST, "export", "results", "--program", SURVEY, "-o", analyst_path.to_str().unwrap()]);
    let analyst = std::fs::read_to_string(&analyst_path).unwrap();
    assert!(!analyst.lines().next().unwrap().contains("answer_"), "no answers for a role without export_personal_data");

    // A role without view_results reads nothing (the script approver), and is not audited as reading.
    let refused = run(d, &["--as", "scripts@demo.clearline.test", "--json", "survey", "report", "--program", SURVEY]);
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    assert!(stdout(&refused).is_empty());
    let refused = run(d, &["survey", "disclosure", "--program", SURVEY]);
    assert_eq!(refused.status.code(), Some(2), "no --as: a usage error");

    // Every read is audited.
    let log = ok(d, &["--as", "owner@demo.clearline.test", "audit", "export"]);
    let actions: Vec<String> = log
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["action"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        actions.iter().filter(|a| *a == "survey.report").count(),
        reports,
        "each report (a refused one is none)"
    );
    assert_eq!(actions.iter().filter(|a| *a == "survey.disclosure").count(), 1);

    the_report_page_shows_the_clis_crosstabs_and_weights(d, &r);
    the_page_and_the_api_trim_take_e_and_disclose_the_weighting_as_the_cli_does(d, &r, &seen);
}

/// `clearline serve` on an existing data directory, killed on drop.
struct Served(std::process::Child, String);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(dir: &Path) -> Served {
    let port = support::free_port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_clearline"))
        .arg("--data-dir")
        .arg(dir)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env_remove("CLEARLINE_MASTER_KEY")
        .env_remove("CLEARLINE_DATABASE_URL")
        .env_remove("CLEARLINE_LOG")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    Served(child, format!("http://127.0.0.1:{port}"))
}

/// The analyst signed in over HTTP (no second factor for the role), once the server is ready.
async fn analyst_client(dir: &Path, base: &str) -> reqwest::Client {
    let creds: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("demo-credentials.json")).unwrap()).unwrap();
    let password = creds.as_array().unwrap().iter().find(|u| u["email"] == ANALYST).unwrap()["password"]
        .as_str()
        .unwrap()
        .to_string();
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let login = support::poll_until(std::time::Duration::from_secs(60), "the server to listen", || async {
        client.get(format!("{base}/login")).send().await.ok()?.text().await.ok()
    })
    .await;
    let mut form = vec![("email", ANALYST.to_string()), ("password", password)];
    if let Some(csrf) = login.split("name=\"csrf\" value=\"").nth(1).and_then(|r| r.split('"').next()) {
        form.push(("csrf", csrf.to_string()));
    }
    let r = client.post(format!("{base}/login")).form(&form).send().await.unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    client
}

/// The text of the element with this id (tags dropped, spaces collapsed), as a reader would see it.
/// The element holds no element of its own kind (true of the page's tables, lists and sections).
fn text_of(html: &str, id: &str) -> String {
    let at = html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id} on the page"));
    let start = html[..at].rfind('<').unwrap();
    let tag: String = html[start + 1..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
    let rest = &html[start..];
    let end = rest.find(&format!("</{tag}>")).unwrap();
    let mut text = String::new();
    let mut in_tag = false;
    for ch in rest[..end].chars() {
        match ch {
            '<' => {
                in_tag = true;
                text.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    [("&#39;", "'"), ("&#34;", "\""), ("&quot;", "\""), ("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&")]
        .iter()
        .fold(text, |t, (entity, ch)| t.replace(entity, ch))
}

fn pct_text(v: &Value) -> String {
    v.as_f64().map_or_else(|| "—".into(), |s| format!("{:.1} %", s * 100.0))
}

/// The rows of `#survey-margins`: (field, category, people in the call list, respondents).
fn margins_of(html: &str) -> Vec<(String, String, u64, u64)> {
    let start = html.find("id=\"survey-margins\"").expect("the margins table");
    let table = &html[start..start + html[start..].find("</table>").unwrap()];
    table
        .split("<tr>")
        .skip(2) // the table's opening and the header row
        .map(|row| {
            let cells: Vec<String> = row
                .split("</t")
                .filter_map(|c| c.rsplit('>').next())
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect();
            (cells[0].clone(), cells[1].clone(), cells[2].parse().unwrap(), cells[4].parse().unwrap())
        })
        .collect()
}

/// The report page shows what `clearline survey report` computes: the crosstab by party (column n and
/// shares), weights to the call list's own margins (checked against the CLI given the same margins as
/// a targets file, and by hand: raking on one field is post-stratification, so a weighted share is the
/// population-weighted mean of the crosstab's column shares), the precise reason when margins cannot
/// be met, a clear message for an unknown field, and an audit event per view naming what it showed.
fn the_report_page_shows_the_clis_crosstabs_and_weights(d: &Path, by_party: &Value) {
    let server = serve(d);
    let base = server.1.clone();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let get = |client: &reqwest::Client, query: &str| {
        let url = format!("{base}/programs/{SURVEY}/survey{query}");
        let client = client.clone();
        rt.block_on(async move {
            let r = client.get(url).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        })
    };
    let client = rt.block_on(analyst_client(d, &base));

    // Crosstab by party: each column's n and shares are the CLI's.
    let (status, page) = get(&client, "?by=party");
    assert_eq!(status, 200, "{page}");
    let x = &by_party["crosstab"];
    let columns: Vec<&str> = x["columns"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    let direction = x["tables"].as_array().unwrap().iter().find(|t| t["key"] == "direction").unwrap();
    let table = text_of(&page, "crosstab-direction");
    for (c, col) in columns.iter().enumerate() {
        let n: u64 =
            direction["rows"].as_array().unwrap().iter().map(|r| r["cells"][c]["respondents"].as_u64().unwrap()).sum();
        assert!(table.contains(&format!("{col} (n = {n})")), "column {col} n = {n}: {table}");
    }
    for row in direction["rows"].as_array().unwrap() {
        let cells: Vec<String> = (0..columns.len()).map(|c| pct_text(&row["cells"][c]["share"])).collect();
        let expected = format!("{} {}", row["label"].as_str().unwrap(), cells.join(" "));
        assert!(table.contains(&expected), "{expected:?} in {table}");
    }

    // An unknown field: a message on the page (422), not a server error; the field is only named.
    let (status, page) = get(&client, "?by=shoe_size");
    assert_eq!(status, 422);
    assert!(text_of(&page, "survey-refused").contains("`shoe_size` is not a voter field of the report: one of party"));

    // Weighted to the call list's precincts: a precinct with no respondent cannot be met; the page
    // says which and why, and stays unweighted (never "converged").
    let (status, page) = get(&client, "?weight=precinct");
    assert_eq!(status, 200);
    let refusal = text_of(&page, "survey-weight-refused");
    assert!(
        refusal.contains("variable `precinct`, category `")
            && refusal.contains("has a target but no respondents (an empty cell: no weighting can meet it)"),
        "{refusal}"
    );
    assert!(!page.contains("id=\"survey-weighting\"") && text_of(&page, "survey-summary").contains("Unweighted."));

    // Weighted to the call list's gender margins, broken down by party.
    let (status, page) = get(&client, "?by=party&weight=gender");
    assert_eq!(status, 200, "{page}");
    assert!(!page.contains("id=\"survey-weight-refused\""), "{}", text_of(&page, "survey-weight-refused"));
    let margins = margins_of(&page);
    assert!(margins.len() >= 2 && margins.iter().all(|m| m.0 == "gender"), "{margins:?}");
    // The same margins as a targets file give the CLI's weighted report.
    let targets = d.join("page-targets.csv");
    let mut body = "variable,category,target\n".to_string();
    for (field, category, people, _) in &margins {
        body.push_str(&format!("{field},{category},{people}\n"));
    }
    std::fs::write(&targets, body).unwrap();
    let w = ok_json(run(
        d,
        &[
            "--as",
            ANALYST,
            "--json",
            "survey",
            "report",
            "--program",
            SURVEY,
            "--by",
            "party",
            "--weight-targets",
            targets.to_str().unwrap(),
        ],
    ));
    assert!(text_of(&page, "survey-weighted-deff").contains(&format!("{:.2}", w["design_effect"].as_f64().unwrap())));
    assert!(text_of(&page, "survey-weighted-neff").contains(&format!("{:.1}", w["effective_n"].as_f64().unwrap())));
    assert!(text_of(&page, "survey-weighting-converged")
        .contains(&format!("after {} sweeps", w["weighting"]["iterations"].as_u64().unwrap())));
    let wq = w["questions"].as_array().unwrap().iter().find(|q| q["step"] == "direction").unwrap();
    let topline = text_of(&page, "topline-direction");
    let uq = by_party["questions"].as_array().unwrap().iter().find(|q| q["step"] == "direction").unwrap();
    for (u, c) in uq["variables"][0]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .zip(wq["variables"][0]["categories"].as_array().unwrap())
    {
        // Unweighted beside weighted, then the respondents.
        let expected = format!(
            "{} {} {} {}",
            c["label"].as_str().unwrap(),
            pct_text(&u["share"]),
            pct_text(&c["share"]),
            c["respondents"]
        );
        assert!(topline.contains(&expected), "{expected:?} in {topline}");
    }
    // By hand: with one weighting field, a weighted share is Σ over genders of the population share ×
    // the unweighted share within that gender (computed here from the CLI's crosstab by gender).
    let by_gender =
        ok_json(run(d, &["--as", ANALYST, "--json", "survey", "report", "--program", SURVEY, "--by", "gender"]));
    let gx = &by_gender["crosstab"];
    let genders: Vec<&str> = gx["columns"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    let people: u64 = margins.iter().map(|m| m.2).sum();
    let gdir = gx["tables"].as_array().unwrap().iter().find(|t| t["key"] == "direction").unwrap();
    for (k, row) in gdir["rows"].as_array().unwrap().iter().enumerate() {
        let by_hand: f64 = genders
            .iter()
            .enumerate()
            .map(|(g, name)| {
                let pop = margins.iter().find(|m| m.1 == *name).unwrap().2 as f64 / people as f64;
                pop * row["cells"][g]["share"].as_f64().unwrap_or(0.0)
            })
            .sum();
        let weighted = wq["variables"][0]["categories"][k]["share"].as_f64().unwrap();
        assert!((by_hand - weighted).abs() < 1e-5, "{}: by hand {by_hand} vs {weighted}", row["key"]);
    }
    // The crosstab is weighted too: the CLI's weighted column shares.
    let wdir = w["crosstab"]["tables"].as_array().unwrap().iter().find(|t| t["key"] == "direction").unwrap();
    let table = text_of(&page, "crosstab-direction");
    assert!(table.contains("by party, weighted"), "{table}");
    for row in wdir["rows"].as_array().unwrap() {
        let cells: Vec<String> = (0..columns.len()).map(|c| pct_text(&row["cells"][c]["share"])).collect();
        let expected = format!("{} {}", row["label"].as_str().unwrap(), cells.join(" "));
        assert!(table.contains(&expected), "{expected:?} in {table}");
    }
    // Only aggregates: no open answer reaches the page.
    assert!(!page.contains("buses") && !page.contains("+1 for the new library"));

    // The same margins pasted into the targets form weigh the same; impossible targets say why (422).
    let csrf = page.split("name=\"csrf\" value=\"").nth(1).and_then(|r| r.split('"').next()).unwrap().to_string();
    // Multipart (the form also takes a file), so the CSRF token rides in the query, as on the import forms.
    let send = |form: reqwest::multipart::Form| {
        let url = format!("{base}/programs/{SURVEY}/survey?csrf={csrf}");
        let client = client.clone();
        rt.block_on(async move {
            let r = client.post(url).multipart(form).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        })
    };
    let post =
        |targets: &str| send(reqwest::multipart::Form::new().text("by", "party").text("targets", targets.to_string()));
    let pasted: String = std::fs::read_to_string(&targets).unwrap();
    let (status, same) = post(&pasted);
    assert_eq!(status, 200, "{same}");
    assert!(text_of(&same, "survey-summary").contains("Weighted to the pasted targets on gender"));
    assert_eq!(text_of(&same, "topline-direction"), topline);
    assert_eq!(text_of(&same, "survey-weighted-deff"), text_of(&page, "survey-weighted-deff"));
    assert_eq!(text_of(&same, "crosstab-direction"), table);
    // Uploaded as a file instead: the same weights, named as the file.
    let file = reqwest::multipart::Part::bytes(pasted.clone().into_bytes()).file_name("targets.csv");
    let (status, uploaded) =
        send(reqwest::multipart::Form::new().text("by", "party").text("targets", "").part("targets_file", file));
    assert_eq!(status, 200, "{uploaded}");
    assert!(text_of(&uploaded, "survey-summary").contains("Weighted to the uploaded targets file on gender"));
    assert_eq!(text_of(&uploaded, "topline-direction"), topline);
    let genders_seen: Vec<&str> = margins.iter().filter(|m| m.3 > 0).map(|m| m.1.as_str()).collect();
    let mut with_empty = "variable,category,target\n".to_string();
    for g in &genders_seen {
        with_empty.push_str(&format!("gender,{g},40\n"));
    }
    with_empty.push_str("gender,NOBODY,20\n");
    assert!(genders_seen.len() >= 2, "respondents of two genders: {margins:?}");
    let only_one = format!("variable,category,target\ngender,{},1\n", genders_seen[0]);
    for (targets, reason) in [
        (with_empty.as_str(), "variable `gender`, category `NOBODY` has a target but no respondents (an empty cell: no weighting can meet it)".to_string()),
        (
            only_one.as_str(),
            format!("a respondent's `gender` has no target (the targets for `gender` are: {}; `unknown` is a voter without the field)", genders_seen[0]),
        ),
        ("variable,category,target\ngender,F,52\ngender,M,48\nparty,DEM,30\n", "the pasted targets: targets that do not sum: `party` totals 30 but `gender` totals 100".to_string()),
        ("variable,category,target\ngender,F,lots\n", "the pasted targets line 2, field `target`: not a number".to_string()),
        ("variable,category,target\nshoe_size,9,1\n", "`shoe_size` is not a voter field of the report".to_string()),
    ] {
        let (status, refused) = post(targets);
        assert_eq!(status, 422, "{targets}: {refused}");
        let said = text_of(&refused, "survey-weight-refused");
        assert!(said.contains("These targets cannot be met, so the results below are unweighted") && said.contains(&reason), "{reason:?} in {said}");
        assert!(!refused.contains("id=\"survey-weighting\""), "never shown as converged");
    }
    drop(server);

    // Each view is audited with what it showed (field names only).
    let log = ok(d, &["--as", "owner@demo.clearline.test", "audit", "export"]);
    let views: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["action"] == "survey.report_page")
        .collect();
    assert_eq!(views.len(), 11, "{views:?}");
    let pasted_view = &views[4];
    let detail = if pasted_view["details"].is_object() { &pasted_view["details"] } else { &pasted_view["detail"] };
    assert_eq!(
        (detail["targets"].as_str(), detail["weighted"].as_bool()),
        (Some("pasted"), Some(true)),
        "{pasted_view}"
    );
    assert_eq!(detail["weighted_to"], serde_json::json!(["gender"]));
    let uploaded_view = &views[5];
    let detail =
        if uploaded_view["details"].is_object() { &uploaded_view["details"] } else { &uploaded_view["detail"] };
    assert_eq!(detail["targets"], "uploaded", "{uploaded_view}");
    let last = &views[3];
    let detail = if last["details"].is_object() { &last["details"] } else { &last["detail"] };
    assert_eq!(detail["by"], "party", "{last}");
    assert_eq!(detail["weighted_to"], serde_json::json!(["gender"]), "{last}");
    assert_eq!(detail["weighted"], true, "{last}");
    assert_eq!(detail["targets"], "call_list", "{last}");
    let refused = &views[2];
    let detail = if refused["details"].is_object() { &refused["details"] } else { &refused["detail"] };
    assert_eq!((detail["weighted_to"][0].as_str(), detail["weighted"].as_bool()), (Some("precinct"), Some(false)));
}

/// Two JSON values agree: the same keys and strings, numbers within 1e-12 (relative).
fn assert_same(a: &Value, b: &Value, at: &str) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!((x - y).abs() <= 1e-12 * x.abs().max(1.0), "{at}: {x} vs {y}");
        }
        (Value::Object(x), Value::Object(y)) => {
            assert_eq!(x.keys().collect::<Vec<_>>(), y.keys().collect::<Vec<_>>(), "{at}");
            for (k, v) in x {
                assert_same(v, &y[k], &format!("{at}.{k}"));
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{at}");
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                assert_same(v, w, &format!("{at}[{i}]"));
            }
        }
        _ => assert_eq!(a, b, "{at}"),
    }
}

/// Whitespace collapsed, as `text_of` reads a page.
fn collapsed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A disclosure without its targets' source line (the page's targets are pasted, the CLI's a file).
fn without_source(md: &str) -> String {
    collapsed(&md.lines().filter(|l| !l.starts_with("- Source of the targets:")).collect::<Vec<_>>().join("\n"))
}

/// The page's and the API's extras, checked against the CLI on the same data: a trimming cap (as
/// `survey weight --cap`; the page's weights against `survey report --cap`, the weighted disclosure
/// against `survey disclosure --cap`), an analyst's e (as `--e`), each validated with a message, and
/// `GET /api/v1/programs/{slug}/survey` returning the CLI's report figures with the disclosure.
fn the_page_and_the_api_trim_take_e_and_disclose_the_weighting_as_the_cli_does(
    d: &Path,
    plain: &Value,
    parties: &[String],
) {
    let server = serve(d);
    let base = server.1.clone();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = rt.block_on(analyst_client(d, &base));
    let get = |path: &str| {
        let url = format!("{base}{path}");
        let client = client.clone();
        rt.block_on(async move {
            let r = client.get(url).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        })
    };
    let report = |extra: &[&str]| {
        let mut args = vec!["--as", ANALYST, "--json", "survey", "report", "--program", SURVEY];
        args.extend_from_slice(extra);
        run(d, &args)
    };
    let estimate = plain["aapor"]["rates"]["e"].as_f64().unwrap();

    // e given on the page: the rates use it and the page names the documented estimate beside it.
    let (status, page) = get(&format!("/programs/{SURVEY}/survey?e=0.5"));
    assert_eq!(status, 200, "{page}");
    assert!(
        text_of(&page, "survey-e-used")
            .contains(&format!("e = 0.500 (given; the documented estimate is {estimate:.3})")),
        "{}",
        text_of(&page, "survey-e-used")
    );
    let given = ok_json(report(&["--e", "0.5"]));
    let rates = text_of(&page, "survey-rates");
    for name in ["RR3", "RR4", "REF2", "CON2", "RR1"] {
        let expected = format!("{name} {}", pct_text(&given["aapor"]["rates"][name]));
        assert!(rates.contains(&expected), "{expected:?} in {rates}");
    }
    assert!(text_of(&page, "survey-disclosure").contains("e = 0.500 given by the analyst"));
    let (_, page) = get(&format!("/programs/{SURVEY}/survey"));
    assert!(text_of(&page, "survey-e-used")
        .contains(&format!("e = {estimate:.3} (estimated by proportional allocation: eligible ÷ resolved cases)")));
    // Bad numbers: a message naming the field (422), and the plain report.
    for (query, said) in [
        ("e=2", "e: e must be a number from 0 to 1"),
        ("e=lots", "e: e must be a number from 0 to 1"),
        ("cap=1", "Trim weights at: the trimming cap must be a number above 1"),
        ("weight=gender&cap=-4", "Trim weights at: the trimming cap must be a number above 1"),
    ] {
        let (status, page) = get(&format!("/programs/{SURVEY}/survey?{query}"));
        assert_eq!(status, 422, "{query}");
        assert!(text_of(&page, "survey-refused").contains(said), "{query}: {}", text_of(&page, "survey-refused"));
        assert!(!page.contains("id=\"survey-weighting\""), "{query}");
    }

    // Trimming: targets on gender and party (the parties the respondents have), as pasted text and as
    // the CLI's file; the untrimmed weights' largest, then caps below it until one the margins can
    // live with.
    let margins = {
        let (_, page) = get(&format!("/programs/{SURVEY}/survey?weight=gender"));
        margins_of(&page)
    };
    let people: u64 = margins.iter().map(|m| m.2).sum();
    let mut targets = "variable,category,target\n".to_string();
    for (field, category, n, _) in &margins {
        targets.push_str(&format!("{field},{category},{}\n", *n as f64 / people as f64));
    }
    let total: f64 = (0..parties.len()).map(|i| (10 + 5 * i) as f64).sum();
    for (i, p) in parties.iter().enumerate() {
        targets.push_str(&format!("party,{p},{}\n", (10 + 5 * i) as f64 / total));
    }
    let file = d.join("trim-targets.csv");
    std::fs::write(&file, &targets).unwrap();
    let file = file.to_str().unwrap().to_string();
    let free = ok_json(report(&["--weight-targets", &file]));
    let largest = free["weighting"]["weight_max"].as_f64().unwrap();
    assert!(largest > 1.1, "the weights vary: {}", free["weighting"]);
    let (cap, capped) = [0.97, 0.93, 0.9, 0.85, 0.8]
        .iter()
        .map(|f| format!("{:.3}", largest * f))
        .find_map(|cap| {
            let out = report(&["--by", "party", "--weight-targets", &file, "--cap", &cap]);
            out.status.success().then(|| (cap, serde_json::from_slice::<Value>(&out.stdout).unwrap()))
        })
        .expect("a cap below the largest weight that the margins can live with");
    let cap_value: f64 = cap.parse().unwrap();
    assert!(capped["weighting"]["capped"].as_u64().unwrap() >= 1, "{}", capped["weighting"]);
    assert!(capped["weighting"]["weight_max"].as_f64().unwrap() <= cap_value * (1.0 + 1e-9));
    assert_eq!(capped["weighting"]["cap"].as_f64(), Some(cap_value));
    assert!(capped["design_effect"].as_f64() < free["design_effect"].as_f64(), "trimming lowers the design effect");
    let csrf = page_csrf(&get(&format!("/programs/{SURVEY}/survey")).1);
    let post = |fields: Vec<(&'static str, String)>| {
        let url = format!("{base}/programs/{SURVEY}/survey?csrf={csrf}");
        let client = client.clone();
        rt.block_on(async move {
            let mut form = reqwest::multipart::Form::new();
            for (k, v) in fields {
                form = form.text(k, v);
            }
            let r = client.post(url).multipart(form).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        })
    };
    let (status, page) =
        post(vec![("by", "party".into()), ("targets", targets.clone()), ("cap", cap.clone()), ("e", String::new())]);
    assert_eq!(status, 200, "{page}");
    let trimming = text_of(&page, "survey-weighting-trimming");
    let at_cap = capped["weighting"]["capped"].as_u64().unwrap();
    assert!(
        trimming.contains(&format!("trimmed at {cap_value} × the mean weight after every sweep; {at_cap} weight")),
        "{trimming}"
    );
    assert!(
        text_of(&page, "survey-weighted-deff").contains(&format!("{:.2}", capped["design_effect"].as_f64().unwrap()))
    );
    assert!(text_of(&page, "survey-weighted-neff").contains(&format!("{:.1}", capped["effective_n"].as_f64().unwrap())));
    let topline = text_of(&page, "topline-direction");
    let wq = capped["questions"].as_array().unwrap().iter().find(|q| q["step"] == "direction").unwrap();
    for c in wq["variables"][0]["categories"].as_array().unwrap() {
        let expected = format!("{} {}", pct_text(&c["share"]), c["respondents"]);
        assert!(topline.contains(&expected), "{expected:?} in {topline}");
    }
    // The weighted disclosure states the weighting: the CLI's statement for the same targets and cap.
    let disclosure = text_of(&page, "survey-disclosure");
    for needle in [
        "Weighted to: the population margins of gender, party".to_string(),
        "Source of the targets: the pasted targets, given by the analyst.".to_string(),
        format!("Trimming: weights were capped at {cap_value} × the mean weight after every sweep"),
        "adjusted for the weighting's design effect".to_string(),
        format!(
            "Design effect due to weighting (Kish, 1 + CV² of the weights): {:.3}",
            capped["design_effect"].as_f64().unwrap()
        ),
    ] {
        assert!(disclosure.contains(&needle), "{needle:?} in {disclosure}");
    }
    let cli_md = ok(
        d,
        &["--as", ANALYST, "survey", "disclosure", "--program", SURVEY, "--weight-targets", &file, "--cap", &cap],
    );
    assert!(cli_md.contains("- Source of the targets: the targets file trim-targets.csv."), "{cli_md}");
    let page_md: String = {
        // The page's statement, line by line as Markdown (the <pre> keeps the lines).
        let at = page.find("id=\"survey-disclosure\"").unwrap();
        let start = at + page[at..].find('>').unwrap() + 1;
        let end = start + page[start..].find("</pre>").unwrap();
        [("&#39;", "'"), ("&#34;", "\""), ("&quot;", "\""), ("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&")]
            .iter()
            .fold(page[start..end].to_string(), |t, (entity, ch)| t.replace(entity, ch))
    };
    assert_eq!(without_source(&page_md), without_source(&cli_md), "the page's disclosure is the CLI's");
    // A cap the margins cannot live with: said with the cap, and the results stay unweighted.
    let (status, page) = post(vec![("targets", targets.clone()), ("cap", "1.0001".into())]);
    assert_eq!(status, 422);
    let said = text_of(&page, "survey-weight-refused");
    assert!(
        said.contains("raking did not converge") && said.contains("with weights trimmed at 1.0001 × the mean weight"),
        "{said}"
    );
    assert!(
        !page.contains("id=\"survey-weighting\"")
            && text_of(&page, "survey-disclosure").contains("The results are unweighted.")
    );

    // The JSON API: the CLI's report for the same view (the call list's gender margins, by party, e
    // given), with the documented estimate of e and the disclosure.
    let (status, api) = get(&format!("/api/v1/programs/{SURVEY}/survey?by=party&weight=gender&e=0.5"));
    assert_eq!(status, 200, "{api}");
    let mut api: Value = serde_json::from_str(&api).unwrap();
    let page_targets = d.join("page-targets.csv");
    let mut cli = ok_json(report(&["--by", "party", "--weight-targets", page_targets.to_str().unwrap(), "--e", "0.5"]));
    assert_eq!(api["e_estimated"].as_f64(), Some(estimate));
    let md = api["disclosure"].as_str().unwrap().to_string();
    assert!(
        md.contains("- Weighted to: the population margins of gender")
            && md.contains("- Source of the targets: the call list's population ("),
        "{md}"
    );
    assert!(md.contains("e = 0.500 given by the analyst"), "{md}");
    let obj = api.as_object_mut().unwrap();
    obj.remove("e_estimated");
    obj.remove("disclosure");
    assert!(api["weighting"]["source"].as_str().unwrap().starts_with("the call list's population"));
    assert_eq!(cli["weighting"]["source"], "the targets file page-targets.csv");
    api["weighting"].as_object_mut().unwrap().remove("source");
    cli["weighting"].as_object_mut().unwrap().remove("source");
    assert_same(&api, &cli, "report");
    assert_eq!(api["aapor"]["e_method"], "given");
    // Unweighted, the same as the plain CLI report.
    let (status, unweighted) = get(&format!("/api/v1/programs/{SURVEY}/survey?by=party"));
    assert_eq!(status, 200);
    let mut unweighted: Value = serde_json::from_str(&unweighted).unwrap();
    assert!(unweighted["disclosure"].as_str().unwrap().contains("The results are unweighted."));
    let obj = unweighted.as_object_mut().unwrap();
    obj.remove("e_estimated");
    obj.remove("disclosure");
    assert_same(&unweighted, plain, "unweighted");
    // Bad parameters and margins that cannot be met: 422 naming the parameter.
    for (query, field, said) in [
        ("e=1.5", "e", "e must be a number from 0 to 1"),
        ("weight=gender&cap=0", "cap", "the trimming cap must be a number above 1"),
        ("by=shoe_size", "by", "`shoe_size` is not a voter field of the report"),
        ("weight=precinct", "weight", "has a target but no respondents"),
    ] {
        let (status, body) = get(&format!("/api/v1/programs/{SURVEY}/survey?{query}"));
        assert_eq!(status, 422, "{query}: {body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["field"], field, "{query}: {body}");
        assert!(body.to_string().contains(said), "{query}: {body}");
    }
    // The server keeps a load while nothing it is read from changed (`survey_cache`; the stamp it is
    // kept under is the store's contract test): the same view again is the same report.
    let (_, same) = get(&format!("/api/v1/programs/{SURVEY}/survey?by=party"));
    let mut same: Value = serde_json::from_str(&same).unwrap();
    let obj = same.as_object_mut().unwrap();
    obj.remove("e_estimated");
    obj.remove("disclosure");
    assert_same(&same, plain, "a kept load");
    // Another process's calls change what the report reads: the next view is a fresh load, the CLI's.
    let shift = ["--as", PM, "--json", "program", "simulate", SURVEY, "--agents", "3", "--minutes", "120"];
    let placed = ok_json(run(
        d,
        &shift.iter().copied().chain(["--answer-rate", "0.5", "--start", "2026-10-22T13:00:00Z"]).collect::<Vec<_>>(),
    ));
    assert!(placed["attempts_finished"].as_u64().unwrap() > 0, "{placed}");
    let (_, after) = get(&format!("/api/v1/programs/{SURVEY}/survey?by=party"));
    let mut after: Value = serde_json::from_str(&after).unwrap();
    let obj = after.as_object_mut().unwrap();
    obj.remove("e_estimated");
    obj.remove("disclosure");
    assert_ne!(after["dispositions"], plain["dispositions"], "the shift's results are in the view");
    assert_same(&after, &ok_json(report(&["--by", "party"])), "after another process's calls");
    drop(server);
    let log = ok(d, &["--as", "owner@demo.clearline.test", "audit", "export"]);
    let api_reads: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["action"] == "survey.report_api")
        .collect();
    // The views answered and the one whose margins could not be met (bad parameters are refused
    // before anything is read); a view of a kept load is audited like any other.
    assert_eq!(api_reads.len(), 5, "{api_reads:?}");
    let detail = if api_reads[0]["details"].is_object() { &api_reads[0]["details"] } else { &api_reads[0]["detail"] };
    assert_eq!((detail["e"].as_f64(), detail["weighted"].as_bool()), (Some(0.5), Some(true)), "{detail}");
}

fn page_csrf(page: &str) -> String {
    page.split("name=\"csrf\" value=\"").nth(1).and_then(|r| r.split('"').next()).unwrap().to_string()
}

#[test]
fn a_full_quota_cell_is_no_longer_dialed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["demo", "--no-serve", "--voters", "0"]);
    let party = parties(d, "500");
    let file = d.join("nc.txt");
    ok(d, &["--as", DATA, "import", "voters", "--campaign", "demo", "--layout", "nc", file.to_str().unwrap()]);
    ok(d, &["--as", PM, "universe", "save", "--name", "all", r#"{"op":"all","filters":[]}"#]);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/scripts/survey.script");
    ok(
        d,
        &[
            "--as",
            PM,
            "script",
            "new",
            "quota-survey",
            "--campaign",
            "demo",
            "--file",
            script,
            "--name",
            "Q",
            "--purpose",
            "survey",
            "--dial-mode",
            "preview",
        ],
    );
    ok(d, &["--as", PM, "script", "submit", "quota-survey", "1", "--campaign", "demo"]);
    ok(d, &["--as", "scripts@demo.clearline.test", "script", "approve", "quota-survey", "1", "--campaign", "demo"]);
    // A bad quota is refused, naming the field.
    let bad = run(
        d,
        &[
            "--as",
            PM,
            "program",
            "create",
            SURVEY,
            "--name",
            "Q",
            "--universe",
            "all",
            "--purpose",
            "survey",
            "--dial-mode",
            "preview",
            "--quota",
            "shoe=9:3",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("quotas"), "{}", stderr(&bad));
    const QUOTA: usize = 4;
    let quota = format!("party=DEM:{QUOTA}");
    ok(
        d,
        &[
            "--as",
            PM,
            "program",
            "create",
            SURVEY,
            "--name",
            "Quota survey",
            "--universe",
            "all",
            "--purpose",
            "survey",
            "--dial-mode",
            "preview",
            "--window",
            "09:00-20:30",
            "--caller-id",
            "+19195550100",
            "--caller-id-authorized",
            "--not-recorded",
            "--vendor",
            "granite-calls=100",
            "--quota",
            &quota,
        ],
    );
    ok(d, &["--as", PM, "program", "build-list", SURVEY]);
    ok(d, &["--as", PM, "program", "attach-script", SURVEY, "--script", "quota-survey", "--version", "1"]);
    ok(d, &["--as", PM, "program", "start", SURVEY]);
    // One agent, preview: the call that fills the cell is the only one in flight, so the cell ends
    // with exactly its quota (with more lines the bound is the quota plus the calls in flight then —
    // the store's contract test).
    ok(
        d,
        &[
            "--as",
            PM,
            "--json",
            "program",
            "simulate",
            SURVEY,
            "--agents",
            "1",
            "--minutes",
            "300",
            "--answer-rate",
            "0.7",
            "--start",
            DAY_ONE,
        ],
    );
    let csv_path = d.join("results.csv");
    ok(d, &["--as", DATA, "export", "results", "--program", SURVEY, "-o", csv_path.to_str().unwrap()]);
    let rows = read_csv(&csv_path);
    let dem = |r: &BTreeMap<String, String>| party.get(&r["voter_id"]).is_some_and(|p| p == "DEM");
    let dem_completes: Vec<&BTreeMap<String, String>> =
        rows.iter().filter(|r| dem(r) && r["disposition"] == "complete").collect();
    assert_eq!(dem_completes.len(), QUOTA, "exactly the quota");
    let time = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
    let filled_at = dem_completes.iter().map(|r| time(&r["ended_at"])).max().unwrap();
    // Nothing dialed to the cell after it filled (the filling call's result is written before the
    // agent's next dial); others go on being called.
    assert!(
        rows.iter().filter(|r| dem(r)).all(|r| time(&r["dialed_at"]) <= filled_at),
        "a DEM voter dialed after the cell filled"
    );
    let after: Vec<_> = rows.iter().filter(|r| time(&r["dialed_at"]) > filled_at).collect();
    assert!(after.len() > 10, "the rest of the list is still dialed: {}", after.len());
    assert!(rows.iter().filter(|r| !dem(r) && r["disposition"] == "complete").count() > QUOTA);
    // The report shows the cell at its quota.
    let r = ok_json(run(d, &["--as", ANALYST, "--json", "survey", "report", "--program", SURVEY]));
    assert_eq!(r["quotas"][0]["cell"], quota.as_str());
    assert_eq!(n(&r["quotas"][0]["completes"]) as usize, QUOTA);
}

/// The same survey on PostgreSQL: the report's rates match clearline-survey's on the stored
/// dispositions, the disclosure and the export read back, and no answer is in the clear in a dump.
#[test]
fn a_survey_on_postgres_reports_the_same_way_and_keeps_answers_encrypted() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    if !runtime.block_on(clearline_store::testing::postgres_available()) {
        return;
    }
    let url = clearline_store::testing::postgres_url();
    let schema = clearline_store::testing::unique_schema("survey");
    let dir = tempfile::tempdir().unwrap();
    let pg = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_clearline"))
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
    let ok_pg = |args: &[&str]| {
        let out = pg(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        out
    };
    ok_pg(&["demo", "--no-serve", "--voters", "300"]);
    ok_pg(&["--as", PM, "program", "start", SURVEY]);
    ok_pg(&[
        "--as",
        PM,
        "--json",
        "program",
        "simulate",
        SURVEY,
        "--agents",
        "3",
        "--minutes",
        "60",
        "--answer-rate",
        "0.5",
        "--start",
        DAY_ONE,
    ]);
    let attempts: Value =
        serde_json::from_slice(&ok_pg(&["--as", PM, "--json", "program", "attempts", SURVEY]).stdout).unwrap();
    let mut last: BTreeMap<i64, (i64, String)> = BTreeMap::new();
    for a in attempts.as_array().unwrap() {
        let entry = last.entry(n(&a["person_id"])).or_insert((0, String::new()));
        if n(&a["id"]) > entry.0 {
            *entry = (n(&a["id"]), a["disposition"].as_str().unwrap().to_string());
        }
    }
    let mut counts = Counts::default();
    for (_, code) in last.values() {
        counts.add(parse_aapor_code(Disposition::from_code(code).unwrap().aapor_code()).unwrap(), 1.0);
    }
    let expected = outcome_rates(&counts, Eligibility::Given(0.8)).unwrap();
    let r: Value = serde_json::from_slice(
        &ok_pg(&["--as", ANALYST, "--json", "survey", "report", "--program", SURVEY, "--by", "age_band", "--e", "0.8"])
            .stdout,
    )
    .unwrap();
    assert_eq!(n(&r["cases"]) as usize, last.len());
    for (name, value) in expected.by_name() {
        assert_eq!(
            r["aapor"]["rates"][name].as_f64().map(|v| (v * 1e12).round()),
            value.map(|v| (v * 1e12).round()),
            "{name}"
        );
    }
    assert_eq!(r["aapor"]["e_method"], "given");
    let completes = last.values().filter(|(_, c)| c == "complete").count();
    assert_eq!(n(&r["respondents"]) as usize, completes);
    assert!(completes > 0);
    let md = stdout(&ok_pg(&["--as", ANALYST, "survey", "disclosure", "--program", SURVEY]));
    assert!(
        md.contains("Field dates: 2026-10-20") && md.contains(&format!("complete interviews: {completes}")),
        "{md}"
    );
    let csv_path = dir.path().join("results.csv");
    ok_pg(&["--as", DATA, "export", "results", "--program", SURVEY, "-o", csv_path.to_str().unwrap()]);
    let rows = read_csv(&csv_path);
    assert_eq!(
        rows.iter().filter(|r| r["disposition"] == "complete" && r["answer_consent"] == "yes").count(),
        completes
    );
    // No answer text in a dump of the schema (bytea dumps as hex: look for that too).
    let (user_host, db) = url.trim_start_matches("postgres://").rsplit_once('/').unwrap();
    let (user, host_port) = user_host.split_once('@').unwrap();
    let (host, port) = host_port.split_once(':').unwrap_or((host_port, "5432"));
    let dump = std::process::Command::new("pg_dump")
        .args(["-h", host, "-p", port, "-U", user, "-n", &schema, "--data-only", db])
        .output()
        .expect("pg_dump runs");
    assert!(dump.status.success(), "{}", String::from_utf8_lossy(&dump.stderr));
    for plain in ["More bus routes", "Lower property taxes", "{\"choice\":\"yes\"}"] {
        let hex: String = plain.bytes().map(|b| format!("{b:02x}")).collect();
        for needle in [plain.to_string(), hex] {
            assert!(!dump.stdout.windows(needle.len()).any(|w| w == needle.as_bytes()), "{plain:?} in the dump");
        }
    }
}

/// The VAN canvass mapping of the survey: every disposition mapped, the choice and scale questions
/// mapped to VAN survey questions, the numeric and open ones skipped.
fn van_survey_mapping() -> Value {
    let result_codes: serde_json::Map<String, Value> = Disposition::ALL
        .iter()
        .filter(|d| !matches!(d.code(), "complete" | "interrupted"))
        .enumerate()
        .map(|(i, d)| (d.code().to_string(), serde_json::json!(i + 1)))
        .collect();
    let likely: serde_json::Map<String, Value> =
        (1..=10).map(|n| (n.to_string(), serde_json::json!(500 + n))).collect();
    serde_json::json!({"person_id_type": "StateFileID", "contact_type_id": 1, "result_codes": result_codes,
        "activist_codes": {"complete": 18917}, "skip": ["interrupted"],
        "survey_questions": {
            "consent": {"question_id": 101, "responses": {"yes": 1011, "later": 1012, "no": 1013}},
            "likely": {"question_id": 102, "responses": likely},
            "issues": {"question_id": 103, "responses":
                {"economy": 1031, "schools": 1032, "health": 1033, "housing": 1034, "roads": 1035}},
            "direction": {"question_id": 104, "responses": {"right": 1041, "wrong": 1042, "unsure": 1043}}},
        "skip_questions": ["age", "comments"]})
}

#[test]
fn the_van_canvass_export_sends_recorded_answers_as_survey_responses_and_refuses_what_it_cannot_send() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["demo", "--no-serve", "--voters", "300"]);
    ok(d, &["--as", PM, "program", "start", SURVEY]);
    let args = ["--as", PM, "program", "simulate", SURVEY, "--agents", "3", "--minutes", "45", "--answer-rate", "0.5"];
    ok(d, &args.iter().copied().chain(["--start", DAY_ONE]).collect::<Vec<_>>());
    let csv_path = d.join("results.csv");
    ok(d, &["--as", DATA, "export", "results", "--program", SURVEY, "-o", csv_path.to_str().unwrap()]);
    let rows = read_csv(&csv_path);
    let mapping = van_survey_mapping();
    let mapping_path = d.join("van.json");
    let out_path = d.join("canvass.jsonl");
    let export = |who: &str, m: &Value, format: &str| {
        std::fs::write(&mapping_path, m.to_string()).unwrap();
        let _ = std::fs::remove_file(&out_path);
        let args = ["--as", who, "export", "results", "--program", SURVEY, "--format", format, "--mapping"];
        run(
            d,
            &args
                .iter()
                .copied()
                .chain([mapping_path.to_str().unwrap(), "-o", out_path.to_str().unwrap()])
                .collect::<Vec<_>>(),
        )
    };

    let out = export(DATA, &mapping, "van-canvass");
    assert!(out.status.success(), "{}", stderr(&out));
    // A callback asked for after the consent question has an answer and a result code: VAN takes one
    // or the other, and the export says what that leaves out.
    assert!(stderr(&out).contains("also have survey answers"), "{}", stderr(&out));
    let text = std::fs::read_to_string(&out_path).unwrap();
    assert!(!text.contains("+1 for the new library"), "no open answer text goes to VAN");
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), rows.len(), "one request per attempt");
    let mut surveyed = 0;
    for (row, line) in rows.iter().zip(&lines) {
        let body = &line["body"];
        assert!(line["path"].as_str().unwrap().ends_with(&format!(":{}/canvassResponses", row["voter_id"])));
        if row["disposition"] != "complete" {
            assert!(body["responses"].is_null() && !body["resultCodeId"].is_null(), "{line}");
            continue;
        }
        // The items are the recorded answers (read back from the CSV export) through the mapping.
        let mut expected = vec![(0, 0)];
        for step in ["consent", "likely", "issues", "direction"] {
            let question = &mapping["survey_questions"][step];
            for value in row[&format!("answer_{step}")].split(';').filter(|v| !v.is_empty()) {
                expected.push((n(&question["question_id"]), n(&question["responses"][value])));
            }
        }
        let responses = body["responses"].as_array().unwrap();
        assert_eq!(
            responses[0],
            serde_json::json!({"type": "ActivistCode", "activistCodeId": 18917, "action": "Apply"})
        );
        let got: Vec<(i64, i64)> = std::iter::once((0, 0))
            .chain(responses[1..].iter().map(|r| {
                assert_eq!(r["type"], "SurveyResponse");
                (n(&r["surveyQuestionId"]), n(&r["surveyResponseId"]))
            }))
            .collect();
        assert_eq!(got, expected, "attempt {}", row["attempt_id"]);
        assert!(body["resultCodeId"].is_null());
        surveyed += 1;
    }
    assert!(surveyed >= 5, "{surveyed} completes carried answers");
    assert!(rows.iter().any(|r| r["answer_issues"].contains(';')), "some chose several issues (an item each)");

    // An answered question the mapping neither maps nor skips, an answered option it does not map, an
    // open question not skipped: refused by name, nothing written.
    let mut refusals = Vec::new();
    let mut m = mapping.clone();
    m["survey_questions"].as_object_mut().unwrap().remove("direction");
    refusals.push((m, "answers to the question direction: map it under survey_questions"));
    let mut m = mapping.clone();
    m["survey_questions"]["consent"]["responses"].as_object_mut().unwrap().remove("yes");
    refusals.push((m, "answers to consent were \"yes\": map it"));
    let mut m = mapping.clone();
    m["skip_questions"] = serde_json::json!(["age"]);
    refusals.push((m, "answers to the open question comments"));
    for (m, needle) in refusals {
        let out = export(DATA, &m, "van-canvass");
        assert_eq!(out.status.code(), Some(1), "{needle}: {}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{needle} in {}", stderr(&out));
        assert!(!stderr(&out).contains("+1 for"), "no answer text in an error");
        assert!(!out_path.exists(), "a refused export writes no file");
    }
    // A mapping that does not fit the script is a usage error.
    let mut m = mapping.clone();
    m["survey_questions"]["turnout"] = serde_json::json!({"question_id": 1, "responses": {}});
    let out = export(DATA, &m, "van-canvass");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("\"turnout\" is not a question of the program's script"), "{}", stderr(&out));
    // Answers are personal data: the analyst may not send them, and is told which capability it takes.
    let out = export(ANALYST, &mapping, "van-canvass");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("needs the export_personal_data capability"), "{}", stderr(&out));
    assert!(stderr(&out).contains("analyst"), "{}", stderr(&out));
    assert!(!out_path.exists());
    // Without a survey section the analyst's answered questions are refused too (never dropped
    // silently); skipping them all on purpose exports the calls without answers.
    let mut m = mapping.clone();
    m.as_object_mut().unwrap().remove("survey_questions");
    m["skip_questions"] = serde_json::json!(["age", "comments"]);
    let out = export(ANALYST, &m, "van-canvass");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("answers to consent"), "{}", stderr(&out));
    m["skip_questions"] = serde_json::json!(["consent", "likely", "issues", "direction", "age", "comments"]);
    let out = export(ANALYST, &m, "van-canvass");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!std::fs::read_to_string(&out_path).unwrap().contains("SurveyResponse"));
    // A bulk upload carries no answers (VAN's mapping type for them is not confirmed): a survey section
    // in its mapping is refused.
    let mut m = mapping.clone();
    m["source_url"] = "https://files.example.org/r.zip".into();
    m["canvassed_by"] = 4242.into();
    let out = export(DATA, &m, "van-bulk");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("survey_questions: only for --format van-canvass"), "{}", stderr(&out));
}
