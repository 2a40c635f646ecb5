//! Who is calling: session cookies, bearer tokens, passwords, second factors, CSRF and throttling.
//!
//! Passwords, session tokens, API tokens and TOTP secrets are never logged; the store keeps only
//! hashes of tokens and the argon2id hash of passwords.

use crate::error::ApiError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use clearline_core::Principal;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const SESSION_COOKIE: &str = "clearline_session";
pub const PRESESSION_COOKIE: &str = "clearline_presession";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// A session ends 12 hours after sign-in (a long calling shift) or after 60 idle minutes.
pub const SESSION_ABSOLUTE_US: i64 = 12 * 3600 * 1_000_000;
pub const SESSION_IDLE_US: i64 = 60 * 60 * 1_000_000;

/// A signed-in caller, resolved once per request and placed in the request's extensions.
#[derive(Clone, Debug)]
pub struct Authenticated {
    pub principal: Principal,
    pub method: AuthMethod,
}

#[derive(Clone, Debug)]
pub enum AuthMethod {
    Session {
        token_hash: String,
        csrf_token: String,
        /// The second factor this session still owes, if any.
        owes: Option<SecondFactorOwed>,
    },
    ApiToken {
        scopes: Vec<String>,
    },
}

/// What a session must still do before it is fully signed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecondFactorOwed {
    /// Enter a TOTP code.
    Code,
    /// Enrol a TOTP authenticator (required for this role) and enter its first code.
    Enrolment,
}

/// A random secret, URL-safe base64 of 32 bytes.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the store keeps of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Hashes a password with argon2id (the crate's defaults: 19 MiB, 2 passes, 1 lane).
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|_| ApiError::Internal)
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A hash to verify against when the account does not exist, so timing does not reveal accounts.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not a real password, only for timing").expect("hashes"))
}

pub mod totp {
    use totp_rs::{Algorithm, Secret, TOTP};

    fn build(secret_base32: &str, account: &str) -> Option<TOTP> {
        let bytes = Secret::Encoded(secret_base32.to_string()).to_bytes().ok()?;
        TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes, Some("Clearline".to_string()), account.to_string()).ok()
    }

    /// A new random secret, base32.
    pub fn new_secret() -> String {
        Secret::generate_secret().to_encoded().to_string()
    }

    /// Checks a 6-digit code, allowing one 30-second step of clock skew either way.
    pub fn check(secret_base32: &str, code: &str) -> bool {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        code.len() == 6 && build(secret_base32, "x").is_some_and(|t| t.check_current(&code).unwrap_or(false))
    }

    /// The current code (demo output and tests).
    pub fn current(secret_base32: &str) -> Option<String> {
        build(secret_base32, "x").and_then(|t| t.generate_current().ok())
    }

    /// The otpauth:// URL an authenticator app reads.
    pub fn url(secret_base32: &str, account: &str) -> Option<String> {
        build(secret_base32, account).map(|t| t.get_url())
    }

    /// The otpauth URL as an SVG QR code.
    pub fn qr_svg(secret_base32: &str, account: &str) -> Option<String> {
        let url = url(secret_base32, account)?;
        let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
        Some(code.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).build())
    }
}

/// Throttles sign-in attempts per address: at most `limit` failures in `window`, then 429-style refusal.
/// In memory per node; the per-account lockout in the database is the cross-node guard.
pub struct Throttle {
    limit: usize,
    window: Duration,
    failures: Mutex<HashMap<IpAddr, Vec<Instant>>>,
}

impl Throttle {
    pub fn new(limit: usize, window: Duration) -> Self {
        Throttle { limit, window, failures: Mutex::new(HashMap::new()) }
    }

    pub fn allowed(&self, addr: IpAddr) -> bool {
        let mut map = self.failures.lock().expect("throttle lock");
        let now = Instant::now();
        let entry = map.entry(addr).or_default();
        entry.retain(|t| now.duration_since(*t) < self.window);
        entry.len() < self.limit
    }

    pub fn record_failure(&self, addr: IpAddr) {
        let mut map = self.failures.lock().expect("throttle lock");
        if map.len() > 100_000 {
            map.clear(); // bounded memory under a flood; the account lockout still holds
        }
        map.entry(addr).or_default().push(Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong horse battery", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn totp_codes_check() {
        let secret = totp::new_secret();
        let code = totp::current(&secret).unwrap();
        assert!(totp::check(&secret, &code));
        let wrong = if code == "000000" { "111111" } else { "000000" };
        assert!(!totp::check(&secret, wrong));
        assert!(totp::qr_svg(&secret, "a@example.org").unwrap().contains("<svg"));
    }

    #[test]
    fn throttle_counts_failures_per_address() {
        let t = Throttle::new(2, Duration::from_secs(60));
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        assert!(t.allowed(a));
        t.record_failure(a);
        t.record_failure(a);
        assert!(!t.allowed(a));
        assert!(t.allowed(b));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = random_token();
        assert_ne!(a, random_token());
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }
}
