//! My profile (`/my/profile`): the five information groups without internal assessments, and
//! requests to change a field.

use super::*;

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
pub(crate) fn Profile(p: crate::wire::MyProfile) -> impl IntoView {
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
    let groups: Vec<_> = crate::wire::FieldGroup::ALL
        .into_iter()
        .map(|g| {
            let values: Vec<_> = p
                .fields
                .iter()
                .filter(|f| crate::wire::field(&f.key).is_some_and(|d| d.group == g))
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
                <section class="panel group" data-testid=format!("my-group-{g:?}").to_ascii_lowercase()>
                    <h2>{crate::labels::group_label(l, g)}</h2>
                    <dl class="fields">
                        {values.into_iter().map(|f| {
                            let def = crate::wire::field(&f.key);
                            let kind = def.map_or(crate::wire::FieldKind::Text, |d| d.kind);
                            let can = requestable.contains(&f.key);
                            view! {
                                <div class="field" data-field=f.key.clone()>
                                    <dt>{field_label(l, &f.key)}</dt>
                                    <dd data-testid=format!("my-value-{}", f.key)>
                                        {value_label(l, kind, &f.value)}
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
                                    <span class="muted small">" · " {r.reason.clone()} " · " {r.requested_at.to_string()}</span>
                                    {decided.map(|d| view! { <p class="answer"><strong>{crate::labels::labelled(l, td_string!(l, portal.answer))}</strong>{d}</p> })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
