//! One field on the customer page: its value, its editor or a change request — one open at a
//! time — checked by the field registry's rules.

use super::*;

/// Why a save did not go through.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum EditError {
    Field(FieldProblem),
    Stale(i64),
    Server(String),
}

/// What a field's cell has open: nothing (its value and buttons), its editor, or a change
/// request beside the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Open {
    Value,
    Editor,
    Request,
}

/// One field's value, with its edit and request buttons where the viewer may use them. Saving
/// sends the record version the page loaded, so a concurrent change is refused instead of
/// overwritten. The editor, the request form and their saves are made when one opens: a page of
/// forty fields renders forty values and their buttons on the server, not forty idle forms.
#[component]
pub(crate) fn FieldValue(
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
            <span class="value">{move || value_label(i18n.get_locale(), kind, &value.get())}</span>
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
pub(crate) fn EditForm(
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
pub(crate) fn RequestForm(
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

/// The input for a field's kind: choices as selects, numbers and dates with the phone's keypad.
#[component]
pub(crate) fn FieldInput(
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
        FieldKind::Level => Some(
            LEVELS
                .iter()
                .map(|k| {
                    (
                        k.to_string(),
                        Signal::derive(move || level_label(i18n.get_locale(), k).to_string()),
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
