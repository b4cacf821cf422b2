//! The import page: pick a CSV file, check it (every bad row listed with line, column and
//! reason), then import it — all or nothing. The file goes up with a progress bar; the server
//! does the same as `kehu import`.

use crate::i18n::*;
use crate::labels::field_problem_text;
use crate::wire::{ImportProblem, ImportReport};
use leptos::prelude::*;
use leptos_i18n::td_string;
use leptos_meta::Title;

/// Why a line or cell was refused, in the reader's language, with the value refused.
fn problem_text(l: Locale, p: &ImportProblem, value: &str) -> String {
    use ImportProblem as P;
    let value = value.to_string();
    match p {
        P::Empty => td_string!(l, import.p_empty).to_string(),
        P::NotText => td_string!(l, import.p_not_text).to_string(),
        P::Header { error } => td_string!(l, import.p_header, error = error.clone()).to_string(),
        P::ColumnTwice { first, second } => {
            td_string!(l, import.p_column_twice, first = *first, second = *second).to_string()
        }
        P::NotCsv { error } => td_string!(l, import.p_not_csv, error = error.clone()).to_string(),
        P::NoRows => td_string!(l, import.p_no_rows).to_string(),
        P::NoCodeColumn => td_string!(l, import.p_no_code_column).to_string(),
        P::MissingColumn => td_string!(l, import.p_missing_column).to_string(),
        P::RequiredForNew => td_string!(l, import.p_required_for_new).to_string(),
        P::ColumnRequiredForNew => td_string!(l, import.p_column_required_for_new).to_string(),
        P::CodeAgain { value, first } => td_string!(
            l,
            import.p_code_again,
            value = value.clone(),
            first = *first
        )
        .to_string(),
        P::NoRoute { value } => td_string!(l, import.p_no_route, value = value.clone()).to_string(),
        P::NoCustomer { value } => {
            td_string!(l, import.p_no_customer, value = value.clone()).to_string()
        }
        P::Field { field } if value.is_empty() => field_problem_text(l, field),
        P::Field { field } => td_string!(
            l,
            import.p_field,
            value = value,
            problem = field_problem_text(l, field)
        )
        .to_string(),
        P::NotAMonth { value } => {
            td_string!(l, import.p_not_a_month, value = value.clone()).to_string()
        }
        P::MonthTooEarly { month, first } => td_string!(
            l,
            import.p_month_too_early,
            month = month.clone(),
            first = first.clone()
        )
        .to_string(),
        P::MonthNotBegun { month, now } => td_string!(
            l,
            import.p_month_not_begun,
            month = month.clone(),
            now = now.clone()
        )
        .to_string(),
        P::NotAWholeNumber { value, max } => td_string!(
            l,
            import.p_not_a_whole_number,
            value = value.clone(),
            max = *max
        )
        .to_string(),
        P::NotAnAmount { value, max } => {
            td_string!(l, import.p_not_an_amount, value = value.clone(), max = *max).to_string()
        }
        P::LateWithoutDeliveries => td_string!(l, import.p_late_without_deliveries).to_string(),
        P::MoreLateThanDeliveries { late, deliveries } => td_string!(
            l,
            import.p_more_late_than_deliveries,
            late = *late,
            deliveries = *deliveries
        )
        .to_string(),
        P::MonthAgain { code, month, first } => td_string!(
            l,
            import.p_month_again,
            code = code.clone(),
            month = month.clone(),
            first = *first
        )
        .to_string(),
    }
}

/// The largest file the server takes (its `MAX_IMPORT_BYTES`), in MB.
const MAX_IMPORT_MB: f64 = 256.0;

/// Where an upload stands (only the browser moves it on).
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum Upload {
    Idle,
    /// Bytes sent of total.
    Sending(f64, f64),
    Checking,
    Done(ImportReport, bool),
    /// Larger than the server takes ([`MAX_IMPORT_MB`]).
    TooLarge,
    Failed(String),
}

/// Sends the chosen file to `/import/{kind}` and reports progress; the answer is the report.
#[cfg(feature = "hydrate")]
fn send(input: web_sys::HtmlInputElement, kind: String, dry_run: bool, state: RwSignal<Upload>) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    let Some(file) = input.files().and_then(|f| f.get(0)) else {
        return;
    };
    let Ok(xhr) = web_sys::XmlHttpRequest::new() else {
        state.set(Upload::Failed("no XMLHttpRequest".into()));
        return;
    };
    let url = format!("/import/{kind}?dry_run={dry_run}");
    if xhr.open("POST", &url).is_err() {
        state.set(Upload::Failed("cannot open the request".into()));
        return;
    }
    let total = file.size();
    if total > MAX_IMPORT_MB * 1024.0 * 1024.0 {
        state.set(Upload::TooLarge);
        return;
    }
    state.set(Upload::Sending(0.0, total));
    let progress =
        Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
            if e.loaded() >= total {
                state.set(Upload::Checking);
            } else {
                state.set(Upload::Sending(e.loaded(), total));
            }
        });
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    }
    progress.forget();
    let done_xhr = xhr.clone();
    let done = Closure::<dyn FnMut()>::new(move || {
        let status = done_xhr.status().unwrap_or(0);
        let body = done_xhr.response_text().ok().flatten().unwrap_or_default();
        if status == 200 {
            match serde_json::from_str::<ImportReport>(&body) {
                Ok(r) => state.set(Upload::Done(r, dry_run)),
                Err(e) => state.set(Upload::Failed(e.to_string())),
            }
        } else if status == 413 {
            state.set(Upload::TooLarge);
        } else {
            state.set(Upload::Failed(format!("{status}: {body}")));
        }
    });
    xhr.set_onloadend(Some(done.as_ref().unchecked_ref()));
    done.forget();
    let _ = xhr.set_request_header("content-type", "text/csv");
    if xhr.send_with_opt_blob(Some(&file)).is_err() {
        state.set(Upload::Failed("cannot send the file".into()));
    }
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let i18n = use_i18n();
    let kind = RwSignal::new("customers".to_string());
    let state = RwSignal::new(Upload::Idle);
    // The import button is offered only after a clean check of the file now chosen.
    let checked_ok = RwSignal::new(false);
    let file_input = NodeRef::<leptos::html::Input>::new();
    let busy = move || matches!(state.get(), Upload::Sending(..) | Upload::Checking);
    let start = move |dry_run: bool| {
        #[cfg(feature = "hydrate")]
        if let Some(input) = file_input.get() {
            send(input, kind.get_untracked(), dry_run, state);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (dry_run, file_input);
    };
    Effect::new(move |_| {
        if let Upload::Done(r, dry_run) = state.get() {
            checked_ok.set(dry_run && r.error_count == 0);
        }
    });
    view! {
        <Title text=move || t_string!(i18n, import.title).to_string() />
        <h1>{t!(i18n, import.title)}</h1>
        <section class="panel narrow-wide">
            <p class="muted">{t!(i18n, import.intro)}</p>
            <div class="stack">
                <label>
                    <span>{t!(i18n, import.kind)}</span>
                    <select
                        data-testid="import-kind"
                        prop:value=move || kind.get()
                        on:change=move |ev| {
                            kind.set(event_target_value(&ev));
                            checked_ok.set(false);
                            state.set(Upload::Idle);
                        }
                    >
                        <option value="customers">{t!(i18n, import.customers)}</option>
                        <option value="purchases">{t!(i18n, import.purchases)}</option>
                    </select>
                </label>
                <p class="muted small">
                    {move || if kind.get() == "customers" { t_string!(i18n, import.customers_help) } else { t_string!(i18n, import.purchases_help) }}
                </p>
                <label>
                    <span>{t!(i18n, import.file)}</span>
                    <input
                        type="file"
                        accept=".csv,text/csv"
                        node_ref=file_input
                        data-testid="import-file"
                        on:change=move |_| {
                            checked_ok.set(false);
                            state.set(Upload::Idle);
                        }
                    />
                </label>
                <div class="decide">
                    <button type="button" class="primary" data-testid="import-check" disabled=busy on:click=move |_| start(true)>
                        {t!(i18n, import.check)}
                    </button>
                    <button
                        type="button"
                        data-testid="import-commit"
                        disabled=move || busy() || !checked_ok.get()
                        on:click=move |_| start(false)
                    >
                        {t!(i18n, import.commit)}
                    </button>
                </div>
            </div>
        </section>
        {move || match state.get() {
            Upload::Idle => ().into_any(),
            Upload::Sending(sent, total) => view! {
                <p role="status" data-testid="import-progress">
                    {t!(i18n, import.sending)}
                    <progress max=total value=sent></progress>
                </p>
            }
            .into_any(),
            Upload::Checking => view! {
                <p class="loading" role="status" data-testid="import-progress">
                    <span class="spinner" aria-hidden="true"></span>
                    {t!(i18n, import.checking)}
                </p>
            }
            .into_any(),
            Upload::TooLarge => view! { <p class="error" role="alert" data-testid="import-failed">{t!(i18n, import.too_large, mb = MAX_IMPORT_MB)}</p> }.into_any(),
            Upload::Failed(m) => view! { <p class="error" role="alert" data-testid="import-failed">{m}</p> }.into_any(),
            Upload::Done(r, dry_run) => view! { <Report r dry_run /> }.into_any(),
        }}
    }
}

#[component]
fn Report(r: ImportReport, dry_run: bool) -> impl IntoView {
    let i18n = use_i18n();
    let (rows, inserted, updated, errors) = (r.rows, r.inserted, r.updated, r.error_count);
    let ignored = r.ignored_columns.join(", ");
    let has_ignored = !ignored.is_empty();
    let listed = r.errors.len() as u64;
    view! {
        <section class="panel" data-testid="import-report" data-errors=errors.to_string() data-committed=r.committed.to_string()>
            {if errors > 0 {
                view! { <p class="error" role="alert">{t!(i18n, import.bad_rows, count = move || errors)}</p> }.into_any()
            } else if dry_run {
                view! {
                    <p class="notice" role="status">
                        {t!(i18n, import.clean, rows = move || rows, inserted = move || inserted, updated = move || updated)}
                    </p>
                }
                .into_any()
            } else {
                view! {
                    <p class="notice" role="status" data-testid="import-done">
                        {t!(i18n, import.done, rows = move || rows, inserted = move || inserted, updated = move || updated)}
                    </p>
                }
                .into_any()
            }}
            <Show when=move || has_ignored>
                <p class="muted small">{t!(i18n, import.ignored, columns = { let i = ignored.clone(); move || i.clone() })}</p>
            </Show>
            <Show when=move || { listed < errors }>
                <p class="muted small">{t!(i18n, import.first_listed, listed = move || listed)}</p>
            </Show>
            {(!r.errors.is_empty()).then(|| view! {
                <div class="scroll" tabindex="0" role="region" aria-label=move || t_string!(i18n, import.reason)>
                    <table class="list" data-testid="import-errors">
                        <thead>
                            <tr>
                                <th scope="col">{t!(i18n, import.line)}</th>
                                <th scope="col">{t!(i18n, import.column)}</th>
                                <th scope="col">{t!(i18n, import.reason)}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {r.errors.iter().map(|e| {
                                let column = e.column.clone();
                                let key = e.column.clone();
                                let (problem, value) = (e.problem.clone(), e.value.clone());
                                view! {
                                    <tr data-testid="import-error" data-line=e.line.to_string() data-column=column>
                                        <td>{e.line}</td>
                                        <td>{move || { let l = crate::labels::column_label(i18n.get_locale(), &key); if l == key { key.clone() } else { format!("{l} ({key})") } }}</td>
                                        <td data-testid="import-reason">{move || problem_text(i18n.get_locale(), &problem, &value)}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            })}
        </section>
    }
}
