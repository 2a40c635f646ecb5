#!/usr/bin/env python3
"""Regenerate the embedded name tables from the US Census 1990 name files.

The files ship (public domain) in the PyPI package `names` 0.3.0:

    pip download --no-deps names==0.3.0 && tar xzf names-0.3.0.tar.gz
    python3 extract_names.py names-0.3.0/names

Each input line is `NAME  FREQ%  CUMULATIVE%  RANK`. Each output line is `NAME<TAB>WEIGHT`, where
WEIGHT is the frequency in thousandths of a percent (the files' own precision), so 1.006 % -> 1006.
"""
import sys
from pathlib import Path

TABLES = [
    ("dist.all.last", "surnames.tsv", 5000),       # top 5,000 surnames (63.2 % of the population)
    ("dist.female.first", "female_first.tsv", None),  # all 4,275
    ("dist.male.first", "male_first.tsv", None),      # all 1,219
]


def main() -> None:
    src = Path(sys.argv[1])
    out_dir = Path(__file__).resolve().parent
    for name, out, limit in TABLES:
        rows = []
        for line in (src / name).read_text(encoding="ascii").splitlines():
            parts = line.split()
            if len(parts) != 4:
                continue
            weight = round(float(parts[1]) * 1000)
            if weight <= 0:
                continue
            rows.append(f"{parts[0]}\t{weight}")
            if limit is not None and len(rows) == limit:
                break
        (out_dir / out).write_text("\n".join(rows) + "\n", encoding="ascii")
        print(out, len(rows))


if __name__ == "__main__":
    main()
