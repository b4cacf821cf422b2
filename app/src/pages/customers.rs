//! The customer list: server-side search, filters and pagination, driven by the URL query so a
//! filtered list can be bookmarked and works before the page has hydrated.

use super::{LoadError, Loading};
use crate::api::{get_filter_options, list_customers};
use crate::engine::{BusinessFormat, MarketType};
use crate::i18n::*;
use crate::labels::{band_label, format_label, market_label, tier_label};
use crate::wire::{CustomerPage, CustomerQuery};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{A, Form};
use leptos_router::hooks::use_query_map;

/// Builds the query string of these filters (and a page, for the list).
fn query_string(q: &CustomerQuery, page: Option<u32>) -> String {
    let mut parts = Vec::new();
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    if !q.q.is_empty() {
        parts.push(format!("q={}", enc(&q.q)));
    }
    if !q.format.is_empty() {
        parts.push(format!("format={}", enc(&q.format)));
    }
    if !q.market.is_empty() {
        parts.push(format!("market={}", enc(&q.market)));
    }
    if let Some(r) = q.route {
        parts.push(format!("route={r}"));
    }
    if let Some(b) = q.band {
        parts.push(format!("band={b}"));
    }
    if let Some(page) = page {
        parts.push(format!("page={page}"));
    }
    parts.join("&")
}

/// A page of the same filters.
fn href_for(q: &CustomerQuery, page: u32) -> String {
    format!("/customers?{}", query_string(q, Some(page)))
}

#[component]
pub fn CustomerList() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_query_map();
    let query = Memo::new(move |_| {
        params.with(|p| CustomerQuery {
            q: p.get("q").unwrap_or_default(),
            format: p.get("format").unwrap_or_default(),
            market: p.get("market").unwrap_or_default(),
            route: p.get("route").and_then(|r| r.parse().ok()),
            band: p.get("band").and_then(|b| b.parse().ok()),
            page: p
                .get("page")
                .and_then(|n| n.parse().ok())
                .unwrap_or(1)
                .max(1),
        })
    });
    let page = Resource::new(move || query.get(), list_customers);
    let options = Resource::new(|| (), |_| get_filter_options());

    view! {
        <Title text=move || t_string!(i18n, customers.title).to_string() />
        <h1>{t!(i18n, customers.title)}</h1>
        <Form method="GET" action="/customers" attr:class="filters" attr:data-testid="filters">
            <label class="search">
                <span>{t!(i18n, customers.search)}</span>
                <input
                    type="search"
                    name="q"
                    data-testid="filter-q"
                    maxlength="100"
                    prop:value=move || query.with(|q| q.q.clone())
                    placeholder=move || t_string!(i18n, customers.search_placeholder)
                />
            </label>
            <label>
                <span>{t!(i18n, customers.format)}</span>
                <select name="format" data-testid="filter-format">
                    <option value="">{t!(i18n, common.all)}</option>
                    {BusinessFormat::ALL
                        .iter()
                        .map(|f| {
                            let key = f.key();
                            view! {
                                <option value=key selected=move || query.with(|q| q.format == key)>
                                    {move || format_label(i18n.get_locale(), key)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <label>
                <span>{t!(i18n, customers.market)}</span>
                <select name="market" data-testid="filter-market">
                    <option value="">{t!(i18n, common.all)}</option>
                    {MarketType::ALL
                        .iter()
                        .map(|m| {
                            let key = m.key();
                            view! {
                                <option value=key selected=move || query.with(|q| q.market == key)>
                                    {move || market_label(i18n.get_locale(), key)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <label>
                <span>{t!(i18n, customers.route)}</span>
                <select name="route" data-testid="filter-route">
                    <option value="">{t!(i18n, common.all)}</option>
                    <Suspense>
                        {move || Suspend::new(async move {
                            options
                                .await
                                .map(|o| {
                                    o.routes
                                        .into_iter()
                                        .map(|r| {
                                            let id = r.id;
                                            view! {
                                                <option
                                                    value=id.to_string()
                                                    selected=move || query.with(|q| q.route == Some(id))
                                                >
                                                    {r.name}
                                                </option>
                                            }
                                        })
                                        .collect_view()
                                })
                                .unwrap_or_default()
                        })}
                    </Suspense>
                </select>
            </label>
            <label>
                <span>{t!(i18n, customers.band)}</span>
                <select name="band" data-testid="filter-band">
                    <option value="">{t!(i18n, common.all)}</option>
                    {(1..=8u8)
                        .map(|b| {
                            view! {
                                <option value=b.to_string() selected=move || query.with(|q| q.band == Some(b))>
                                    {move || band_label(i18n.get_locale(), b)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <div class="filter-actions">
                <button type="submit" class="primary" data-testid="filter-apply">{t!(i18n, common.apply)}</button>
                <A href="/customers" attr:class="button">{t!(i18n, common.clear)}</A>
            </div>
        </Form>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) => view! { <Results p q=query.get_untracked() /> }.into_any(),
                    Err(e) => view! { <LoadError message=e.to_string() /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Results(p: CustomerPage, q: CustomerQuery) -> impl IntoView {
    let i18n = use_i18n();
    if p.rows.is_empty() {
        return view! { <p class="panel empty" data-testid="customers-empty">{t!(i18n, customers.empty)}</p> }
            .into_any();
    }
    let total = p.total;
    let (cur, pages) = (p.page, p.pages);
    let prev = (cur > 1).then(|| href_for(&q, cur - 1));
    let next = (cur < pages).then(|| href_for(&q, cur + 1));
    view! {
        <div class="list-head">
            <p class="count" data-testid="customer-count" data-total=total.to_string()>
                {t!(i18n, customers.count, count = move || total)}
            </p>
            <span class="actions">
                <a
                    class="button"
                    href={
                        let q = query_string(&q, None);
                        move || {
                            let words = match i18n.get_locale() { Locale::zh => "zh", Locale::en => "en" };
                            format!("/export/customers.csv?{q}{}words={words}", if q.is_empty() { "" } else { "&" })
                        }
                    }
                    download="kehu-customers.csv"
                    rel="external"
                    data-testid="export-csv-words"
                >
                    {t!(i18n, customers.export_words)}
                </a>
                <a
                    class="button"
                    href=format!("/export/customers.csv?{}", query_string(&q, None))
                    download="kehu-customers.csv"
                    rel="external"
                    data-testid="export-csv"
                >
                    {t!(i18n, customers.export)}
                </a>
            </span>
        </div>
        <table class="list customers" data-testid="customer-table">
            <thead>
                <tr>
                    <th scope="col">{t!(i18n, customers.code)}</th>
                    <th scope="col">{t!(i18n, customers.shop_name)}</th>
                    <th scope="col">{t!(i18n, customers.format)}</th>
                    <th scope="col">{t!(i18n, customers.market)}</th>
                    <th scope="col">{t!(i18n, customers.route)}</th>
                    <th scope="col">{t!(i18n, customers.manager)}</th>
                    <th scope="col" class="num">{t!(i18n, customers.volume)}</th>
                    <th scope="col">{t!(i18n, customers.band)}</th>
                    <th scope="col">{t!(i18n, customers.grade)}</th>
                    <th scope="col">{t!(i18n, customers.tier)}</th>
                </tr>
            </thead>
            <tbody>
                {p
                    .rows
                    .into_iter()
                    .map(|r| {
                        let format = r.business_format.clone();
                        let market = r.market_type.clone();
                        let tier = r.tier.clone();
                        view! {
                            <tr data-testid="customer-row" data-band=r.band.map(|b| b.to_string()).unwrap_or_default()>
                                <td data-label=move || t_string!(i18n, customers.code) class="code">{r.code.clone()}</td>
                                <td data-label=move || t_string!(i18n, customers.shop_name) class="shop">
                                    <A href=format!("/customers/{}", r.id)>{r.shop_name.clone()}</A>
                                </td>
                                <td data-label=move || t_string!(i18n, customers.format)>
                                    {move || format_label(i18n.get_locale(), &format)}
                                </td>
                                <td data-label=move || t_string!(i18n, customers.market)>
                                    {move || market_label(i18n.get_locale(), &market)}
                                </td>
                                <td data-label=move || t_string!(i18n, customers.route)>{r.route.clone()}</td>
                                <td data-label=move || t_string!(i18n, customers.manager)>{r.manager.clone()}</td>
                                <td data-label=move || t_string!(i18n, customers.volume) class="num labelled">
                                    {r.monthly_volume.clone().unwrap_or_else(|| "—".into())}
                                </td>
                                <td data-label=move || t_string!(i18n, customers.band) class="labelled">
                                    {r.band.map(|b| b.to_string()).unwrap_or_else(|| "—".into())}
                                </td>
                                <td data-label=move || t_string!(i18n, customers.grade) class="labelled">
                                    {r.grade.map(|g| g.to_string()).unwrap_or_else(|| "—".into())}
                                </td>
                                <td data-label=move || t_string!(i18n, customers.tier) class="tier">
                                    {move || {
                                        tier.as_deref()
                                            .map(|t| tier_label(i18n.get_locale(), t))
                                            .unwrap_or("—")
                                    }}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        <nav class="pager" aria-label=move || t_string!(i18n, common.pagination)>
            {prev.map(|h| view! { <A href=h attr:rel="prev" attr:data-testid="page-prev">{t!(i18n, common.previous)}</A> })}
            <span data-testid="page-of">{t!(i18n, common.page_of, page = move || cur, pages = move || pages)}</span>
            {next.map(|h| view! { <A href=h attr:rel="next" attr:data-testid="page-next">{t!(i18n, common.next)}</A> })}
        </nav>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_links_keep_the_filters_and_encode_text() {
        let q = CustomerQuery {
            q: "便利 a&b".into(),
            band: Some(3),
            route: Some(7),
            ..Default::default()
        };
        assert_eq!(
            href_for(&q, 2),
            "/customers?q=%E4%BE%BF%E5%88%A9%20a%26b&route=7&band=3&page=2"
        );
    }
}
