#!/usr/bin/env python3
"""The weightipy side of `clearline bench survey` (the binary embeds this file and runs it).

Reads the respondents and targets the benchmark generated, rakes them with weightipy 0.4.2's RIM
raking (`weightipy.internal.rim.Rake`, the engine behind `weightipy.weight`) and prints one JSON object:
the best time of `--repeat` runs of just the rake call (`Rake.start()`), the sweeps, and the largest
|weighted margin / target - 1| of its weights, which it also writes to `--out`.

The stopping rule is the benchmark's, not weightipy's own (which stops when the change in weights stops
falling by `convcrit`): before timing, the smallest number of sweeps whose weights meet
max |margin/target - 1| < `--tolerance` is found by running weightipy itself (convcrit=0, so only
`max_iterations` stops it); the timed runs do exactly that many sweeps.

Exit 3 when weightipy is not importable.
"""

import argparse
import json
import sys
import time

try:
    import numpy as np
    import pandas as pd
    import weightipy
    from weightipy.internal.rim import Rake
except ImportError as e:  # reported by the benchmark
    print(f"weightipy is not importable: {e}", file=sys.stderr)
    sys.exit(3)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--respondents", required=True)
    ap.add_argument("--targets", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--tolerance", type=float, default=1e-10)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--max-sweeps", type=int, default=1000)
    args = ap.parse_args()

    df = pd.read_csv(args.respondents, dtype=str)
    targets = pd.read_csv(args.targets, dtype={"variable": str, "category": str, "target": float})
    names = list(dict.fromkeys(targets.variable))
    scheme = []
    for var in names:
        grp = targets[targets.variable == var]
        total = grp.target.sum()
        scheme.append({var: {c: t / total * 100 for c, t in zip(grp.category, grp.target)}})
    # Categorical columns, as weightipy.weight() makes them before raking (its category lookups are
    # then fast); done before the clock starts.
    codes = {v: df[v].to_numpy() for v in names}
    data = df[names].astype("category")
    goal = {v: {c: t / 100 * len(df) for c, t in scheme[k][v].items()} for k, v in enumerate(names)}

    def run(sweeps):
        rake = Rake(data.copy(), scheme, "weight", max_iterations=sweeps, convcrit=0.0)
        start = time.perf_counter()
        rake.start()
        seconds = time.perf_counter() - start
        return rake.dataframe["weight"].to_numpy(), seconds

    def error(w):
        worst = 0.0
        for v in names:
            for c, t in goal[v].items():
                worst = max(worst, abs(w[codes[v] == c].sum() / t - 1))
        return worst

    # The smallest sweep count meeting the rule: doubling, then bisection (untimed).
    lo, hi = 0, 1
    while error(run(hi)[0]) >= args.tolerance:
        lo, hi = hi, hi * 2
        if hi > args.max_sweeps:
            print(json.dumps({"error": f"weightipy did not meet the rule in {args.max_sweeps} sweeps"}))
            sys.exit(1)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if error(run(mid)[0]) < args.tolerance:
            hi = mid
        else:
            lo = mid
    best = None
    for _ in range(max(1, args.repeat)):
        w, seconds = run(hi)
        best = seconds if best is None else min(best, seconds)
    pd.DataFrame({"weight": w}).to_csv(args.out, index=False, float_format="%.17g")
    print(
        json.dumps(
            {
                "implementation": f"weightipy {weightipy.__version__}",
                "python": sys.version.split()[0],
                "seconds": best,
                "iterations": hi,
                "max_margin_error": error(w),
            }
        )
    )


if __name__ == "__main__":
    main()
