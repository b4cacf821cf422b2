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
pub mod lab;
pub mod performance;
pub mod portal;
pub mod reports;
pub mod requests;
pub mod visits;

use crate::i18n::*;
use leptos::prelude::*;

/// The message shown when a server function fails.
#[component]
pub fn LoadError(message: String) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <p class="error" role="alert">
            {t!(i18n, common.error, message = move || message.clone())}
        </p>
    }
}

#[component]
pub fn Loading() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <p class="loading" role="status" aria-live="polite">
            <span class="spinner" aria-hidden="true"></span>
            {t!(i18n, common.loading)}
        </p>
    }
}
