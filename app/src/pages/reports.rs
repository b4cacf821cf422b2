//! Written reports (domain §10, seed: 痕迹管理): a customer manager's daily log, weekly summary
//! and monthly market report, each beside what the records of its period show; managers read
//! them and write a review comment.

use super::{LoadError, Loading};
use crate::api::{get_report_draft, list_reports, review_report, save_report};
use crate::i18n::*;
use crate::wire::{Report, ReportKind, ReportPeriod, ReportSave, ReportSaved};
use leptos::prelude::*;
use leptos_i18n::td_string;
use leptos_meta::Title;

fn kind_label(l: Locale, k: ReportKind) -> &'static str {
    match k {
        ReportKind::Daily => td_string!(l, reports.daily),
        ReportKind::Weekly => td_string!(l, reports.weekly),
        ReportKind::Monthly => td_string!(l, reports.monthly),
    }
}

fn saved_problem(l: Locale, s: &ReportSaved) -> Option<String> {
    match s {
        ReportSaved::Saved(_) => None,
        ReportSaved::Stale(_) => Some(td_string!(l, reports.stale).to_string()),
        ReportSaved::Reviewed => Some(td_string!(l, reports.reviewed_locked).to_string()),
        ReportSaved::BadPeriod => Some(td_string!(l, reports.bad_period).to_string()),
        ReportSaved::BadBody => Some(td_string!(l, reports.bad_body).to_string()),
    }
}

#[component]
pub fn ReportsPage() -> impl IntoView {
    let i18n = use_i18n();
    let unreviewed = RwSignal::new(false);
    let list = Resource::new(move || unreviewed.get(), list_reports);
    let reload = Callback::new(move |()| list.refetch());
    view! {
        <Title text=move || t_string!(i18n, reports.title).to_string() />
        <h1>{t!(i18n, reports.title)}</h1>
        <p class="muted">{t!(i18n, reports.intro)}</p>
        <WriteReport reload />
        <h2>{t!(i18n, reports.list)}</h2>
        <label class="check">
            <input type="checkbox" data-testid="unreviewed-only" on:change=move |ev| unreviewed.set(event_target_checked(&ev)) />
            <span>{t!(i18n, reports.unreviewed_only)}</span>
        </label>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) if list.rows.is_empty() => view! { <p class="panel empty" data-testid="reports-empty">{t!(i18n, reports.empty)}</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="requests queue" data-testid="reports">
                            {list.rows.into_iter().map(move |r| (r, list.can_review)).map(|(r, can_review)| view! { <ReportItem r can_review reload /> }).collect_view()}
                        </ul>
                    }
                    .into_any(),
                    Err(e) => view! { <LoadError message=e.to_string() /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// What the records of the period show, in one line.
#[component]
fn Records(p: ReportPeriod) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <p class="small muted" data-testid="report-records" data-visits=p.visits.to_string()>
            {move || td_string!(i18n.get_locale(), reports.records,
                from = p.from.clone(), to = p.to.clone(), visits = p.visits, customers = p.customers_visited,
                minutes = p.visit_minutes, steps = p.complaint_steps, closed = p.complaints_closed).to_string()}
        </p>
    }
}

#[component]
fn WriteReport(reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let kind = RwSignal::new(ReportKind::Daily);
    // Any day of the period; empty = today.
    let day = RwSignal::new(String::new());
    let draft = Resource::new(
        move || (kind.get(), day.get()),
        |(k, d)| get_report_draft(k, d),
    );
    let body = RwSignal::new(String::new());
    let version = RwSignal::new(0i64);
    let period = RwSignal::new(String::new());
    let message = RwSignal::new(None::<(bool, String)>);
    let save = Action::new(move |s: &ReportSave| save_report(s.clone()));
    Effect::new(move |_| match save.value().get() {
        Some(Ok(ReportSaved::Saved(r))) => {
            version.set(r.version);
            message.set(Some((
                true,
                td_string!(i18n.get_locale_untracked(), reports.saved).to_string(),
            )));
            reload.run(());
        }
        Some(Ok(other)) => {
            if let ReportSaved::Stale(r) = &other {
                body.set(r.body.clone());
                version.set(r.version);
            }
            message.set(saved_problem(i18n.get_locale_untracked(), &other).map(|m| (false, m)));
        }
        Some(Err(e)) => message.set(Some((false, e.to_string()))),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if body.get_untracked().trim().is_empty() {
            message.set(Some((
                false,
                td_string!(i18n.get_locale_untracked(), reports.bad_body).to_string(),
            )));
            return;
        }
        save.dispatch(ReportSave {
            kind: kind.get_untracked(),
            period: period.get_untracked(),
            body: body.get_untracked(),
            version: version.get_untracked(),
        });
    };
    view! {
        <section class="panel">
            <h2>{t!(i18n, reports.write)}</h2>
            <div class="filters">
                <label>
                    <span>{t!(i18n, reports.kind)}</span>
                    <select data-testid="report-kind" on:change=move |ev| {
                        if let Some(k) = ReportKind::from_key(&event_target_value(&ev)) { kind.set(k); }
                    }>
                        {ReportKind::ALL.into_iter().map(|k| view! {
                            <option value=k.key() selected=move || kind.get() == k>{move || kind_label(i18n.get_locale(), k)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>
                    <span>{t!(i18n, reports.day)}</span>
                    <input type="date" data-testid="report-day" prop:value=move || day.get() on:change=move |ev| day.set(event_target_value(&ev)) />
                </label>
            </div>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match draft.await {
                        Ok(d) => {
                            period.set(d.period.clone());
                            body.set(d.existing.as_ref().map(|r| r.body.clone()).unwrap_or_default());
                            version.set(d.existing.as_ref().map_or(0, |r| r.version));
                            message.set(None);
                            let reviewed = d.existing.as_ref().and_then(|r| r.review.clone());
                            view! {
                                <p><strong data-testid="report-period">{d.period.clone()}</strong></p>
                                <Records p=d.records.clone() />
                                {reviewed.map(|r| view! { <p class="answer"><strong>{crate::labels::labelled(i18n.get_locale_untracked(), td_string!(i18n.get_locale_untracked(), reports.review))}</strong>{r}</p> })}
                            }
                            .into_any()
                        }
                        Err(e) => view! { <LoadError message=e.to_string() /> }.into_any(),
                    }
                })}
            </Transition>
            <form class="stack" on:submit=submit data-testid="report-form">
                <label class="field">
                    <span>{move || match kind.get() {
                        ReportKind::Daily => t_string!(i18n, reports.body_daily),
                        ReportKind::Weekly => t_string!(i18n, reports.body_weekly),
                        ReportKind::Monthly => t_string!(i18n, reports.body_monthly),
                    }}</span>
                    <textarea rows="6" maxlength="5000" data-testid="report-body" prop:value=move || body.get()
                        on:input=move |ev| body.set(event_target_value(&ev))></textarea>
                </label>
                <div class="actions">
                    <button type="submit" class="primary" data-testid="report-save" disabled=move || save.pending().get()>
                        {t!(i18n, reports.save)}
                    </button>
                </div>
                {move || message.get().map(|(ok, m)| view! {
                    <p class=if ok { "ok" } else { "error" } role="status" data-testid="report-message">{m}</p>
                })}
            </form>
        </section>
    }
}

#[component]
fn ReportItem(r: Report, can_review: bool, reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let id = r.id;
    let comment = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    let send = Action::new(move |c: &String| review_report(id, c.clone()));
    Effect::new(move |_| match send.value().get() {
        Some(Ok(ReportSaved::Saved(_))) => reload.run(()),
        Some(Ok(other)) => message.set(saved_problem(i18n.get_locale_untracked(), &other)),
        Some(Err(e)) => message.set(Some(e.to_string())),
        None => {}
    });
    let kind = r.kind;
    let open = r.review.is_none() && can_review;
    view! {
        <li class="queue-item" data-testid="report-item" data-kind=kind.key() data-period=r.period.clone()>
            <p>
                <span class="badge">{move || kind_label(i18n.get_locale(), kind)}</span>
                " " <strong>{r.period.clone()}</strong> " · " {r.author.clone()}
                <span class="muted small">" · " {r.updated_at.to_string()}</span>
            </p>
            <Records p=r.records.clone() />
            <p class="report-body">{r.body.clone()}</p>
            {r.review.clone().map(|rv| view! {
                <p class="answer" data-testid="report-review">
                    <strong>{crate::labels::labelled(i18n.get_locale_untracked(), td_string!(i18n.get_locale_untracked(), reports.review))}</strong>{rv}
                    <span class="muted small">" · " {r.reviewer.clone().unwrap_or_default()} " " {r.reviewed_at.as_ref().map(ToString::to_string).unwrap_or_default()}</span>
                </p>
            })}
            <Show when=move || open>
                <form class="stack" on:submit=move |ev| {
                    ev.prevent_default();
                    let c = comment.get_untracked();
                    if c.trim().is_empty() {
                        message.set(Some(td_string!(i18n.get_locale_untracked(), reports.bad_body).to_string()));
                    } else {
                        send.dispatch(c);
                    }
                }>
                    <label class="field">
                        <span>{t!(i18n, reports.review_label)}</span>
                        <textarea rows="2" maxlength="5000" data-testid="review-text" prop:value=move || comment.get()
                            on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                    </label>
                    <div class="actions">
                        <button type="submit" class="primary" data-testid="review-save" disabled=move || send.pending().get()>{t!(i18n, reports.review_save)}</button>
                    </div>
                </form>
            </Show>
            {move || message.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
        </li>
    }
}
