//! Encryption of personal data at rest (being built).
