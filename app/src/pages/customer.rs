//! One customer: classification, derived measures and the five information groups.

use super::{LoadError, Loading};
use crate::api::get_customer;
use crate::i18n::*;
use crate::labels::{
    field_label, format_label, group_label, maintenance_label, market_label, role_label,
    tier_label, value_class_label,
};
use crate::model::{CustomerDetail, FIELDS, FieldGroup, FieldKind};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn CustomerPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|s| s.parse::<i64>().ok())));
    let detail = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => get_customer(id).await,
                None => Ok(None),
            }
        },
    );
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(Some(d)) => view! { <Detail d /> }.into_any(),
                    Ok(None) => {
                        #[cfg(feature = "ssr")]
                        if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
                            resp.set_status(http::StatusCode::NOT_FOUND);
                        }
                        view! {
                            <Title text=move || t_string!(i18n, customer.title).to_string() />
                            <p class="panel empty" data-testid="customer-not-found">{t!(i18n, customer.not_found)}</p>
                        }
                            .into_any()
                    }
                    Err(e) => view! { <LoadError message=e.to_string() /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Detail(d: CustomerDetail) -> impl IntoView {
    let i18n = use_i18n();
    let title = d.shop_name.clone();
    let version = d.version;
    let a = d.assignment.clone();
    let groups = FieldGroup::ALL.map(|g| {
        let values: Vec<(&'static crate::model::FieldDef, String)> = FIELDS
            .iter()
            .filter(|f| f.group == g)
            .map(|f| {
                let v = d
                    .fields
                    .iter()
                    .find(|v| v.key == f.key)
                    .map(|v| v.value.clone())
                    .unwrap_or_default();
                (f, v)
            })
            .collect();
        (g, values)
    });
    view! {
        <Title text=title.clone() />
        <header class="page-head">
            <h1 data-testid="customer-name">{d.shop_name.clone()}</h1>
            <p class="muted">
                <span data-testid="customer-code">{d.code.clone()}</span>
                " · "
                {t!(i18n, customer.record_version, version = move || version)}
            </p>
        </header>
        <section class="panel" data-testid="classification">
            <h2>{t!(i18n, customer.classification)}</h2>
            {match a {
                Some(a) => {
                    let (name, ver) = (a.policy.name.clone(), a.policy.version);
                    let (tier, vc) = (a.tier.clone(), a.value_class.clone());
                    view! {
                        <dl class="facts">
                            <div><dt>{t!(i18n, customer.band)}</dt><dd data-testid="band">{a.band}</dd></div>
                            <div><dt>{t!(i18n, customer.grade)}</dt><dd data-testid="grade">{a.grade}</dd></div>
                            <div><dt>{t!(i18n, customer.class)}</dt><dd data-testid="class">{a.class_code.clone()}</dd></div>
                            <div>
                                <dt>{t!(i18n, customer.tier)}</dt>
                                <dd data-testid="tier">{move || tier_label(i18n.get_locale(), &tier)}</dd>
                            </div>
                            <div>
                                <dt>{t!(i18n, customer.value_score)}</dt>
                                <dd>
                                    {a.value_score.clone()} " · "
                                    {move || value_class_label(i18n.get_locale(), &vc)}
                                </dd>
                            </div>
                        </dl>
                        <p class="muted small" data-testid="policy-version">
                            {t!(i18n, customer.policy, name = move || name.clone(), version = move || ver)}
                        </p>
                    }
                        .into_any()
                }
                None => view! { <p class="muted">{t!(i18n, customer.unclassified)}</p> }.into_any(),
            }}
        </section>
        <section class="panel">
            <h2>{t!(i18n, customer.measures)}</h2>
            <dl class="facts">
                <div><dt>{t!(i18n, customer.monthly_volume)}</dt><dd data-testid="monthly-volume">{d.monthly_volume.clone()}</dd></div>
                <div><dt>{t!(i18n, customer.avg_price)}</dt><dd>{d.avg_price.clone().unwrap_or_else(|| "—".into())}</dd></div>
                <div><dt>{t!(i18n, customer.monthly_amount)}</dt><dd>{d.monthly_amount.clone()}</dd></div>
            </dl>
        </section>
        <div class="groups">
            {groups
                .into_iter()
                .map(|(g, values)| {
                    view! {
                        <section class="panel group" data-testid=format!("group-{g:?}").to_lowercase()>
                            <h2>{move || group_label(i18n.get_locale(), g)}</h2>
                            <dl class="fields">
                                {values
                                    .into_iter()
                                    .map(|(f, v)| {
                                        let (key, kind, m, owner) = (f.key, f.kind, f.maintenance, f.owner);
                                        view! {
                                            <div class="field" data-field=key>
                                                <dt>
                                                    {move || field_label(i18n.get_locale(), key)}
                                                    <span
                                                        class=format!("tag tag-{m:?}").to_lowercase()
                                                        title=move || role_label(i18n.get_locale(), owner)
                                                    >
                                                        {move || maintenance_label(i18n.get_locale(), m)}
                                                    </span>
                                                </dt>
                                                <dd>{move || display_value(i18n.get_locale(), kind, &v)}</dd>
                                            </div>
                                        }
                                    })
                                    .collect_view()}
                            </dl>
                        </section>
                    }
                })
                .collect_view()}
        </div>
    }
}

fn display_value(l: Locale, kind: FieldKind, v: &str) -> String {
    if v.is_empty() {
        return "—".into();
    }
    match kind {
        FieldKind::Format => format_label(l, v).to_string(),
        FieldKind::Market => market_label(l, v).to_string(),
        FieldKind::Flag => {
            if v == "1" || v == "true" {
                leptos_i18n::td_string!(l, common.yes).to_string()
            } else {
                leptos_i18n::td_string!(l, common.no).to_string()
            }
        }
        _ => v.to_string(),
    }
}
