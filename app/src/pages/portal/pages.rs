//! The customers' self-service portal's pages: my tier and why, my profile and requests, my customer
//! manager, visits and complaints — and the invite page that opens an account.
//!
//! These pages are rendered on the server and load no wasm (see `app::script_free`): a shop
//! owner's cheap phone on a slow line gets HTML and CSS only. Every action is a plain HTML form
//! posted to the server (`server/src/portal.rs`), answered with a redirect back here carrying
//! `done=…` or `error=…`; browser validation (`required`, `maxlength`) catches most mistakes
//! before sending.

use super::super::customer::{display_value, status_label};
use super::super::{LoadError, Loading};
use super::{ComplaintLine, DisputeLine, key_account_label, tiers_text, when};
use crate::api::{get_my_profile, get_my_service, get_my_tiers};
use crate::chart::{ACCENT, MUTED, Mark, band_history_svg, bar_chart_with_marks_svg};
use crate::i18n::*;
use crate::lab::score_text;
use crate::labels::{
    band_label, field_label, field_problem_text, format_label, grade_label, market_label,
    scale_label, tier_label, value_class_label,
};
use crate::model::{
    Dispute, FieldProblem, MAX_COMMENT_CHARS, MAX_COMPLAINT_CHARS, MAX_REASON_CHARS,
    MAX_SUBJECT_CHARS, MyTiers, MyVisit,
};
use kehu_engine::classify::Step;
use kehu_engine::{Cases, Cents, KeyAccountTier, Tier, ValueClass};
use leptos::prelude::*;
use leptos_i18n::td_string;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// A query parameter of this page load.
fn query(k: &'static str) -> String {
    let q = use_query_map();
    q.with_untracked(|p| p.get(k).unwrap_or_default())
}

/// What is still needed for a step, rounded up to one decimal so the sentence is true: when the
/// boundary itself is not enough (`strictly_more`), a tenth more.
fn more_cases(step: &Step<Cases>) -> String {
    let raw = step.needed.raw().max(0);
    let tenths = if step.strictly_more {
        raw / 100 + 1
    } else {
        (raw + 99) / 100
    };
    Cases::from_raw(tenths * 100).to_string()
}

fn range_text(l: Locale, lower: Option<Cases>, upper: Option<Cases>) -> String {
    match (lower, upper) {
        (Some(lo), Some(hi)) => td_string!(
            l,
            portal.range_between,
            lo = lo.to_string(),
            hi = hi.to_string()
        )
        .to_string(),
        (Some(lo), None) => td_string!(l, portal.range_above, lo = lo.to_string()).to_string(),
        (None, Some(hi)) => td_string!(l, portal.range_up_to, hi = hi.to_string()).to_string(),
        (None, None) => String::new(),
    }
}

/// The portal's page frame: title and the portal's own tabs.
#[component]
fn PortalPage(title: Signal<String>, children: Children) -> impl IntoView {
    view! {
        <Title text=title />
        <div class="portal">{children()}</div>
    }
}

/// `/my`: my classification, why, what would move me up, history, disputes.
#[component]
pub fn MyTiersPage() -> impl IntoView {
    let i18n = use_i18n();
    let data = Resource::new(|| (), |_| get_my_tiers());
    let (done, error) = (query("done"), query("error"));
    view! {
        <PortalPage title=Signal::derive(move || t_string!(i18n, portal.nav_tiers).to_string())>
            <Suspense fallback=Loading>
                {move || {
                    let (done, error) = (done.clone(), error.clone());
                    Suspend::new(async move {
                        match data.await {
                            Ok(t) => view! { <Tiers t done error /> }.into_any(),
                            Err(e) => view! { <LoadError message=e.to_string() /> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </PortalPage>
    }
}

#[component]
fn Tiers(t: MyTiers, done: String, error: String) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let cards = t.current.clone().map(|c| {
        let mut cards: Vec<(String, String, &'static str)> = Vec::new();
        if let Some(b) = c.band {
            cards.push((
                t_string!(i18n, portal.band).to_string(),
                band_label(l, b),
                "band",
            ));
        }
        if let Some(g) = c.grade {
            cards.push((
                t_string!(i18n, portal.grade).to_string(),
                grade_label(l, g),
                "grade",
            ));
        }
        if let (Some(code), Some(why)) = (&c.class_code, &t.class) {
            let k = why.class;
            cards.push((
                t_string!(i18n, portal.class).to_string(),
                format!(
                    "{} · {} · {} ({code})",
                    format_label(l, k.format.key()),
                    market_label(l, k.market.key()),
                    scale_label(l, k.scale.key())
                ),
                "class",
            ));
        }
        if let Some(v) = &c.value_class {
            cards.push((
                t_string!(i18n, portal.value).to_string(),
                value_class_label(l, v).to_string(),
                "value",
            ));
        }
        if let Some(tier) = &c.tier {
            cards.push((
                t_string!(i18n, portal.tier).to_string(),
                tier_label(l, tier).to_string(),
                "tier",
            ));
        }
        if let Some(k) = &c.key_account {
            cards.push((
                t_string!(i18n, portal.key_account).to_string(),
                key_account_label(l, k).to_string(),
                "key-account",
            ));
        }
        cards
    });
    let why = reasons(l, &t);
    let chart = volume_chart(l, &t);
    let published = t
        .current
        .as_ref()
        .map(|c| (c.version, when(&c.published_at)));
    view! {
        <h1 data-testid="portal-shop">{t.shop_name.clone()}</h1>
        {(done == "dispute").then(|| view! {
            <p class="notice" role="status" data-testid="dispute-sent">{t!(i18n, portal.dispute_sent)}</p>
        })}
        <section class="panel" aria-labelledby="my-tiers-h">
            <h2 id="my-tiers-h">{t!(i18n, portal.title_tiers)}</h2>
            {match cards {
                Some(cards) => view! {
                    <ul class="tier-cards" data-testid="my-tiers">
                        {cards.into_iter().map(|(name, value, id)| view! {
                            <li data-testid=format!("my-{id}")><span class="muted small">{name}</span><strong>{value}</strong></li>
                        }).collect_view()}
                    </ul>
                    {published.map(|(v, at)| view! {
                        <p class="muted small">{td_string!(l, portal.published_as, version = v, at = at)}</p>
                    })}
                }.into_any(),
                None => view! { <p class="muted" data-testid="not-classified">{t!(i18n, portal.not_classified)}</p> }.into_any(),
            }}
            {t.changed_since.then(|| view! { <p class="notice" role="status" data-testid="changed-since">{t!(i18n, portal.changed_since)}</p> })}
        </section>
        <section class="panel" aria-labelledby="why-h">
            <h2 id="why-h">{t!(i18n, portal.why_title)}</h2>
            <ul class="why" data-testid="why">
                {why.reasons.into_iter().map(|(id, text)| view! { <li data-testid=format!("why-{id}")>{text}</li> }).collect_view()}
            </ul>
            <h3>{t!(i18n, portal.up_title)}</h3>
            <ul class="why up" data-testid="move-up">
                {why.steps.into_iter().map(|(id, text)| view! { <li data-testid=format!("up-{id}")>{text}</li> }).collect_view()}
            </ul>
        </section>
        <section class="panel" aria-labelledby="chart-h">
            <h2 id="chart-h">{t!(i18n, portal.chart_title)}</h2>
            <div class="chart" role="img" aria-label=move || t_string!(i18n, portal.chart_title) data-testid="volume-chart" inner_html=chart></div>
            <table class="table compact">
                <caption class="visually-hidden">{t!(i18n, portal.chart_title)}</caption>
                <thead><tr><th scope="col">{t!(i18n, portal.month)}</th><th scope="col">{t!(i18n, portal.cartons)}</th></tr></thead>
                <tbody>
                    {t.monthly_cartons.iter().rev().map(|(m, c)| view! {
                        <tr><td>{m.clone()}</td><td>{*c}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
        <section class="panel" aria-labelledby="history-h">
            <h2 id="history-h">{t!(i18n, portal.history_title)}</h2>
            {if t.history.is_empty() {
                view! { <p class="muted">{t!(i18n, portal.not_classified)}</p> }.into_any()
            } else {
                let oldest_first: Vec<_> = t.history.iter().rev().filter_map(|h| h.band.map(|b| (format!("v{}", h.version), b))).collect();
                let (labels, bands): (Vec<String>, Vec<u8>) = oldest_first.into_iter().unzip();
                let chart = (!bands.is_empty()).then(|| band_history_svg(&labels, &bands, td_string!(l, portal.band), (560, 200)));
                view! {
                    {chart.map(|svg| view! {
                        <div class="chart" role="img" aria-label=td_string!(l, portal.history_title) data-testid="history-chart" inner_html=svg></div>
                    })}
                    <ol class="history" data-testid="tier-history">
                        {t.history.iter().map(|h| view! {
                            <li>
                                <span class="muted small">{td_string!(l, portal.version, version = h.version)} " · " {when(&h.published_at)}</span>
                                <strong>{tiers_text(l, h)}</strong>
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
        <Disputes disputes=t.disputes error />
    }
}

/// Reasons and next steps in plain words, for the tiers the customer sees.
struct Why {
    reasons: Vec<(&'static str, String)>,
    steps: Vec<(&'static str, String)>,
}

fn reasons(l: Locale, t: &MyTiers) -> Why {
    let mut reasons = Vec::new();
    let mut steps = Vec::new();
    if let Some(b) = &t.band {
        reasons.push((
            "band",
            td_string!(
                l,
                portal.why_band,
                volume = b.volume.to_string(),
                months = t.window_months,
                band = b.band,
                range = range_text(l, b.lower, b.upper)
            )
            .to_string(),
        ));
        steps.push((
            "band",
            match &b.next {
                Some(s) => {
                    td_string!(l, portal.up_band, more = more_cases(s), to = s.to).to_string()
                }
                None => td_string!(l, portal.top_band).to_string(),
            },
        ));
    }
    if let Some(g) = &t.grade {
        reasons.push((
            "grade",
            match g.price {
                Some(p) => td_string!(
                    l,
                    portal.why_grade,
                    grade = g.grade,
                    band = g.band,
                    price = p.to_string(),
                    pc = g.price_class
                )
                .to_string(),
                None => td_string!(l, portal.why_grade_no_price, grade = g.grade, band = g.band)
                    .to_string(),
            },
        ));
        if let Some(s) = &g.via_volume {
            steps.push((
                "grade-volume",
                td_string!(l, portal.up_grade_volume, more = more_cases(s), to = s.to).to_string(),
            ));
        }
        if let Some(s) = &g.via_price {
            steps.push((
                "grade-price",
                td_string!(
                    l,
                    portal.up_grade_price,
                    boundary = s.boundary.to_string(),
                    more = s.needed.max(Cents::ZERO).to_string(),
                    to = s.to
                )
                .to_string(),
            ));
        }
        if g.grade == 1 {
            steps.push(("grade", td_string!(l, portal.top_grade).to_string()));
        }
    }
    if let Some(c) = &t.class {
        let k = c.class;
        reasons.push((
            "class",
            td_string!(
                l,
                portal.why_class,
                format = format_label(l, k.format.key()),
                market = market_label(l, k.market.key()),
                scale = scale_label(l, k.scale.key()),
                area = c.area.to_string(),
                medium = c.medium_min.to_string(),
                large = c.large_min.to_string()
            )
            .to_string(),
        ));
        if let Some(s) = &c.next {
            let scale = kehu_engine::Scale::from_index(usize::from(s.to))
                .map_or("", |x| scale_label(l, x.key()));
            steps.push((
                "class",
                td_string!(
                    l,
                    portal.up_class,
                    more = s.needed.max(Cents::ZERO).to_string(),
                    scale = scale
                )
                .to_string(),
            ));
        }
    }
    if let Some(v) = &t.value {
        reasons.push((
            "value",
            td_string!(
                l,
                portal.why_value,
                score = score_text(v.score),
                class = value_class_label(l, v.class.key())
            )
            .to_string(),
        ));
        if let Some(s) = &v.next {
            let class = ValueClass::from_index(usize::from(s.to))
                .map_or("", |c| value_class_label(l, c.key()));
            steps.push((
                "value",
                td_string!(
                    l,
                    portal.up_value,
                    more = score_text(s.needed),
                    class = class
                )
                .to_string(),
            ));
        }
    }
    if let Some(w) = &t.tier {
        if w.red_flags.any() {
            reasons.push((
                "tier",
                td_string!(l, portal.why_tier_held, tier = tier_label(l, w.tier.key())).to_string(),
            ));
        } else {
            reasons.push((
                "tier",
                td_string!(l, portal.why_tier, tier = tier_label(l, w.tier.key())).to_string(),
            ));
        }
        if let Some(s) = &w.next {
            let tier = Tier::from_index(usize::from(s.to)).map_or("", |x| tier_label(l, x.key()));
            steps.push((
                "tier",
                td_string!(
                    l,
                    portal.up_value,
                    more = score_text(s.needed),
                    class = tier
                )
                .to_string(),
            ));
        }
    }
    if let Some(k) = t.key_account.as_ref().filter(|k| k.enabled) {
        reasons.push((
            "key-account",
            td_string!(
                l,
                portal.why_key,
                amount = k.monthly_amount.to_string(),
                tier = key_account_label(l, k.tier.key())
            )
            .to_string(),
        ));
        if let Some(s) = &k.next {
            let tier = KeyAccountTier::from_index(usize::from(s.to))
                .map_or("", |x| key_account_label(l, x.key()));
            steps.push((
                "key-account",
                td_string!(
                    l,
                    portal.up_key,
                    more = s.needed.max(Cents::ZERO).to_string(),
                    tier = tier
                )
                .to_string(),
            ));
        }
    }
    Why { reasons, steps }
}

/// Cartons per month with the lines where the current band starts and the next one begins
/// (the band is the window's monthly average in cases; a line at the boundary in cartons shows
/// the owner how far their usual order is from it).
fn volume_chart(l: Locale, t: &MyTiers) -> String {
    let labels: Vec<String> = t
        .monthly_cartons
        .iter()
        .map(|(m, _)| m.get(5..).unwrap_or(m).to_string())
        .collect();
    let values: Vec<u32> = t
        .monthly_cartons
        .iter()
        .map(|(_, c)| u32::try_from(*c).unwrap_or(0))
        .collect();
    let cartons = |c: Cases| {
        u32::try_from(c.raw().max(0) * i64::from(t.cartons_per_case) / 1000).unwrap_or(u32::MAX)
    };
    let mut lines = Vec::new();
    if let Some(b) = &t.band {
        if let Some(s) = &b.next {
            lines.push((
                cartons(s.boundary),
                td_string!(
                    l,
                    portal.mark_next,
                    band = s.to,
                    cases = s.boundary.to_string()
                )
                .to_string(),
                ACCENT,
            ));
        }
        if let Some(lo) = b.lower {
            lines.push((
                cartons(lo),
                td_string!(l, portal.mark_now, band = b.band, cases = lo.to_string()).to_string(),
                MUTED,
            ));
        }
    }
    let marks: Vec<Mark> = lines
        .iter()
        .map(|(v, text, color)| Mark {
            value: *v,
            label: text,
            color: *color,
        })
        .collect();
    bar_chart_with_marks_svg(
        &labels,
        &values,
        &marks,
        td_string!(l, portal.month),
        td_string!(l, portal.cartons),
        (560, 260),
    )
}

#[component]
fn Disputes(disputes: Vec<Dispute>, error: String) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    view! {
        <section class="panel" id="dispute" aria-labelledby="dispute-h">
            <h2 id="dispute-h">{t!(i18n, portal.dispute_title)}</h2>
            <p class="muted">{t!(i18n, portal.dispute_hint)}</p>
            {(error == "reason").then(|| view! {
                <p class="error" role="alert" id="dispute-error" data-testid="dispute-error">{t!(i18n, portal.error_reason)}</p>
            })}
            <form method="post" action="/my/dispute" class="stack" data-testid="dispute-form">
                <label>
                    <span>{t!(i18n, portal.reason)}</span>
                    <textarea name="reason" required maxlength=MAX_REASON_CHARS.to_string() rows="3" data-testid="dispute-reason"></textarea>
                </label>
                <button type="submit" class="primary" data-testid="dispute-submit">{t!(i18n, portal.dispute_submit)}</button>
            </form>
        </section>
        <section class="panel" id="disputes" aria-labelledby="disputes-h">
            <h2 id="disputes-h">{t!(i18n, portal.disputes_title)}</h2>
            {if disputes.is_empty() {
                view! { <p class="muted">{t!(i18n, portal.no_disputes)}</p> }.into_any()
            } else {
                view! {
                    <ul class="requests" data-testid="my-disputes">
                        {disputes.into_iter().map(|d| view! { <DisputeLine d l /> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

/// `/my/profile`: my record as I may see it; request a change; my requests.
#[component]
pub fn MyProfilePage() -> impl IntoView {
    let i18n = use_i18n();
    let data = Resource::new(|| (), |_| get_my_profile());
    view! {
        <PortalPage title=Signal::derive(move || t_string!(i18n, portal.nav_profile).to_string())>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(p) => view! { <Profile p /> }.into_any(),
                        Err(e) => view! { <LoadError message=e.to_string() /> }.into_any(),
                    }
                })}
            </Suspense>
        </PortalPage>
    }
}

#[component]
fn Profile(p: crate::model::MyProfile) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let (done, error) = (query("done"), query("error"));
    let (field, value, reason) = (query("field"), query("value"), query("reason"));
    let problem: Option<FieldProblem> = serde_json::from_str(&query("problem")).ok();
    let message = match error.as_str() {
        "" => None,
        "value" => Some(problem.map_or_else(
            || td_string!(l, portal.error_value).to_string(),
            |p| field_problem_text(l, &p),
        )),
        "reason" => Some(td_string!(l, portal.error_reason).to_string()),
        "unchanged" => Some(td_string!(l, portal.error_unchanged).to_string()),
        _ => Some(td_string!(l, portal.error_field).to_string()),
    };
    let groups: Vec<_> = crate::model::FieldGroup::ALL
        .into_iter()
        .map(|g| {
            let values: Vec<_> = p
                .fields
                .iter()
                .filter(|f| crate::model::field(&f.key).is_some_and(|d| d.group == g))
                .cloned()
                .collect();
            (g, values)
        })
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let requestable = p.requestable.clone();
    view! {
        <h1>{t!(i18n, portal.nav_profile)}</h1>
        <p class="muted">{p.code.clone()} " · " {p.shop_name.clone()}</p>
        {(done == "request").then(|| view! {
            <p class="notice" role="status" data-testid="request-sent">{t!(i18n, portal.request_sent)}</p>
        })}
        <div class="groups">
            {groups.into_iter().map(|(g, values)| view! {
                <section class="panel group" data-testid=format!("my-group-{g:?}").to_lowercase()>
                    <h2>{crate::labels::group_label(l, g)}</h2>
                    <dl class="fields">
                        {values.into_iter().map(|f| {
                            let def = crate::model::field(&f.key);
                            let kind = def.map_or(crate::model::FieldKind::Text, |d| d.kind);
                            let can = requestable.contains(&f.key);
                            view! {
                                <div class="field" data-field=f.key.clone()>
                                    <dt>{field_label(l, &f.key)}</dt>
                                    <dd data-testid=format!("my-value-{}", f.key)>
                                        {display_value(l, kind, &f.value)}
                                        {can.then(|| view! { <span class="tag tag-dynamic">{td_string!(l, portal.requestable)}</span> })}
                                    </dd>
                                </div>
                            }
                        }).collect_view()}
                    </dl>
                </section>
            }).collect_view()}
        </div>
        <section class="panel" id="request" aria-labelledby="request-h">
            <h2 id="request-h">{t!(i18n, portal.request_title)}</h2>
            {message.map(|m| view! { <p class="error" role="alert" data-testid="request-error">{m}</p> })}
            <form method="post" action="/my/request" class="stack" data-testid="request-form">
                <label>
                    <span>{t!(i18n, portal.request_field)}</span>
                    <select name="field" required data-testid="request-field">
                        <option value="">"—"</option>
                        {p.requestable.iter().map(|k| view! {
                            <option value=k.clone() selected=*k == field>{field_label(l, k)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>
                    <span>{t!(i18n, portal.request_value)}</span>
                    <input name="value" maxlength="200" value=value data-testid="request-value" />
                </label>
                <label>
                    <span>{t!(i18n, portal.reason)}</span>
                    <textarea name="reason" required maxlength=MAX_REASON_CHARS.to_string() rows="2" data-testid="request-reason">{reason}</textarea>
                </label>
                <button type="submit" class="primary" data-testid="request-submit">{t!(i18n, portal.request_submit)}</button>
            </form>
        </section>
        <section class="panel" id="requests" aria-labelledby="requests-h">
            <h2 id="requests-h">{t!(i18n, portal.requests_title)}</h2>
            {if p.requests.is_empty() {
                view! { <p class="muted">{t!(i18n, portal.no_requests)}</p> }.into_any()
            } else {
                view! {
                    <ul class="requests" data-testid="my-requests">
                        {p.requests.into_iter().map(|r| {
                            let decided = r.review_reason.clone().filter(|s| !s.is_empty());
                            view! {
                                <li class="request-line" data-testid="my-request" data-status=r.status.key() data-field=r.field.clone()>
                                    <span class=format!("badge badge-{}", r.status.key())>{status_label(l, r.status)}</span>
                                    <strong>{field_label(l, &r.field)}</strong>
                                    ": " <span class="old">{r.old_value.clone()}</span> " → " <span class="new">{r.new_value.clone()}</span>
                                    <span class="muted small">" · " {r.reason.clone()} " · " {when(&r.requested_at)}</span>
                                    {decided.map(|d| view! { <p class="answer"><strong>{td_string!(l, portal.answer)} ": "</strong>{d}</p> })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

/// `/my/service`: my customer manager, my visits (rate them), my complaints (file one).
#[component]
pub fn MyServicePage() -> impl IntoView {
    let i18n = use_i18n();
    let data = Resource::new(|| (), |_| get_my_service());
    view! {
        <PortalPage title=Signal::derive(move || t_string!(i18n, portal.nav_service).to_string())>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(s) => view! { <Service s /> }.into_any(),
                        Err(e) => view! { <LoadError message=e.to_string() /> }.into_any(),
                    }
                })}
            </Suspense>
        </PortalPage>
    }
}

#[component]
fn Service(s: crate::model::MyService) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let (done, error) = (query("done"), query("error"));
    let error_visit: i64 = query("visit").parse().unwrap_or(0);
    let tel = format!("tel:{}", s.manager_phone);
    let has_phone = !s.manager_phone.is_empty();
    let complaint_error = match error.as_str() {
        "subject" => Some(td_string!(l, portal.error_subject)),
        "description" => Some(td_string!(l, portal.error_description)),
        _ => None,
    };
    view! {
        <h1>{t!(i18n, portal.nav_service)}</h1>
        <section class="panel" aria-labelledby="manager-h">
            <h2 id="manager-h">{t!(i18n, portal.manager_title)}</h2>
            {match s.manager.clone() {
                Some(name) => view! {
                    <p data-testid="my-manager"><strong>{name}</strong>
                        {s.route.clone().map(|r| view! { <span class="muted small">" · " {r}</span> })}
                    </p>
                    {has_phone.then(|| view! { <a class="button" href=tel.clone() data-testid="call-manager">{td_string!(l, portal.call)} " " {s.manager_phone.clone()}</a> })}
                }.into_any(),
                None => view! { <p class="muted">{t!(i18n, portal.no_manager)}</p> }.into_any(),
            }}
        </section>
        <section class="panel" id="visits" aria-labelledby="visits-h">
            <h2 id="visits-h">{t!(i18n, portal.visits_title)}</h2>
            {(done == "rated").then(|| view! { <p class="notice" role="status" data-testid="rated">{t!(i18n, portal.rated_done)}</p> })}
            {if s.visits.is_empty() {
                view! { <p class="muted">{t!(i18n, portal.no_visits)}</p> }.into_any()
            } else {
                view! {
                    <ul class="visits" data-testid="my-visits">
                        {s.visits.into_iter().map(|v| {
                            let err = (v.id == error_visit).then(|| error.clone());
                            view! { <VisitLine v l error=err /> }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <section class="panel" id="complain" aria-labelledby="complain-h">
            <h2 id="complain-h">{t!(i18n, portal.complain)}</h2>
            {(done == "complaint").then(|| view! { <p class="notice" role="status" data-testid="complaint-sent">{t!(i18n, portal.complaint_sent)}</p> })}
            {complaint_error.map(|m| view! { <p class="error" role="alert" data-testid="complaint-error">{m}</p> })}
            <form method="post" action="/my/complaint" class="stack" data-testid="complaint-form">
                <label>
                    <span>{t!(i18n, portal.subject)}</span>
                    <input name="subject" required maxlength=MAX_SUBJECT_CHARS.to_string() data-testid="complaint-subject" />
                </label>
                <label>
                    <span>{t!(i18n, portal.description)}</span>
                    <textarea name="description" maxlength=MAX_COMPLAINT_CHARS.to_string() rows="4" data-testid="complaint-description"></textarea>
                </label>
                <button type="submit" class="primary" data-testid="complaint-submit">{t!(i18n, portal.complain_submit)}</button>
            </form>
        </section>
        <section class="panel" id="complaints" aria-labelledby="complaints-h">
            <h2 id="complaints-h">{t!(i18n, portal.complaints_title)}</h2>
            {if s.complaints.is_empty() {
                view! { <p class="muted">{t!(i18n, portal.no_complaints)}</p> }.into_any()
            } else {
                view! {
                    <ul class="requests" data-testid="my-complaints">
                        {s.complaints.into_iter().map(|c| view! { <ComplaintLine c l /> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn VisitLine(v: MyVisit, l: Locale, error: Option<String>) -> impl IntoView {
    let id = v.id;
    let message = error.map(|e| match e.as_str() {
        "score" => td_string!(l, portal.error_score),
        "rated" => td_string!(l, portal.error_rated),
        _ => td_string!(l, portal.error_comment),
    });
    let error_id = format!("visit-error-{id}");
    view! {
        <li class="visit" id=format!("visit-{id}") data-testid="my-visit" data-visit=id.to_string()>
            <p>
                <strong>{v.date.clone()}</strong> " · " {v.purpose.clone()}
                <span class="muted small">" · " {v.manager.clone()} " · " {td_string!(l, portal.minutes, n = v.duration_min)}</span>
            </p>
            {match v.rating.clone() {
                Some((score, comment)) => view! {
                    <p class="muted small" data-testid="visit-rating">
                        {td_string!(l, portal.rated, score = score)}
                        {(!comment.is_empty()).then(|| format!(" · {comment}"))}
                    </p>
                }.into_any(),
                None => view! {
                    <details open=message.is_some()>
                        <summary data-testid="rate-open">{td_string!(l, portal.rate)}</summary>
                        {message.map(|m| view! { <p class="error" role="alert" id=error_id.clone()>{m}</p> })}
                        <form method="post" action="/my/rate" class="stack" data-testid="rate-form">
                            <input type="hidden" name="visit" value=id.to_string() />
                            <fieldset class="stars">
                                <legend>{td_string!(l, portal.score)}</legend>
                                {(1..=5).map(|n| view! {
                                    <label class="star">
                                        <input type="radio" name="score" value=n.to_string() required data-testid=format!("score-{n}") />
                                        <span>{n}</span>
                                    </label>
                                }).collect_view()}
                            </fieldset>
                            <label>
                                <span>{td_string!(l, portal.comment)}</span>
                                <input name="comment" maxlength=MAX_COMMENT_CHARS.to_string() data-testid="rate-comment" />
                            </label>
                            <button type="submit" class="primary" data-testid="rate-submit">{td_string!(l, portal.rate_submit)}</button>
                        </form>
                    </details>
                }.into_any(),
            }}
        </li>
    }
}

/// `/invite`: a customer opens their account with the code a manager printed for them.
#[component]
pub fn InvitePage() -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let (error, customer) = (query("error"), query("customer"));
    let message = match error.as_str() {
        "" => None,
        "invalid" => Some(td_string!(l, portal.invite_invalid)),
        "too_many" => Some(td_string!(l, auth.error_too_many)),
        "too_short" => Some(td_string!(l, auth.error_too_short)),
        "too_long" => Some(td_string!(l, auth.error_too_long)),
        "mismatch" => Some(td_string!(l, auth.error_mismatch)),
        "missing" => Some(td_string!(l, auth.error_missing)),
        _ => Some(td_string!(l, auth.error_internal)),
    };
    view! {
        <Title text=move || t_string!(i18n, portal.invite_title).to_string() />
        <section class="panel narrow">
            <h1>{t!(i18n, portal.invite_title)}</h1>
            <p class="muted">{t!(i18n, portal.invite_hint)}</p>
            {message.map(|m| view! { <p class="error" role="alert" data-testid="invite-error">{m}</p> })}
            <form method="post" action="/auth/invite" class="stack" data-testid="invite-form">
                <label>
                    <span>{t!(i18n, portal.customer_code)}</span>
                    <input name="customer" required maxlength="64" autocapitalize="characters" autocomplete="username" value=customer data-testid="invite-customer" />
                </label>
                <label>
                    <span>{t!(i18n, portal.invite_code)}</span>
                    <input name="code" required maxlength="20" autocapitalize="characters" autocomplete="one-time-code" data-testid="invite-code" />
                </label>
                <label>
                    <span>{t!(i18n, auth.new_password)}</span>
                    <input name="password" type="password" required minlength="8" autocomplete="new-password" aria-describedby="invite-password-hint" data-testid="invite-password" />
                    <small id="invite-password-hint">{t!(i18n, auth.password_hint)}</small>
                </label>
                <label>
                    <span>{t!(i18n, auth.confirm_password)}</span>
                    <input name="confirm" type="password" required minlength="8" autocomplete="new-password" data-testid="invite-confirm" />
                </label>
                <button type="submit" class="primary" data-testid="invite-submit">{t!(i18n, portal.invite_submit)}</button>
            </form>
        </section>
    }
}
