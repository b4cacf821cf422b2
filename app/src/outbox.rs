//! Entries a customer manager made without signal (a visit logged on a rural route), kept on the
//! phone until the server has them: in the browser's `localStorage`, under the signed-in user,
//! so closing the tab loses nothing and another user of the same phone never sends them. Each
//! entry carries its own key ([`crate::wire::entry_key_ok`]): sent twice, the server keeps it
//! once.

use crate::wire::ApiError;
use leptos::server_fn::error::ServerFnErrorErr;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// One entry waiting to be sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiting<T> {
    pub key: String,
    /// What the list shows for it (the customer).
    pub label: String,
    pub entry: T,
    /// Why the server refused it when it was sent at last (it no longer applies): kept, with
    /// that message, until the user has read it and let it go.
    #[serde(default)]
    pub refused: Option<String>,
}

#[cfg(feature = "hydrate")]
fn storage_key(kind: &str, user: i64) -> String {
    format!("kehu.outbox.{kind}.{user}")
}

#[cfg(feature = "hydrate")]
fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// `user`'s entries of `kind` waiting on this phone, oldest first (none on the server).
pub fn load<T: DeserializeOwned>(kind: &str, user: i64) -> Vec<Waiting<T>> {
    #[cfg(feature = "hydrate")]
    {
        storage()
            .and_then(|s| s.get_item(&storage_key(kind, user)).ok().flatten())
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (kind, user);
        Vec::new()
    }
}

/// Keeps `list` as `user`'s entries of `kind`; false when the phone would not keep it (storage
/// full or switched off): the caller says so instead of pretending it is safe.
pub fn keep<T: Serialize>(kind: &str, user: i64, list: &[Waiting<T>]) -> bool {
    #[cfg(feature = "hydrate")]
    {
        let Some(s) = storage() else {
            return false;
        };
        let key = storage_key(kind, user);
        if list.is_empty() {
            return s.remove_item(&key).is_ok();
        }
        serde_json::to_string(list).is_ok_and(|json| s.set_item(&key, &json).is_ok())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (kind, user, list);
        false
    }
}

/// A fresh key for an entry: the time and 104 random bits (empty on the server, which never
/// makes entries for a phone).
pub fn new_key() -> String {
    #[cfg(feature = "hydrate")]
    {
        let random = || (js_sys::Math::random() * 4_503_599_627_370_496.0) as u64;
        format!(
            "{:x}-{:013x}-{:013x}",
            js_sys::Date::now() as u64,
            random(),
            random()
        )
    }
    #[cfg(not(feature = "hydrate"))]
    {
        String::new()
    }
}

/// The entry should wait and be sent again later: the call never reached the server or its
/// answer never came back (no signal), or the session ended on the way (sign in again, then it
/// goes). Anything else is the server's answer about the entry itself.
pub fn not_sent(e: &ApiError) -> bool {
    matches!(
        e,
        ApiError::SignedOut
            | ApiError::Call(ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_call_or_an_ended_session_waits_a_refusal_does_not() {
        assert!(not_sent(&ApiError::Call(ServerFnErrorErr::Request(
            "Failed to fetch".into()
        ))));
        assert!(not_sent(&ApiError::SignedOut));
        assert!(!not_sent(&ApiError::NotFound("no such customer".into())));
        assert!(!not_sent(&ApiError::Internal));
    }
}
