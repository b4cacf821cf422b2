//! The invite page (`/invite`): a customer sets their portal password with a one-time code.

use super::*;

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
