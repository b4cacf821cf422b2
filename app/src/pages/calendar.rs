//! The service calendar (domain §9): complaint deadlines count working hours — 09:00–17:00 on
//! the service desk's clock, Monday to Friday — except the public holidays and make-up working
//! days (调休) kept here. Staff read it; managers and admins change it: a day or a range at a
//! time, a year's published list imported as CSV, and the desk's time zone (every time in kehu
//! is shown on it).

use super::account::me_resource;
use super::{LoadError, Loading};
use crate::api::{ImportCalendar, SetCalendarDays, SetDeskZone, get_calendar};
use crate::i18n::*;
use crate::wire::{CalendarChange, CalendarDay, CalendarProblem, Role};
use leptos::prelude::*;
use leptos_i18n::td_string;
use leptos_meta::Title;

/// A refusal in words, with the value refused.
fn problem_text(l: Locale, p: &CalendarProblem) -> String {
    use CalendarProblem as P;
    match p {
        P::Day(v) => td_string!(l, calendar.bad_day, value = v.clone()).to_string(),
        P::Range { from, to } => {
            td_string!(l, calendar.bad_range, from = from.clone(), to = to.clone()).to_string()
        }
        P::Kind(v) => td_string!(l, calendar.bad_kind, value = v.clone()).to_string(),
        P::HolidayOnWeekend(d) => {
            td_string!(l, calendar.holiday_on_weekend, day = d.clone()).to_string()
        }
        P::WorkdayOnWeekday(d) => {
            td_string!(l, calendar.workday_on_weekday, day = d.clone()).to_string()
        }
        P::Note(v) => td_string!(l, calendar.bad_note, value = v.clone()).to_string(),
        P::Zone(v) => td_string!(l, calendar.bad_zone, value = v.clone()).to_string(),
        P::Empty => td_string!(l, calendar.import_empty).to_string(),
        P::TooManyLines(n) => td_string!(l, calendar.import_too_long, lines = *n).to_string(),
        P::Line { line, problem } => td_string!(
            l,
            calendar.import_line,
            line = *line,
            problem = problem_text(l, problem)
        )
        .to_string(),
        P::Cells(line) => td_string!(l, calendar.import_cells, line = *line).to_string(),
        P::Twice { day, line } => {
            td_string!(l, calendar.import_twice, day = day.clone(), line = *line).to_string()
        }
    }
}

pub(crate) fn kind_text(l: Locale, kind: &str) -> &'static str {
    match kind {
        "holiday" => td_string!(l, calendar.holiday),
        "workday" => td_string!(l, calendar.workday),
        _ => td_string!(l, calendar.usual),
    }
}

/// "5 days set (2 weekend days were off anyway)".
fn change_text(l: Locale, c: CalendarChange) -> String {
    let mut s = td_string!(l, calendar.changed, days = c.changed).to_string();
    if c.skipped > 0 {
        s.push_str(&td_string!(l, calendar.skipped, days = c.skipped).to_string());
    }
    s
}

#[component]
pub fn CalendarPage() -> impl IntoView {
    let i18n = use_i18n();
    let set = ServerAction::<SetCalendarDays>::new();
    let import = ServerAction::<ImportCalendar>::new();
    let zone = ServerAction::<SetDeskZone>::new();
    let calendar = Resource::new(
        move || {
            (
                set.version().get(),
                import.version().get(),
                zone.version().get(),
            )
        },
        |_| get_calendar(),
    );
    let me = me_resource();
    view! {
        <Title text=move || t_string!(i18n, calendar.title).to_string() />
        <h1>{t!(i18n, calendar.title)}</h1>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                calendar.await.ok().map(|c| view! {
                    <p class="muted" data-testid="calendar-intro">
                        {move || td_string!(i18n.get_locale(), calendar.intro, zone = c.zone.clone()).to_string()}
                    </p>
                })
            })}
        </Transition>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let editor = me.await.ok().flatten().is_some_and(|m| Role::can_use_lab(m.role));
                editor.then(|| view! {
                    <DayForm set />
                    <ImportForm import />
                    <ZoneForm zone />
                })
            })}
        </Transition>
        <section class="panel">
            <h2>{t!(i18n, calendar.list)}</h2>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match calendar.await {
                        Ok(c) if c.days.is_empty() => view! { <p class="empty" data-testid="calendar-empty">{t!(i18n, calendar.empty)}</p> }.into_any(),
                        Ok(c) => view! { <DayList days=c.days /> }.into_any(),
                        Err(e) => view! { <LoadError message=e.to_string() /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn DayForm(set: ServerAction<SetCalendarDays>) -> impl IntoView {
    let i18n = use_i18n();
    let result = move || {
        match set.value().get() {
        Some(Ok(Ok(c))) => view! { <p class="ok" role="status" data-testid="calendar-saved">{move || change_text(i18n.get_locale(), c)}</p> }.into_any(),
        Some(Ok(Err(p))) => view! { <p class="error" role="alert" data-testid="calendar-error">{move || problem_text(i18n.get_locale(), &p)}</p> }.into_any(),
        Some(Err(e)) => view! { <LoadError message=e.to_string() /> }.into_any(),
        None => ().into_any(),
    }
    };
    view! {
        <section class="panel">
            <h2>{t!(i18n, calendar.set_title)}</h2>
            <ActionForm action=set attr:class="stack" attr:data-testid="calendar-form">
                <div class="pair">
                    <label class="field">
                        <span>{t!(i18n, calendar.from)}</span>
                        <input type="date" name="from" required data-testid="calendar-day" />
                    </label>
                    <label class="field">
                        <span>{t!(i18n, calendar.to)}</span>
                        <input type="date" name="to" data-testid="calendar-to" />
                    </label>
                </div>
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
                <p class="muted small">{t!(i18n, calendar.range_hint)}</p>
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

/// A year's list pasted, or read from a chosen file into the same box, then sent.
#[component]
fn ImportForm(import: ServerAction<ImportCalendar>) -> impl IntoView {
    let i18n = use_i18n();
    let text = RwSignal::new(String::new());
    let result = move || {
        match import.value().get() {
        Some(Ok(Ok(c))) => view! { <p class="ok" role="status" data-testid="calendar-imported">{move || change_text(i18n.get_locale(), c)}</p> }.into_any(),
        Some(Ok(Err(problems))) => view! {
            <div class="error" role="alert" data-testid="calendar-import-errors">
                <p>{t!(i18n, calendar.import_refused)}</p>
                <ul>
                    {problems.into_iter().map(|p| view! { <li>{move || problem_text(i18n.get_locale(), &p)}</li> }).collect_view()}
                </ul>
            </div>
        }.into_any(),
        Some(Err(e)) => view! { <LoadError message=e.to_string() /> }.into_any(),
        None => ().into_any(),
    }
    };
    #[allow(unused_variables)]
    let read_file = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(file) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                .and_then(|input| input.files())
                .and_then(|files| files.get(0))
            else {
                return;
            };
            leptos::task::spawn_local(async move {
                if let Ok(read) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
                    text.set(read.as_string().unwrap_or_default());
                }
            });
        }
    };
    view! {
        <section class="panel">
            <h2>{t!(i18n, calendar.import_title)}</h2>
            <p class="muted small">{t!(i18n, calendar.import_hint)}</p>
            <pre class="example small" data-testid="calendar-import-example">{t!(i18n, calendar.import_example)}</pre>
            <ActionForm action=import attr:class="stack" attr:data-testid="calendar-import-form">
                <label class="field">
                    <span>{t!(i18n, calendar.import_file)}</span>
                    <input type="file" accept=".csv,text/csv,text/plain" on:change=read_file data-testid="calendar-import-file" />
                </label>
                <label class="field">
                    <span>{t!(i18n, calendar.import_text)}</span>
                    <textarea name="csv" rows="6" required data-testid="calendar-import-text"
                        prop:value=move || text.get()
                        on:input=move |ev| text.set(event_target_value(&ev))
                    ></textarea>
                </label>
                <div class="actions">
                    <button type="submit" class="primary" data-testid="calendar-import-submit" disabled=move || import.pending().get()>
                        {t!(i18n, calendar.import_save)}
                    </button>
                </div>
                {result}
            </ActionForm>
        </section>
    }
}

/// Time zones a Chinese service desk is likely to be in, offered as the field is typed; any
/// IANA name is taken.
const ZONES: &[&str] = &[
    "Asia/Shanghai",
    "Asia/Urumqi",
    "Asia/Hong_Kong",
    "Asia/Macau",
    "Asia/Taipei",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "UTC",
];

#[component]
fn ZoneForm(zone: ServerAction<SetDeskZone>) -> impl IntoView {
    let i18n = use_i18n();
    let result = move || {
        match zone.value().get() {
        Some(Ok(Ok(()))) => view! { <p class="ok" role="status" data-testid="zone-saved">{t!(i18n, calendar.zone_saved)}</p> }.into_any(),
        Some(Ok(Err(p))) => view! { <p class="error" role="alert" data-testid="zone-error">{move || problem_text(i18n.get_locale(), &p)}</p> }.into_any(),
        Some(Err(e)) => view! { <LoadError message=e.to_string() /> }.into_any(),
        None => ().into_any(),
    }
    };
    view! {
        <section class="panel">
            <h2>{t!(i18n, calendar.zone_title)}</h2>
            <ActionForm action=zone attr:class="stack" attr:data-testid="zone-form">
                <label class="field">
                    <span>{t!(i18n, calendar.zone)}</span>
                    <input type="text" name="zone" required list="desk-zones" autocomplete="off" spellcheck="false" data-testid="zone-input" />
                    <datalist id="desk-zones">
                        {ZONES.iter().map(|z| view! { <option value=*z></option> }).collect_view()}
                    </datalist>
                </label>
                <p class="muted small">{t!(i18n, calendar.zone_hint)}</p>
                <div class="actions">
                    <button type="submit" class="primary" data-testid="zone-submit" disabled=move || zone.pending().get()>
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
