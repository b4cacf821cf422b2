//! Visits (domain §10): the month's plan from each customer's tier — who is due, who is overdue —
//! and the visit log, made on a phone at the shop. A visit logged without signal waits on the
//! phone (its outbox) and is sent when the signal returns.

use super::{LoadError, Loading, Pager};
use crate::api::{get_filter_options, get_visit_plan, log_visit, recent_visits};
use crate::i18n::*;
use crate::labels::tier_label;
use crate::outbox::{self, Waiting};
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
    let waiting = RwSignal::new(Vec::<Waiting<NewVisit>>::new());
    let sending = RwSignal::new(false);
    let flush = Callback::new(move |()| {
        send_waiting(i18n.get_locale_untracked(), waiting, sending, logged)
    });
    // Once the page knows who is signed in (tracked: the answer may come after the first run).
    Effect::new(move |_| {
        let me = crate::pages::account::me_resource().get();
        if let Some(user) = me.and_then(|me| me.ok().flatten()).map(|me| me.id.0) {
            waiting.set(outbox::load(OUTBOX, user));
            flush.run(());
        }
    });
    #[cfg(feature = "hydrate")]
    {
        let online = window_event_listener(leptos::ev::online, move |_| flush.run(()));
        on_cleanup(move || online.remove());
    }
    view! {
        <Title text=move || t_string!(i18n, visits.title).to_string() />
        <h1>{t!(i18n, visits.title)}</h1>
        <Outbox waiting sending flush />
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
    waiting: RwSignal<Vec<Waiting<NewVisit>>>,
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
    waiting: RwSignal<Vec<Waiting<NewVisit>>>,
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
        let user = my_id();
        // Any answer but "no signal" takes the visit out of the outbox: it is in, or the form
        // says what to correct.
        let waits = matches!(&answer, Err(e) if outbox::not_sent(e));
        if !waits && let Some(user) = user {
            forget(waiting, user, &key);
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
            Err(_) if waits && waiting.with_untracked(|w| w.iter().any(|w| w.key == key)) => {
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
        if let Some(user) = my_id() {
            let mut list = outbox::load::<NewVisit>(OUTBOX, user);
            list.push(Waiting {
                key: visit.key.clone(),
                label,
                entry: visit.clone(),
                refused: None,
            });
            if outbox::keep(OUTBOX, user, &list) {
                waiting.set(list);
            }
        }
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

/// The signed-in user's id, once the page knows who it is.
fn my_id() -> Option<i64> {
    crate::pages::account::me_resource()
        .get_untracked()
        .and_then(|me| me.ok().flatten())
        .map(|me| me.id.0)
}

/// Takes the visit `key` out of `user`'s outbox.
fn forget(waiting: RwSignal<Vec<Waiting<NewVisit>>>, user: i64, key: &str) {
    let mut list = outbox::load::<NewVisit>(OUTBOX, user);
    list.retain(|w| w.key != key);
    outbox::keep(OUTBOX, user, &list);
    waiting.set(list);
}

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

/// Sends the visits waiting on this phone, oldest first, one at a time; stops at the first that
/// finds no signal. One that no longer applies (its customer left the route, a date now more
/// than a year ago) stays in the list with the server's reason until it is dismissed.
fn send_waiting(
    l: Locale,
    waiting: RwSignal<Vec<Waiting<NewVisit>>>,
    sending: RwSignal<bool>,
    logged: Callback<()>,
) {
    let Some(user) = my_id() else {
        return;
    };
    if sending.get_untracked() {
        return;
    }
    let due: Vec<_> = outbox::load::<NewVisit>(OUTBOX, user)
        .into_iter()
        .filter(|w| w.refused.is_none())
        .collect();
    if due.is_empty() {
        return;
    }
    sending.set(true);
    leptos::task::spawn_local(async move {
        let mut sent = false;
        for w in due {
            let refused = match log_visit(w.entry.clone()).await {
                Ok(Ok(_)) => None,
                Ok(Err(p)) => Some(problem_text(l, p).to_string()),
                Err(e) if outbox::not_sent(&e) => break,
                Err(e) => Some(e.to_string()),
            };
            let mut list = outbox::load::<NewVisit>(OUTBOX, user);
            match refused {
                None => {
                    sent = true;
                    list.retain(|x| x.key != w.key);
                }
                Some(why) => {
                    if let Some(x) = list.iter_mut().find(|x| x.key == w.key) {
                        x.refused = Some(why);
                    }
                }
            }
            outbox::keep(OUTBOX, user, &list);
            waiting.set(list);
        }
        sending.set(false);
        if sent {
            logged.run(());
        }
    });
}

/// The visits waiting on this phone: each with its customer and date, "waiting to send" or the
/// reason it was not saved; sent by themselves when the signal returns, or now on request.
#[component]
fn Outbox(
    waiting: RwSignal<Vec<Waiting<NewVisit>>>,
    sending: RwSignal<bool>,
    flush: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let dismiss = move |key: String| {
        if let Some(user) = my_id() {
            forget(waiting, user, &key);
        }
    };
    move || {
        let list = waiting.get();
        (!list.is_empty()).then(|| {
            let n = list.len();
            let pending = list.iter().any(|w| w.refused.is_none());
            view! {
                <section class="panel outbox" data-testid="outbox" aria-live="polite">
                    <h2>{move || td_string!(i18n.get_locale(), visits.outbox_title, n = n).to_string()}</h2>
                    <p class="muted small">{t!(i18n, visits.outbox_hint)}</p>
                    <ul class="outbox-list">
                        {list.into_iter().map(|w| {
                            let key = w.key.clone();
                            let state = if w.refused.is_some() { "refused" } else { "waiting" };
                            view! {
                                <li class="outbox-item" data-testid="outbox-item" data-state=state>
                                    <span>
                                        <strong>{w.label.clone()}</strong>
                                        " · " {w.entry.date.clone()} " · " {w.entry.purpose.clone()}
                                    </span>
                                    {match w.refused.clone() {
                                        None => view! { <span class="badge badge-pending">{t!(i18n, visits.outbox_waiting)}</span> }.into_any(),
                                        Some(why) => view! {
                                            <p class="error small" role="alert">
                                                {move || td_string!(i18n.get_locale(), visits.outbox_refused, why = why.clone()).to_string()}
                                            </p>
                                            <button type="button" class="small" data-testid="outbox-dismiss"
                                                on:click=move |_| dismiss(key.clone())>{t!(i18n, visits.outbox_dismiss)}</button>
                                        }.into_any(),
                                    }}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    {pending.then(|| view! {
                        <button type="button" class="small" data-testid="outbox-send"
                            disabled=move || sending.get() on:click=move |_| flush.run(())>
                            {move || if sending.get() { t_string!(i18n, visits.outbox_sending) } else { t_string!(i18n, visits.outbox_send) }}
                        </button>
                    })}
                </section>
            }
        })
    }
}
