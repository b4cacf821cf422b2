//! Under- and over-served customers (domain §5): the satisfaction gap (experience − expectation)
//! per tier under the published policy, and the customers on either side with the inputs that
//! put them there. Staff see the customers in their scope.

use super::{LoadError, Loading};
use crate::api::get_service_gaps;
use crate::i18n::*;
use crate::labels::tier_label;
use crate::wire::{GapReport, GapRow, GapTierCount};
use kehu_engine::policy::{EXPECTATION_DRIVERS, EXPERIENCE_MEASURES};
use leptos::prelude::*;
use leptos_i18n::td_string;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

/// Hundredths of a point as a signed number with one decimal: −1234 → "−12.3".
fn points(c: i64, signed: bool) -> String {
    let sign = match (signed, c.signum()) {
        (true, 1) => "+",
        (_, -1) => "−",
        _ => "",
    };
    format!("{sign}{}.{}", c.abs() / 100, c.abs() % 100 / 10)
}

fn driver_label(l: Locale, key: &str) -> &'static str {
    match key {
        "word_of_mouth" => td_string!(l, gaps.d_word_of_mouth),
        "promotion" => td_string!(l, gaps.d_promotion),
        "value_background" => td_string!(l, gaps.d_value_background),
        "environment_lifecycle" => td_string!(l, gaps.d_environment_lifecycle),
        "past_experience" => td_string!(l, gaps.d_past_experience),
        "experience_elsewhere" => td_string!(l, gaps.d_experience_elsewhere),
        _ => "",
    }
}

fn measure_label(l: Locale, key: &str) -> &'static str {
    match key {
        "visits" => td_string!(l, gaps.m_visits),
        "complaint_handling" => td_string!(l, gaps.m_complaint_handling),
        "supply_fulfilment" => td_string!(l, gaps.m_supply_fulfilment),
        "delivery_punctuality" => td_string!(l, gaps.m_delivery_punctuality),
        "ratings" => td_string!(l, gaps.m_ratings),
        _ => "",
    }
}

#[component]
pub fn GapsPage() -> impl IntoView {
    let i18n = use_i18n();
    let q = use_query_map();
    let query = Memo::new(move |_| {
        q.with(|p| {
            (
                p.get("tier").unwrap_or_default(),
                p.get("manager").and_then(|m| m.parse::<i64>().ok()),
            )
        })
    });
    let data = Resource::new(
        move || query.get(),
        |(tier, manager)| get_service_gaps(tier, manager),
    );
    view! {
        <Title text=move || t_string!(i18n, gaps.title).to_string() />
        <h1>{t!(i18n, gaps.title)}</h1>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                let (tier, manager) = query.get_untracked();
                match data.await {
                    Ok(r) if !r.published => view! {
                        <p class="panel empty" data-testid="gaps-unpublished">{t!(i18n, gaps.unpublished)}</p>
                    }.into_any(),
                    Ok(r) => view! { <Report r tier manager /> }.into_any(),
                    Err(e) => view! { <LoadError message=e.to_string() /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Report(r: GapReport, tier: String, manager: Option<i64>) -> impl IntoView {
    let i18n = use_i18n();
    let months = r.window_months;
    let (under_below, over_above) = (r.under_below_centi, r.over_above_centi);
    let link = move |t: &str| match manager {
        Some(m) if t.is_empty() => format!("/gaps?manager={m}"),
        Some(m) => format!("/gaps?tier={t}&manager={m}"),
        None if t.is_empty() => "/gaps".to_string(),
        None => format!("/gaps?tier={t}"),
    };
    let chip = {
        let tier = tier.clone();
        move |key: &'static str| {
            let current = tier == key;
            view! {
                <A href=link(key) attr:class=if current { "chip current" } else { "chip" }
                    attr:aria-current=current.then_some("page") attr:data-testid=format!("gaps-tier-{}", if key.is_empty() { "all" } else { key })>
                    {move || if key.is_empty() { t_string!(i18n, gaps.all_tiers).to_string() } else { tier_label(i18n.get_locale(), key).to_string() }}
                </A>
            }
        }
    };
    view! {
        <p class="muted">{move || td_string!(i18n.get_locale(), gaps.intro,
            months = months, under = points(under_below, true), over = points(over_above, true)).to_string()}</p>
        {manager.map(|_| view! {
            <p class="notice" data-testid="gaps-manager">{t!(i18n, gaps.manager_filter)} " "
                <A href=if tier.is_empty() { "/gaps".to_string() } else { format!("/gaps?tier={tier}") }>{t!(i18n, gaps.all_managers)}</A>
            </p>
        })}
        <section class="panel">
            <h2>{t!(i18n, gaps.by_tier)}</h2>
            <TierBars tiers=r.tiers.clone() />
        </section>
        <nav class="chips" aria-label=move || t_string!(i18n, gaps.tier)>
            {chip("")}{chip("core")}{chip("general")}{chip("problem")}
        </nav>
        <section class="panel">
            <h2>{t!(i18n, gaps.under_list)}</h2>
            <GapList rows=r.under total=r.under_total under=true />
        </section>
        <section class="panel">
            <h2>{t!(i18n, gaps.over_list)}</h2>
            <GapList rows=r.over total=r.over_total under=false />
        </section>
    }
}

/// One stacked bar per tier: under-served, balanced, over-served, not measured.
#[component]
fn TierBars(tiers: Vec<GapTierCount>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="gap-bars" role="img" aria-label=move || t_string!(i18n, gaps.chart_desc) data-testid="gap-bars">
            {tiers.into_iter().map(|t| {
                let total = (t.under + t.balanced + t.over + t.unknown).max(1);
                let pct = |n: u64| format!("width: {:.2}%", n as f64 * 100.0 / total as f64);
                let key = t.tier.clone();
                view! {
                    <div class="gap-bar-row" data-testid="gap-tier" data-tier=t.tier.clone()
                        data-under=t.under.to_string() data-over=t.over.to_string()>
                        <span class="gap-bar-label">{move || tier_label(i18n.get_locale(), &key)}</span>
                        <span class="gap-bar" aria-hidden="true">
                            <span class="under" style=pct(t.under)></span>
                            <span class="balanced" style=pct(t.balanced)></span>
                            <span class="over" style=pct(t.over)></span>
                            <span class="unknown" style=pct(t.unknown)></span>
                        </span>
                        <span class="gap-bar-counts small">
                            <span class="under-text">{t!(i18n, gaps.under)} " " {t.under}</span> " · "
                            {t!(i18n, gaps.balanced)} " " {t.balanced} " · "
                            <span class="over-text">{t!(i18n, gaps.over)} " " {t.over}</span> " · "
                            <span class="muted">{t!(i18n, gaps.unknown)} " " {t.unknown}</span>
                        </span>
                    </div>
                }
            }).collect_view()}
        </div>
    }
}

/// Rows a gap list shows at first, and adds on each "more".
const GAPS_AT_FIRST: usize = 20;

#[component]
fn GapList(rows: Vec<GapRow>, total: u64, under: bool) -> impl IntoView {
    let i18n = use_i18n();
    if rows.is_empty() {
        return view! {
            <p class="empty" data-testid=if under { "gaps-none-under" } else { "gaps-none-over" }>
                {move || if under { t_string!(i18n, gaps.none_under) } else { t_string!(i18n, gaps.none_over) }}
            </p>
        }
        .into_any();
    }
    let shown = rows.len();
    // Twenty at first, more on request: a phone is not handed hundreds of cards at once.
    let limit = RwSignal::new(GAPS_AT_FIRST);
    let rows = StoredValue::new(rows);
    view! {
        {(total as usize > shown).then(|| view! {
            <p class="muted small">{move || td_string!(i18n.get_locale(), gaps.shown, shown = shown, total = total).to_string()}</p>
        })}
        <div class="table-wrap">
            <table class="list gaps" data-testid=if under { "gaps-under" } else { "gaps-over" }>
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, gaps.customer)}</th>
                        <th scope="col">{t!(i18n, gaps.tier)}</th>
                        <th scope="col" class="num">{t!(i18n, gaps.expectation)}</th>
                        <th scope="col" class="num">{t!(i18n, gaps.experience)}</th>
                        <th scope="col" class="num">{t!(i18n, gaps.gap)}</th>
                        <th scope="col">{t!(i18n, gaps.why)}</th>
                    </tr>
                </thead>
                <tbody>
                    {move || rows.with_value(|rows| rows.iter().take(limit.get()).cloned().map(|r| view! { <GapLine r under /> }).collect_view())}
                </tbody>
            </table>
        </div>
        <Show when=move || { limit.get() < shown }>
            <button type="button" class="more" data-testid=if under { "gaps-more-under" } else { "gaps-more-over" }
                on:click=move |_| limit.update(|n| *n += GAPS_AT_FIRST)>
                {move || td_string!(i18n.get_locale(), gaps.more, n = GAPS_AT_FIRST.min(shown.saturating_sub(limit.get()))).to_string()}
            </button>
        </Show>
    }
    .into_any()
}

/// Why a customer is on a list: for the under-served, the weakest experience measures and the
/// strongest expectation drivers; for the over-served, the reverse.
/// Inputs by key with their points.
type Inputs = Vec<(&'static str, u8)>;

fn reasons(r: &GapRow, under: bool) -> (Inputs, Inputs) {
    let mut x: Inputs = EXPERIENCE_MEASURES
        .iter()
        .zip(r.experience)
        .filter_map(|(k, v)| v.map(|v| (*k, v)))
        .collect();
    let mut e: Inputs = EXPECTATION_DRIVERS
        .iter()
        .zip(r.expectation)
        .filter_map(|(k, v)| v.map(|v| (*k, v)))
        .collect();
    if under {
        x.retain(|(_, v)| *v < 70);
        x.sort_by_key(|(_, v)| *v);
        e.retain(|(_, v)| *v >= 70);
        e.sort_by_key(|(_, v)| std::cmp::Reverse(*v));
    } else {
        x.retain(|(_, v)| *v >= 90);
        x.sort_by_key(|(_, v)| std::cmp::Reverse(*v));
        e.retain(|(_, v)| *v <= 50);
        e.sort_by_key(|(_, v)| *v);
    }
    x.truncate(2);
    e.truncate(2);
    (x, e)
}

#[component]
fn GapLine(r: GapRow, under: bool) -> impl IntoView {
    let i18n = use_i18n();
    let (x, e) = reasons(&r, under);
    let tier = r.tier.clone();
    let all_x = r.experience;
    let all_e = r.expectation;
    let chip = move |text: String, low: bool| {
        view! { <span class=if low { "gap-reason low" } else { "gap-reason high" } data-testid="gap-reason">{text}</span> }
    };
    view! {
        <tr data-testid="gap-row" data-customer=r.customer_id.to_string()>
            <th scope="row" data-label=move || t_string!(i18n, gaps.customer)>
                <A href=format!("/customers/{}", r.customer_id)>{format!("{} {}", r.code, r.shop_name)}</A>
                {(!r.manager.is_empty()).then(|| view! { <span class="muted small">" · " {r.manager.clone()}</span> })}
            </th>
            <td data-label=move || t_string!(i18n, gaps.tier)>{move || tier_label(i18n.get_locale(), &tier)}</td>
            <td class="num" data-label=move || t_string!(i18n, gaps.expectation)>{points(r.expectation_centi, false)}</td>
            <td class="num" data-label=move || t_string!(i18n, gaps.experience)>{points(r.experience_centi, false)}</td>
            <td class=if under { "num neg" } else { "num" } data-label=move || t_string!(i18n, gaps.gap) data-testid="gap-value">{points(r.gap_centi(), true)}</td>
            <td data-label=move || t_string!(i18n, gaps.why)>
                {move || {
                    let l = i18n.get_locale();
                    let mut out = Vec::new();
                    for (k, v) in &x {
                        let text = if under {
                            td_string!(l, gaps.low, what = measure_label(l, k), n = *v).to_string()
                        } else {
                            td_string!(l, gaps.high, what = measure_label(l, k), n = *v).to_string()
                        };
                        out.push(chip(text, under));
                    }
                    for (k, v) in &e {
                        let text = if under {
                            td_string!(l, gaps.high, what = driver_label(l, k), n = *v).to_string()
                        } else {
                            td_string!(l, gaps.low, what = driver_label(l, k), n = *v).to_string()
                        };
                        out.push(chip(text, !under));
                    }
                    out.collect_view()
                }}
                <details class="small">
                    <summary>{t!(i18n, gaps.why)}</summary>
                    <dl class="inputs">
                        {move || {
                            let l = i18n.get_locale();
                            let show = |v: Option<u8>| v.map_or_else(|| td_string!(l, gaps.not_recorded).to_string(), |v| v.to_string());
                            let mut items = Vec::new();
                            for (k, v) in EXPERIENCE_MEASURES.iter().zip(all_x) {
                                items.push(view! { <dt>{t!(i18n, gaps.experience)} " · " {measure_label(l, k)}</dt><dd>{show(v)}</dd> });
                            }
                            for (k, v) in EXPECTATION_DRIVERS.iter().zip(all_e) {
                                items.push(view! { <dt>{t!(i18n, gaps.expectation)} " · " {driver_label(l, k)}</dt><dd>{show(v)}</dd> });
                            }
                            items.collect_view()
                        }}
                    </dl>
                </details>
            </td>
        </tr>
    }
}
