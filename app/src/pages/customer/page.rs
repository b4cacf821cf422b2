//! The customer page: classification, derived measures, the five information groups, invites.

use super::*;

#[component]
pub fn CustomerPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|s| s.parse::<i64>().ok())));
    // The record and its history load together: one resource, so the page hydrates from what
    // the server rendered without asking again.
    let detail = Resource::new(
        move || id.get(),
        |id| async move {
            let Some(id) = id else {
                return Ok::<_, crate::wire::ApiError>(None);
            };
            match get_customer(id).await? {
                Some(d) => Ok(Some((
                    d,
                    customer_history(id).await?,
                    change_requests(Some(id)).await?,
                ))),
                None => Ok(None),
            }
        },
    );
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(Some((d, history, requests))) => view! { <Detail d history requests /> }.into_any(),
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
pub(crate) fn Detail(
    d: CustomerDetail,
    history: Vec<AuditEntry>,
    requests: Vec<ChangeRequest>,
) -> impl IntoView {
    let i18n = use_i18n();
    let title = d.shop_name.clone();
    let id = d.id;
    // The record version the editors send back; each save moves it on.
    let version = RwSignal::new(d.version);
    // Reloaded after each save or request.
    let history = RwSignal::new(history);
    let requests = RwSignal::new(requests);
    let changes = Callback::new(move |()| {
        leptos::task::spawn_local(async move {
            if let Ok(h) = customer_history(id).await {
                history.set(h);
            }
            if let Ok(r) = change_requests(Some(id)).await {
                requests.set(r);
            }
        });
    });
    let a = d.assignment.clone();
    let editable = d.editable.clone();
    let requestable = d.requestable.clone();
    let groups = FieldGroup::ALL.map(|g| {
        let values: Vec<(&'static crate::wire::FieldDef, String)> = FIELDS
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
                <span data-testid="record-version" data-version=move || version.get().to_string()>
                    {t!(i18n, customer.record_version, version = move || version.get())}
                </span>
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
        <ServicePanels customer=id />
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
                        <section class="panel group" data-testid=format!("group-{g:?}").to_ascii_lowercase()>
                            <h2>{move || group_label(i18n.get_locale(), g)}</h2>
                            <dl class="fields">
                                {values
                                    .into_iter()
                                    .map(|(f, v)| {
                                        let (key, m, owner) = (f.key, f.maintenance, f.owner);
                                        let can_edit = editable.iter().any(|k| k == key);
                                        let can_request = requestable.iter().any(|k| k == key);
                                        view! {
                                            <div class="field" data-field=key>
                                                <dt>
                                                    {move || field_label(i18n.get_locale(), key)}
                                                    <span
                                                        class=format!("tag tag-{m:?}").to_ascii_lowercase()
                                                        title=move || role_label(i18n.get_locale(), owner)
                                                    >
                                                        {move || maintenance_label(i18n.get_locale(), m)}
                                                    </span>
                                                </dt>
                                                <FieldValue customer=id def=f value=v can_edit can_request version changes />
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
        <Requests requests />
        <InvitePanel customer=id />
        <History history />
    }
}

/// A printable one-time code for the customer to open their self-service account.
#[component]
pub(crate) fn InvitePanel(customer: i64) -> impl IntoView {
    let i18n = use_i18n();
    let make = Action::new(move |()| create_invite(customer));
    let url = move || {
        #[cfg(feature = "hydrate")]
        {
            window()
                .location()
                .origin()
                .map(|o| format!("{o}/invite"))
                .unwrap_or_else(|_| "/invite".into())
        }
        #[cfg(not(feature = "hydrate"))]
        {
            "/invite".to_string()
        }
    };
    let print = move |_| {
        #[cfg(feature = "hydrate")]
        let _ = window().print();
    };
    view! {
        <section class="panel invite" data-testid="invite-panel">
            <h2>{t!(i18n, portal.invite_make)}</h2>
            <p class="muted small no-print">{t!(i18n, portal.invite_make_hint)}</p>
            <button
                type="button"
                class="no-print"
                data-testid="invite-create"
                disabled=move || make.pending().get()
                on:click=move |_| {
                    make.dispatch(());
                }
            >
                {t!(i18n, portal.invite_create)}
            </button>
            {move || make.value().get().map(|r| match r {
                Ok(inv) => {
                    let l = i18n.get_locale();
                    view! {
                        <div class="invite-letter" data-testid="invite-letter">
                            <p>{leptos_i18n::td_string!(l, portal.invite_letter, shop = inv.shop_name.clone(), url = url(), customer = inv.customer_code.clone())}</p>
                            <p class="invite-code" data-testid="invite-code">{inv.code.clone()}</p>
                            <p class="muted small">{leptos_i18n::td_string!(l, portal.invite_expires, at = inv.expires_at.to_string())}</p>
                            <button type="button" class="no-print" on:click=print>{t!(i18n, portal.invite_print)}</button>
                        </div>
                    }
                    .into_any()
                }
                Err(e) => view! { <LoadError message=e.to_string() /> }.into_any(),
            })}
        </section>
    }
}
