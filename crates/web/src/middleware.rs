//! Layers every request passes through: caller resolution, security headers, metrics.

use crate::auth::{token_hash, AuthMethod, Authenticated, SecondFactorOwed, SESSION_COOKIE, SESSION_IDLE_US};
use crate::state::AppState;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Instant;

/// The caller's network address.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub IpAddr);

pub fn cookie_value<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request
        .headers()
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn client_addr(state: &AppState, request: &Request) -> IpAddr {
    if state.settings().trust_forwarded_for {
        if let Some(first) = request
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok())
        {
            return first;
        }
    }
    // Without connection info (never the case when serving) no site network admits the caller.
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ci| ci.0.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// Resolves the caller from a bearer token or a session cookie and records it in the extensions.
pub async fn resolve_caller(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let addr = client_addr(&state, &request);
    request.extensions_mut().insert(ClientAddr(addr));
    let source = addr.to_string();
    let store = state.store();
    let bearer = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    let resolved = if let Some(token) = bearer {
        match store.api_token_principal(&token_hash(&token), &source).await {
            Ok(Some((principal, scopes))) => Some(Authenticated { principal, method: AuthMethod::ApiToken { scopes } }),
            Ok(None) => None,
            Err(e) => {
                tracing::error!(error = %e, "token lookup failed");
                None
            }
        }
    } else if let Some(cookie) = cookie_value(&request, SESSION_COOKIE) {
        let hash = token_hash(cookie);
        match store.session(&hash, &source).await {
            Ok(Some(s)) => {
                let now = clearline_store::now_us();
                if now - s.last_seen_at_us > SESSION_IDLE_US {
                    None
                } else {
                    if now - s.last_seen_at_us > 60_000_000 {
                        let _ = store.touch_session(&hash, s.expires_at_us).await;
                    }
                    let owes = if s.second_factor_done {
                        None
                    } else if s.second_factor_enrolled {
                        Some(SecondFactorOwed::Code)
                    } else if s.second_factor_required {
                        Some(SecondFactorOwed::Enrolment)
                    } else {
                        None
                    };
                    Some(Authenticated {
                        principal: s.principal,
                        method: AuthMethod::Session { token_hash: hash, csrf_token: s.csrf_token, owes },
                    })
                }
            }
            Ok(None) => None,
            Err(e) => {
                tracing::error!(error = %e, "session lookup failed");
                None
            }
        }
    } else {
        None
    };
    if let Some(auth) = resolved {
        request.extensions_mut().insert(auth);
    }
    next.run(request).await
}

/// Security headers on every response.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k: &'static str, v: &'static str| {
        h.entry(k).or_insert(HeaderValue::from_static(v));
    };
    set(
        headers,
        "content-security-policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
         frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
    );
    set(headers, "x-content-type-options", "nosniff");
    set(headers, "x-frame-options", "DENY");
    set(headers, "referrer-policy", "no-referrer");
    set(headers, "cross-origin-opener-policy", "same-origin");
    set(headers, "permissions-policy", "camera=(), geolocation=(), microphone=(self)");
    response
}

/// Request counts and latencies for Prometheus, labelled by route template (never by concrete path).
pub async fn track_metrics(request: Request, next: Next) -> Response {
    let route =
        request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_else(|| "unmatched".into());
    let method = request.method().to_string();
    let started = Instant::now();
    let mut response = next.run(request).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("clearline_http_requests_total", &labels).increment(1);
    metrics::histogram!("clearline_http_request_duration_seconds", &labels).record(elapsed.as_secs_f64());
    // The server's own time for the response (to its headers), for the browser's developer tools and
    // `clearline bench pages`: what a load generator's clock adds on top is the network and the client.
    if let Ok(value) = HeaderValue::from_str(&format!("app;dur={:.3}", elapsed.as_secs_f64() * 1e3)) {
        response.headers_mut().insert("server-timing", value);
    }
    response
}
