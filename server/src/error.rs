//! One error type for what the server cannot answer: a database failure or an internal fault.
//!
//! Storage and use-case code returns [`AppError`] and propagates with `?` (sqlx, serde_json and
//! anyhow errors convert into it). Its detail is logged once, where it becomes an answer — a
//! `500` with a generic message ([`IntoResponse`]), or the app's `StoreError` at the storage port,
//! which the server function logs — and never sent to the client. What a user did wrong is not an
//! `AppError`: those are typed results (`VisitProblem`, `EditResult`, …) the pages show.

use app::api::ssr::StoreError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// A failure the caller cannot fix; the detail is for the server log.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0:#}")]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// An internal fault described in words (a stored value that cannot be, a row that vanished).
    pub fn msg(what: impl std::fmt::Display) -> Self {
        AppError::Internal(anyhow::anyhow!("{what}"))
    }
}

impl From<serde_json::Error> for AppError {
    fn from(e: serde_json::Error) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        AppError::msg(e)
    }
}

/// At the storage port: the app's server functions log it and answer with a generic message.
impl From<AppError> for StoreError {
    fn from(e: AppError) -> Self {
        StoreError(e.to_string())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        internal("request", self)
    }
}

/// The one `500` the server gives: the detail logged with what was being done, a generic text
/// to the client.
pub fn internal(what: &str, e: impl std::fmt::Display) -> Response {
    tracing::error!("{what}: {e:#}");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal error, see the server log",
    )
        .into_response()
}

/// For the storage port's own queries (`store/`), whose methods return the app's `StoreError`.
pub fn store_err(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}
