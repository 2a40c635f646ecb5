#!/usr/bin/env python3
"""Regenerates crates/survey/tests/fixtures/{respondents,targets,weightipy_weights,balance_weights}.csv.

Seeded synthetic respondents (correlated answers, so raking takes several sweeps, and a design weight),
population margins, and the weights two reference implementations nobody here wrote give them after
tight convergence:

- weightipy 0.4.2 (YouGov/Quantipy lineage): RIM raking, no base weights, convcrit=0 so it sweeps until
  its weights stop changing, max_iterations=100000;
- balance 0.23.0 (Meta): rake() with the design weights as sample weights, convergence_rate=1e-12,
  rate_tolerance=0, max_iteration=100000, no transformations.

Usage (from the repository root):
    python3 -m venv /tmp/survey-venv && /tmp/survey-venv/bin/pip install -r tools/survey_refs/requirements.txt
    /tmp/survey-venv/bin/python tools/survey_refs/make.py            # writes the fixtures
    /tmp/survey-venv/bin/python tools/survey_refs/make.py --check    # regenerates in memory and compares

The Rust test crates/survey/tests/references.rs rakes the same respondents to the same targets and must
agree with each reference to 1e-6 relative per respondent.
"""

import argparse
import io
import os
import sys

import numpy as np
import pandas as pd

SEED = 20261201
ROWS = 2000
VARIABLES = {
    "age": ["18-29", "30-44", "45-64", "65+"],
    "sex": ["female", "male"],
    "region": ["east", "west", "north", "south", "central"],
    "education": ["hs", "some_college", "ba", "postgrad"],
    "party": ["DEM", "REP", "UNA"],
}
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "..", "crates", "survey", "tests", "fixtures")


def generate():
    rng = np.random.default_rng(SEED)
    n = ROWS
    cols = {}
    names = list(VARIABLES)
    prev = None
    for name in names:
        cats = VARIABLES[name]
        k = len(cats)
        # Skewed sample: respondents over-represent some categories, and each answer leans on the
        # previous variable's, so the margins are correlated.
        p = rng.dirichlet(np.full(k, 2.0))
        codes = rng.choice(k, size=n, p=p)
        if prev is not None:
            lean = rng.random(n) < 0.35
            codes = np.where(lean, prev % k, codes)
        codes[:k] = np.arange(k)  # every category has respondents
        cols[name] = [cats[c] for c in codes]
        prev = codes
    respondents = pd.DataFrame({"respondent_id": [f"r{i:05d}" for i in range(n)], **cols})
    respondents["design_weight"] = [f"{w:.3f}" for w in rng.uniform(0.5, 2.0, n)]
    rows = []
    for name in names:
        cats = VARIABLES[name]
        shares = rng.dirichlet(np.full(len(cats), 5.0))
        # Population counts of one population (7,412,309 adults), distributed exactly.
        counts = np.floor(shares * 7_412_309).astype(np.int64)
        counts[-1] += 7_412_309 - counts.sum()
        rows += [(name, c, int(v)) for c, v in zip(cats, counts)]
    targets = pd.DataFrame(rows, columns=["variable", "category", "target"])
    return respondents, targets


def weightipy_weights(respondents, targets):
    import weightipy as wp

    scheme_dict = {
        var: {row.category: row.target / grp.target.sum() * 100 for row in grp.itertuples()}
        for var, grp in targets.groupby("variable", sort=False)
    }
    scheme = wp.scheme_from_dict(
        scheme_dict, name="refs", rim_params={"max_iterations": 100000, "convcrit": 0.0}
    )
    w = wp.weight(respondents[list(VARIABLES)].copy(), scheme)
    return pd.DataFrame({"respondent_id": respondents.respondent_id, "weight": w.to_numpy()})


def balance_weights(respondents, targets):
    import itertools

    from balance.weighting_methods.rake import rake

    # The target as a weighted frame whose margins are the targets exactly: every combination of
    # categories, weighted by the product of the shares times the population (balance's own
    # target_margins= realizes margins into at most 10,000 rounded rows, which would move them).
    shares = {
        var: {row.category: row.target / grp.target.sum() for row in grp.itertuples()}
        for var, grp in targets.groupby("variable", sort=False)
    }
    total = float(targets.groupby("variable").target.sum().iloc[0])
    names = list(VARIABLES)
    combos = list(itertools.product(*(list(shares[v]) for v in names)))
    target_df = pd.DataFrame(combos, columns=names)
    target_w = pd.Series([total * np.prod([shares[v][c] for v, c in zip(names, combo)]) for combo in combos])
    out = rake(
        respondents[names].copy(),
        respondents.design_weight.astype(float),
        target_df,
        target_w,
        variables=names,
        transformations=None,
        max_iteration=100000,
        convergence_rate=1e-12,
        rate_tolerance=0.0,
    )
    w = out["weight"].to_numpy()
    return pd.DataFrame({"respondent_id": respondents.respondent_id, "weight": w})


def csv_text(df):
    buf = io.StringIO()
    df.to_csv(buf, index=False, float_format="%.17g", lineterminator="\n")
    return buf.getvalue()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare with the committed fixtures, write nothing")
    args = ap.parse_args()
    respondents, targets = generate()
    files = {"respondents.csv": csv_text(respondents), "targets.csv": csv_text(targets)}
    files["weightipy_weights.csv"] = csv_text(weightipy_weights(respondents, targets))
    try:
        files["balance_weights.csv"] = csv_text(balance_weights(respondents, targets))
    except ImportError as e:
        print(f"balance is not importable ({e}); balance_weights.csv not written", file=sys.stderr)
    failed = False
    for name, text in files.items():
        path = os.path.join(FIXTURES, name)
        if args.check:
            with open(path) as f:
                if name.endswith("_weights.csv"):
                    ours = pd.read_csv(io.StringIO(text)).weight.to_numpy()
                    committed = pd.read_csv(f).weight.to_numpy()
                    rel = np.max(np.abs(ours / committed - 1))
                    ok = rel < 1e-9
                    print(f"{name}: largest relative difference {rel:.3g}")
                else:
                    ok = f.read() == text
                    print(f"{name}: {'same' if ok else 'DIFFERS'}")
                failed |= not ok
        else:
            with open(path, "w") as f:
                f.write(text)
            print(f"wrote {os.path.relpath(path)}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
