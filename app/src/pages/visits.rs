//! Visits (domain §10): the month's plan from each customer's tier — who is due, who is overdue —
//! and the visit log, made on a phone at the shop. A visit logged without signal waits on the
//! phone (its outbox) and is sent when the signal returns.

use super::{LoadError, Loading, Pager};
use crate::api::{get_filter_options, get_visit_plan, log_visit, recent_visits};
use crate::i18n::*;
use crate::labels::tier_label;
use crate::outbox::{self, Outbox, OutboxList, Sent, Waiting};
use crate::wire::{NewVisit, PlanRow, VisitEntry, VisitPlan, VisitProblem};
use leptos::prelude::*;
use leptos_i18n::td_string;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn VisitsPage() -> impl IntoView {
    let i18n = use_i18n();
    let page = RwSignal::new(1u32);
    // A manager's plan covers every route: it can be narrowed to one.
    let route = RwSignal::new(None::<i64>);
    let plan = Resource::new(
        move || (page.get(), route.get()),
        |(p, r)| get_visit_plan(p, r),
    );
    let routes = Resource::new(|| (), |_| get_filter_options());
    let recent = Resource::new(|| (), |_| recent_visits());
    // The customer the form is for (from the plan's "Log visit"), and the last visit logged
    // (kept here: the plan, with the form, is drawn again once a visit is in).
    let chosen = RwSignal::new(None::<(i64, String)>);
    let done = RwSignal::new(None::<VisitEntry>);
    let logged = Callback::new(move |()| {
        plan.refetch();
        recent.refetch();
    });
    // The visits waiting on this phone (read once the page is live: the server has none).
    let waiting = Outbox::<NewVisit>::new(OUTBOX);
    let flush = Callback::new(move |()| {
        let l = i18n.get_locale_untracked();
        waiting.send(move |w| send_one(l, w.entry), logged)
    });
    super::open_outbox(waiting, flush);
    view! {
        <Title text=move || t_string!(i18n, visits.title).to_string() />
        <h1>{t!(i18n, visits.title)}</h1>
        <OutboxList outbox=waiting hint=|l| td_string!(l, visits.outbox_hint) describe flush />
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let options = routes.await.map(|o| o.routes).unwrap_or_default();
                (options.len() > 1).then(|| view! {
                    <label class="route-filter">
                        <span>{t!(i18n, visits.route)}</span>
                        <select
                            data-testid="plan-route"
                            on:change=move |ev| {
                                page.set(1);
                                route.set(event_target_value(&ev).parse().ok());
                            }
                        >
                            <option value="">{t!(i18n, visits.all_routes)}</option>
                            {options.into_iter().map(|r| view! {
                                <option value=r.id.to_string() selected=move || route.get() == Some(r.id)>{r.name}</option>
                            }).collect_view()}
                        </select>
                    </label>
                })
            })}
        </Transition>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match plan.await {
                    Ok(p) => view! { <PlanView p chosen done logged page waiting /> }.into_any(),
                    Err(e) => view! { <LoadError message=e.to_string() /> }.into_any(),
                }
            })}
        </Transition>
        <h2>{t!(i18n, visits.recent)}</h2>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match recent.await {
                    Ok(v) if v.is_empty() => view! { <p class="panel empty">{t!(i18n, visits.none)}</p> }.into_any(),
                    Ok(v) => view! { <VisitLog v /> }.into_any(),
                    Err(e) => view! { <LoadError message=e.to_string() /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn PlanView(
    p: VisitPlan,
    chosen: RwSignal<Option<(i64, String)>>,
    done: RwSignal<Option<VisitEntry>>,
    logged: Callback<()>,
    page: RwSignal<u32>,
    waiting: Outbox<NewVisit>,
) -> impl IntoView {
    let i18n = use_i18n();
    let today = p.today.clone();
    let (cur, pages, listed) = (p.page, p.pages, p.listed);
    let pct = (p.done * 100).checked_div(p.required).unwrap_or(100);
    let rows = p.rows.clone();
    view! {
        <section class="cards" data-testid="visit-plan">
            <div class="card">
                <div class="card-label">{t!(i18n, visits.done_of_required, month = p.month.clone())}</div>
                <div class="card-value" data-testid="plan-done">{format!("{} / {}", p.done, p.required)}</div>
                <div class="meter" role="meter" aria-valuemin="0" aria-valuemax="100" aria-valuenow=pct.to_string()
                    aria-label=move || t_string!(i18n, visits.progress)>
                    <span style=format!("width: {}%", pct.min(100))></span>
                </div>
            </div>
            <div class="card">
                <div class="card-label">{t!(i18n, visits.due)}</div>
                <div class="card-value" data-testid="plan-due">{p.due}</div>
            </div>
            <div class="card">
                <div class="card-label">{t!(i18n, visits.overdue)}</div>
                <div class="card-value" data-testid="plan-overdue">{p.overdue}</div>
            </div>
            <div class="card">
                <div class="card-label">{t!(i18n, visits.capacity)}</div>
                <div class="card-value small">{p.capacity}</div>
            </div>
        </section>
        <VisitForm chosen today done logged waiting />
        <h2>{t!(i18n, visits.to_visit)}</h2>
        {if rows.is_empty() {
            view! { <p class="panel empty" data-testid="plan-empty">{t!(i18n, visits.all_done)}</p> }.into_any()
        } else {
            view! {
                <p class="muted small" data-testid="plan-count">{t!(i18n, visits.listed, n = move || listed)}</p>
                <ul class="plan" data-testid="plan-rows">
                    {rows.into_iter().map(|r| view! { <PlanLine r chosen /> }).collect_view()}
                </ul>
                <Pager page=cur pages go=Callback::new(move |p| page.set(p)) />
            }
            .into_any()
        }}
    }
}

#[component]
fn PlanLine(r: PlanRow, chosen: RwSignal<Option<(i64, String)>>) -> impl IntoView {
    let i18n = use_i18n();
    let id = r.customer_id;
    let label = format!("{} {}", r.code, r.name);
    let tier = r.tier.clone();
    let last = r.last_visit.clone();
    let pick = label.clone();
    view! {
        <li class="plan-row" data-testid="plan-row" data-customer=id.to_string() data-done=r.done.to_string() data-overdue=r.overdue.to_string()>
            <div>
                <A href=format!("/customers/{id}")>{label}</A>
                <p class="small muted">
                    {move || tier_label(i18n.get_locale(), &tier)}
                    " · "
                    {move || td_string!(i18n.get_locale(), visits.made, done = r.done, required = r.required).to_string()}
                    " · "
                    {move || match &last {
                        Some(d) => td_string!(i18n.get_locale(), visits.last, date = d.clone()).to_string(),
                        None => td_string!(i18n.get_locale(), visits.never).to_string(),
                    }}
                </p>
            </div>
            {r.overdue.then(|| view! { <span class="badge badge-rejected">{t!(i18n, visits.overdue_badge)}</span> })}
            <button
                type="button"
                class="small"
                data-testid="log-for"
                on:click=move |_| {
                    chosen.set(Some((id, pick.clone())));
                    #[cfg(feature = "hydrate")]
                    if let Some(el) = document().get_element_by_id("visit-form") {
                        el.scroll_into_view();
                    }
                }
            >
                {t!(i18n, visits.log_for)}
            </button>
        </li>
    }
}

/// The visit form: for the customer chosen in the plan; date defaults to today. The visit goes
/// into the phone's outbox before it is sent, and leaves it once the server has answered: with
/// no signal it stays there, shown as waiting, and nothing typed is lost.
#[component]
fn VisitForm(
    chosen: RwSignal<Option<(i64, String)>>,
    today: String,
    done: RwSignal<Option<VisitEntry>>,
    logged: Callback<()>,
    waiting: Outbox<NewVisit>,
) -> impl IntoView {
    let i18n = use_i18n();
    let date = RwSignal::new(today.clone());
    let purpose = RwSignal::new(String::new());
    let findings = RwSignal::new(String::new());
    let promise = RwSignal::new(String::new());
    let minutes = RwSignal::new(String::from("20"));
    let problem = RwSignal::new(None::<VisitProblem>);
    // "Kept on this phone" (the customer), after a visit was logged without signal.
    let queued = RwSignal::new(None::<String>);
    let not_kept = RwSignal::new(false);
    let send = Action::new(move |v: &NewVisit| {
        let v = v.clone();
        async move { (v.key.clone(), log_visit(v).await) }
    });
    let clear = move || {
        purpose.set(String::new());
        findings.set(String::new());
        promise.set(String::new());
        problem.set(None);
        chosen.set(None);
    };
    Effect::new(move |_| {
        let Some((key, answer)) = send.value().get() else {
            return;
        };
        // Any answer but "no signal" takes the visit out of the outbox: it is in, or the form
        // says what to correct.
        let waits = matches!(&answer, Err(e) if outbox::not_sent(e));
        if !waits {
            waiting.forget(&key);
        }
        match answer {
            Ok(Ok(v)) => {
                clear();
                done.set(Some(v.clone()));
                logged.run(());
                // The confirmation goes after a while, unless another visit's has replaced it.
                #[cfg(feature = "hydrate")]
                set_timeout(
                    move || {
                        if done.get_untracked().is_some_and(|d| d.id == v.id) {
                            done.set(None);
                        }
                    },
                    std::time::Duration::from_secs(8),
                );
            }
            Ok(Err(p)) => problem.set(Some(p)),
            Err(_) if waits && waiting.holds(&key) => {
                queued.set(chosen.get_untracked().map(|(_, label)| label));
                clear();
            }
            Err(_) if waits => not_kept.set(true),
            Err(_) => {}
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some((customer, label)) = chosen.get_untracked() else {
            return;
        };
        let Ok(duration_min) = minutes.get_untracked().trim().parse::<i64>() else {
            problem.set(Some(VisitProblem::Duration));
            return;
        };
        if purpose.get_untracked().trim().is_empty() {
            problem.set(Some(VisitProblem::Purpose));
            return;
        }
        done.set(None);
        queued.set(None);
        not_kept.set(false);
        let visit = NewVisit {
            customer,
            date: date.get_untracked(),
            purpose: purpose.get_untracked(),
            findings: findings.get_untracked(),
            duration_min,
            promise: promise.get_untracked(),
            key: outbox::new_key(),
        };
        // Kept on the phone first: if the signal drops on the way, nothing is lost.
        waiting.add(visit.key.clone(), label, visit.clone());
        send.dispatch(visit);
    };
    let message = move |p: VisitProblem| problem_text(i18n.get_locale(), p);
    // A message about a field goes once that field is changed.
    let edited = move |p: VisitProblem| {
        if problem.get_untracked() == Some(p) {
            problem.set(None);
        }
    };
    let field_error = move |p: VisitProblem| {
        move || {
            (problem.get() == Some(p)).then(|| view! { <p class="error small" role="alert" data-testid="visit-error">{message(p)}</p> })
        }
    };
    view! {
        <section class="panel" id="visit-form">
            <h2>{t!(i18n, visits.log_title)}</h2>
            // Fixed at the bottom of the screen: the form folds away and the plan is drawn again
            // once the visit is in, so a message in the form's place would scroll out of sight.
            {move || done.get().map(|v| view! {
                <div class="toast" role="status" data-testid="visit-logged">
                    <span>{td_string!(i18n.get_locale(), visits.logged, customer = format!("{} {}", v.customer_code, v.customer_name), date = v.date.clone()).to_string()}</span>
                    <button type="button" class="small" on:click=move |_| done.set(None)
                        aria-label=move || t_string!(i18n, common.dismiss)>"×"</button>
                </div>
            })}
            {move || queued.get().map(|customer| view! {
                <div class="toast" role="status" data-testid="visit-queued">
                    <span>{td_string!(i18n.get_locale(), visits.queued, customer = customer).to_string()}</span>
                    <button type="button" class="small" on:click=move |_| queued.set(None)
                        aria-label=move || t_string!(i18n, common.dismiss)>"×"</button>
                </div>
            })}
            {move || match chosen.get() {
                None => view! { <p class="muted" data-testid="visit-pick">{t!(i18n, visits.pick)}</p> }.into_any(),
                Some((_, label)) => view! {
                    <form class="stack" on:submit=submit data-testid="visit-form">
                        <p><strong data-testid="visit-customer">{label}</strong></p>
                        <label class="field">
                            <span>{t!(i18n, visits.date)}</span>
                            <input type="date" data-testid="visit-date" max=today.clone() prop:value=move || date.get()
                                on:input=move |ev| { date.set(event_target_value(&ev)); edited(VisitProblem::Date); } />
                        </label>
                        {field_error(VisitProblem::Date)}
                        <label class="field">
                            <span>{t!(i18n, visits.purpose)}</span>
                            <input type="text" maxlength="100" data-testid="visit-purpose" prop:value=move || purpose.get()
                                on:input=move |ev| { purpose.set(event_target_value(&ev)); edited(VisitProblem::Purpose); } />
                        </label>
                        {field_error(VisitProblem::Purpose)}
                        <label class="field">
                            <span>{t!(i18n, visits.findings)}</span>
                            <textarea rows="3" maxlength="2000" data-testid="visit-findings" prop:value=move || findings.get()
                                on:input=move |ev| { findings.set(event_target_value(&ev)); edited(VisitProblem::Findings); }></textarea>
                        </label>
                        {field_error(VisitProblem::Findings)}
                        <label class="field">
                            <span>{t!(i18n, visits.minutes)}</span>
                            <input type="number" min="1" max="600" inputmode="numeric" data-testid="visit-minutes" prop:value=move || minutes.get()
                                on:input=move |ev| { minutes.set(event_target_value(&ev)); edited(VisitProblem::Duration); } />
                        </label>
                        {field_error(VisitProblem::Duration)}
                        <label class="field">
                            <span>{t!(i18n, visits.promise)}</span>
                            <input type="text" maxlength="100" data-testid="visit-promise" prop:value=move || promise.get()
                                on:input=move |ev| { promise.set(event_target_value(&ev)); edited(VisitProblem::Promise); } />
                            <small class="muted">{t!(i18n, visits.promise_hint)}</small>
                        </label>
                        {field_error(VisitProblem::Promise)}
                        <div class="actions">
                            <button type="button" on:click=move |_| chosen.set(None)>{t!(i18n, lab.cancel)}</button>
                            <button type="submit" class="primary" data-testid="visit-submit" disabled=move || send.pending().get()>
                                {t!(i18n, visits.save)}
                            </button>
                        </div>
                        {move || not_kept.get().then(|| view! { <p class="error" role="alert" data-testid="visit-not-kept">{t!(i18n, visits.not_kept)}</p> })}
                        {move || send.value().get().and_then(|(_, r)| r.err()).filter(|e| !outbox::not_sent(e)).map(|e| view! { <LoadError message=e.to_string() /> })}
                    </form>
                }
                .into_any(),
            }}
        </section>
    }
}

/// Visits the log shows at first, and adds on each "more".
const LOG_AT_FIRST: usize = 10;

/// The latest visits, ten at first and more on request: a phone is not handed fifty cards.
#[component]
fn VisitLog(v: Vec<VisitEntry>) -> impl IntoView {
    let i18n = use_i18n();
    let shown = v.len();
    let limit = RwSignal::new(LOG_AT_FIRST);
    let v = StoredValue::new(v);
    view! {
        <ul class="requests visit-log" data-testid="visit-log">
            <For
                each=move || v.with_value(|v| v.iter().take(limit.get()).cloned().collect::<Vec<_>>())
                key=|v| v.id
                let(v)
            >
                <VisitLine v />
            </For>
        </ul>
        <Show when=move || { limit.get() < shown }>
            <button type="button" class="more" data-testid="visit-log-more"
                on:click=move |_| limit.update(|n| *n += LOG_AT_FIRST)>
                {move || td_string!(i18n.get_locale(), visits.more, n = LOG_AT_FIRST.min(shown.saturating_sub(limit.get()))).to_string()}
            </button>
        </Show>
    }
}

#[component]
fn VisitLine(v: VisitEntry) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <li class="request-line" data-testid="visit-line">
            <strong>{v.date.clone()}</strong>
            " · "
            <A href=format!("/customers/{}", v.customer_id)>{format!("{} {}", v.customer_code, v.customer_name)}</A>
            <span class="muted small">" · " {v.manager.clone()} " · " {move || td_string!(i18n.get_locale(), visits.minutes_short, n = v.duration_min).to_string()}</span>
            {v.rating.map(|r| view! { <span class="badge">{"★".repeat(usize::from(r))}</span> })}
            <p>{v.purpose.clone()}</p>
            {(!v.promise.is_empty()).then(|| view! { <p class="small">{move || td_string!(i18n.get_locale(), visits.promised, what = v.promise.clone()).to_string()}</p> })}
            {(!v.findings.is_empty()).then(|| view! { <p class="small muted">{v.findings.clone()}</p> })}
        </li>
    }
}

/// The outbox's name for visits.
const OUTBOX: &str = "visits";

/// What is wrong with a visit's field, in words.
fn problem_text(l: Locale, p: VisitProblem) -> &'static str {
    match p {
        VisitProblem::Date => td_string!(l, visits.bad_date),
        VisitProblem::Purpose => td_string!(l, visits.bad_purpose),
        VisitProblem::Findings => td_string!(l, visits.bad_findings),
        VisitProblem::Duration => td_string!(l, visits.bad_duration),
        VisitProblem::Promise => td_string!(l, visits.bad_promise),
        VisitProblem::Key => td_string!(l, visits.bad_key),
    }
}

/// Sends one visit that waited on this phone. One that no longer applies (its customer left
/// the route, a date now more than a year ago) is refused with the reason.
async fn send_one(l: Locale, v: NewVisit) -> Sent {
    match log_visit(v).await {
        Ok(Ok(_)) => Sent::In,
        Ok(Err(p)) => Sent::Refused(problem_text(l, p).to_string()),
        Err(e) if outbox::not_sent(&e) => Sent::NoSignal,
        Err(e) => Sent::Refused(e.to_string()),
    }
}

/// A waiting visit in the outbox: its customer, date and purpose.
fn describe(_: Locale, w: &Waiting<NewVisit>) -> String {
    format!("{} · {} · {}", w.label, w.entry.date, w.entry.purpose)
}
