//! Voter-file layouts (being built).
