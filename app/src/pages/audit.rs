//! The overall audit trail: every edit, request, decision, publish, import and sign-in, newest
//! first, filtered by kind and paged; the URL holds the filter so a view can be shared.

use super::{LoadError, Loading};
use crate::api::audit_log;
use crate::i18n::*;
use crate::labels::{action_label, field_label};
use crate::wire::{AUDIT_ACTIONS, AuditNote, AuditPage, DisputeStatus};
use leptos::prelude::*;
use leptos_i18n::td_string;
use leptos_meta::Title;
use leptos_router::components::{A, Form};
use leptos_router::hooks::use_query_map;

fn kind_label(l: Locale, prefix: &str) -> &'static str {
    match prefix {
        "field." => leptos_i18n::td_string!(l, audit.kind_field),
        "request." => leptos_i18n::td_string!(l, audit.kind_request),
        "policy." => leptos_i18n::td_string!(l, audit.kind_policy),
        "import." => leptos_i18n::td_string!(l, audit.kind_import),
        "user." => leptos_i18n::td_string!(l, audit.kind_user),
        "visit." => leptos_i18n::td_string!(l, audit.kind_visit),
        "complaint." => leptos_i18n::td_string!(l, audit.kind_complaint),
        "dispute." => leptos_i18n::td_string!(l, audit.kind_dispute),
        "calendar." => leptos_i18n::td_string!(l, audit.kind_calendar),
        "settings." => leptos_i18n::td_string!(l, audit.kind_settings),
        _ => leptos_i18n::td_string!(l, common.all),
    }
}

/// An audit line's note in the reader's language.
pub(crate) fn note_text(l: Locale, note: &AuditNote) -> String {
    use super::portal::step_label;
    match note {
        AuditNote::CustomersImported { rows, new, updated } => td_string!(
            l,
            edit.note_customers_imported,
            rows = *rows,
            new = *new,
            updated = *updated
        )
        .to_string(),
        AuditNote::PurchasesImported { rows } => {
            td_string!(l, edit.note_purchases_imported, rows = *rows).to_string()
        }
        AuditNote::Published {
            name,
            version,
            customers,
            moved,
        } => td_string!(
            l,
            edit.note_published,
            name = name.clone(),
            version = *version,
            customers = *customers,
            moved = *moved
        )
        .to_string(),
        AuditNote::Visit { date, purpose, .. } => td_string!(
            l,
            edit.note_visit,
            date = date.clone(),
            purpose = purpose.clone()
        )
        .to_string(),
        AuditNote::ComplaintFiled {
            complaint,
            major,
            subject,
        } => td_string!(
            l,
            edit.note_complaint_filed,
            id = *complaint,
            severity = if *major {
                td_string!(l, portal.severity_major)
            } else {
                td_string!(l, portal.severity_general)
            },
            subject = subject.clone()
        )
        .to_string(),
        AuditNote::ComplaintAttitude {
            complaint,
            attitude,
        } => td_string!(
            l,
            edit.note_complaint_attitude,
            id = *complaint,
            attitude = super::complaints::attitude_label(l, attitude)
        )
        .to_string(),
        AuditNote::ComplaintMadeMajor { complaint } => {
            td_string!(l, edit.note_complaint_major, id = *complaint).to_string()
        }
        AuditNote::ComplaintStep {
            complaint,
            step,
            undone: false,
        } => td_string!(
            l,
            edit.note_complaint_step,
            id = *complaint,
            step = step_label(l, step)
        )
        .to_string(),
        AuditNote::ComplaintStep {
            complaint,
            step,
            undone: true,
        } => td_string!(
            l,
            edit.note_complaint_step_undone,
            id = *complaint,
            step = step_label(l, step)
        )
        .to_string(),
        AuditNote::ComplaintConfirmed {
            complaint,
            substantiated: true,
        } => td_string!(l, edit.note_complaint_substantiated, id = *complaint).to_string(),
        AuditNote::ComplaintConfirmed {
            complaint,
            substantiated: false,
        } => td_string!(l, edit.note_complaint_unfounded, id = *complaint).to_string(),
        AuditNote::ComplaintClosed { complaint } => {
            td_string!(l, edit.note_complaint_closed, id = *complaint).to_string()
        }
        AuditNote::DisputeFiled {
            dispute,
            tiers: Some((band, grade, class)),
        } => td_string!(
            l,
            edit.note_dispute_filed,
            id = *dispute,
            band = *band,
            grade = *grade,
            class = class.clone()
        )
        .to_string(),
        AuditNote::DisputeFiled {
            dispute,
            tiers: None,
        } => td_string!(l, edit.note_dispute_filed_unclassified, id = *dispute).to_string(),
        AuditNote::DisputeAnswered { dispute, answer } => td_string!(
            l,
            edit.note_dispute_answered,
            id = *dispute,
            answer = answer.clone()
        )
        .to_string(),
        AuditNote::CalendarSet {
            from,
            to,
            kind,
            days,
        } => {
            let kind = super::calendar::kind_text(l, kind);
            if from == to {
                td_string!(l, edit.note_calendar_day, from = from.clone(), kind = kind).to_string()
            } else {
                td_string!(
                    l,
                    edit.note_calendar_range,
                    from = from.clone(),
                    to = to.clone(),
                    kind = kind,
                    days = *days
                )
                .to_string()
            }
        }
        AuditNote::CalendarImported { lines, days } => {
            td_string!(l, edit.note_calendar_imported, lines = *lines, days = *days).to_string()
        }
        AuditNote::ZoneChanged { from, to } => {
            td_string!(l, edit.note_zone, from = from.clone(), to = to.clone()).to_string()
        }
        AuditNote::Text { text } => text.clone(),
    }
}

/// A value before or after, in words: a field's value as the customer page shows it, a
/// dispute's answer as its status.
fn value_text(l: Locale, action: &str, field: Option<&str>, v: &str) -> String {
    if let Some(def) = field.and_then(crate::wire::field) {
        return crate::labels::value_label(l, def.kind, v);
    }
    match (action, DisputeStatus::from_key(v)) {
        ("dispute.answer", Some(s)) => super::portal::dispute_status_label(l, s).to_string(),
        _ => v.to_string(),
    }
}

#[component]
pub fn AuditLogPage() -> impl IntoView {
    let i18n = use_i18n();
    let q = use_query_map();
    let query = Memo::new(move |_| {
        q.with(|p| {
            (
                p.get("action").unwrap_or_default(),
                p.get("page")
                    .and_then(|n| n.parse::<u32>().ok())
                    .unwrap_or(1)
                    .max(1),
            )
        })
    });
    let data = Resource::new(
        move || query.get(),
        |(action, page)| audit_log(action, page),
    );
    view! {
        <Title text=move || t_string!(i18n, audit.title).to_string() />
        <h1>{t!(i18n, audit.title)}</h1>
        <Form method="GET" action="/audit" attr:class="filters" attr:data-testid="audit-filters">
            <label>
                <span>{t!(i18n, audit.kind)}</span>
                <select name="action" data-testid="audit-kind" prop:value=move || query.with(|q| q.0.clone())>
                    <option value="">{t!(i18n, common.all)}</option>
                    {AUDIT_ACTIONS
                        .iter()
                        .map(|a| view! { <option value=*a>{move || kind_label(i18n.get_locale(), a)}</option> })
                        .collect_view()}
                </select>
            </label>
            <div class="filter-actions">
                <button type="submit" class="primary">{t!(i18n, common.apply)}</button>
            </div>
        </Form>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(p) => view! { <Lines p action=query.get_untracked().0 /> }.into_any(),
                    Err(e) => view! { <LoadError message=e.to_string() /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Lines(p: AuditPage, action: String) -> impl IntoView {
    let i18n = use_i18n();
    if p.rows.is_empty() {
        return view! { <p class="panel empty" data-testid="audit-empty">{t!(i18n, audit.empty)}</p> }.into_any();
    }
    let total = p.total;
    let href = move |page: u32| format!("/audit?action={action}&page={page}");
    let prev = (p.page > 1).then(|| href(p.page - 1));
    let next = (p.page < p.pages).then(|| href(p.page + 1));
    let (cur, pages) = (p.page, p.pages);
    view! {
        <p class="count" data-testid="audit-count" data-total=total.to_string()>
            {t!(i18n, audit.count, count = move || total)}
        </p>
        <div class="scroll" tabindex="0" role="region" aria-label=move || t_string!(i18n, audit.title)>
            <table class="list" data-testid="audit-table">
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, edit.when)}</th>
                        <th scope="col">{t!(i18n, edit.who)}</th>
                        <th scope="col">{t!(i18n, edit.action)}</th>
                        <th scope="col">{t!(i18n, requests.customer)}</th>
                        <th scope="col">{t!(i18n, edit.change)}</th>
                    </tr>
                </thead>
                <tbody>
                    {p.rows
                        .into_iter()
                        .map(|r| {
                            let field = r.field.clone().unwrap_or_default();
                            let who = r.user.clone();
                            let action = r.action.clone();
                            let (old, new, act) = (r.old_value.clone(), r.new_value.clone(), r.action.clone());
                            let field_key = r.field.clone();
                            let change = move || {
                                let l = i18n.get_locale();
                                let text = |v: &Option<String>| value_text(l, &act, field_key.as_deref(), v.as_deref().unwrap_or_default());
                                match (&old, &new) {
                                    (None, None) => String::new(),
                                    (None, n) => text(n),
                                    (o, n) => format!("{} → {}", text(o), text(n)),
                                }
                            };
                            let note = r.detail.clone();
                            view! {
                                <tr data-testid="audit-row" data-action=r.action.clone()>
                                    <td>{r.at.to_string()}</td>
                                    <td>{move || if who.is_empty() { t_string!(i18n, edit.system).to_string() } else { who.clone() }}</td>
                                    <td>
                                        <span title=r.action.clone()>{move || action_label(i18n.get_locale(), &action)}</span>
                                        {r.request_id.map(|id| view! { " #" {id} })}
                                    </td>
                                    <td>
                                        {r.customer.map(|c| view! {
                                            <A href=format!("/customers/{}", c.id)>{c.code} " " {c.name}</A>
                                        })}
                                    </td>
                                    <td>
                                        {(!field.is_empty()).then(|| {
                                            let f = field.clone();
                                            view! { <strong>{move || field_label(i18n.get_locale(), &f)}</strong> ": " }
                                        })}
                                        {change}
                                        {note.map(|d| view! { <span class="muted small" data-testid="audit-note">" " {move || note_text(i18n.get_locale(), &d)}</span> })}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        <nav class="pager" aria-label=move || t_string!(i18n, common.pagination)>
            {prev.map(|h| view! { <A href=h>{t!(i18n, common.previous)}</A> })}
            <span>{t!(i18n, common.page_of, page = move || cur, pages = move || pages)}</span>
            {next.map(|h| view! { <A href=h>{t!(i18n, common.next)}</A> })}
        </nav>
    }
    .into_any()
}
