//! The service calendar (domain §9): complaint deadlines count working hours — 09:00–17:00
//! Beijing time, Monday to Friday — except the public holidays and make-up working days (调休)
//! kept here. Staff read it; managers and admins change it.

use super::account::me_resource;
use super::{LoadError, Loading};
use crate::api::{SetCalendarDay, get_calendar};
use crate::i18n::*;
use crate::wire::{CalendarDay, CalendarProblem, Role};
use leptos::prelude::*;
use leptos_i18n::td_string;
use leptos_meta::Title;

fn problem_text(l: Locale, p: CalendarProblem) -> &'static str {
    match p {
        CalendarProblem::Day => td_string!(l, calendar.bad_day),
        CalendarProblem::Kind => td_string!(l, calendar.bad_kind),
        CalendarProblem::HolidayOnWeekend => td_string!(l, calendar.holiday_on_weekend),
        CalendarProblem::WorkdayOnWeekday => td_string!(l, calendar.workday_on_weekday),
        CalendarProblem::Note => td_string!(l, calendar.bad_note),
    }
}

fn kind_text(l: Locale, kind: &str) -> &'static str {
    match kind {
        "holiday" => td_string!(l, calendar.holiday),
        "workday" => td_string!(l, calendar.workday),
        _ => td_string!(l, calendar.usual),
    }
}

#[component]
pub fn CalendarPage() -> impl IntoView {
    let i18n = use_i18n();
    let set = ServerAction::<SetCalendarDay>::new();
    let days = Resource::new(move || set.version().get(), |_| get_calendar());
    let me = me_resource();
    view! {
        <Title text=move || t_string!(i18n, calendar.title).to_string() />
        <h1>{t!(i18n, calendar.title)}</h1>
        <p class="muted">{t!(i18n, calendar.intro)}</p>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let editor = me.await.ok().flatten().is_some_and(|m| Role::can_use_lab(m.role));
                editor.then(|| view! { <DayForm set /> })
            })}
        </Transition>
        <section class="panel">
            <h2>{t!(i18n, calendar.list)}</h2>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match days.await {
                        Ok(d) if d.is_empty() => view! { <p class="empty" data-testid="calendar-empty">{t!(i18n, calendar.empty)}</p> }.into_any(),
                        Ok(d) => view! { <DayList days=d /> }.into_any(),
                        Err(e) => view! { <LoadError message=e.to_string() /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn DayForm(set: ServerAction<SetCalendarDay>) -> impl IntoView {
    let i18n = use_i18n();
    let result = move || {
        match set.value().get() {
        Some(Ok(Ok(()))) => view! { <p class="ok" role="status" data-testid="calendar-saved">{t!(i18n, calendar.saved)}</p> }.into_any(),
        Some(Ok(Err(p))) => view! { <p class="error" role="alert" data-testid="calendar-error">{move || problem_text(i18n.get_locale(), p)}</p> }.into_any(),
        Some(Err(e)) => view! { <LoadError message=e.to_string() /> }.into_any(),
        None => ().into_any(),
    }
    };
    view! {
        <section class="panel">
            <h2>{t!(i18n, calendar.set_title)}</h2>
            <ActionForm action=set attr:class="stack" attr:data-testid="calendar-form">
                <label class="field">
                    <span>{t!(i18n, calendar.day)}</span>
                    <input type="date" name="day" required data-testid="calendar-day" />
                </label>
                <label class="field">
                    <span>{t!(i18n, calendar.kind)}</span>
                    <select name="kind" data-testid="calendar-kind">
                        <option value="holiday">{t!(i18n, calendar.holiday)}</option>
                        <option value="workday">{t!(i18n, calendar.workday)}</option>
                        <option value="">{t!(i18n, calendar.usual)}</option>
                    </select>
                </label>
                <label class="field">
                    <span>{t!(i18n, calendar.note)}</span>
                    <input type="text" name="note" maxlength="100" data-testid="calendar-note" />
                </label>
                <div class="actions">
                    <button type="submit" class="primary" data-testid="calendar-submit" disabled=move || set.pending().get()>
                        {t!(i18n, calendar.save)}
                    </button>
                </div>
                {result}
            </ActionForm>
        </section>
    }
}

#[component]
fn DayList(days: Vec<CalendarDay>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <ul class="plain" data-testid="calendar-days">
            {days.into_iter().map(|d| {
                let kind = d.kind.clone();
                view! {
                    <li data-testid="calendar-line" data-day=d.day.clone() data-kind=d.kind.clone()>
                        <strong>{d.day.clone()}</strong> " · "
                        <span class=if d.kind == "holiday" { "badge" } else { "badge warn" }>{move || kind_text(i18n.get_locale(), &kind)}</span>
                        {(!d.note.is_empty()).then(|| view! { <span class="muted">" " {d.note.clone()}</span> })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}
