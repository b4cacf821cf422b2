//! Complaints for staff (domain §9): the list with filters, filing on a customer's behalf, and
//! each complaint's handling — the customer's attitude with its guidance, the seven steps
//! against the deadline, a major complaint's confirmation (substantiated ones go to the working
//! group) and closing with the resolution the customer reads.

use super::portal::step_label;
use super::{LoadError, Loading, Pager};
use crate::api::{act_on_complaint, file_staff_complaint, list_complaints};
use crate::i18n::*;
use crate::wire::{
    COMPLAINT_ATTITUDES, COMPLAINT_STEPS, Complaint, ComplaintAction, ComplaintFilter,
    ComplaintRefusal, ComplaintResult, STEP_UNDO_MINUTES, STEPS_BEFORE_CLOSING,
};
use leptos::prelude::*;
use leptos_i18n::td_string;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn ComplaintsPage() -> impl IntoView {
    let i18n = use_i18n();
    let filter = RwSignal::new(ComplaintFilter {
        status: "open".into(),
        ..ComplaintFilter::default()
    });
    let list = Resource::new(move || filter.get(), list_complaints);
    let reload = Callback::new(move |()| list.refetch());
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
        <FileComplaint reload />
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
                                {p.rows.into_iter().map(|c| view! { <ComplaintItem c /> }).collect_view()}
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

/// Filing a complaint on a customer's behalf: who, what, how serious, the attitude shown.
#[component]
fn FileComplaint(reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let code = RwSignal::new(String::new());
    let subject = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let major = RwSignal::new(false);
    let attitude = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let filed = RwSignal::new(None::<Complaint>);
    let send = Action::new(move |_: &()| {
        file_staff_complaint(
            code.get_untracked(),
            subject.get_untracked(),
            description.get_untracked(),
            major.get_untracked(),
            attitude.get_untracked(),
        )
    });
    Effect::new(move |_| match send.value().get() {
        Some(Ok(c)) => {
            for s in [code, subject, description, attitude] {
                s.set(String::new());
            }
            major.set(false);
            problem.set(None);
            filed.set(Some(c));
            reload.run(());
        }
        Some(Err(e)) => problem.set(Some(e.to_string())),
        None => {}
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
            send.dispatch(());
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
    }
}

/// One complaint and its handling. Every action sends the version shown; the answer replaces
/// what is shown (also when someone else changed it first, with a note saying so).
#[component]
fn ComplaintItem(c: Complaint) -> impl IntoView {
    let i18n = use_i18n();
    let id = c.id;
    let current = RwSignal::new(c);
    let message = RwSignal::new(None::<String>);
    let note = RwSignal::new(String::new());
    let resolution = RwSignal::new(String::new());
    // The step this page ticked last: it offers "undo" (a mis-tap on a phone); the server decides
    // whether it still may be taken back.
    let just_ticked = RwSignal::new(None::<&'static str>);
    let attitude =
        RwSignal::new(current.with_untracked(|c| c.attitude.clone().unwrap_or_default()));
    let act = Action::new(move |a: &ComplaintAction| {
        let version = current.with_untracked(|c| c.version);
        act_on_complaint(id, version, a.clone())
    });
    Effect::new(move |_| {
        let l = i18n.get_locale_untracked();
        match act.value().get() {
            Some(Ok(ComplaintResult::Done(c))) => {
                current.set(c);
                note.set(String::new());
                message.set(None);
            }
            Some(Ok(ComplaintResult::Stale(c))) => {
                current.set(c);
                message.set(Some(td_string!(l, complaints.stale).to_string()));
            }
            Some(Ok(ComplaintResult::Refused(r))) => message.set(Some(refusal_text(l, &r))),
            Some(Err(e)) => message.set(Some(e.to_string())),
            None => {}
        }
    });
    // The attitude select saves as soon as it changes.
    Effect::new(move |prev: Option<String>| {
        let a = attitude.get();
        if prev.is_some()
            && !a.is_empty()
            && current.with_untracked(|c| c.attitude.as_deref() != Some(a.as_str()))
        {
            act.dispatch(ComplaintAction::Attitude(a.clone()));
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
                    // After closing only the follow-up visit is still to be recorded.
                    let can_do = move || step().is_none() && (open() || i >= STEPS_BEFORE_CLOSING);
                    view! {
                        <li class:done=move || step().is_some() data-step=k>
                            <span>{move || step_label(i18n.get_locale(), k)}</span>
                            {move || step().map(|s| view! {
                                <span class="tick" role="img" aria-label=move || t_string!(i18n, complaints.step_done_label)>"✓"</span>
                                <span class="muted small">" · " {s.at.to_string()} {(!s.by.is_empty()).then(|| format!(" · {}", s.by))}</span>
                                {s.late.then(|| view! { <span class="badge badge-rejected small">{t!(i18n, complaints.late)}</span> })}
                                {(!s.note.is_empty()).then(|| view! { <span class="note small">{s.note.clone()}</span> })}
                            })}
                            <Show when=can_do>
                                <button
                                    type="button"
                                    class="small"
                                    data-testid=format!("step-{k}")
                                    disabled=move || act.pending().get()
                                    on:click=move |_| {
                                        just_ticked.set(Some(k));
                                        act.dispatch(ComplaintAction::Step { key: k.to_string(), note: note.get_untracked() });
                                    }
                                >
                                    {t!(i18n, complaints.mark_done)}
                                </button>
                            </Show>
                            <Show when=move || just_ticked.get() == Some(k) && step().is_some()>
                                <button
                                    type="button"
                                    class="small"
                                    data-testid=format!("undo-{k}")
                                    disabled=move || act.pending().get()
                                    on:click=move |_| {
                                        just_ticked.set(None);
                                        act.dispatch(ComplaintAction::Undo { key: k.to_string() });
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
                    <button type="button" data-testid="make-major" disabled=move || act.pending().get() on:click=move |_| { act.dispatch(ComplaintAction::MakeMajor); }>
                        {t!(i18n, complaints.make_major)}
                    </button>
                </div>
            </Show>
            <Show when=move || open() && major() && current.with(|c| c.confirmed.is_none())>
                <div class="confirm" role="group" aria-label=move || t_string!(i18n, complaints.confirm_title)>
                    <p>{t!(i18n, complaints.confirm_title)}</p>
                    <div class="actions">
                        <button type="button" class="primary" data-testid="confirm-substantiated" disabled=move || act.pending().get()
                            on:click=move |_| { act.dispatch(ComplaintAction::Confirm { substantiated: true, note: note.get_untracked() }); }>
                            {t!(i18n, complaints.substantiated)}
                        </button>
                        <button type="button" data-testid="confirm-unsubstantiated" disabled=move || act.pending().get()
                            on:click=move |_| { act.dispatch(ComplaintAction::Confirm { substantiated: false, note: note.get_untracked() }); }>
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
                    act.dispatch(ComplaintAction::Close { resolution: resolution.get_untracked() });
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
