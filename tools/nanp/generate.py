#!/usr/bin/env python3
"""Generate Clearline's NANP tables from the PyPI `phonenumbers` package (libphonenumber's metadata).

Writes two files next to crates/core/src/phone/nanp.rs, both read by the core crate with include_str!:

  nanp.tsv  IANA time zones by number prefix (area code, or area code plus the first 1-3 digits of the
            exchange), from libphonenumber's timezone metadata; and, on area-code rows of US and Canadian
            numbers, the two-letter state or province from its English geocoding metadata.
  npa.tsv   which area codes hold valid numbers: `all` (every exchange 200-999 is valid, so the fast parser
            may accept any NXX) or `some` (only some exchanges are: the fast parser defers to the
            `phonenumber` crate). Area codes with no valid number are absent.

Usage:
  pip install -r tools/nanp/requirements.txt
  python3 tools/nanp/generate.py           # rewrite the tables
  python3 tools/nanp/generate.py --check   # regenerate in memory; exit 1 if the committed tables differ

Exit codes: 0 ok, 1 the committed tables are stale (--check), 2 wrong or missing phonenumbers version.
The source data is Apache-2.0 (libphonenumber); see the header written into each table.
"""

from __future__ import annotations

import argparse
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
OUT_DIR = os.path.join(ROOT, "crates", "core", "src", "phone")
REQUIREMENTS = os.path.join(HERE, "requirements.txt")

US_STATES = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA",
    "Colorado": "CO", "Connecticut": "CT", "Delaware": "DE", "Florida": "FL", "Georgia": "GA",
    "Hawaii": "HI", "Idaho": "ID", "Illinois": "IL", "Indiana": "IN", "Iowa": "IA", "Kansas": "KS",
    "Kentucky": "KY", "Louisiana": "LA", "Maine": "ME", "Maryland": "MD", "Massachusetts": "MA",
    "Michigan": "MI", "Minnesota": "MN", "Mississippi": "MS", "Missouri": "MO", "Montana": "MT",
    "Nebraska": "NE", "Nevada": "NV", "New Hampshire": "NH", "New Jersey": "NJ", "New Mexico": "NM",
    "New York": "NY", "North Carolina": "NC", "North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK",
    "Oregon": "OR", "Pennsylvania": "PA", "Rhode Island": "RI", "South Carolina": "SC",
    "South Dakota": "SD", "Tennessee": "TN", "Texas": "TX", "Utah": "UT", "Vermont": "VT",
    "Virginia": "VA", "Washington": "WA", "West Virginia": "WV", "Wisconsin": "WI", "Wyoming": "WY",
    "District of Columbia": "DC",
}
CA_PROVINCES = {
    "Alberta": "AB", "British Columbia": "BC", "Manitoba": "MB", "New Brunswick": "NB",
    "Newfoundland and Labrador": "NL", "Nova Scotia": "NS", "Ontario": "ON", "Prince Edward Island": "PE",
    "Quebec": "QC", "Saskatchewan": "SK", "Northwest Territories": "NT", "Nunavut": "NU", "Yukon": "YT",
}
CODES = {"US": set(US_STATES.values()), "CA": set(CA_PROVINCES.values())}
# With the spellings the English geocoder uses for some whole states or provinces.
NAMES = {"US": {**US_STATES, "Washington State": "WA", "Washington D.C.": "DC"},
         "CA": {**CA_PROVINCES, "British Colombia": "BC"}}


def fail(message: str, code: int) -> None:
    print(f"generate.py: {message}", file=sys.stderr)
    sys.exit(code)


def pinned_version() -> str:
    with open(REQUIREMENTS, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\s*phonenumbers==([\w.]+)", line)
            if m:
                return m.group(1)
    fail(f"no phonenumbers==VERSION pin in {REQUIREMENTS}", 2)
    raise AssertionError


def state_code(description: str, region: str) -> str | None:
    """Two-letter code for a geocoder description of a US/CA place, None when it names several."""
    if "/" in description:  # e.g. "Nova Scotia/Prince Edward Island": no single province
        return None
    if description in NAMES[region]:
        return NAMES[region][description]
    m = re.fullmatch(r".+, ([A-Z]{2})", description)  # "Chicago, IL"
    if m and m.group(1) in CODES[region]:
        return m.group(1)
    fail(f"cannot map the geocoder description {description!r} ({region}) to a state or province", 2)
    raise AssertionError


def npa_validity(phonenumbers):
    """{npa: (coverage, region)} for every area code with at least one valid number."""
    from phonenumbers import PhoneNumber

    def valid(digits: str) -> bool:
        return phonenumbers.is_valid_number(PhoneNumber(country_code=1, national_number=int(digits)))

    out = {}
    for npa in range(200, 1000):
        ok = [nxx for nxx in range(200, 1000) if valid(f"{npa}{nxx}0123")]
        if not ok:
            continue
        coverage = "all" if len(ok) == 800 else "some"
        if coverage == "all":
            # The fast parser assumes the last four digits never matter; make sure.
            for nxx in (200, 555, 999):
                for line in ("0000", "0199", "9999"):
                    if not valid(f"{npa}{nxx}{line}"):
                        fail(f"{npa}-{nxx}-{line} is invalid although NPA {npa} looked fully valid", 2)
        number = PhoneNumber(country_code=1, national_number=int(f"{npa}{ok[0]}0123"))
        out[npa] = (coverage, phonenumbers.region_code_for_number(number) or "")
    return out


def header(version: str, what: list[str]) -> list[str]:
    return [
        "# GENERATED by tools/nanp/generate.py: do not edit by hand. Regenerate with",
        "#   pip install -r tools/nanp/requirements.txt && python3 tools/nanp/generate.py",
        f"# Source: phonenumbers {version} (PyPI), the Python port of Google's libphonenumber, whose version",
        "#   numbers it tracks.",
        "# Licence of the source data: Apache License 2.0. Copyright (C) 2009-2025 The Libphonenumber Authors.",
        "#   https://github.com/google/libphonenumber ; https://www.apache.org/licenses/LICENSE-2.0",
        *what,
    ]


def generate() -> dict[str, str]:
    try:
        import phonenumbers
        from phonenumbers.geodata import GEOCODE_DATA
        from phonenumbers.tzdata import TIMEZONE_DATA
    except ImportError:
        fail("the phonenumbers package is not installed (pip install -r tools/nanp/requirements.txt)", 2)
        raise
    version = phonenumbers.__version__
    pin = pinned_version()
    if version != pin:
        fail(f"phonenumbers {version} is installed but {pin} is pinned (pip install -r {REQUIREMENTS})", 2)

    validity = npa_validity(phonenumbers)

    # Time zones by prefix: every NANP key of the timezone metadata below the country level ("1").
    zones = {key[1:]: list(value) for key, value in TIMEZONE_DATA.items() if key.startswith("1") and len(key) > 1}
    origin = {prefix: "metadata" for prefix in zones}
    # An area code whose zones the metadata gives only for sub-prefixes (208, 310) gets an area-code row with
    # their union, so a number in an exchange none of them covers still gets its candidates, not "unknown".
    for npa in sorted({p[:3] for p in zones if len(p) > 3} - {p for p in zones if len(p) == 3}):
        union = sorted({z for p, zs in zones.items() if len(p) > 3 and p[:3] == npa for z in zs})
        zones[npa] = union
        origin[npa] = "derived"

    # States: the English geocoder's area-code description; failing that, the one state all its
    # exchange-level descriptions agree on.
    geo = {key[1:]: value["en"] for key, value in GEOCODE_DATA.items() if key.startswith("1") and "en" in value}
    states = {}
    for npa, (_, region) in validity.items():
        npa_s = str(npa)
        if region not in ("US", "CA"):
            continue
        if npa_s in geo:
            code = state_code(geo[npa_s], region)
            if code:
                states[npa_s] = (code, "metadata")
            continue
        found = {state_code(d, region) for p, d in geo.items() if len(p) > 3 and p[:3] == npa_s}
        if len(found) == 1 and None not in found:
            states[npa_s] = (found.pop(), "derived")
    for npa in states:
        zones.setdefault(npa, [])
        origin.setdefault(npa, "metadata")

    npa_rows = sum(1 for p in zones if len(p) == 3)
    lines = header(version, [
        "# IANA time zones by NANP number prefix, and the state or province of US and Canadian area codes.",
        "# prefix: national digits, the area code (NPA) or the NPA plus 1-3 digits of the exchange (NXX);",
        "#   the longest prefix of a number that has a row gives its zones.",
        "# zones: IANA names, comma-separated, as in the timezone metadata (blank: none known).",
        "# state: two-letter state or province code; area-code rows of US and CA numbers only, blank where the",
        "#   geocoder names none or several.",
        "# origin: metadata = zones as the timezone metadata has them; derived = an area-code row the metadata",
        "#   lacks, holding the union of its sub-prefixes' zones. A trailing * on the state marks one taken from",
        "#   the exchange-level descriptions, which all agree, because the area code itself has none.",
        f"# rows: {len(zones)} ({npa_rows} area codes)",
        "# prefix\tzones\tstate\torigin",
    ])
    for prefix in sorted(zones):
        state = ""
        if prefix in states:
            code, how = states[prefix]
            state = code + ("*" if how == "derived" else "")
        lines.append(f"{prefix}\t{','.join(zones[prefix])}\t{state}\t{origin[prefix]}")
    nanp = "\n".join(lines) + "\n"

    lines = header(version, [
        "# NANP area codes (NPA) that hold valid numbers, by libphonenumber's number metadata.",
        "# numbers: all = every exchange 200-999 is valid (any last four digits); some = only some are.",
        "# region: the ISO region of the area code's first valid exchange.",
        f"# rows: {len(validity)}",
        "# npa\tnumbers\tregion",
    ])
    for npa in sorted(validity):
        coverage, region = validity[npa]
        lines.append(f"{npa}\t{coverage}\t{region}")
    npa_tsv = "\n".join(lines) + "\n"
    return {"nanp.tsv": nanp, "npa.tsv": npa_tsv}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed tables differ")
    args = parser.parse_args()
    tables = generate()
    stale = []
    for name, text in tables.items():
        path = os.path.join(OUT_DIR, name)
        if args.check:
            try:
                with open(path, encoding="utf-8", newline="") as f:
                    current = f.read()
            except FileNotFoundError:
                current = None
            if current != text:
                stale.append(os.path.relpath(path, ROOT))
        else:
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(text)
            print(f"wrote {os.path.relpath(path, ROOT)}")
    if stale:
        print("generate.py --check: stale: " + ", ".join(stale) + " (run python3 tools/nanp/generate.py)",
              file=sys.stderr)
        sys.exit(1)
    if args.check:
        print("generate.py --check: the NANP tables match their generator")


if __name__ == "__main__":
    main()
