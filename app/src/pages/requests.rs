//! The review queue: change requests on the fields the reviewer decides, oldest first.

use super::customer::RequestLine;
use super::{LoadError, Loading};
use crate::api::{change_requests, review_request};
use crate::i18n::*;
use crate::model::{ChangeRequest, RequestStatus, ReviewResult};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn RequestQueue() -> impl IntoView {
    let i18n = use_i18n();
    let list = Resource::new(|| (), |_| change_requests(None));
    let reload = Callback::new(move |()| list.refetch());
    view! {
        <Title text=move || t_string!(i18n, requests.queue_title).to_string() />
        <h1>{t!(i18n, requests.queue_title)}</h1>
        <p class="muted">{t!(i18n, requests.queue_intro)}</p>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(rows) => view! {
                        // Decided requests stay listed below for reference; the message is about
                        // what is left to do.
                        {rows
                            .iter()
                            .all(|r| r.status != RequestStatus::Pending)
                            .then(|| view! {
                                <p class="panel empty" data-testid="queue-empty">{t!(i18n, requests.queue_empty)}</p>
                            })}
                        <ul class="requests queue" data-testid="queue">
                            {rows.into_iter().map(|r| view! { <QueueItem r reload /> }).collect_view()}
                        </ul>
                    }
                    .into_any(),
                    Err(e) => view! { <LoadError message=e.to_string() /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn QueueItem(r: ChangeRequest, reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let id = r.id;
    let pending = r.status == RequestStatus::Pending;
    let customer = format!("/customers/{}", r.customer_id);
    let label = format!("{} {}", r.customer_code, r.customer_name);
    let reason = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    let decide = Action::new(move |(approve, why): &(bool, String)| {
        review_request(id, *approve, why.clone())
    });
    Effect::new(move |_| {
        let Some(result) = decide.value().get() else {
            return;
        };
        let l = i18n.get_locale();
        match result {
            Ok(ReviewResult::Approved { .. } | ReviewResult::Rejected) => reload.run(()),
            Ok(ReviewResult::AlreadyDecided) => {
                message.set(Some(
                    leptos_i18n::td_string!(l, requests.already).to_string(),
                ));
                reload.run(());
            }
            Ok(ReviewResult::ReasonRequired) => message.set(Some(
                leptos_i18n::td_string!(l, requests.reject_needs_reason).to_string(),
            )),
            Ok(ReviewResult::Changed { current }) => message.set(Some(
                leptos_i18n::td_string!(l, requests.changed, current = current).to_string(),
            )),
            Err(e) => message.set(Some(e.to_string())),
        }
    });
    view! {
        <li class="queue-item" data-testid="queue-item" data-request=id.to_string()>
            <A href=customer>{label}</A>
            <ul class="requests"><RequestLine r /></ul>
            <Show when=move || pending>
                <div class="decide">
                    <button
                        type="button"
                        class="primary"
                        data-testid="approve"
                        disabled=move || decide.pending().get()
                        on:click=move |_| {
                            decide.dispatch((true, reason.get_untracked()));
                        }
                    >
                        {t!(i18n, requests.approve)}
                    </button>
                    <input
                        class="reason"
                        maxlength="500"
                        aria-label=move || t_string!(i18n, requests.reject_reason)
                        placeholder=move || t_string!(i18n, requests.reject_reason)
                        data-testid="reject-reason"
                        prop:value=move || reason.get()
                        on:input=move |ev| reason.set(event_target_value(&ev))
                    />
                    <button
                        type="button"
                        data-testid="reject"
                        disabled=move || decide.pending().get()
                        on:click=move |_| {
                            decide.dispatch((false, reason.get_untracked()));
                        }
                    >
                        {t!(i18n, requests.reject)}
                    </button>
                </div>
            </Show>
            {move || message.get().map(|m| view! { <p class="error small" role="alert" data-testid="review-message">{m}</p> })}
        </li>
    }
}
