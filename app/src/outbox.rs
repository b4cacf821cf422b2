//! Entries a customer manager made without signal (a visit logged on a rural route, a complaint
//! filed or one of its steps ticked), kept on the phone until the server has them: in the
//! browser's `localStorage`, under the signed-in user, so closing the tab loses nothing and
//! another user of the same phone never sends them. Each entry carries its own key
//! ([`crate::wire::entry_key_ok`]): sent twice, the server keeps it once.
//!
//! A page holds an [`Outbox`] of its kind of entry: it puts an entry in before sending it, takes
//! it out once the server has answered, and shows the rest with [`OutboxList`]; [`Outbox::send`]
//! sends what waits when the signal returns.

use crate::i18n::*;
use crate::wire::ApiError;
use leptos::prelude::*;
use leptos::server_fn::error::ServerFnErrorErr;
use leptos_i18n::td_string;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::future::Future;

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

/// How sending one entry ended.
pub enum Sent {
    /// The server has it (now, or from an earlier sending of the same key).
    In,
    /// The server refused it, in words: it no longer applies.
    Refused(String),
    /// No signal (or the session ended): it waits.
    NoSignal,
}

/// What an entry of a kind needs to wait in an outbox.
pub trait Entry: Clone + Serialize + DeserializeOwned + Send + Sync + 'static {}
impl<T: Clone + Serialize + DeserializeOwned + Send + Sync + 'static> Entry for T {}

/// A page's outbox of one kind of entry, for the signed-in user (none until the page knows who
/// that is: then [`Outbox::open`]).
pub struct Outbox<T: 'static> {
    kind: &'static str,
    user: RwSignal<Option<i64>>,
    /// What waits on this phone, oldest first.
    pub waiting: RwSignal<Vec<Waiting<T>>>,
    /// Sending what waits is under way.
    pub sending: RwSignal<bool>,
}

impl<T> Clone for Outbox<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Outbox<T> {}

impl<T: Entry> Outbox<T> {
    pub fn new(kind: &'static str) -> Self {
        Self {
            kind,
            user: RwSignal::new(None),
            waiting: RwSignal::new(Vec::new()),
            sending: RwSignal::new(false),
        }
    }

    /// Reads what `user` left waiting on this phone.
    pub fn open(&self, user: i64) {
        self.user.set(Some(user));
        self.waiting.set(load(self.kind, user));
    }

    /// The key of the entry waiting (not refused) that matches, if one does.
    pub fn find(&self, wanted: impl Fn(&T) -> bool) -> Option<String> {
        self.waiting.with(|w| {
            w.iter()
                .find(|w| w.refused.is_none() && wanted(&w.entry))
                .map(|w| w.key.clone())
        })
    }

    /// Whether the entry `key` is kept on this phone (not yet sent).
    pub fn holds(&self, key: &str) -> bool {
        self.waiting
            .with_untracked(|w| w.iter().any(|w| w.key == key))
    }

    /// Puts `entry` in before it is sent; false when the phone would not keep it (or nobody is
    /// signed in yet): the page says so instead of pretending it is safe.
    pub fn add(&self, key: String, label: String, entry: T) -> bool {
        self.change(|list| {
            list.push(Waiting {
                key,
                label,
                entry,
                refused: None,
            })
        })
    }

    /// Takes the entry `key` out: it is in, or the page shows why not.
    pub fn forget(&self, key: &str) {
        self.change(|list| list.retain(|w| w.key != key));
    }

    /// Keeps the entry `key` with the server's reason for refusing it, until it is dismissed.
    fn refuse(&self, key: &str, why: String) {
        self.change(|list| {
            if let Some(w) = list.iter_mut().find(|w| w.key == key) {
                w.refused = Some(why);
            }
        });
    }

    /// Applies `f` to the list as stored (another tab may have changed it) and keeps it.
    fn change(&self, f: impl FnOnce(&mut Vec<Waiting<T>>)) -> bool {
        let Some(user) = self.user.get_untracked() else {
            return false;
        };
        let mut list = load::<T>(self.kind, user);
        f(&mut list);
        let kept = keep(self.kind, user, &list);
        if kept {
            self.waiting.set(list);
        }
        kept
    }

    /// Sends what waits, oldest first, one at a time with `send`; stops at the first that finds
    /// no signal. One refused stays with its reason. `done` runs when any went in.
    pub fn send<F, Fut>(&self, send: F, done: Callback<()>)
    where
        F: Fn(Waiting<T>) -> Fut + 'static,
        Fut: Future<Output = Sent> + 'static,
    {
        let this = *self;
        let Some(user) = self.user.get_untracked() else {
            return;
        };
        if self.sending.get_untracked() {
            return;
        }
        let due: Vec<_> = load::<T>(self.kind, user)
            .into_iter()
            .filter(|w| w.refused.is_none())
            .collect();
        if due.is_empty() {
            return;
        }
        self.sending.set(true);
        leptos::task::spawn_local(async move {
            let mut went_in = false;
            for w in due {
                let key = w.key.clone();
                match send(w).await {
                    Sent::In => {
                        went_in = true;
                        this.forget(&key);
                    }
                    Sent::Refused(why) => this.refuse(&key, why),
                    Sent::NoSignal => break,
                }
            }
            this.sending.set(false);
            if went_in {
                done.run(());
            }
        });
    }
}

/// What waits on this phone: each entry as `describe` puts it, "waiting to send" or the reason
/// it was not saved (with "dismiss"), and "send now"; nothing when the outbox is empty. `hint`
/// says what is kept here.
#[component]
pub fn OutboxList<T: Entry>(
    outbox: Outbox<T>,
    hint: fn(Locale) -> &'static str,
    describe: fn(Locale, &Waiting<T>) -> String,
    flush: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let sending = outbox.sending;
    move || {
        let list = outbox.waiting.get();
        (!list.is_empty()).then(|| {
            let n = list.len();
            let pending = list.iter().any(|w| w.refused.is_none());
            view! {
                <section class="panel outbox" data-testid="outbox" aria-live="polite">
                    <h2>{move || td_string!(i18n.get_locale(), outbox.title, n = n).to_string()}</h2>
                    <p class="muted small">{move || hint(i18n.get_locale())}</p>
                    <ul class="outbox-list">
                        {list.into_iter().map(|w| {
                            let key = w.key.clone();
                            let refused = w.refused.clone();
                            let state = if refused.is_some() { "refused" } else { "waiting" };
                            let text = move || describe(i18n.get_locale(), &w);
                            view! {
                                <li class="outbox-item" data-testid="outbox-item" data-state=state>
                                    <span>{text}</span>
                                    {match refused {
                                        None => view! { <span class="badge badge-pending">{t!(i18n, outbox.waiting)}</span> }.into_any(),
                                        Some(why) => view! {
                                            <p class="error small" role="alert">
                                                {move || td_string!(i18n.get_locale(), outbox.refused, why = why.clone()).to_string()}
                                            </p>
                                            <button type="button" class="small" data-testid="outbox-dismiss"
                                                on:click=move |_| outbox.forget(&key)>{t!(i18n, outbox.dismiss)}</button>
                                        }.into_any(),
                                    }}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    {pending.then(|| view! {
                        <button type="button" class="small" data-testid="outbox-send"
                            disabled=move || sending.get() on:click=move |_| flush.run(())>
                            {move || if sending.get() { t_string!(i18n, outbox.sending) } else { t_string!(i18n, outbox.send) }}
                        </button>
                    })}
                </section>
            }
        })
    }
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
