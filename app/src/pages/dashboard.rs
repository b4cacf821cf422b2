//! The dashboard: key totals and the customer count per volume band.

use super::{LoadError, Loading};
use crate::api::get_dashboard;
use crate::i18n::*;
use crate::labels::{band_label, tier_label};
use crate::wire::Dashboard;
use leptos::prelude::*;
use leptos_i18n::Locale as _;
use leptos_meta::Title;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let i18n = use_i18n();
    let data = Resource::new(|| (), |_| get_dashboard());
    view! {
        <Title text=move || t_string!(i18n, dashboard.title).to_string() />
        <h1>{t!(i18n, dashboard.title)}</h1>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <DashboardBody d /> }.into_any(),
                    Err(e) => view! { <LoadError message=e.to_string() /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn DashboardBody(d: Dashboard) -> impl IntoView {
    let i18n = use_i18n();
    if d.customers == 0 {
        return view! { <p class="panel empty" data-testid="dashboard-empty">{t!(i18n, dashboard.empty)}</p> }
            .into_any();
    }
    let policy = d.policy.clone();
    let charts = d.band_charts.clone();
    let chart = move || {
        let l = i18n.get_locale();
        let at = Locale::get_all().iter().position(|&x| x == l).unwrap_or(0);
        charts.get(at).cloned().unwrap_or_default()
    };
    let band_rows = d.band_counts.clone();
    let tiers = d.tier_counts.clone();
    view! {
        <section class="cards" aria-label=Signal::derive(move || t_string!(i18n, dashboard.title))>
            <Stat label=Signal::derive(move || t_string!(i18n, dashboard.customers)) value=d.customers.to_string() testid="stat-customers" />
            <Stat label=Signal::derive(move || t_string!(i18n, dashboard.routes)) value=d.routes.to_string() testid="stat-routes" />
            <Stat label=Signal::derive(move || t_string!(i18n, dashboard.managers)) value=d.managers.to_string() testid="stat-managers" />
            <Stat label=Signal::derive(move || t_string!(i18n, dashboard.avg_volume)) value=d.avg_volume.clone() testid="stat-volume" />
            <Stat label=Signal::derive(move || t_string!(i18n, dashboard.quota_total)) value=d.quota_total.clone() testid="stat-quota" />
            <div class="card">
                <div class="card-label">{t!(i18n, dashboard.policy)}</div>
                <div class="card-value small" data-testid="stat-policy">
                    {match policy {
                        Some(p) => {
                            let v = p.version;
                            view! { {p.name} " · " {t!(i18n, dashboard.policy_version, version = move || v)} }.into_any()
                        }
                        None => view! { {t!(i18n, dashboard.no_policy)} }.into_any(),
                    }}
                </div>
            </div>
        </section>
        <section class="panel">
            <h2>{t!(i18n, dashboard.band_chart)}</h2>
            <figure
                class="chart"
                role="img"
                data-testid="band-chart"
                aria-label=Signal::derive(move || t_string!(i18n, dashboard.band_chart_desc))
                inner_html=chart
            ></figure>
            <details>
                <summary>{t!(i18n, dashboard.band_table)}</summary>
                <table class="compact">
                    <tbody>
                        {band_rows
                            .into_iter()
                            .enumerate()
                            .map(|(i, n)| {
                                let b = i as u8 + 1;
                                view! {
                                    <tr>
                                        <th scope="row">{move || band_label(i18n.get_locale(), b)}</th>
                                        <td class="num">{n}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </details>
        </section>
        <section class="panel">
            <h2>{t!(i18n, dashboard.tiers)}</h2>
            <ul class="tier-list">
                {["core", "general", "problem"]
                    .into_iter()
                    .zip(tiers)
                    .map(|(key, n)| {
                        view! {
                            <li class=format!("tier tier-{key}")>
                                <span>{move || tier_label(i18n.get_locale(), key)}</span>
                                <strong>{n}</strong>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

#[component]
fn Stat(label: Signal<&'static str>, value: String, testid: &'static str) -> impl IntoView {
    view! {
        <div class="card">
            <div class="card-label">{label}</div>
            <div class="card-value" data-testid=testid>{value}</div>
        </div>
    }
}
