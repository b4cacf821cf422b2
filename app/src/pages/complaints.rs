//! Complaints for staff (domain §9): the list with filters, filing on a customer's behalf, and
//! each complaint's handling — the customer's attitude with its guidance, the seven steps
//! against the deadline, a major complaint's confirmation (substantiated ones go to the working
//! group) and closing with the resolution the customer reads. A complaint filed or a step
//! ticked without signal waits on the phone (its outbox) and is sent when the signal returns.

use super::portal::step_label;
use super::{LoadError, Loading, Pager};
use crate::api::{act_on_complaint, file_staff_complaint, list_complaints};
use crate::i18n::*;
use crate::outbox::{self, Outbox, OutboxList, Sent, Waiting};
use crate::wire::{
    ApiError, COMPLAINT_ATTITUDES, COMPLAINT_STEPS, Complaint, ComplaintAction, ComplaintFilter,
    ComplaintRefusal, ComplaintResult, STEP_UNDO_MINUTES, STEPS_BEFORE_CLOSING,
};
use leptos::prelude::*;
use leptos_i18n::td_string;
use leptos_meta::Title;
use leptos_router::components::A;
use serde::{Deserialize, Serialize};

/// A complaint filed for a customer, by code, as the form has it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filing {
    code: String,
    subject: String,
    description: String,
    major: bool,
    attitude: String,
}

/// What waits in the complaints outbox: a complaint filed for a customer, or a step ticked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ComplaintEntry {
    File(Filing),
    Step {
        complaint: i64,
        step: String,
        note: String,
    },
}

/// The outbox's name for complaints and their steps.
const OUTBOX: &str = "complaints";

/// Files the complaint `f` under its `key`.
async fn file(key: String, f: Filing) -> Result<Complaint, ApiError> {
    file_staff_complaint(f.code, f.subject, f.description, f.major, f.attitude, key).await
}

/// Sends one entry that waited on this phone; one that no longer applies (the complaint was
/// closed, the step recorded meanwhile) is refused with the reason.
async fn send_one(l: Locale, w: Waiting<ComplaintEntry>) -> Sent {
    let answer = match w.entry {
        ComplaintEntry::Step {
            complaint,
            step,
            note,
        } => {
            let action = ComplaintAction::Step {
                key: step,
                note,
                entry: w.key,
            };
            match act_on_complaint(complaint, 0, action).await {
                Ok(ComplaintResult::Refused(r)) => return Sent::Refused(refusal_text(l, &r)),
                Ok(_) => Ok(()),
                Err(e) => Err(e),
            }
        }
        ComplaintEntry::File(f) => file(w.key, f).await.map(|_| ()),
    };
    match answer {
        Ok(()) => Sent::In,
        Err(e) if outbox::not_sent(&e) => Sent::NoSignal,
        Err(e) => Sent::Refused(e.to_string()),
    }
}

/// A waiting entry in the outbox: the customer (and complaint), and what was done.
fn describe(l: Locale, w: &Waiting<ComplaintEntry>) -> String {
    let what = match &w.entry {
        ComplaintEntry::File(f) => {
            td_string!(l, complaints.outbox_filed, subject = f.subject.clone()).to_string()
        }
        ComplaintEntry::Step { step, .. } => {
            td_string!(l, complaints.outbox_step, step = step_label(l, step)).to_string()
        }
    };
    format!("{} · {what}", w.label)
}

#[component]
pub fn ComplaintsPage() -> impl IntoView {
    let i18n = use_i18n();
    let filter = RwSignal::new(ComplaintFilter {
        status: "open".into(),
        ..ComplaintFilter::default()
    });
    let list = Resource::new(move || filter.get(), list_complaints);
    let reload = Callback::new(move |()| list.refetch());
    // What waits on this phone (read once the page is live: the server has none).
    let waiting = Outbox::<ComplaintEntry>::new(OUTBOX);
    let flush = Callback::new(move |()| {
        let l = i18n.get_locale_untracked();
        waiting.send(move |w| send_one(l, w), reload)
    });
    super::open_outbox(waiting, flush);
    let set = move |f: fn(&mut ComplaintFilter, String)| {
        move |ev: leptos::ev::Event| {
            let v = event_target_value(&ev);
            filter.update(|x| {
                f(x, v);
                x.page = 1;
            });
        }
    };
    view! {
        <Title text=move || t_string!(i18n, complaints.title).to_string() />
        <h1>{t!(i18n, complaints.title)}</h1>
        <p class="muted">{t!(i18n, complaints.intro)} " "
            <A href="/calendar" attr:data-testid="calendar-link">{t!(i18n, calendar.link)}</A>
        </p>
        <OutboxList outbox=waiting hint=|l| td_string!(l, complaints.outbox_hint) describe flush />
        <FileComplaint reload waiting />
        <form class="filters" on:submit=|ev| ev.prevent_default() aria-label=move || t_string!(i18n, complaints.filters)>
            <label>
                <span>{t!(i18n, complaints.status)}</span>
                <select data-testid="filter-status" on:change=set(|f, v| f.status = v)>
                    <option value="open" selected=true>{t!(i18n, portal.open)}</option>
                    <option value="closed">{t!(i18n, portal.closed)}</option>
                    <option value="">{t!(i18n, common.all)}</option>
                </select>
            </label>
            <label>
                <span>{t!(i18n, complaints.severity)}</span>
                <select data-testid="filter-severity" on:change=set(|f, v| f.severity = v)>
                    <option value="">{t!(i18n, common.all)}</option>
                    <option value="general">{t!(i18n, complaints.general)}</option>
                    <option value="major">{t!(i18n, complaints.major)}</option>
                </select>
            </label>
            <label class="check">
                <input
                    type="checkbox"
                    data-testid="filter-overdue"
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        filter.update(|f| {
                            f.overdue_only = on;
                            f.page = 1;
                        });
                    }
                />
                <span>{t!(i18n, complaints.overdue_only)}</span>
            </label>
        </form>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(p) if p.rows.is_empty() => view! {
                        <p class="panel empty" data-testid="complaints-empty">{t!(i18n, complaints.empty)}</p>
                    }
                    .into_any(),
                    Ok(p) => {
                        let total = p.total;
                        view! {
                            <p class="muted small" data-testid="complaint-count">
                                {t!(i18n, complaints.count, n = move || total)}
                            </p>
                            <ul class="requests queue" data-testid="complaints">
                                {p.rows.into_iter().map(|c| view! { <ComplaintItem c waiting /> }).collect_view()}
                            </ul>
                            <Pager page=p.page pages=p.pages go=Callback::new(move |page| filter.update(|f| f.page = page)) />
                        }
                        .into_any()
                    }
                    Err(e) => view! { <LoadError message=e.to_string() /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Filing a complaint on a customer's behalf: who, what, how serious, the attitude shown. It
/// goes into the phone's outbox before it is sent: with no signal it waits there.
#[component]
fn FileComplaint(reload: Callback<()>, waiting: Outbox<ComplaintEntry>) -> impl IntoView {
    let i18n = use_i18n();
    let code = RwSignal::new(String::new());
    let subject = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let major = RwSignal::new(false);
    let attitude = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let filed = RwSignal::new(None::<Complaint>);
    // "Kept on this phone" (the customer), after a complaint was filed without signal.
    let queued = RwSignal::new(None::<String>);
    let send = Action::new(move |(key, entry): &(String, Filing)| {
        let (key, entry) = (key.clone(), entry.clone());
        async move { (key.clone(), file(key, entry).await) }
    });
    let clear = move || {
        for s in [code, subject, description, attitude] {
            s.set(String::new());
        }
        major.set(false);
        problem.set(None);
    };
    Effect::new(move |_| {
        let Some((key, answer)) = send.value().get() else {
            return;
        };
        // Any answer but "no signal" takes it out of the outbox: it is in, or the form says
        // what to correct.
        let waits = matches!(&answer, Err(e) if outbox::not_sent(e));
        if !waits {
            waiting.forget(&key);
        }
        let l = i18n.get_locale_untracked();
        match answer {
            Ok(c) => {
                clear();
                filed.set(Some(c));
                reload.run(());
            }
            Err(_) if waits && waiting.holds(&key) => {
                queued.set(Some(code.get_untracked().trim().to_uppercase()));
                clear();
            }
            Err(_) if waits => problem.set(Some(td_string!(l, complaints.not_kept).to_string())),
            Err(e) => problem.set(Some(e.to_string())),
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let l = i18n.get_locale_untracked();
        if code.get_untracked().trim().is_empty() {
            problem.set(Some(td_string!(l, complaints.code_needed).to_string()));
        } else if subject.get_untracked().trim().is_empty() {
            problem.set(Some(td_string!(l, complaints.subject_needed).to_string()));
        } else {
            problem.set(None);
            filed.set(None);
            queued.set(None);
            let entry = Filing {
                code: code.get_untracked().trim().to_uppercase(),
                subject: subject.get_untracked(),
                description: description.get_untracked(),
                major: major.get_untracked(),
                attitude: attitude.get_untracked(),
            };
            let key = outbox::new_key();
            // Kept on the phone first: if the signal drops on the way, nothing is lost.
            waiting.add(
                key.clone(),
                entry.code.clone(),
                ComplaintEntry::File(entry.clone()),
            );
            send.dispatch((key, entry));
        }
    };
    view! {
        <details class="panel">
            <summary data-testid="file-complaint">{t!(i18n, complaints.file)}</summary>
            <form class="stack" on:submit=submit data-testid="file-complaint-form">
                <label class="field">
                    <span>{t!(i18n, complaints.customer_code)}</span>
                    <input
                        type="text"
                        data-testid="complaint-customer"
                        autocomplete="off"
                        placeholder="DEMO000001"
                        prop:value=move || code.get()
                        on:input=move |ev| code.set(event_target_value(&ev))
                    />
                </label>
                <label class="field">
                    <span>{t!(i18n, portal.subject)}</span>
                    <input
                        type="text"
                        maxlength="100"
                        data-testid="complaint-subject"
                        prop:value=move || subject.get()
                        on:input=move |ev| subject.set(event_target_value(&ev))
                    />
                </label>
                <label class="field">
                    <span>{t!(i18n, portal.description)}</span>
                    <textarea
                        maxlength="2000"
                        rows="3"
                        data-testid="complaint-description"
                        prop:value=move || description.get()
                        on:input=move |ev| description.set(event_target_value(&ev))
                    ></textarea>
                </label>
                <label class="check">
                    <input
                        type="checkbox"
                        data-testid="complaint-major"
                        prop:checked=move || major.get()
                        on:change=move |ev| major.set(event_target_checked(&ev))
                    />
                    <span>{t!(i18n, complaints.major_hint)}</span>
                </label>
                <AttitudeChoice value=attitude testid="complaint-attitude" />
                {move || problem.get().map(|p| view! { <p class="error" role="alert" data-testid="file-complaint-error">{p}</p> })}
                {move || queued.get().map(|customer| view! {
                    <p class="ok" role="status" data-testid="complaint-queued">
                        {td_string!(i18n.get_locale(), complaints.queued, customer = customer).to_string()}
                    </p>
                })}
                {move || filed.get().map(|c| view! {
                    <p class="ok" role="status" data-testid="complaint-filed">
                        {td_string!(i18n.get_locale(), complaints.filed, subject = c.subject.clone(), due = c.due_at.to_string()).to_string()}
                    </p>
                })}
                <div class="actions">
                    <button type="submit" class="primary" data-testid="file-complaint-submit" disabled=move || send.pending().get()>
                        {t!(i18n, complaints.file_submit)}
                    </button>
                </div>
            </form>
        </details>
    }
}

/// The attitude select and, below it, the seed's guidance for the chosen attitude.
#[component]
fn AttitudeChoice(value: RwSignal<String>, testid: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <label class="field">
            <span>{t!(i18n, complaints.attitude)}</span>
            <select data-testid=testid on:change=move |ev| value.set(event_target_value(&ev))>
                <option value="" selected=move || value.get().is_empty()>{t!(i18n, complaints.attitude_unknown)}</option>
                {COMPLAINT_ATTITUDES.into_iter().map(|a| view! {
                    <option value=a selected=move || value.get() == a>{move || attitude_label(i18n.get_locale(), a)}</option>
                }).collect_view()}
            </select>
        </label>
        {move || {
            let a = value.get();
            (!a.is_empty()).then(|| view! {
                <p class="guidance small" data-testid="attitude-guidance">
                    {move || attitude_guidance(i18n.get_locale(), &a)}
                </p>
            })
        }}
    }
}

pub fn attitude_label(l: Locale, key: &str) -> &'static str {
    match key {
        "insistent" => td_string!(l, complaints.attitude_insistent),
        "hesitant" => td_string!(l, complaints.attitude_hesitant),
        "friendly" => td_string!(l, complaints.attitude_friendly),
        _ => td_string!(l, complaints.attitude_angry),
    }
}

/// How to handle each attitude (seed: 客户抱怨的类型与处理).
pub fn attitude_guidance(l: Locale, key: &str) -> &'static str {
    match key {
        "insistent" => td_string!(l, complaints.guidance_insistent),
        "hesitant" => td_string!(l, complaints.guidance_hesitant),
        "friendly" => td_string!(l, complaints.guidance_friendly),
        _ => td_string!(l, complaints.guidance_angry),
    }
}

fn refusal_text(l: Locale, r: &ComplaintRefusal) -> String {
    match r {
        ComplaintRefusal::Closed => td_string!(l, complaints.refused_closed).to_string(),
        ComplaintRefusal::StepsMissing(keys) => {
            let names: Vec<&str> = keys.iter().map(|k| step_label(l, k)).collect();
            td_string!(l, complaints.refused_steps, steps = names.join(", ")).to_string()
        }
        ComplaintRefusal::NoResolution => td_string!(l, complaints.refused_resolution).to_string(),
        ComplaintRefusal::NotToConfirm => td_string!(l, complaints.refused_confirm).to_string(),
        ComplaintRefusal::NotConfirmed => td_string!(l, complaints.refused_unconfirmed).to_string(),
        ComplaintRefusal::BadValue => td_string!(l, complaints.refused_value).to_string(),
        ComplaintRefusal::CannotUndo => {
            td_string!(l, complaints.refused_undo, minutes = STEP_UNDO_MINUTES).to_string()
        }
        ComplaintRefusal::AlreadyDone => td_string!(l, complaints.refused_already).to_string(),
    }
}

/// One complaint and its handling. Every action sends the version shown; the answer replaces
/// what is shown (also when someone else changed it first, with a note saying so). A step's
/// tick goes into the phone's outbox first: without signal it waits there, shown on the step.
#[component]
fn ComplaintItem(c: Complaint, waiting: Outbox<ComplaintEntry>) -> impl IntoView {
    let i18n = use_i18n();
    let id = c.id;
    let label = StoredValue::new(format!("{} {}", c.customer_code, c.subject));
    let current = RwSignal::new(c);
    let message = RwSignal::new(None::<String>);
    let note = RwSignal::new(String::new());
    let resolution = RwSignal::new(String::new());
    // The step this page ticked last: it offers "undo" (a mis-tap on a phone); the server decides
    // whether it still may be taken back.
    let just_ticked = RwSignal::new(None::<&'static str>);
    let attitude =
        RwSignal::new(current.with_untracked(|c| c.attitude.clone().unwrap_or_default()));
    // Each action with the outbox key of a tick (empty for the rest).
    let act = Action::new(move |(key, a): &(String, ComplaintAction)| {
        let version = current.with_untracked(|c| c.version);
        let (key, a) = (key.clone(), a.clone());
        async move { (key, act_on_complaint(id, version, a).await) }
    });
    let tick = move |step: &'static str| {
        let note = note.get_untracked();
        let key = outbox::new_key();
        let entry = ComplaintEntry::Step {
            complaint: id,
            step: step.to_string(),
            note: note.clone(),
        };
        waiting.add(key.clone(), label.get_value(), entry);
        let action = ComplaintAction::Step {
            key: step.to_string(),
            note,
            entry: key.clone(),
        };
        act.dispatch((key, action));
    };
    // The tick of step `k` waiting on this phone (its outbox key).
    let waiting_tick = move |k: &'static str| {
        waiting.find(|e| matches!(e, ComplaintEntry::Step { complaint, step, .. } if *complaint == id && step == k))
    };
    Effect::new(move |_| {
        let l = i18n.get_locale_untracked();
        let Some((key, answer)) = act.value().get() else {
            return;
        };
        let waits = matches!(&answer, Err(e) if outbox::not_sent(e));
        if !key.is_empty() && !waits {
            waiting.forget(&key);
        }
        match answer {
            Ok(ComplaintResult::Done(c)) => {
                current.set(c);
                note.set(String::new());
                message.set(None);
            }
            Ok(ComplaintResult::Stale(c)) => {
                current.set(c);
                message.set(Some(td_string!(l, complaints.stale).to_string()));
            }
            Ok(ComplaintResult::Refused(r)) => message.set(Some(refusal_text(l, &r))),
            // A tick kept on the phone waits (its step says so); the rest need the signal.
            Err(_) if waits && waiting.holds(&key) => message.set(None),
            Err(_) if waits && !key.is_empty() => {
                message.set(Some(td_string!(l, complaints.not_kept).to_string()))
            }
            Err(_) if waits => message.set(Some(td_string!(l, complaints.no_signal).to_string())),
            Err(e) => message.set(Some(e.to_string())),
        }
    });
    // The attitude select saves as soon as it changes.
    Effect::new(move |prev: Option<String>| {
        let a = attitude.get();
        if prev.is_some()
            && !a.is_empty()
            && current.with_untracked(|c| c.attitude.as_deref() != Some(a.as_str()))
        {
            act.dispatch((String::new(), ComplaintAction::Attitude(a.clone())));
        }
        a
    });
    let c = move || current.get();
    let open = move || current.with(Complaint::is_open);
    let major = move || current.with(|c| c.severity == "major");
    view! {
        <li
            class="queue-item complaint"
            data-testid="complaint-item"
            data-complaint=id.to_string()
            data-status=move || current.with(|c| c.status.clone())
            data-severity=move || current.with(|c| c.severity.clone())
        >
            <p class="badges">
                <span class=move || format!("badge badge-{}", if open() { "pending" } else { "approved" })>
                    {move || if open() { t_string!(i18n, portal.open) } else { t_string!(i18n, portal.closed) }}
                </span>
                <span class="badge" class:badge-rejected=major>
                    {move || if major() { t_string!(i18n, complaints.major) } else { t_string!(i18n, complaints.general) }}
                </span>
                <Show when=move || current.with(|c| c.overdue)>
                    <span class="badge badge-rejected" data-testid="overdue">{t!(i18n, portal.overdue)}</span>
                </Show>
                <Show when=move || current.with(|c| c.confirm_overdue)>
                    <span class="badge badge-rejected" data-testid="confirm-overdue">{t!(i18n, complaints.confirm_overdue)}</span>
                </Show>
                <Show when=move || current.with(Complaint::escalated)>
                    <span class="badge" data-testid="escalated">{t!(i18n, complaints.escalated)}</span>
                </Show>
            </p>
            <p>
                <strong data-testid="complaint-subject-text">{move || c().subject}</strong>
                " · "
                <A href=move || format!("/customers/{}", c().customer_id)>{move || format!("{} {}", c().customer_code, c().customer_name)}</A>
            </p>
            <p class="small muted">
                {move || td_string!(i18n.get_locale(), complaints.times, filed = c().filed_at.to_string(), due = c().due_at.to_string()).to_string()}
                {move || c().confirm_due_at.map(|d| format!(" · {}", td_string!(i18n.get_locale(), complaints.confirm_by, due = d.to_string())))}
                {move || (!c().handler.is_empty()).then(|| format!(" · {}", c().handler))}
            </p>
            {move || (!c().description.is_empty()).then(|| view! { <p>{c().description}</p> })}
            <Show when=open fallback=move || view! {
                <p class="answer" data-testid="complaint-resolution">
                    <strong>{move || crate::labels::labelled(i18n.get_locale(), td_string!(i18n.get_locale(), complaints.resolution))}</strong>{move || c().resolution}
                </p>
            }>
                <AttitudeChoice value=attitude testid="item-attitude" />
            </Show>
            <ol class="steps work" aria-label=move || t_string!(i18n, portal.steps)>
                {COMPLAINT_STEPS.into_iter().enumerate().map(|(i, k)| {
                    let step = move || current.with(|c| c.step(k).cloned());
                    let kept = move || waiting_tick(k);
                    // After closing only the follow-up visit is still to be recorded.
                    let can_do = move || {
                        step().is_none() && kept().is_none() && (open() || i >= STEPS_BEFORE_CLOSING)
                    };
                    view! {
                        <li class:done=move || step().is_some() data-step=k>
                            <span>{move || step_label(i18n.get_locale(), k)}</span>
                            {move || step().map(|s| view! {
                                <span class="tick" role="img" aria-label=move || t_string!(i18n, complaints.step_done_label)>"✓"</span>
                                <span class="muted small">" · " {s.at.to_string()} {(!s.by.is_empty()).then(|| format!(" · {}", s.by))}</span>
                                {s.late.then(|| view! { <span class="badge badge-rejected small">{t!(i18n, complaints.late)}</span> })}
                                {(!s.note.is_empty()).then(|| view! { <span class="note small">{s.note.clone()}</span> })}
                            })}
                            <Show when=move || kept().is_some()>
                                <span class="badge badge-pending" data-testid="step-waiting">{t!(i18n, complaints.step_waiting)}</span>
                            </Show>
                            <Show when=can_do>
                                <button
                                    type="button"
                                    class="small"
                                    data-testid=format!("step-{k}")
                                    disabled=move || act.pending().get()
                                    on:click=move |_| {
                                        just_ticked.set(Some(k));
                                        tick(k);
                                    }
                                >
                                    {t!(i18n, complaints.mark_done)}
                                </button>
                            </Show>
                            <Show when=move || just_ticked.get() == Some(k) && (step().is_some() || kept().is_some())>
                                <button
                                    type="button"
                                    class="small"
                                    data-testid=format!("undo-{k}")
                                    disabled=move || act.pending().get()
                                    on:click=move |_| {
                                        just_ticked.set(None);
                                        // Not sent yet: it only leaves the phone's outbox.
                                        match kept() {
                                            Some(key) => waiting.forget(&key),
                                            None => { act.dispatch((String::new(), ComplaintAction::Undo { key: k.to_string() })); }
                                        }
                                    }
                                >
                                    {t!(i18n, complaints.undo_step)}
                                </button>
                            </Show>
                        </li>
                    }
                }).collect_view()}
            </ol>
            <Show when=move || open() || current.with(|c| c.step("follow_up").is_none())>
                <label class="field">
                    <span>{t!(i18n, complaints.step_note)}</span>
                    <input
                        type="text"
                        maxlength="500"
                        data-testid="step-note"
                        prop:value=move || note.get()
                        on:input=move |ev| note.set(event_target_value(&ev))
                    />
                </label>
            </Show>
            <Show when=move || open() && !major()>
                <div class="actions">
                    <button type="button" data-testid="make-major" disabled=move || act.pending().get() on:click=move |_| { act.dispatch((String::new(), ComplaintAction::MakeMajor)); }>
                        {t!(i18n, complaints.make_major)}
                    </button>
                </div>
            </Show>
            <Show when=move || open() && major() && current.with(|c| c.confirmed.is_none())>
                <div class="confirm" role="group" aria-label=move || t_string!(i18n, complaints.confirm_title)>
                    <p>{t!(i18n, complaints.confirm_title)}</p>
                    <div class="actions">
                        <button type="button" class="primary" data-testid="confirm-substantiated" disabled=move || act.pending().get()
                            on:click=move |_| { act.dispatch((String::new(), ComplaintAction::Confirm { substantiated: true, note: note.get_untracked() })); }>
                            {t!(i18n, complaints.substantiated)}
                        </button>
                        <button type="button" data-testid="confirm-unsubstantiated" disabled=move || act.pending().get()
                            on:click=move |_| { act.dispatch((String::new(), ComplaintAction::Confirm { substantiated: false, note: note.get_untracked() })); }>
                            {t!(i18n, complaints.unsubstantiated)}
                        </button>
                    </div>
                </div>
            </Show>
            {move || c().confirmed.map(|(at, yes)| view! {
                <p class="small" data-testid="confirmed">
                    {if yes { td_string!(i18n.get_locale(), complaints.confirmed_yes, at = at.clone()).to_string() } else { td_string!(i18n.get_locale(), complaints.confirmed_no, at = at.clone()).to_string() }}
                </p>
            })}
            <Show when=open>
                <form class="stack" data-testid="close-form" on:submit=move |ev| {
                    ev.prevent_default();
                    act.dispatch((String::new(), ComplaintAction::Close { resolution: resolution.get_untracked() }));
                }>
                    <label class="field">
                        <span>{t!(i18n, complaints.resolution_label)}</span>
                        <textarea
                            rows="2"
                            maxlength="2000"
                            data-testid="resolution"
                            prop:value=move || resolution.get()
                            on:input=move |ev| resolution.set(event_target_value(&ev))
                        ></textarea>
                    </label>
                    <div class="actions">
                        <button type="submit" class="primary" data-testid="close-complaint" disabled=move || act.pending().get()>
                            {t!(i18n, complaints.close)}
                        </button>
                    </div>
                </form>
            </Show>
            {move || message.get().map(|m| view! { <p class="error" role="alert" data-testid="complaint-message">{m}</p> })}
        </li>
    }
}
