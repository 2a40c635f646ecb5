//! Who is acting. Every store call takes an [`Actor`], so every read and write knows its principal and
//! every audit event names it.

use crate::access::{Capability, OrgKind, Role};
use crate::ids::{OrgId, SiteId, UserId};
use serde::{Deserialize, Serialize};

/// How a signed-in principal reached us.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// A browser session cookie.
    Session,
    /// A bearer API token.
    ApiToken,
    /// The command line against the local database (`--as EMAIL`).
    Cli,
}

/// A signed-in user acting within their organization.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub user_id: UserId,
    pub org_id: OrgId,
    pub org_kind: OrgKind,
    pub role: Role,
    /// Vendor users belong to a site; everyone else has none.
    pub site_id: Option<SiteId>,
    pub via: Via,
    /// Where the request came from: an IP address, or "cli".
    pub source: String,
}

impl Principal {
    pub fn can(&self, cap: Capability) -> bool {
        self.role.can(cap)
    }
}

/// The acting party of a store call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Actor {
    /// A signed-in user (browser, API token or CLI `--as`).
    User(Principal),
    /// Someone not signed in (a sign-in attempt, an invitation being accepted), with their address.
    Anonymous { source: String },
    /// Clearline itself (migrations, the demo seed, scheduled checkpoints), with the job's name.
    System { job: String },
}

impl Actor {
    pub fn system(job: &str) -> Actor {
        Actor::System { job: job.to_string() }
    }

    pub fn anonymous(source: impl Into<String>) -> Actor {
        Actor::Anonymous { source: source.into() }
    }

    pub fn principal(&self) -> Option<&Principal> {
        match self {
            Actor::User(p) => Some(p),
            _ => None,
        }
    }

    /// The identifier written into audit events: `user:42`, `anonymous`, `system:demo`.
    pub fn audit_name(&self) -> String {
        match self {
            Actor::User(p) => format!("user:{}", p.user_id),
            Actor::Anonymous { .. } => "anonymous".to_string(),
            Actor::System { job } => format!("system:{job}"),
        }
    }

    /// Where the action came from (IP address, "cli", or "system").
    pub fn source(&self) -> &str {
        match self {
            Actor::User(p) => &p.source,
            Actor::Anonymous { source } => source,
            Actor::System { .. } => "system",
        }
    }
}
