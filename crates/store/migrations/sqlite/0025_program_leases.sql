-- One running program's calling is worked by one process at a time: the lease names the process (a
-- `serve` or `demo` node, or a `program simulate` run), is renewed every few seconds while it calls, and
-- another node may take it once it has expired (its holder stopped). `generation` goes up at every
-- claim, so a renewal by a holder whose lease was taken over (it stalled past expiry) fails.
CREATE TABLE program_leases (
    program_id  BIGINT PRIMARY KEY REFERENCES programs(id),
    holder      TEXT NOT NULL,
    generation  BIGINT NOT NULL,
    claimed_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
