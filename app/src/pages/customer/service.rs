//! What a customer manager knows of a customer beyond the record, as much as the shop owner
//! sees on `/my` and more: every tier with its reasons and what would move it up, cartons by
//! month, the latest visits with their ratings, complaints.

use super::*;
use crate::api::get_customer_service;
use crate::i18n::Locale;
use crate::wire::CustomerService;
use leptos_i18n::Locale as _;
use leptos_i18n::td_string;

#[component]
pub(crate) fn ServicePanels(customer: i64) -> impl IntoView {
    let data = Resource::new(move || customer, get_customer_service);
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(Some(s)) => view! { <Panels s /> }.into_any(),
                    Ok(None) => ().into_any(),
                    Err(e) => view! { <LoadError message=e.to_string() /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Panels(s: CustomerService) -> impl IntoView {
    let i18n = use_i18n();
    let tiers = s.tiers.clone();
    let why = move || crate::why::reasons(i18n.get_locale(), &tiers);
    let charts = s.volume_charts.clone();
    let chart = move || {
        let at = Locale::get_all()
            .iter()
            .position(|l| *l == i18n.get_locale())
            .unwrap_or(0);
        charts.get(at).cloned().unwrap_or_default()
    };
    let rated: Vec<u8> = s.visits.iter().filter_map(|v| v.rating).collect();
    let average = (!rated.is_empty()).then(|| {
        let sum: u32 = rated.iter().map(|r| u32::from(*r)).sum();
        (
            format!("{:.1}", f64::from(sum) / rated.len() as f64),
            rated.len(),
        )
    });
    let changed = s.tiers.changed_since;
    view! {
        <section class="panel" aria-labelledby="why-h" data-testid="customer-why">
            <h2 id="why-h">{t!(i18n, customer.why_title)}</h2>
            <p class="muted small">{t!(i18n, customer.why_hint)}</p>
            {changed.then(|| view! { <p class="notice" role="status">{t!(i18n, customer.changed_since)}</p> })}
            <ul class="why">
                {let why = why.clone(); move || why().reasons.into_iter().map(|(id, text)| view! { <li data-testid=format!("why-{id}")>{text}</li> }).collect_view()}
            </ul>
            <h3>{t!(i18n, customer.up_title)}</h3>
            <ul class="why up" data-testid="move-up">
                {move || why().steps.into_iter().map(|(id, text)| view! { <li data-testid=format!("up-{id}")>{text}</li> }).collect_view()}
            </ul>
        </section>
        <section class="panel" aria-labelledby="bought-h">
            <h2 id="bought-h">{t!(i18n, portal.chart_title)}</h2>
            <div class="chart" role="img" aria-label=move || t_string!(i18n, portal.chart_title) data-testid="volume-chart" inner_html=chart></div>
        </section>
        <section class="panel" aria-labelledby="visits-h" data-testid="customer-visits">
            <h2 id="visits-h">{t!(i18n, customer.visits_title)}</h2>
            {average.map(|(avg, n)| view! { <p class="muted small" data-testid="avg-rating">{t!(i18n, customer.avg_rating, avg = move || avg.clone(), n = move || n)}</p> })}
            {if s.visits.is_empty() {
                view! { <p class="muted">{t!(i18n, customer.no_visits)}</p> }.into_any()
            } else {
                view! {
                    <ul class="visits dense">
                        {s.visits.into_iter().take(12).map(|v| {
                            let rating = v.rating;
                            view! {
                                <li data-testid="customer-visit">
                                    <strong>{v.date.clone()}</strong> " · " {v.purpose.clone()}
                                    <span class="muted small">" · " {v.manager.clone()} " · " {move || td_string!(i18n.get_locale(), portal.minutes, n = v.duration_min).to_string()}</span>
                                    <span class="small">" · " {move || match rating {
                                        Some(r) => td_string!(i18n.get_locale(), customer.rated, score = r).to_string(),
                                        None => td_string!(i18n.get_locale(), customer.not_rated).to_string(),
                                    }}</span>
                                    {(!v.findings.is_empty()).then(|| view! { <p class="muted small">{v.findings.clone()}</p> })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <section class="panel" aria-labelledby="complaints-h" data-testid="customer-complaints">
            <h2 id="complaints-h">{t!(i18n, customer.complaints_title)}</h2>
            {if s.complaints.is_empty() {
                view! { <p class="muted">{t!(i18n, customer.no_complaints)}</p> }.into_any()
            } else {
                view! {
                    <ul class="requests">
                        {s.complaints.into_iter().map(|c| {
                            let closed = !c.is_open();
                            view! {
                                <li class="request-line" data-testid="customer-complaint" data-status=c.status.clone()>
                                    <span class=format!("badge badge-{}", if closed { "approved" } else { "pending" })>
                                        {move || if closed { td_string!(i18n.get_locale(), portal.closed) } else { td_string!(i18n.get_locale(), portal.open) }}
                                    </span>
                                    {c.overdue.then(|| view! { <span class="badge badge-rejected">{t!(i18n, portal.overdue)}</span> })}
                                    <strong>{c.subject.clone()}</strong>
                                    <span class="muted small">" · " {c.filed_at.to_string()}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <p class="small"><a href="/complaints">{t!(i18n, customer.all_complaints)}</a></p>
                }.into_any()
            }}
        </section>
    }
}
