//! Signing in and out, the account page (password change), and the gate that keeps pages to the
//! roles allowed to open them.
//!
//! The forms post to the server's `/auth/*` handlers and are answered with a redirect and a full
//! page load: they work before the wasm has arrived (a cheap phone on a slow line) and the new
//! session is in force on the next page without any client state to reset.

use super::Loading;
use crate::api::get_me;
use crate::i18n::*;
use crate::wire::{Me, Role};
use leptos::prelude::*;
use leptos_router::components::A;
#[cfg(feature = "ssr")]
use {crate::labels::role_label, leptos_meta::Title, leptos_router::hooks::use_query_map};

/// The signed-in user, loaded once per page load and shared through context.
#[derive(Clone, Copy)]
pub struct MeResource(pub Resource<Result<Option<Me>, crate::wire::ApiError>>);

pub fn provide_me() {
    provide_context(MeResource(Resource::new(|| (), |_| get_me())));
}

pub(crate) fn me_resource() -> Resource<Result<Option<Me>, crate::wire::ApiError>> {
    expect_context::<MeResource>().0
}

/// Renders `children` for users who may open `page` (the one access table, `wire::PAGES`);
/// otherwise says why not (the server has already answered 401/403 for the page).
#[component]
pub fn Gate(page: &'static str, children: ChildrenFn) -> impl IntoView {
    let access = crate::wire::page_access(page);
    let i18n = use_i18n();
    let me = me_resource();
    let children = StoredValue::new(children);
    // A future made once, not a closure: Suspense runs a closure among its children again on
    // each of its passes on the server (to find the resources read), and each run would make
    // the page anew, with new resources, each fetching its data again.
    view! {
        <Suspense fallback=Loading>
            {Suspend::new(async move {
                match me.await {
                    Ok(Some(m)) if access.allows(m.role) => view! { {children.with_value(|c| c())} <HydratedMark /> }.into_any(),
                    // Back to where this role starts: a customer's is their own portal.
                    Ok(Some(m)) => view! {
                        <section class="panel empty" data-testid="forbidden">
                            <h1>"403"</h1>
                            <p>{t!(i18n, auth.forbidden)}</p>
                            {if m.role.is_staff() {
                                view! { <A href="/">{t!(i18n, nav.dashboard)}</A> }.into_any()
                            } else {
                                view! { <a href="/my">{t!(i18n, portal.nav_tiers)}</a> }.into_any()
                            }}
                        </section>
                        <HydratedMark />
                    }
                    .into_any(),
                    _ => view! {
                        <section class="panel empty" data-testid="signed-out">
                            <p>{t!(i18n, auth.signed_out_here)}</p>
                            <a href="/login">{t!(i18n, auth.sign_in)}</a>
                        </section>
                        <HydratedMark />
                    }
                    .into_any(),
                }
            })}
        </Suspense>
    }
}

/// Marks `<body data-hydrated>` once the page around it has hydrated (effects run only in the
/// browser, after hydration). It sits inside each page, not in the frame: a lazily loaded page
/// hydrates after the frame, when its code has arrived, and tests (and CSS) must not act on it
/// before.
#[component]
pub fn HydratedMark() -> impl IntoView {
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}

/// Who is signed in, in the header: the account link and the sign-out button.
#[component]
pub fn UserMenu() -> impl IntoView {
    let i18n = use_i18n();
    let me = me_resource();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(m)) => view! {
                        <div class="user">
                            <A href="/account" attr:class="user-name" attr:data-testid="user-name">{m.display_name.clone()}</A>
                            <form method="post" action="/auth/logout">
                                <button type="submit" class="link" data-testid="sign-out">{t!(i18n, auth.sign_out)}</button>
                            </form>
                        </div>
                    }
                    .into_any(),
                    _ => view! { <a class="user" href="/login">{t!(i18n, auth.sign_in)}</a> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The navigation links this user may follow.
#[component]
pub fn NavLinks() -> impl IntoView {
    let i18n = use_i18n();
    let me = me_resource();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let role = me.await.ok().flatten().map(|m| m.role);
                let staff = role.is_some_and(Role::is_staff);
                let lab = role.is_some_and(Role::can_use_lab);
                let reviewer = role.is_some_and(Role::reviews_requests);
                let importer = role.is_some_and(Role::can_import);
                let customer = role == Some(Role::Customer);
                view! {
                    <Show when=move || customer>
                        <A href="/my" exact=true>{t!(i18n, portal.nav_tiers)}</A>
                        <A href="/my/profile">{t!(i18n, portal.nav_profile)}</A>
                        <A href="/my/service">{t!(i18n, portal.nav_service)}</A>
                    </Show>
                    <Show when=move || staff>
                        <A href="/" exact=true>{t!(i18n, nav.dashboard)}</A>
                        <A href="/customers">{t!(i18n, nav.customers)}</A>
                        <A href="/visits">{t!(i18n, visits.nav)}</A>
                        <A href="/complaints">{t!(i18n, complaints.nav)}</A>
                        <A href="/reports">{t!(i18n, reports.nav)}</A>
                        <A href="/performance">{t!(i18n, performance.nav)}</A>
                        <A href="/gaps">{t!(i18n, gaps.nav)}</A>
                    </Show>
                    <Show when=move || reviewer>
                        <A href="/requests">{t!(i18n, requests.nav)}</A>
                    </Show>
                    <Show when=move || lab>
                        <A href="/lab">{t!(i18n, nav.lab)}</A>
                    </Show>
                    <Show when=move || importer>
                        <A href="/import">{t!(i18n, import.nav)}</A>
                    </Show>
                    <Show when=move || lab>
                        <A href="/audit">{t!(i18n, audit.nav)}</A>
                    </Show>
                }
            })}
        </Transition>
    }
}

/// Sign-in: a plain form, rendered on the server only (the page loads no wasm).
#[cfg(feature = "ssr")]
#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let q = use_query_map();
    let get = move |k: &str| q.with_untracked(|p| p.get(k).unwrap_or_default());
    let (error, username, next) = (get("error"), get("username"), get("next"));
    let signed_out = !get("signed_out").is_empty();
    let message = move || match error.as_str() {
        "" => None,
        "invalid" => Some(t_string!(i18n, auth.error_invalid)),
        "too_many" => Some(t_string!(i18n, auth.error_too_many)),
        "missing" => Some(t_string!(i18n, auth.error_missing)),
        _ => Some(t_string!(i18n, auth.error_internal)),
    };
    let next = if next.is_empty() {
        "/".to_string()
    } else {
        next
    };
    view! {
        <Title text=move || t_string!(i18n, auth.sign_in).to_string() />
        <section class="panel narrow">
            <h1>{t!(i18n, auth.sign_in)}</h1>
            <Show when=move || signed_out>
                <p class="notice" role="status" data-testid="signed-out-notice">{t!(i18n, auth.signed_out)}</p>
            </Show>
            {move || message().map(|m| view! { <p class="error" role="alert" data-testid="login-error">{m}</p> })}
            <form method="post" action="/auth/login" class="stack" data-testid="login-form">
                <input type="hidden" name="next" value=next />
                <label>
                    <span>{t!(i18n, auth.username)}</span>
                    <input
                        name="username"
                        autocomplete="username"
                        autocapitalize="none"
                        required
                        maxlength="64"
                        value=username
                        data-testid="login-username"
                    />
                </label>
                <label>
                    <span>{t!(i18n, auth.password)}</span>
                    <input
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        required
                        data-testid="login-password"
                    />
                </label>
                <button type="submit" class="primary" data-testid="login-submit">{t!(i18n, auth.submit)}</button>
            </form>
            <p class="small"><a href="/invite" data-testid="invite-link">{t!(i18n, portal.have_invite)}</a></p>
        </section>
    }
}

/// The account and its password: plain forms, rendered on the server only.
#[cfg(feature = "ssr")]
#[component]
pub fn AccountPage() -> impl IntoView {
    let i18n = use_i18n();
    let q = use_query_map();
    let get = move |k: &str| q.with_untracked(|p| p.get(k).unwrap_or_default());
    let (error, changed) = (get("error"), !get("changed").is_empty());
    let message = move || match error.as_str() {
        "" => None,
        "wrong_current" => Some(t_string!(i18n, auth.error_wrong_current)),
        "too_short" => Some(t_string!(i18n, auth.error_too_short)),
        "too_long" => Some(t_string!(i18n, auth.error_too_long)),
        "mismatch" => Some(t_string!(i18n, auth.error_mismatch)),
        "too_many" => Some(t_string!(i18n, auth.error_too_many_current)),
        _ => Some(t_string!(i18n, auth.error_internal)),
    };
    let me = me_resource();
    view! {
        <Title text=move || t_string!(i18n, auth.account).to_string() />
        <section class="panel narrow">
            <h1>{t!(i18n, auth.account)}</h1>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    me.await.ok().flatten().map(|m| {
                        let role = m.role;
                        let must = m.must_change_password;
                        view! {
                            <dl class="facts" data-testid="account-facts">
                                <dt>{t!(i18n, auth.username)}</dt>
                                <dd data-testid="account-username">{m.username.clone()}</dd>
                                <dt>{t!(i18n, auth.role)}</dt>
                                <dd data-testid="account-role">{move || role_label(i18n.get_locale(), Some(role))}</dd>
                            </dl>
                            <Show when=move || must>
                                <p class="notice" role="status" data-testid="must-change">{t!(i18n, auth.must_change)}</p>
                            </Show>
                        }
                    })
                })}
            </Suspense>
            <Show when=move || changed>
                <p class="notice" role="status" data-testid="password-changed">{t!(i18n, auth.changed)}</p>
            </Show>
            <h2>{t!(i18n, auth.change_password)}</h2>
            {move || message().map(|m| view! { <p class="error" role="alert" data-testid="password-error">{m}</p> })}
            <form method="post" action="/auth/password" class="stack" data-testid="password-form">
                <label>
                    <span>{t!(i18n, auth.current_password)}</span>
                    <input name="current" type="password" autocomplete="current-password" required data-testid="password-current" />
                </label>
                <label>
                    <span>{t!(i18n, auth.new_password)}</span>
                    <input
                        name="new"
                        type="password"
                        autocomplete="new-password"
                        required
                        minlength="8"
                        aria-describedby="password-hint"
                        data-testid="password-new"
                    />
                    <small id="password-hint">{t!(i18n, auth.password_hint)}</small>
                </label>
                <label>
                    <span>{t!(i18n, auth.confirm_password)}</span>
                    <input name="confirm" type="password" autocomplete="new-password" required minlength="8" data-testid="password-confirm" />
                </label>
                <button type="submit" class="primary" data-testid="password-submit">{t!(i18n, auth.change_password)}</button>
            </form>
        </section>
    }
}
