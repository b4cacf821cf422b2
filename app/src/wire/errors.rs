//! Why a server function did not answer, as one type both sides know: the page matches on the
//! variant (signed out, not allowed, not found, a value to correct, a fault of the server)
//! instead of reading a message, and the server sets the HTTP status from it.

use super::*;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};

/// The error of every server function.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ApiError {
    /// Nobody is signed in (401).
    #[error("sign in first")]
    SignedOut,
    /// The caller's role may not do this (403).
    #[error("{0}")]
    Forbidden(String),
    /// No such record, or not one the caller may see (404).
    #[error("{0}")]
    NotFound(String),
    /// A request that makes no sense as sent (400).
    #[error("{0}")]
    BadRequest(String),
    /// A value to correct, naming the field (422).
    #[error("{0}")]
    Invalid(String),
    /// The server failed; the detail is in its log, never here (500).
    #[error("internal error, see the server log")]
    Internal,
    /// The call itself failed: arguments that did not parse, the network, an answer that did not
    /// decode.
    #[error("{0}")]
    Call(ServerFnErrorErr),
}

impl ApiError {
    /// The HTTP status the server answers with.
    pub const fn status(&self) -> u16 {
        match self {
            ApiError::SignedOut => 401,
            ApiError::Forbidden(_) => 403,
            ApiError::NotFound(_) => 404,
            ApiError::BadRequest(_) => 400,
            ApiError::Invalid(_) => 422,
            ApiError::Internal => 500,
            // Arguments that did not parse, or a body that did not decode (cut off at its limit).
            ApiError::Call(
                ServerFnErrorErr::Args(_)
                | ServerFnErrorErr::MissingArg(_)
                | ServerFnErrorErr::Deserialization(_),
            ) => 400,
            ApiError::Call(_) => 500,
        }
    }
}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        ApiError::Call(value)
    }
}
