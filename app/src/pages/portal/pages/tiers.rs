//! My tier and why (`/my`): the tiers the policy shows customers, the reasons in plain words,
//! what would move me up, the chart of cartons bought, the band at every publication, disputes.

use super::*;

/// A query parameter of this page load.
pub(crate) fn query(k: &'static str) -> String {
    let q = use_query_map();
    q.with_untracked(|p| p.get(k).unwrap_or_default())
}

/// The portal's page frame: title and the portal's own tabs.
#[component]
pub(crate) fn PortalPage(title: Signal<String>, children: Children) -> impl IntoView {
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
pub(crate) fn Tiers(t: MyTiers, done: String, error: String) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let cards = t.current.clone().map(|c| {
        let mut cards: Vec<(String, String, &'static str)> = Vec::new();
        if let Some(b) = c.band {
            cards.push((
                t_string!(i18n, portal.band).to_string(),
                format!(
                    "{}|{}",
                    td_string!(l, portal.band_n_of, n = b),
                    td_string!(l, portal.band_scale, count = kehu_engine::BANDS)
                ),
                "band",
            ));
        }
        if let Some(g) = c.grade {
            cards.push((
                t_string!(i18n, portal.grade).to_string(),
                format!(
                    "{}|{}",
                    td_string!(l, portal.grade_n_of, n = g),
                    td_string!(l, portal.grade_scale, count = kehu_engine::GRADES)
                ),
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
        .map(|c| (c.version, c.published_at.to_string()));
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
                            {
                                // "value|scale": the value, and its scale in small print.
                                let (value, scale) = match value.split_once('|') {
                                    Some((v, s)) => (v.to_string(), Some(s.to_string())),
                                    None => (value, None),
                                };
                                view! {
                                    <li data-testid=format!("my-{id}")>
                                        <span class="muted small">{name}</span>
                                        <strong>{value}</strong>
                                        {scale.map(|s| view! { <span class="muted small">{s}</span> })}
                                    </li>
                                }
                            }
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
                let chart = (!bands.is_empty()).then(|| band_history_svg(&labels, &bands, td_string!(l, portal.band), (340, 190)));
                view! {
                    {chart.map(|svg| view! {
                        <div class="chart" role="img" aria-label=td_string!(l, portal.history_title) data-testid="history-chart" inner_html=svg></div>
                    })}
                    <ol class="history" data-testid="tier-history">
                        {t.history.iter().map(|h| view! {
                            <li>
                                <span class="muted small">{td_string!(l, portal.version, version = h.version)} " · " {h.published_at.to_string()}</span>
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

#[component]
pub(crate) fn Disputes(disputes: Vec<Dispute>, error: String) -> impl IntoView {
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
