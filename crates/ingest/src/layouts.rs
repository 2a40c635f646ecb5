//! A layout by the name a user gives it: a preset (`nc`, `oh`, `fl`, `wa`, `generic`) or one of the
//! campaign's saved column mappings (`mapping:NAME`). The CLI and the upload form resolve it the same way.

use clearline_core::Actor;
use clearline_store::{Store, StoreError};
use clearline_voterfile::{ColumnMapping, Layout};

/// Why a layout name gave no layout. Messages name the layout, never a file's contents.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    #[error("use nc, oh, fl, wa, generic or mapping:NAME")]
    Unknown,
    #[error("the campaign has no saved mapping named {0:?}")]
    NoSuchMapping(String),
    /// A saved mapping that no longer reads or checks (saved before a check existed, say).
    #[error("the saved mapping {name:?} no longer reads: {reason}")]
    BadMapping { name: String, reason: String },
    #[error(transparent)]
    Store(StoreError),
}

/// The layout `name` stands for, a saved mapping read from the actor's campaign.
pub async fn layout_named(store: &Store, actor: &Actor, name: &str) -> Result<Layout, LayoutError> {
    let Some(mapping) = name.trim().strip_prefix("mapping:") else {
        return name.parse().map_err(|_| LayoutError::Unknown);
    };
    let text = store.column_mapping(actor, mapping).await.map_err(|e| match e {
        StoreError::NotFound => LayoutError::NoSuchMapping(mapping.to_string()),
        other => LayoutError::Store(other),
    })?;
    ColumnMapping::parse_checked(&text)
        .map(Layout::Mapping)
        .map_err(|reason| LayoutError::BadMapping { name: mapping.to_string(), reason })
}
