//! The review queue: change requests on the fields the reviewer decides, oldest first.

use super::customer::RequestLine;
use super::portal::DisputeLine;
use super::{LoadError, Loading};
use crate::api::{answer_dispute, change_requests, list_disputes, review_request};
use crate::i18n::*;
use crate::wire::{ChangeRequest, Dispute, DisputeStatus, RequestStatus, ReviewResult};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn RequestQueue() -> impl IntoView {
    let i18n = use_i18n();
    let list = Resource::new(|| (), |_| change_requests(None));
    let reload = Callback::new(move |()| list.refetch());
    // Created here, not under another suspended view, so the page hydrates from what the
    // server rendered.
    let disputes = Resource::new(|| (), |_| list_disputes());
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
        <DisputeQueue list=disputes reload=Callback::new(move |()| disputes.refetch()) />
    }
}

/// Customers' disputes of their classification (managers and admins): answer each, the
/// customer reads the answer in the portal.
#[component]
pub fn DisputeQueue(
    list: Resource<Result<Option<Vec<Dispute>>, crate::wire::ApiError>>,
    reload: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(Some(rows)) => view! {
                        <h2 id="disputes">{t!(i18n, portal.disputes_queue)}</h2>
                        {rows.iter().all(|d| d.status != DisputeStatus::Open).then(|| view! {
                            <p class="panel empty" data-testid="disputes-empty">{t!(i18n, portal.disputes_queue_empty)}</p>
                        })}
                        <ul class="requests queue" data-testid="dispute-queue">
                            {rows.into_iter().map(|d| view! { <DisputeItem d reload /> }).collect_view()}
                        </ul>
                    }
                    .into_any(),
                    Ok(None) => ().into_any(),
                    Err(e) => view! { <LoadError message=e.to_string() /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn DisputeItem(d: Dispute, reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let id = d.id;
    let open = d.status == DisputeStatus::Open;
    let customer = format!("/customers/{}", d.customer_id);
    let label = format!("{} {}", d.customer_code, d.customer_name);
    let answer = RwSignal::new(String::new());
    let status = RwSignal::new(DisputeStatus::Upheld);
    let message = RwSignal::new(None::<String>);
    let send = Action::new(move |(s, a): &(DisputeStatus, String)| {
        answer_dispute(id, s.key().to_string(), a.clone())
    });
    Effect::new(move |_| match send.value().get() {
        Some(Ok(_)) => reload.run(()),
        Some(Err(e)) => message.set(Some(e.to_string())),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let a = answer.get_untracked();
        if a.trim().is_empty() {
            message.set(Some(
                leptos_i18n::td_string!(i18n.get_locale(), portal.dispute_answer_needed)
                    .to_string(),
            ));
            return;
        }
        send.dispatch((status.get_untracked(), a));
    };
    let error_id = format!("dispute-error-{id}");
    view! {
        <li class="queue-item" data-testid="dispute-item" data-dispute=id.to_string()>
            <p><A href=customer>{label}</A></p>
            <ul class="requests"><DisputeLine d=d.clone() l=i18n.get_locale_untracked() /></ul>
            <Show when=move || open>
                <form class="stack" on:submit=submit data-testid="dispute-answer-form">
                    <fieldset class="choices">
                        <legend class="visually-hidden">{t!(i18n, portal.dispute_answer)}</legend>
                        {[DisputeStatus::Upheld, DisputeStatus::Corrected].into_iter().map(|s| view! {
                            <label class="choice">
                                <input
                                    type="radio"
                                    name=format!("status-{id}")
                                    value=s.key()
                                    prop:checked=move || status.get() == s
                                    on:change=move |_| status.set(s)
                                    data-testid=format!("dispute-{}", s.key())
                                />
                                {move || super::portal::dispute_status_label(i18n.get_locale(), s)}
                            </label>
                        }).collect_view()}
                    </fieldset>
                    <label>
                        <span>{t!(i18n, portal.dispute_answer)}</span>
                        <textarea
                            rows="2"
                            maxlength="500"
                            aria-describedby=error_id.clone()
                            prop:value=move || answer.get()
                            on:input=move |ev| answer.set(event_target_value(&ev))
                            data-testid="dispute-answer-text"
                        ></textarea>
                    </label>
                    <p class="error" role="alert" id=error_id.clone()>{move || message.get()}</p>
                    <button type="submit" class="primary" disabled=move || send.pending().get() data-testid="dispute-answer-submit">
                        {t!(i18n, portal.dispute_answer_submit)}
                    </button>
                </form>
            </Show>
        </li>
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
