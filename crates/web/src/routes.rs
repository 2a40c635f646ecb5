//! The route table: every route is registered with the guard it needs, so no handler can forget its
//! permission check, and tests can walk every route (the route × role matrix, the OpenAPI check).

use crate::auth::{AuthMethod, Authenticated, SecondFactorOwed, CSRF_HEADER};
use crate::error::ApiError;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::handler::Handler;
use axum::http::{Method, StatusCode};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{on, MethodFilter};
use axum::Router;
use clearline_core::Capability;
use subtle::ConstantTimeEq;

/// What a route requires of its caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Guard {
    /// Anyone (sign-in page, health checks, static assets).
    Public,
    /// A session that has passed its password but may still owe its second factor.
    SecondFactorPending,
    /// Any fully signed-in principal.
    SignedIn,
    /// A fully signed-in principal whose role holds the capability.
    Cap(Capability),
}

/// One registered route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub guard: Guard,
}

impl RouteSpec {
    pub fn is_api(&self) -> bool {
        self.path.starts_with("/api/")
    }
}

/// Builds the router; the only way to add a route is [`RouteTable::add`], which demands a guard.
pub struct RouteTable {
    router: Router<AppState>,
    specs: Vec<RouteSpec>,
}

impl Default for RouteTable {
    fn default() -> Self {
        RouteTable { router: Router::new(), specs: Vec::new() }
    }
}

impl RouteTable {
    pub fn add<H, T>(&mut self, method: Method, path: &'static str, guard: Guard, handler: H)
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(method.clone()).expect("a standard method");
        let method_router = on(filter, handler).route_layer(from_fn_with_state(guard, enforce));
        let router = std::mem::take(&mut self.router);
        self.router = router.route(path, method_router);
        self.specs.push(RouteSpec { method, path, guard });
    }

    /// Like [`RouteTable::add`], for a route that accepts a large upload (`limit` bytes).
    pub fn add_upload<H, T>(&mut self, method: Method, path: &'static str, guard: Guard, limit: usize, handler: H)
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(method.clone()).expect("a standard method");
        let method_router = on(filter, handler)
            .route_layer(from_fn_with_state(guard, enforce))
            .layer(axum::extract::DefaultBodyLimit::max(limit));
        let router = std::mem::take(&mut self.router);
        self.router = router.route(path, method_router);
        self.specs.push(RouteSpec { method, path, guard });
    }

    pub fn finish(self) -> (Router<AppState>, Vec<RouteSpec>) {
        (self.router, self.specs)
    }
}

fn is_api_path(path: &str) -> bool {
    path.starts_with("/api/")
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Refuses a request the way its audience expects: JSON for the API, a page or redirect for people.
fn refuse(api: bool, err: ApiError) -> Response {
    if api {
        return err.into_response();
    }
    match err {
        ApiError::Unauthenticated => Redirect::to("/login").into_response(),
        ApiError::SecondFactorRequired => Redirect::to("/login/second-factor").into_response(),
        other => crate::ui::error_page(other.status(), other.to_string()),
    }
}

/// The per-route guard. Deny by default: only a request that satisfies the guard reaches the handler.
async fn enforce(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    let api = is_api_path(request.uri().path());
    let auth = request.extensions().get::<Authenticated>().cloned();
    if guard == Guard::Public {
        return next.run(request).await;
    }
    let Some(auth) = auth else {
        return refuse(api, ApiError::Unauthenticated);
    };
    let request = match &auth.method {
        AuthMethod::Session { csrf_token, owes, .. } => {
            if owes.is_some() && guard != Guard::SecondFactorPending {
                return refuse(api, ApiError::SecondFactorRequired);
            }
            if is_unsafe(request.method()) {
                match check_csrf(request, csrf_token).await {
                    Ok(request) => request,
                    Err(err) => return refuse(api, err),
                }
            } else {
                request
            }
        }
        AuthMethod::ApiToken { scopes } => {
            if guard == Guard::SecondFactorPending {
                return refuse(api, ApiError::Forbidden);
            }
            let needed = if is_unsafe(request.method()) { "write" } else { "read" };
            if !scopes.iter().any(|s| s == needed || (needed == "read" && s == "write")) {
                return refuse(api, ApiError::Forbidden);
            }
            request
        }
    };
    if let Guard::Cap(cap) = guard {
        if !auth.principal.can(cap) {
            return refuse(api, ApiError::Forbidden);
        }
    }
    if guard == Guard::SecondFactorPending {
        if let AuthMethod::Session { owes: None, .. } = auth.method {
            // Nothing owed: the second-factor pages have nothing to do.
            if !api && request.method() == Method::GET {
                return Redirect::to("/").into_response();
            }
        }
    }
    next.run(request).await
}

/// Checks the CSRF token of a state-changing request: the `X-CSRF-Token` header, or a `csrf` field of
/// a submitted form (read from the body, which is then handed on intact).
async fn check_csrf(request: Request, expected: &str) -> Result<Request, ApiError> {
    let matches = |given: &str| given.as_bytes().ct_eq(expected.as_bytes()).into();
    if let Some(given) = request.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        return if matches(given) { Ok(request) } else { Err(ApiError::Csrf) };
    }
    let content_type =
        request.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    if content_type.starts_with("multipart/form-data") {
        // A file upload form cannot be read here without consuming the file: its token travels in the
        // form's action URL instead (a session-bound token, not a credential; no Referer leaves the site).
        let query = request.uri().query().unwrap_or("");
        let given = form_urlencoded_field(query.as_bytes(), "csrf");
        return if given.as_deref().is_some_and(matches) { Ok(request) } else { Err(ApiError::Csrf) };
    }
    let is_form = content_type.starts_with("application/x-www-form-urlencoded");
    if !is_form {
        return Err(ApiError::Csrf);
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, 1024 * 1024).await.map_err(|_| ApiError::TooLarge)?;
    let given = form_urlencoded_field(&bytes, "csrf");
    if given.as_deref().is_some_and(matches) {
        Ok(Request::from_parts(parts, Body::from(bytes)))
    } else {
        Err(ApiError::Csrf)
    }
}

fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded_pairs(body);
    pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

fn serde_urlencoded_pairs(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}

/// Extractor for handlers: the authenticated caller (the guard has already checked the route's needs).
pub struct Caller(pub Authenticated);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Caller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Authenticated>().cloned().map(Caller).ok_or(ApiError::Unauthenticated)
    }
}

impl Caller {
    pub fn actor(&self) -> clearline_core::Actor {
        clearline_core::Actor::User(self.0.principal.clone())
    }

    pub fn owes(&self) -> Option<SecondFactorOwed> {
        match &self.0.method {
            AuthMethod::Session { owes, .. } => *owes,
            AuthMethod::ApiToken { .. } => None,
        }
    }

    pub fn session_token_hash(&self) -> Option<&str> {
        match &self.0.method {
            AuthMethod::Session { token_hash, .. } => Some(token_hash),
            AuthMethod::ApiToken { .. } => None,
        }
    }

    pub fn csrf(&self) -> &str {
        match &self.0.method {
            AuthMethod::Session { csrf_token, .. } => csrf_token,
            AuthMethod::ApiToken { .. } => "",
        }
    }
}

/// Not-found for any path the table does not know.
pub async fn fallback(request: Request) -> Response {
    if is_api_path(request.uri().path()) {
        ApiError::NotFound.into_response()
    } else {
        crate::ui::error_page(StatusCode::NOT_FOUND, "There is no such page.".into())
    }
}
