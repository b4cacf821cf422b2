//! One customer: classification, derived measures and the five information groups.

use super::{LoadError, Loading};
use crate::api::{
    change_requests, create_invite, customer_history, edit_customer_field, get_customer,
    request_change,
};
use crate::engine::{BusinessFormat, MarketType};
use crate::i18n::*;
use crate::labels::{
    field_label, field_problem_text, format_label, group_label, maintenance_label, market_label,
    role_label, tier_label, value_class_label,
};
use crate::model::{
    AuditEntry, ChangeRequest, CustomerDetail, EditResult, FIELDS, FieldDef, FieldGroup, FieldKind,
    FieldProblem, RequestResult, RequestStatus,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn CustomerPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|s| s.parse::<i64>().ok())));
    // The record and its history load together: one resource, so the page hydrates from what
    // the server rendered without asking again.
    let detail = Resource::new(
        move || id.get(),
        |id| async move {
            let Some(id) = id else {
                return Ok::<_, ServerFnError>(None);
            };
            match get_customer(id).await? {
                Some(d) => Ok(Some((
                    d,
                    customer_history(id).await?,
                    change_requests(Some(id)).await?,
                ))),
                None => Ok(None),
            }
        },
    );
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(Some((d, history, requests))) => view! { <Detail d history requests /> }.into_any(),
                    Ok(None) => {
                        #[cfg(feature = "ssr")]
                        if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
                            resp.set_status(http::StatusCode::NOT_FOUND);
                        }
                        view! {
                            <Title text=move || t_string!(i18n, customer.title).to_string() />
                            <p class="panel empty" data-testid="customer-not-found">{t!(i18n, customer.not_found)}</p>
                        }
                            .into_any()
                    }
                    Err(e) => view! { <LoadError message=e.to_string() /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Detail(
    d: CustomerDetail,
    history: Vec<AuditEntry>,
    requests: Vec<ChangeRequest>,
) -> impl IntoView {
    let i18n = use_i18n();
    let title = d.shop_name.clone();
    let id = d.id;
    // The record version the editors send back; each save moves it on.
    let version = RwSignal::new(d.version);
    // Reloaded after each save or request.
    let history = RwSignal::new(history);
    let requests = RwSignal::new(requests);
    let changes = Callback::new(move |()| {
        leptos::task::spawn_local(async move {
            if let Ok(h) = customer_history(id).await {
                history.set(h);
            }
            if let Ok(r) = change_requests(Some(id)).await {
                requests.set(r);
            }
        });
    });
    let a = d.assignment.clone();
    let editable = d.editable.clone();
    let requestable = d.requestable.clone();
    let groups = FieldGroup::ALL.map(|g| {
        let values: Vec<(&'static crate::model::FieldDef, String)> = FIELDS
            .iter()
            .filter(|f| f.group == g)
            .map(|f| {
                let v = d
                    .fields
                    .iter()
                    .find(|v| v.key == f.key)
                    .map(|v| v.value.clone())
                    .unwrap_or_default();
                (f, v)
            })
            .collect();
        (g, values)
    });
    view! {
        <Title text=title.clone() />
        <header class="page-head">
            <h1 data-testid="customer-name">{d.shop_name.clone()}</h1>
            <p class="muted">
                <span data-testid="customer-code">{d.code.clone()}</span>
                " · "
                <span data-testid="record-version" data-version=move || version.get().to_string()>
                    {t!(i18n, customer.record_version, version = move || version.get())}
                </span>
            </p>
        </header>
        <section class="panel" data-testid="classification">
            <h2>{t!(i18n, customer.classification)}</h2>
            {match a {
                Some(a) => {
                    let (name, ver) = (a.policy.name.clone(), a.policy.version);
                    let (tier, vc) = (a.tier.clone(), a.value_class.clone());
                    view! {
                        <dl class="facts">
                            <div><dt>{t!(i18n, customer.band)}</dt><dd data-testid="band">{a.band}</dd></div>
                            <div><dt>{t!(i18n, customer.grade)}</dt><dd data-testid="grade">{a.grade}</dd></div>
                            <div><dt>{t!(i18n, customer.class)}</dt><dd data-testid="class">{a.class_code.clone()}</dd></div>
                            <div>
                                <dt>{t!(i18n, customer.tier)}</dt>
                                <dd data-testid="tier">{move || tier_label(i18n.get_locale(), &tier)}</dd>
                            </div>
                            <div>
                                <dt>{t!(i18n, customer.value_score)}</dt>
                                <dd>
                                    {a.value_score.clone()} " · "
                                    {move || value_class_label(i18n.get_locale(), &vc)}
                                </dd>
                            </div>
                        </dl>
                        <p class="muted small" data-testid="policy-version">
                            {t!(i18n, customer.policy, name = move || name.clone(), version = move || ver)}
                        </p>
                    }
                        .into_any()
                }
                None => view! { <p class="muted">{t!(i18n, customer.unclassified)}</p> }.into_any(),
            }}
        </section>
        <section class="panel">
            <h2>{t!(i18n, customer.measures)}</h2>
            <dl class="facts">
                <div><dt>{t!(i18n, customer.monthly_volume)}</dt><dd data-testid="monthly-volume">{d.monthly_volume.clone()}</dd></div>
                <div><dt>{t!(i18n, customer.avg_price)}</dt><dd>{d.avg_price.clone().unwrap_or_else(|| "—".into())}</dd></div>
                <div><dt>{t!(i18n, customer.monthly_amount)}</dt><dd>{d.monthly_amount.clone()}</dd></div>
            </dl>
        </section>
        <div class="groups">
            {groups
                .into_iter()
                .map(|(g, values)| {
                    view! {
                        <section class="panel group" data-testid=format!("group-{g:?}").to_lowercase()>
                            <h2>{move || group_label(i18n.get_locale(), g)}</h2>
                            <dl class="fields">
                                {values
                                    .into_iter()
                                    .map(|(f, v)| {
                                        let (key, m, owner) = (f.key, f.maintenance, f.owner);
                                        let can_edit = editable.iter().any(|k| k == key);
                                        let can_request = requestable.iter().any(|k| k == key);
                                        view! {
                                            <div class="field" data-field=key>
                                                <dt>
                                                    {move || field_label(i18n.get_locale(), key)}
                                                    <span
                                                        class=format!("tag tag-{m:?}").to_lowercase()
                                                        title=move || role_label(i18n.get_locale(), owner)
                                                    >
                                                        {move || maintenance_label(i18n.get_locale(), m)}
                                                    </span>
                                                </dt>
                                                <FieldValue customer=id def=f value=v can_edit can_request version changes />
                                            </div>
                                        }
                                    })
                                    .collect_view()}
                            </dl>
                        </section>
                    }
                })
                .collect_view()}
        </div>
        <Requests requests />
        <InvitePanel customer=id />
        <History history />
    }
}

/// A printable one-time code for the customer to open their self-service account.
#[component]
fn InvitePanel(customer: i64) -> impl IntoView {
    let i18n = use_i18n();
    let make = Action::new(move |()| create_invite(customer));
    let url = move || {
        #[cfg(feature = "hydrate")]
        {
            window()
                .location()
                .origin()
                .map(|o| format!("{o}/invite"))
                .unwrap_or_else(|_| "/invite".into())
        }
        #[cfg(not(feature = "hydrate"))]
        {
            "/invite".to_string()
        }
    };
    let print = move |_| {
        #[cfg(feature = "hydrate")]
        let _ = window().print();
    };
    view! {
        <section class="panel invite" data-testid="invite-panel">
            <h2>{t!(i18n, portal.invite_make)}</h2>
            <p class="muted small no-print">{t!(i18n, portal.invite_make_hint)}</p>
            <button
                type="button"
                class="no-print"
                data-testid="invite-create"
                disabled=move || make.pending().get()
                on:click=move |_| {
                    make.dispatch(());
                }
            >
                {t!(i18n, portal.invite_create)}
            </button>
            {move || make.value().get().map(|r| match r {
                Ok(inv) => {
                    let l = i18n.get_locale();
                    view! {
                        <div class="invite-letter" data-testid="invite-letter">
                            <p>{leptos_i18n::td_string!(l, portal.invite_letter, shop = inv.shop_name.clone(), url = url(), customer = inv.customer_code.clone())}</p>
                            <p class="invite-code" data-testid="invite-code">{inv.code.clone()}</p>
                            <p class="muted small">{leptos_i18n::td_string!(l, portal.invite_expires, at = inv.expires_at.replace('T', " ").trim_end_matches('Z').to_string())}</p>
                            <button type="button" class="no-print" on:click=print>{t!(i18n, portal.invite_print)}</button>
                        </div>
                    }
                    .into_any()
                }
                Err(e) => view! { <LoadError message=e.to_string() /> }.into_any(),
            })}
        </section>
    }
}

/// Why a save did not go through.
#[derive(Clone, Debug, PartialEq)]
enum EditError {
    Field(FieldProblem),
    Stale(i64),
    Server(String),
}

/// What a field's cell has open: nothing (its value and buttons), its editor, or a change
/// request beside the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Open {
    Value,
    Editor,
    Request,
}

/// One field's value, with its edit and request buttons where the viewer may use them. Saving
/// sends the record version the page loaded, so a concurrent change is refused instead of
/// overwritten. The editor, the request form and their saves are made when one opens: a page of
/// forty fields renders forty values and their buttons on the server, not forty idle forms.
#[component]
fn FieldValue(
    customer: i64,
    def: &'static FieldDef,
    value: String,
    can_edit: bool,
    can_request: bool,
    version: RwSignal<i64>,
    changes: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let key = def.key;
    let kind = def.kind;
    let value = RwSignal::new(value);
    let open = RwSignal::new(Open::Value);
    // The number of the request filed from here, once it is.
    let filed = RwSignal::new(None::<i64>);
    let label = move || field_label(i18n.get_locale(), key);
    let cell = move || {
        match open.get() {
        Open::Editor => view! { <EditForm customer key kind value version open changes /> }.into_any(),
        now => view! {
            <span class="value">{move || display_value(i18n.get_locale(), kind, &value.get())}</span>
            {can_edit.then(|| view! {
                <button
                    type="button"
                    class="link edit"
                    data-testid=format!("edit-{key}")
                    aria-label=move || {
                        leptos_i18n::td_string!(i18n.get_locale(), edit.edit_label, field = label())
                            .to_string()
                    }
                    on:click=move |_| open.set(Open::Editor)
                >
                    {t!(i18n, edit.edit)}
                </button>
            })}
            {match (can_request, now) {
                (false, _) => None,
                (true, Open::Request) => Some(view! {
                    <RequestForm customer key kind current=value.get_untracked() open filed changes />
                }.into_any()),
                (true, _) => Some(view! {
                    <button
                        type="button"
                        class="link edit"
                        data-testid=format!("request-{key}")
                        aria-label=move || {
                            leptos_i18n::td_string!(i18n.get_locale(), requests.request_label, field = label())
                                .to_string()
                        }
                        on:click=move |_| {
                            filed.set(None);
                            open.set(Open::Request);
                        }
                    >
                        {t!(i18n, requests.request)}
                    </button>
                }.into_any()),
            }}
        }
        .into_any(),
    }
    };
    view! {
        <dd data-testid=format!("value-{key}")>
            {cell}
            {move || filed.get().map(|n| view! {
                <p class="notice small" role="status" data-testid=format!("filed-{key}")>
                    {t!(i18n, requests.filed, id = n)}
                </p>
            })}
        </dd>
    }
}

/// One field's editor, open: the value being typed, its save with the record version the page
/// loaded, and what went wrong. Escape or Cancel closes it; a save closes it once stored.
#[component]
fn EditForm(
    customer: i64,
    key: &'static str,
    kind: FieldKind,
    value: RwSignal<String>,
    version: RwSignal<i64>,
    open: RwSignal<Open>,
    changes: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let draft = RwSignal::new(value.get_untracked());
    let error = RwSignal::new(None::<EditError>);
    let save = Action::new(move |(v, ver): &(String, i64)| {
        edit_customer_field(customer, key.to_string(), v.clone(), *ver)
    });
    Effect::new(move |_| {
        let Some(result) = save.value().get() else {
            return;
        };
        match result {
            Ok(EditResult::Saved {
                version: v,
                value: stored,
            }) => {
                value.set(stored);
                version.set(v);
                open.set(Open::Value);
                changes.run(());
            }
            Ok(EditResult::Invalid(p)) => error.set(Some(EditError::Field(p))),
            Ok(EditResult::Stale { version: v }) => error.set(Some(EditError::Stale(v))),
            Err(e) => error.set(Some(EditError::Server(e.to_string()))),
        }
    });
    let cancel = move || open.set(Open::Value);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch((draft.get_untracked(), version.get_untracked()));
    };
    let error_id = format!("edit-error-{key}");
    let error_text = move || {
        let l = i18n.get_locale();
        error.get().map(|e| match e {
            EditError::Field(p) => field_problem_text(l, &p),
            EditError::Stale(v) => leptos_i18n::td_string!(l, edit.stale, version = v).to_string(),
            EditError::Server(m) => m,
        })
    };
    let stale = move || matches!(error.get(), Some(EditError::Stale(_)));
    let label = move || field_label(i18n.get_locale(), key);
    view! {
        <form
            class="inline-edit"
            on:submit=submit
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                if ev.key() == "Escape" {
                    cancel();
                }
            }
        >
            <FieldInput kind draft label=Signal::derive(label) error_id=error_id.clone() />
            <button type="submit" class="primary" data-testid=format!("save-{key}") disabled=move || save.pending().get()>
                {move || if save.pending().get() { t_string!(i18n, edit.saving) } else { t_string!(i18n, edit.save) }}
            </button>
            <button type="button" on:click=move |_| cancel()>{t!(i18n, edit.cancel)}</button>
        </form>
        {
            let error_id = error_id.clone();
            move || error_text().map(|m| view! {
                <p class="error small" role="alert" id=error_id.clone() data-testid=format!("edit-error-{key}")>
                    {m}
                    <Show when=stale>
                        " " <a href="" rel="external" data-testid="reload">{t!(i18n, edit.reload)}</a>
                    </Show>
                </p>
            })
        }
    }
}

/// A change request for one field: the new value and why. A reviewer decides.
#[component]
fn RequestForm(
    customer: i64,
    key: &'static str,
    kind: FieldKind,
    current: String,
    open: RwSignal<Open>,
    filed: RwSignal<Option<i64>>,
    changes: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let draft = RwSignal::new(current);
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let send = Action::new(move |(v, r): &(String, String)| {
        request_change(customer, key.to_string(), v.clone(), r.clone())
    });
    Effect::new(move |_| {
        let Some(result) = send.value().get() else {
            return;
        };
        let l = i18n.get_locale();
        match result {
            Ok(RequestResult::Filed { id }) => {
                filed.set(Some(id));
                open.set(Open::Value);
                changes.run(());
            }
            Ok(RequestResult::Invalid(p)) => error.set(Some(field_problem_text(l, &p))),
            Ok(RequestResult::ReasonRequired) => error.set(Some(
                leptos_i18n::td_string!(l, requests.reason_required).to_string(),
            )),
            Ok(RequestResult::Unchanged) => error.set(Some(
                leptos_i18n::td_string!(l, requests.unchanged).to_string(),
            )),
            Err(e) => error.set(Some(e.to_string())),
        }
    });
    let error_id = format!("request-error-{key}");
    let label = Signal::derive(move || field_label(i18n.get_locale(), key));
    view! {
        <form
            class="inline-edit request"
            data-testid=format!("request-form-{key}")
            on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                send.dispatch((draft.get_untracked(), reason.get_untracked()));
            }
        >
            <FieldInput kind draft label error_id=error_id.clone() />
            <input
                class="reason"
                maxlength="500"
                required
                aria-label=move || t_string!(i18n, requests.reason)
                placeholder=move || t_string!(i18n, requests.reason)
                data-testid="request-reason"
                prop:value=move || reason.get()
                on:input=move |ev| reason.set(event_target_value(&ev))
            />
            <button type="submit" class="primary" data-testid=format!("send-request-{key}") disabled=move || send.pending().get()>
                {t!(i18n, requests.send)}
            </button>
            <button type="button" on:click=move |_| open.set(Open::Value)>{t!(i18n, edit.cancel)}</button>
        </form>
        {move || error.get().map(|m| view! {
            <p class="error small" role="alert" id=error_id.clone() data-testid=format!("request-error-{key}")>{m}</p>
        })}
    }
}

/// This customer's change requests and how they were decided.
#[component]
fn Requests(requests: RwSignal<Vec<ChangeRequest>>) -> impl IntoView {
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
                " · " {r.reason.clone()} " · " {r.requested_by.clone()} " · " {r.requested_at.replace('T', " ").trim_end_matches('Z').to_string()}
            </span>
            {decided.map(|d| view! { <span class="small">" · " {r.reviewed_by.clone()} ": " {d}</span> })}
        </li>
    }
}

fn action_label(l: Locale, action: &str) -> &'static str {
    match action {
        "field.edit" => leptos_i18n::td_string!(l, edit.action_edit),
        "request.file" => leptos_i18n::td_string!(l, edit.action_request),
        "request.approve" => leptos_i18n::td_string!(l, edit.action_approve),
        "request.reject" => leptos_i18n::td_string!(l, edit.action_reject),
        _ => leptos_i18n::td_string!(l, edit.action_other),
    }
}

pub(crate) fn status_label(l: Locale, s: RequestStatus) -> &'static str {
    match s {
        RequestStatus::Pending => leptos_i18n::td_string!(l, requests.pending),
        RequestStatus::Approved => leptos_i18n::td_string!(l, requests.approved),
        RequestStatus::Rejected => leptos_i18n::td_string!(l, requests.rejected),
    }
}

/// The input for a field's kind: choices as selects, numbers and dates with the phone's keypad.
#[component]
fn FieldInput(
    kind: FieldKind,
    draft: RwSignal<String>,
    label: Signal<&'static str>,
    error_id: String,
) -> impl IntoView {
    let i18n = use_i18n();
    let choices: Option<Vec<(String, Signal<String>)>> = match kind {
        FieldKind::Format => Some(
            BusinessFormat::ALL
                .iter()
                .map(|f| {
                    let k = f.key();
                    (
                        k.to_string(),
                        Signal::derive(move || format_label(i18n.get_locale(), k).to_string()),
                    )
                })
                .collect(),
        ),
        FieldKind::Market => Some(
            MarketType::ALL
                .iter()
                .map(|m| {
                    let k = m.key();
                    (
                        k.to_string(),
                        Signal::derive(move || market_label(i18n.get_locale(), k).to_string()),
                    )
                })
                .collect(),
        ),
        FieldKind::Flag => Some(vec![
            (
                "1".to_string(),
                Signal::derive(move || t_string!(i18n, common.yes).to_string()),
            ),
            (
                "0".to_string(),
                Signal::derive(move || t_string!(i18n, common.no).to_string()),
            ),
        ]),
        _ => None,
    };
    match choices {
        Some(options) => view! {
            <select
                aria-label=label
                aria-describedby=error_id
                data-testid="edit-input"
                prop:value=move || draft.get()
                on:change=move |ev| draft.set(event_target_value(&ev))
            >
                {options
                    .into_iter()
                    .map(|(k, text)| {
                        let selected = k == draft.get_untracked();
                        view! { <option value=k selected=selected>{text}</option> }
                    })
                    .collect_view()}
            </select>
        }
        .into_any(),
        None => {
            let (ty, mode, step) = match kind {
                FieldKind::Integer => ("number", "numeric", "1"),
                FieldKind::Decimal => ("number", "decimal", "any"),
                FieldKind::Date => ("date", "numeric", ""),
                _ => ("text", "text", ""),
            };
            view! {
                <input
                    type=ty
                    inputmode=mode
                    step=(!step.is_empty()).then_some(step)
                    min=(ty == "number").then_some("0")
                    maxlength="200"
                    autofocus
                    aria-label=label
                    aria-describedby=error_id
                    data-testid="edit-input"
                    prop:value=move || draft.get()
                    on:input=move |ev| draft.set(event_target_value(&ev))
                />
            }
            .into_any()
        }
    }
}

/// The customer's audit trail: who changed which field, from what to what.
#[component]
fn History(history: RwSignal<Vec<AuditEntry>>) -> impl IntoView {
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
                                                <td>{r.at.replace('T', " ").trim_end_matches('Z').to_string()}</td>
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

pub(crate) fn display_value(l: Locale, kind: FieldKind, v: &str) -> String {
    if v.is_empty() {
        return "—".into();
    }
    match kind {
        FieldKind::Format => format_label(l, v).to_string(),
        FieldKind::Market => market_label(l, v).to_string(),
        FieldKind::Flag => {
            if v == "1" || v == "true" {
                leptos_i18n::td_string!(l, common.yes).to_string()
            } else {
                leptos_i18n::td_string!(l, common.no).to_string()
            }
        }
        _ => v.to_string(),
    }
}
