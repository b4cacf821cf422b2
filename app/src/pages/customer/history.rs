//! Change requests of this customer and the change history (the audit trail of the customer).

use super::*;
use crate::labels::action_label;

/// This customer's change requests and how they were decided.
#[component]
pub(crate) fn Requests(requests: RwSignal<Vec<ChangeRequest>>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Show when=move || requests.with(|r| !r.is_empty())>
            <section class="panel" data-testid="customer-requests">
                <h2>{t!(i18n, requests.title)}</h2>
                <ul class="requests">
                    {move || {
                        requests
                            .get()
                            .into_iter()
                            .map(|r| view! { <RequestLine r /> })
                            .collect_view()
                    }}
                </ul>
            </section>
        </Show>
    }
}

/// One request: field, old → new, why, who, and its state.
#[component]
pub fn RequestLine(r: ChangeRequest) -> impl IntoView {
    let i18n = use_i18n();
    let field = r.field.clone();
    let status = r.status;
    let decided = r.review_reason.clone().filter(|s| !s.is_empty());
    view! {
        <li class="request-line" data-testid="request-line" data-status=status.key() data-field=r.field.clone()>
            <span class=format!("badge badge-{}", status.key())>{move || status_label(i18n.get_locale(), status)}</span>
            <strong>{move || field_label(i18n.get_locale(), &field)}</strong>
            ": "
            <span class="old">{r.old_value.clone()}</span>
            " → "
            <span class="new">{r.new_value.clone()}</span>
            <span class="muted small">
                " · " {r.reason.clone()} " · " {r.requested_by.clone()} " · " {r.requested_at.to_string()}
            </span>
            {decided.map(|d| view! { <span class="small">" · " {r.reviewed_by.clone()} ": " {d}</span> })}
        </li>
    }
}

pub(crate) fn status_label(l: Locale, s: RequestStatus) -> &'static str {
    match s {
        RequestStatus::Pending => leptos_i18n::td_string!(l, requests.pending),
        RequestStatus::Approved => leptos_i18n::td_string!(l, requests.approved),
        RequestStatus::Rejected => leptos_i18n::td_string!(l, requests.rejected),
    }
}

/// The customer's audit trail: who changed which field, from what to what.
#[component]
pub(crate) fn History(history: RwSignal<Vec<AuditEntry>>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="panel" data-testid="history">
            <h2>{t!(i18n, edit.history)}</h2>
            <Show
                when=move || history.with(|h| !h.is_empty())
                fallback=move || view! { <p class="muted" data-testid="history-empty">{t!(i18n, edit.history_empty)}</p> }
            >
                <div class="scroll">
                    <table class="list">
                        <thead>
                            <tr>
                                <th scope="col">{t!(i18n, edit.when)}</th>
                                <th scope="col">{t!(i18n, edit.who)}</th>
                                <th scope="col">{t!(i18n, edit.field)}</th>
                                <th scope="col">{t!(i18n, edit.action)}</th>
                                <th scope="col">{t!(i18n, edit.change)}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {move || {
                                history
                                    .get()
                                    .into_iter()
                                    .map(|r| {
                                        let field = r.field.clone().unwrap_or_default();
                                        let field_key = field.clone();
                                        let action = r.action.clone();
                                        let action_key = r.action.clone();
                                        let who = r.user.clone();
                                        view! {
                                            <tr data-testid="history-row" data-field=field>
                                                <td>{r.at.to_string()}</td>
                                                <td>
                                                    {move || if who.is_empty() { t_string!(i18n, edit.system).to_string() } else { who.clone() }}
                                                </td>
                                                <td>{move || field_label(i18n.get_locale(), &field_key)}</td>
                                                <td data-testid="history-action" data-action=action_key>
                                                    {move || action_label(i18n.get_locale(), &action)}
                                                </td>
                                                <td>
                                                    <span class="old">{r.old_value.clone().unwrap_or_default()}</span>
                                                    " → "
                                                    <span class="new">{r.new_value.clone().unwrap_or_default()}</span>
                                                </td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()
                            }}
                        </tbody>
                    </table>
                </div>
            </Show>
        </section>
    }
}
