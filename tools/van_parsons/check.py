#!/usr/bin/env python3
"""Cross-check Clearline's NGP VAN exports against parsons, an independent VAN client.

A fake VAN (an HTTP server on 127.0.0.1, random port) stands in for api.securevan.com; parsons' VAN
connector is pointed at it. For every attempt of the program's results (the CSV export, which holds
the disposition, the dial time and the answers), parsons builds its own request from the mapping
file — `VAN.apply_response` for canvass responses, `VAN.post_bulk_import` for the bulk upload — and
the bodies the fake VAN receives are compared with those Clearline wrote. Any difference is printed
and the exit status is 1. The differences accepted on purpose are listed in ACCEPTED (and in
docs/calling.md, "Exporting results"); each is normalized before the comparison, never ignored
wholesale.

    check.py --mapping van.json --results results.csv --canvass canvass.jsonl \
        [--bulk-mapping van-bulk.json --bulk van-bulk.csv --bulk-request van-bulk.bulk-import.json]

The results CSV must come from a role that may export personal data (it carries the answers).
"""

import argparse
import csv
import datetime as dt
import json
import logging
import sys
import threading
import urllib.parse
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ACCEPTED = [
    "canvassContext.campaignId: parsons always sends it (null when not given); Clearline leaves it out",
    "canvassContext.skipMatching: parsons always sends it (false when not given); Clearline leaves it out",
    "responses: Clearline sends null beside a result code; parsons leaves the key out",
    "path: Clearline percent-encodes the whole person id; parsons (requests) only what a URL cannot hold:"
    " compared decoded",
    "responses: compared as a set (VAN does not read their order)",
    "bulk file.fileName: parsons names the file it uploads (a uuid); Clearline the file you put at sourceUrl",
    "bulk file.hasHeader/hasQuotes: parsons sends the strings \"True\"; Clearline JSON true",
    "bulk column names: parsons documents them lower case (contacttypeid); compared case-insensitively",
]


class FakeVan(ThreadingHTTPServer):
    """Records every POST (path, JSON body) and answers as VAN does."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.posts = []
        self.lock = threading.Lock()

    @property
    def base(self):
        return f"http://127.0.0.1:{self.server_address[1]}/v4/"


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"null")
        with self.server.lock:
            self.server.posts.append((self.path, body))
        if self.path.endswith("/bulkImportJobs"):
            reply = json.dumps({"jobId": len(self.server.posts)}).encode()
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)
        else:
            # canvassResponses: 204 No Content on success.
            self.send_response(204)
            self.end_headers()

    def log_message(self, *args):  # quiet: the bodies hold ids only, but the test output stays short
        pass


def parsons_van(fake):
    from parsons import VAN

    logging.getLogger("parsons").setLevel(logging.WARNING)
    van = VAN(api_key="fake-key", db="MyVoters")
    # parsons 6.1.0 has no uri argument: the connector's base URI is set after construction.
    van.connection.uri = fake.base
    van.connection.api.uri = fake.base
    return van


def undefuse(cell):
    """The CSV export defuses formula-like cells ('=…); the value is what follows the quote."""
    if len(cell) > 1 and cell[0] == "'" and cell[1] in "=+-@":
        return cell[1:]
    return cell


def canvassed_at(text):
    """The dial as VAN reads it: UTC, to the nearest second (half rounds up)."""
    t = dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.timezone.utc)
    if t.microsecond >= 500_000:
        t += dt.timedelta(seconds=1)
    return t.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def classify(mapping, disposition):
    if disposition in mapping.get("skip", []):
        return ("skip", None)
    if disposition in mapping.get("result_codes", {}):
        return ("result", mapping["result_codes"][disposition])
    if disposition in mapping.get("activist_codes", {}):
        return ("activist", mapping["activist_codes"][disposition])
    raise SystemExit(f"disposition {disposition} is not in the mapping (the export would have refused it)")


def survey_responses(mapping, row, problems):
    """The SurveyResponse items for one canvassed attempt, from its answer_STEP cells."""
    items = []
    questions = mapping.get("survey_questions", {})
    skipped = set(mapping.get("skip_questions", []))
    for column, cell in row.items():
        if not column.startswith("answer_") or cell == "":
            continue
        step = column[len("answer_"):]
        if step in skipped:
            continue
        if step not in questions:
            problems.append(f"attempt {row['attempt_id']}: {step} answered but not mapped")
            continue
        question = questions[step]
        for value in undefuse(cell).split(";"):
            if value not in question["responses"]:
                problems.append(f"attempt {row['attempt_id']}: {step} answer not mapped")
                continue
            items.append(
                {
                    "type": "SurveyResponse",
                    "surveyQuestionId": question["question_id"],
                    "surveyResponseId": question["responses"][value],
                }
            )
    return items


def canonical(value):
    return json.dumps(value, sort_keys=True)


def normalize_canvass(path, body):
    """Apply the accepted differences, so that only real ones remain."""
    path = urllib.parse.unquote(path.split("/v4/", 1)[-1] if "/v4/" in path else path)
    body = json.loads(json.dumps(body))
    context = body.get("canvassContext", {})
    if context.get("campaignId", None) is None:
        context.pop("campaignId", None)
    if context.get("skipMatching", False) is False:
        context.pop("skipMatching", None)
    if body.get("responses", None) is None:
        body.pop("responses", None)
    else:
        body["responses"] = sorted(body["responses"], key=canonical)
    return path, body


def check_canvass(args, van, fake, rows, differences):
    mapping = json.load(open(args.mapping))
    ours = [json.loads(line) for line in open(args.canvass) if line.strip()]
    for line in ours:
        if line.get("method") != "POST":
            differences.append(f"canvass: a request is {line.get('method')}, not POST")
    start = len(fake.posts)
    problems = []
    for row in rows:
        kind, code = classify(mapping, row["disposition"])
        if kind == "skip":
            continue
        responses = None
        if kind == "activist":
            responses = [{"type": "ActivistCode", "activistCodeId": code, "action": "Apply"}]
            responses += survey_responses(mapping, row, problems)
        van.apply_response(
            id=undefuse(row["voter_id"]),
            response=responses,
            id_type=mapping["person_id_type"],
            contact_type_id=mapping["contact_type_id"],
            input_type_id=mapping.get("input_type_id", 11),
            date_canvassed=canvassed_at(row["dialed_at"]),
            result_code_id=code if kind == "result" else None,
        )
    differences.extend(f"canvass: {p}" for p in problems)
    theirs = fake.posts[start:]
    if len(theirs) != len(ours):
        differences.append(f"canvass: parsons made {len(theirs)} requests, Clearline wrote {len(ours)}")
    for i, ((their_path, their_body), line) in enumerate(zip(theirs, ours)):
        their_path, their_body = normalize_canvass(their_path, their_body)
        our_path, our_body = normalize_canvass(line["path"], line["body"])
        if their_path != our_path:
            differences.append(f"canvass request {i + 1}: path {our_path} (Clearline) vs {their_path} (parsons)")
        if canonical(their_body) != canonical(our_body):
            differences.append(
                f"canvass request {i + 1}: body\n  Clearline: {canonical(our_body)}\n  parsons:   {canonical(their_body)}"
            )
    return len(theirs)


def check_bulk(args, van, fake, rows, differences):
    import parsons.ngpvan.bulk_import as bulk_import
    from parsons import Table

    mapping = json.load(open(args.bulk_mapping))
    ours_request = json.load(open(args.bulk_request))
    with open(args.bulk, newline="") as f:
        raw = f.read()
    ours_rows = list(csv.reader(raw.splitlines()))
    # The file is quoted throughout, as its request's hasQuotes says (parsons uploads QUOTE_ALL too).
    for n, line in enumerate(raw.splitlines()):
        if line and not (line.startswith('"') and line.endswith('"')):
            differences.append(f"bulk file line {n + 1}: not quoted throughout")

    # The table parsons would upload, from the results: the id column first (parsons: "The first
    # column must be" the person id), then the columns of bulk_apply_canvass_results and
    # bulk_apply_activist_codes as parsons documents them.
    header = [mapping["person_id_type"], "contacttypeid", "datecanvassed", "canvassedby", "resultid", "activistcodeid"]
    table_rows = []
    mapping_types = []
    for row in rows:
        kind, code = classify(mapping, row["disposition"])
        if kind == "skip":
            continue
        table_rows.append(
            [
                row["voter_id"],
                str(mapping["contact_type_id"]),
                canvassed_at(row["dialed_at"]),
                str(mapping["canvassed_by"]),
                str(code) if kind == "result" else "",
                str(code) if kind == "activist" else "",
            ]
        )
        wanted = {"result": "CanvassResults", "activist": "ActivistCode"}[kind]
        if {"name": wanted} not in mapping_types:
            mapping_types.append({"name": wanted})
    # The rows' order of first use decides nothing for VAN: list the types in a fixed order.
    mapping_types.sort(key=lambda m: ["CanvassResults", "ActivistCode"].index(m["name"]))

    uploaded = {}

    def post_file(tbl, url_type, file_path=None, quoting=None, **kwargs):
        # Instead of S3 or GCS: keep the table parsons would upload, and give the URL the file goes to.
        uploaded["table"] = tbl
        return mapping["source_url"]

    bulk_import.cloud_storage.post_file = post_file
    start = len(fake.posts)
    van.post_bulk_import(
        Table([header] + table_rows),
        "S3",
        "Contacts",
        mapping_types,
        ours_request.get("description", ""),
    )
    theirs = fake.posts[start:]
    if len(theirs) != 1:
        differences.append(f"bulk: parsons made {len(theirs)} requests")
        return
    path, their = theirs[0]
    if not path.endswith("/v4/bulkImportJobs"):
        differences.append(f"bulk: parsons posted to {path}")

    # The file: header (case-insensitive) and every row.
    their_table = uploaded["table"]
    their_header = [c.lower() for c in their_table.columns]
    our_header = [c.lower() for c in ours_rows[0]] if ours_rows else []
    if their_header != our_header:
        differences.append(f"bulk file header: {ours_rows[0] if ours_rows else []} vs parsons {their_table.columns}")
    their_data = [[("" if v is None else str(v)) for v in r] for r in their_table.data]
    if their_data != ours_rows[1:]:
        for i, (a, b) in enumerate(zip(ours_rows[1:], their_data)):
            if a != b:
                differences.append(f"bulk file row {i + 1}: {a} (Clearline) vs {b} (parsons)")
                break
        if len(their_data) != len(ours_rows) - 1:
            differences.append(f"bulk file: {len(ours_rows) - 1} rows (Clearline) vs {len(their_data)} (parsons)")

    # The request body, after the accepted differences.
    def normalize(body):
        body = json.loads(json.dumps(body))
        file = body.get("file", {})
        file.pop("fileName", None)
        for key in ("hasHeader", "hasQuotes"):
            if file.get(key) in ("True", "true"):
                file[key] = True
        file["columns"] = [{"name": c["name"].lower()} for c in file.get("columns", [])]
        return body

    if canonical(normalize(ours_request)) != canonical(normalize(their)):
        differences.append(
            f"bulk request body\n  Clearline: {canonical(normalize(ours_request))}\n"
            f"  parsons:   {canonical(normalize(their))}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mapping", required=True)
    parser.add_argument("--results", required=True, help="the results CSV export (a role with export_personal_data)")
    parser.add_argument("--canvass", required=True, help="the van-canvass export (JSON Lines)")
    parser.add_argument("--bulk-mapping")
    parser.add_argument("--bulk", help="the van-bulk file")
    parser.add_argument("--bulk-request", help="the van-bulk request body (NAME.bulk-import.json)")
    args = parser.parse_args()
    # parsons warns on import that `pip install parsons` installs only core dependencies: known.
    warnings.filterwarnings("ignore", message=".*pip install parsons.*")
    try:
        import parsons  # noqa: F401
    except ImportError as e:
        print(f"MISSING: python package {e.name} (pip install -r tools/van_parsons/requirements.txt)", file=sys.stderr)
        return 3

    with open(args.results, newline="") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: int(r["attempt_id"]))
    fake = FakeVan()
    threading.Thread(target=fake.serve_forever, daemon=True).start()
    differences = []
    try:
        van = parsons_van(fake)
        compared = check_canvass(args, van, fake, rows, differences)
        bulk = all([args.bulk_mapping, args.bulk, args.bulk_request])
        if bulk:
            check_bulk(args, van, fake, rows, differences)
    finally:
        fake.shutdown()
    from importlib.metadata import version

    report = {
        "parsons": version("parsons"),
        "canvass_requests": compared,
        "bulk_checked": bool(bulk),
        "differences": differences,
        "accepted": ACCEPTED,
    }
    print(json.dumps(report, indent=2))
    for d in differences:
        print(f"DIFFERENCE: {d}", file=sys.stderr)
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
