#!/usr/bin/env python3
"""M/M/c with deterministic reneging, simulated by ciw (an independent discrete-event simulator).

The dialer's cross-check (crates/dialer/tests/ciw_crosscheck.rs) runs the same queue through
Clearline's engine: live answers arriving as a Poisson stream, c agents with exponential talk times and
no wrap-up, and CR-46's rule that a live answer not connected within 2 s is abandoned. Both report the
abandoned share and the mean wait of connected calls over arrivals after a warm-up.

Usage: mmc_renege.py SERVERS ARRIVAL_RATE SERVICE_RATE PATIENCE HORIZON WARMUP REPLICATIONS
Prints one JSON object: {"abandon": [...], "mean_wait": [...]} (one value per replication).
"""
import json
import sys

import ciw


def replicate(servers, lam, mu, patience, horizon, warmup, seed):
    ciw.seed(seed)
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=lam)],
        service_distributions=[ciw.dists.Exponential(rate=mu)],
        number_of_servers=[servers],
        reneging_time_distributions=[ciw.dists.Deterministic(value=patience)],
    )
    q = ciw.Simulation(network)
    q.simulate_until_max_time(horizon + 4 * patience + 10 * (1 / mu))
    served, waits, reneged = 0, 0.0, 0
    for r in q.get_all_records():
        if r.arrival_date < warmup or r.arrival_date > horizon:
            continue
        if r.record_type == "renege":
            reneged += 1
        elif r.record_type == "service":
            served += 1
            waits += r.waiting_time
    return reneged / max(1, served + reneged), waits / max(1, served)


def main():
    servers, lam, mu, patience, horizon, warmup, reps = sys.argv[1:8]
    servers, reps = int(servers), int(reps)
    lam, mu, patience, horizon, warmup = map(float, (lam, mu, patience, horizon, warmup))
    out = {"abandon": [], "mean_wait": []}
    for seed in range(reps):
        a, w = replicate(servers, lam, mu, patience, horizon, warmup, 1000 + seed)
        out["abandon"].append(a)
        out["mean_wait"].append(w)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
