//! The JSON API under /api/v1.

pub mod audit;
pub mod imports;
pub mod opt_outs;
pub mod orgs;
pub mod policy;
pub mod programs;
pub mod session;
pub mod universes;
pub mod users;

use crate::error::ApiError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

/// JSON body extractor whose rejections are [`ApiError`]s with stable codes (never a bare 500).
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::BytesRejection(_)) => Err(ApiError::TooLarge),
            Err(JsonRejection::MissingJsonContentType(_)) => {
                Err(ApiError::BadRequest("send the body as JSON with Content-Type: application/json".into()))
            }
            Err(e) => Err(ApiError::BadRequest(e.body_text())),
        }
    }
}
