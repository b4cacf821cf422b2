//! Routed pages.
pub mod account;
pub mod audit;
pub mod calendar;
pub mod complaints;
pub mod customer;
pub mod customers;
pub mod dashboard;
pub mod gaps;
pub mod import;
pub mod performance;
pub mod portal;
pub mod reports;
pub mod requests;
pub mod visits;

// The shared pieces, where the pages have always found them.
pub use crate::components::{LoadError, Loading, Pager};

/// Opens a page's outbox once the page knows who is signed in (tracked: the answer may come
/// after the first run) and sends what waits then, and whenever the signal returns.
pub fn open_outbox<T: crate::outbox::Entry>(
    outbox: crate::outbox::Outbox<T>,
    flush: leptos::prelude::Callback<()>,
) {
    use leptos::prelude::*;
    Effect::new(move |_| {
        let me = account::me_resource().get();
        if let Some(user) = me.and_then(|me| me.ok().flatten()).map(|me| me.id.0) {
            outbox.open(user);
            flush.run(());
        }
    });
    #[cfg(feature = "hydrate")]
    {
        let online = window_event_listener(leptos::ev::online, move |_| flush.run(()));
        on_cleanup(move || online.remove());
    }
}
