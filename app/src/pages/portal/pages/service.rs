//! My service (`/my/service`): my customer manager, visits to rate, complaints and their steps.

use super::*;

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
pub(crate) fn Service(s: crate::wire::MyService) -> impl IntoView {
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
pub(crate) fn VisitLine(v: MyVisit, l: Locale, error: Option<String>) -> impl IntoView {
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
