//! Typed identifiers: a `UserId` can never be passed where an `OrgId` is expected.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

typed_id!(
    /// An organization: a campaign, a vendor, or the deployment itself.
    OrgId
);
typed_id!(
    /// A person who signs in.
    UserId
);
typed_id!(
    /// A vendor's call floor.
    SiteId
);
typed_id!(
    /// A campaign's contract with a vendor.
    EngagementId
);
typed_id!(
    /// An API token (its secret is never stored, only its hash).
    ApiTokenId
);
typed_id!(
    /// An invitation to join an organization.
    InvitationId
);
