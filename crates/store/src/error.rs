use clearline_core::validate::Invalid;

/// What a store call can fail with. Messages never contain personal data.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The object does not exist, or belongs to another tenant (the two are indistinguishable).
    #[error("not found")]
    NotFound,
    /// The actor lacks the capability (checked here as well as at the edge: defence in depth).
    #[error("not permitted: {0}")]
    Forbidden(&'static str),
    /// A uniqueness rule was broken; names the field.
    #[error("{field} is already taken")]
    Conflict { field: &'static str },
    /// A value was refused; names the field and the reason.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Other(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl StoreError {
    /// Turns a unique-constraint violation into a [`StoreError::Conflict`] on `field`.
    pub(crate) fn conflict_on(field: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
        move |e| match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict { field },
            _ => StoreError::Database(e),
        }
    }
}
