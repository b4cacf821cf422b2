//! Customer managers' performance (domain §10): visits against their customers' tier standard,
//! complaints closed on time, customers' ratings — one line per customer manager, compared
//! side by side, with a CSV export — and their customers' satisfaction gap.

use super::{LoadError, Loading, Pager};
use crate::api::get_kpis;
use crate::i18n::*;
use crate::wire::{KPI_ORDERS, Kpis, ManagerKpi};
use leptos::prelude::*;
use leptos_i18n::td_string;
use leptos_meta::Title;

#[component]
pub fn PerformancePage() -> impl IntoView {
    let i18n = use_i18n();
    let order = RwSignal::new(String::from("name"));
    let page = RwSignal::new(1u32);
    let data = Resource::new(move || (order.get(), page.get()), |(o, p)| get_kpis(o, p));
    let go = Callback::new(move |p| page.set(p));
    view! {
        <Title text=move || t_string!(i18n, performance.title).to_string() />
        <h1>{t!(i18n, performance.title)}</h1>
        <form class="filters" on:submit=|ev| ev.prevent_default()>
            <label class="wide">
                <span>{t!(i18n, performance.order)}</span>
                <select
                    data-testid="kpi-order"
                    on:change=move |ev| {
                        order.set(event_target_value(&ev));
                        page.set(1);
                    }
                >
                    {KPI_ORDERS
                        .into_iter()
                        .map(|o| view! { <option value=o selected=o == "name">{move || order_label(i18n.get_locale(), o)}</option> })
                        .collect_view()}
                </select>
            </label>
        </form>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(k) => view! { <KpiTable k go /> }.into_any(),
                    Err(e) => view! { <LoadError message=e.to_string() /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A percentage as a bar with its number (no figure: a dash).
#[component]
fn Pct(value: Option<u64>, testid: &'static str) -> impl IntoView {
    match value {
        Some(p) => view! {
            <span class="pct" data-testid=testid data-value=p.to_string()>
                <span class="meter" aria-hidden="true"><span style=format!("width: {}%", p.min(100))></span></span>
                {format!("{p}%")}
            </span>
        }
        .into_any(),
        None => view! { <span class="muted" data-testid=testid>"—"</span> }.into_any(),
    }
}

/// The label of an order of the table (see [`KPI_ORDERS`]).
fn order_label(l: Locale, key: &str) -> &'static str {
    match key {
        "visits" => td_string!(l, performance.order_visits),
        "on_time" => td_string!(l, performance.order_on_time),
        "overdue" => td_string!(l, performance.order_overdue),
        "rating" => td_string!(l, performance.order_rating),
        "gap" => td_string!(l, performance.order_gap),
        _ => td_string!(l, performance.order_name),
    }
}

#[component]
fn KpiTable(k: Kpis, go: Callback<u32>) -> impl IntoView {
    let i18n = use_i18n();
    if k.rows.is_empty() {
        return view! { <p class="panel empty" data-testid="kpis-empty">{t!(i18n, performance.empty)}</p> }.into_any();
    }
    let since = k.since.clone();
    let until = k.until.clone();
    let total = k.total;
    view! {
        <p class="muted">{move || td_string!(i18n.get_locale(), performance.intro, since = since.clone(), until = until.clone()).to_string()}</p>
        <p class="muted small" data-testid="kpi-count">{t!(i18n, performance.count, n = move || total)}</p>
        <p><a href="/export/kpis.csv" download data-testid="kpis-csv">{t!(i18n, performance.csv)}</a></p>
        <div class="table-wrap">
            <table class="list kpis" data-testid="kpis">
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, performance.manager)}</th>
                        <th scope="col" class="num">{t!(i18n, performance.customers)}</th>
                        <th scope="col">{t!(i18n, performance.visits)}</th>
                        <th scope="col">{t!(i18n, performance.on_time)}</th>
                        <th scope="col" class="num">{t!(i18n, performance.overdue)}</th>
                        <th scope="col" class="num">{t!(i18n, performance.rating)}</th>
                        <th scope="col" class="num">{t!(i18n, performance.gap)}</th>
                        <th scope="col" class="num">{t!(i18n, performance.under_served)}</th>
                    </tr>
                </thead>
                <tbody>
                    {k.rows.into_iter().map(|r| view! { <KpiRow r /> }).collect_view()}
                </tbody>
            </table>
        </div>
        <Pager page=k.page pages=k.pages go />
    }
    .into_any()
}

#[component]
fn KpiRow(r: ManagerKpi) -> impl IntoView {
    let i18n = use_i18n();
    let visits = r.visits_pct();
    let on_time = r.on_time_pct();
    let made = format!("{} / {}", r.visits_made, r.visits_required);
    let closed = format!("{} / {}", r.closed_on_time, r.complaints_closed);
    let gap = r.avg_gap_centi.map(|c| {
        let sign = if c > 0 {
            "+"
        } else if c < 0 {
            "−"
        } else {
            ""
        };
        format!("{sign}{}.{}", c.abs() / 100, c.abs() % 100 / 10)
    });
    let gap_class = match r.avg_gap_centi {
        Some(c) if c < 0 => "num neg",
        _ => "num",
    };
    let under = format!("{} / {}", r.under_served, r.gap_customers);
    let rating = r
        .avg_rating_centi
        .map(|c| format!("{}.{:02} ★ ({})", c / 100, c % 100, r.ratings));
    view! {
        <tr data-testid="kpi-row" data-manager=r.manager_id.to_string()>
            <th scope="row" data-label=move || t_string!(i18n, performance.manager)>{r.name.clone()}</th>
            <td class="num" data-label=move || t_string!(i18n, performance.customers)>{r.customers}</td>
            <td data-label=move || t_string!(i18n, performance.visits)>
                <Pct value=visits testid="kpi-visits" />
                <span class="muted small">" " {made}</span>
            </td>
            <td data-label=move || t_string!(i18n, performance.on_time)>
                <Pct value=on_time testid="kpi-on-time" />
                <span class="muted small">" " {closed}</span>
            </td>
            <td class="num" data-label=move || t_string!(i18n, performance.overdue) data-testid="kpi-overdue">{r.open_overdue}</td>
            <td class="num" data-label=move || t_string!(i18n, performance.rating)>{rating.unwrap_or_else(|| "—".into())}</td>
            <td class=gap_class data-label=move || t_string!(i18n, performance.gap) data-testid="kpi-gap">{gap.unwrap_or_else(|| "—".into())}</td>
            <td class="num" data-label=move || t_string!(i18n, performance.under_served) data-testid="kpi-under">
                <a href=format!("/gaps?manager={}", r.manager_id)>{under}</a>
            </td>
        </tr>
    }
}
