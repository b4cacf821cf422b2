//! Pieces every page shares: the error and loading states, and the pager of the paged lists.

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

/// Previous and next for a list paged on the server whose filter is held by the page (not the
/// URL): `go` asks for another page, and the list just before the pager is brought into view
/// (its top, where the new page starts). Nothing when everything fits on one.
#[component]
pub fn Pager(page: u32, pages: u32, go: Callback<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let nav = NodeRef::<leptos::html::Nav>::new();
    let turn = move |to: u32| {
        go.run(to);
        #[cfg(feature = "hydrate")]
        if let Some(list) = nav
            .get_untracked()
            .and_then(|n| n.previous_element_sibling())
        {
            list.scroll_into_view();
        }
    };
    (pages > 1).then(|| {
        view! {
            <nav class="pager" node_ref=nav aria-label=move || t_string!(i18n, common.pagination)>
                <button type="button" data-testid="page-prev" disabled={page <= 1} on:click=move |_| turn(page - 1)>
                    {t!(i18n, common.previous)}
                </button>
                <span data-testid="page-of">{t!(i18n, common.page_of, page = move || page, pages = move || pages)}</span>
                <button type="button" data-testid="page-next" disabled={page >= pages} on:click=move |_| turn(page + 1)>
                    {t!(i18n, common.next)}
                </button>
            </nav>
        }
    })
}
