//! The HTML shell, the router and the page frame (header, navigation, language switch).

use crate::i18n::*;
use crate::lab::LabPage;
use crate::pages::{
    account::{Gate, HydratedMark, NavLinks, UserMenu, provide_me},
    audit::AuditLogPage,
    calendar::CalendarPage,
    complaints::ComplaintsPage,
    customer::CustomerPage,
    customers::CustomerList,
    dashboard::DashboardPage,
    gaps::GapsPage,
    import::ImportPage,
    performance::PerformancePage,
    reports::ReportsPage,
    requests::RequestQueue,
    visits::VisitsPage,
};
use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::{Lazy, LazyRoute, SsrMode, lazy_route, path};

/// Pages that work without the wasm bundle: sign-in, invites, the account page and the
/// customers' portal. They are plain server-rendered HTML with forms, so a cheap phone on a slow
/// line loads a few kilobytes instead of the what-if lab's engine.
pub fn script_free(path: &str) -> bool {
    matches!(path, "/login" | "/invite" | "/account" | "/my") || path.starts_with("/my/")
}

/// The path of the request being rendered (server side).
fn request_path() -> String {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .map(|p| p.uri.path().to_string())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        String::new()
    }
}

/// Whether the request being rendered (server side) comes from a signed-in customer.
fn request_by_customer() -> bool {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .and_then(|p| {
                p.extensions
                    .get::<crate::wire::Me>()
                    .map(|m| !m.role.is_staff())
            })
            .unwrap_or(false)
    }
    #[cfg(not(feature = "ssr"))]
    {
        false
    }
}

/// The content security policy of kehu's responses: scripts only from kehu itself and, on pages,
/// the inline hydration and streaming scripts that carry this response's `nonce`; WebAssembly
/// compiled from kehu's own files; styles from kehu's stylesheet (inline `style` attributes set
/// bar widths); no plugins, no other site framing kehu or receiving its forms.
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let scripts = match nonce {
        Some(n) => format!("'self' 'nonce-{n}' 'wasm-unsafe-eval'"),
        None => "'self' 'wasm-unsafe-eval'".to_string(),
    };
    format!(
        "default-src 'self'; script-src {scripts}; style-src 'self'; style-src-attr 'unsafe-inline'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// Text for the document title, escaped on the server: Leptos' `<Title>` writes its text into
/// the HTML as it is, and a shop name is typed by people. The browser sets `document.title`,
/// which takes text, so it gets the text as it is.
fn title_text(t: String) -> String {
    #[cfg(feature = "ssr")]
    {
        let mut out = String::with_capacity(t.len());
        for c in t.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                c => out.push(c),
            }
        }
        out
    }
    #[cfg(not(feature = "ssr"))]
    {
        t
    }
}

/// The document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // A customer who opens a staff page gets its refusal as plain HTML: no staff code is sent.
    let scripts = !script_free(&request_path()) && !request_by_customer();
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        let nonce = leptos::nonce::use_nonce();
        let policy = content_security_policy(nonce.as_deref());
        if let Ok(v) = http::HeaderValue::from_str(&policy) {
            resp.insert_header(http::header::CONTENT_SECURITY_POLICY, v);
        }
    }
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="theme-color" content="#0f5c4d" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <HashedStylesheet options=options.clone() id="leptos" />
                {scripts.then(|| view! {
                    <AutoReload options=options.clone() />
                    <HydrationScripts options />
                    <ServiceWorker />
                })}
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Registers the service worker (`public/sw.js`) that lets the field pages open without signal,
/// and hands it what this page loaded (the page and its bundle), so a page opened once is kept
/// from the first visit on.
#[component]
fn ServiceWorker() -> impl IntoView {
    let nonce = leptos::nonce::use_nonce();
    view! {
        <script nonce=nonce>
            "if (navigator.serviceWorker) navigator.serviceWorker.register('/sw.js')
              .then(() => navigator.serviceWorker.ready)
              .then((reg) => reg.active && reg.active.postMessage({ keep: [location.href].concat(
                performance.getEntriesByType('resource').map((e) => e.name)) }))
              .catch(() => {});"
        </script>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_me();
    // True while the router fetches a page's code (a lazily loaded chunk) or data.
    let (routing, set_routing) = signal(false);
    view! {
        <I18nContextProvider>
            <Router set_is_routing=set_routing>
                <Frame routing>
                    <Routes fallback=NotFound>
                        <Route path=path!("") view={Lazy::<DashboardRoute>::new()} />
                        <Route path=path!("/customers") view={Lazy::<CustomersRoute>::new()} />
                        <Route path=path!("/customers/:id") view={Lazy::<CustomerRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/lab") view={Lazy::<LabRoute>::new()} />
                        <Route path=path!("/requests") view={Lazy::<RequestsRoute>::new()} />
                        <Route path=path!("/import") view={Lazy::<ImportRoute>::new()} />
                        <Route path=path!("/audit") view={Lazy::<AuditRoute>::new()} />
                        <Route path=path!("/complaints") view={Lazy::<ComplaintsRoute>::new()} />
                        <Route path=path!("/visits") view={Lazy::<VisitsRoute>::new()} />
                        <Route path=path!("/reports") view={Lazy::<ReportsRoute>::new()} />
                        <Route path=path!("/performance") view={Lazy::<PerformanceRoute>::new()} />
                        <Route path=path!("/gaps") view={Lazy::<GapsRoute>::new()} />
                        <Route path=path!("/calendar") view={Lazy::<CalendarRoute>::new()} />
                        <Route path=path!("/login") view=|| server_page(Portal::Login) ssr=SsrMode::Async />
                        <Route path=path!("/invite") view=|| server_page(Portal::Invite) ssr=SsrMode::Async />
                        <Route path=path!("/account") view=|| server_page(Portal::Account) ssr=SsrMode::Async />
                        <Route path=path!("/my") view=|| server_page(Portal::Tiers) ssr=SsrMode::Async />
                        <Route path=path!("/my/profile") view=|| server_page(Portal::Profile) ssr=SsrMode::Async />
                        <Route path=path!("/my/service") view=|| server_page(Portal::Service) ssr=SsrMode::Async />
                    </Routes>
                </Frame>
            </Router>
        </I18nContextProvider>
    }
}

/// Pages whose code is its own wasm chunk (`cargo leptos --split`), fetched when the page is
/// opened: the first load carries the frame and the router only. The what-if lab (with the
/// engine's batch code) is by far the largest.
macro_rules! lazy_page {
    ($(#[$doc:meta])* $route:ident, $path:literal, $page:ident) => {
        $(#[$doc])*
        struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(this: Self) -> AnyView {
                let $route = this;
                view! { <Gate page=$path><$page /></Gate> }.into_any()
            }
        }
    };
}

lazy_page!(
    /// The dashboard.
    DashboardRoute, "/", DashboardPage
);
lazy_page!(
    /// The customer list.
    CustomersRoute, "/customers", CustomerList
);
lazy_page!(
    /// The what-if lab.
    LabRoute, "/lab", LabPage
);
lazy_page!(
    /// One customer's archive page.
    CustomerRoute, "/customers", CustomerPage
);
lazy_page!(
    /// The review queue.
    RequestsRoute, "/requests", RequestQueue
);
lazy_page!(
    /// CSV import.
    ImportRoute, "/import", ImportPage
);
lazy_page!(
    /// The audit trail.
    AuditRoute, "/audit", AuditLogPage
);
lazy_page!(
    /// Complaint handling.
    ComplaintsRoute, "/complaints", ComplaintsPage
);
lazy_page!(
    /// The visit plan and log.
    VisitsRoute, "/visits", VisitsPage
);
lazy_page!(
    /// Daily logs, weekly summaries, monthly market reports and their reviews.
    ReportsRoute, "/reports", ReportsPage
);
lazy_page!(
    /// Customer managers' performance.
    PerformanceRoute, "/performance", PerformancePage
);
lazy_page!(
    /// Under- and over-served customers.
    GapsRoute, "/gaps", GapsPage
);
lazy_page!(
    /// The service calendar.
    CalendarRoute, "/calendar", CalendarPage
);

/// The script-free portal pages.
#[derive(Clone, Copy)]
enum Portal {
    Login,
    Account,
    Invite,
    Tiers,
    Profile,
    Service,
}

/// A script-free page. Only the server renders these (the wasm bundle does not carry them); a
/// client-side navigation to one loads it from the server.
fn server_page(page: Portal) -> AnyView {
    #[cfg(feature = "ssr")]
    {
        use crate::pages::account::{AccountPage, LoginPage};
        use crate::pages::portal::pages::{InvitePage, MyProfilePage, MyServicePage, MyTiersPage};
        match page {
            Portal::Login => view! { <LoginPage /> }.into_any(),
            Portal::Account => view! { <AccountPage /> }.into_any(),
            Portal::Invite => view! { <InvitePage /> }.into_any(),
            Portal::Tiers => view! { <Gate page="/my"><MyTiersPage /></Gate> }.into_any(),
            Portal::Profile => {
                view! { <Gate page="/my/profile"><MyProfilePage /></Gate> }.into_any()
            }
            Portal::Service => {
                view! { <Gate page="/my/service"><MyServicePage /></Gate> }.into_any()
            }
        }
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = page;
        Effect::new(|_| {
            #[cfg(feature = "hydrate")]
            let _ = window().location().reload();
        });
        ().into_any()
    }
}

#[component]
fn Frame(routing: ReadSignal<bool>, children: Children) -> impl IntoView {
    let i18n = use_i18n();
    // The phone's menu closes when a link in it takes the reader to another page.
    let menu = NodeRef::<leptos::html::Details>::new();
    let location = leptos_router::hooks::use_location();
    // (Not when the wasm arrives: a menu opened before then stays open.)
    Effect::new(move |before: Option<String>| {
        let path = location.pathname.get();
        if before.is_some_and(|b| b != path)
            && let Some(m) = menu.get_untracked()
        {
            m.set_open(false);
        }
        path
    });
    view! {
        <Title formatter=move |t: String| {
            if t.is_empty() { "kehu 客户".to_string() } else { title_text(format!("{t} · kehu 客户")) }
        } />
        <a class="skip" href="#main">{t!(i18n, app.skip)}</a>
        <Show when=move || routing.get()>
            <div class="route-progress" role="status" data-testid="route-progress">
                <span class="visually-hidden">{t!(i18n, common.loading)}</span>
            </div>
        </Show>
        <header class="top">
            <A href="/" attr:class="brand">
                <span class="brand-mark" aria-hidden="true">"客"</span>
                <span class="brand-name">"kehu"</span>
                <span class="brand-tag">{t!(i18n, app.tagline)}</span>
            </A>
            // On a phone the links and the account fold into a menu (a disclosure that works
            // before and without the wasm); from 720 px they stand in the header.
            <details class="menu" node_ref=menu>
                <summary class="menu-button" data-testid="menu-button">
                    <span aria-hidden="true">"☰ "</span>{t!(i18n, nav.open_menu)}
                </summary>
                <div class="menu-panel">
                    <nav aria-label=move || t_string!(i18n, nav.menu)>
                        <NavLinks />
                    </nav>
                    <UserMenu />
                </div>
            </details>
            <LanguageSwitch />
        </header>
        <main id="main">{children()}</main>
    }
}

/// Switches zh ⇄ en: a plain form to `/lang`, which sets the locale cookie and comes back to the
/// page (a reload: the server renders the page in the new language; a choice made once a month
/// does not need the browser's bundle to carry a cookie library).
#[component]
fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let other = move || match i18n.get_locale() {
        Locale::zh => Locale::en,
        Locale::en => Locale::zh,
    };
    // Where to come back to: the page shown now (the header stays while the router moves).
    let first = request_path();
    let location = leptos_router::hooks::use_location();
    let here = move || {
        let path = location.pathname.get();
        if path.is_empty() {
            return first.clone();
        }
        let search = location.search.get();
        if search.is_empty() {
            path
        } else {
            format!("{path}?{}", search.trim_start_matches('?'))
        }
    };
    view! {
        <form class="lang-form" method="get" action="/lang">
            <input type="hidden" name="to" value=move || other().as_str() />
            <input type="hidden" name="next" prop:value=here />
            <button
                class="lang"
                type="submit"
                data-testid="lang-switch"
                aria-label=move || t_string!(i18n, nav.switch_language_label)
            >
                {t!(i18n, nav.switch_language)}
            </button>
        </form>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(http::StatusCode::NOT_FOUND);
    }
    let i18n = use_i18n();
    view! {
        <section class="panel empty">
            <h1>"404"</h1>
            <p>{t!(i18n, customer.not_found)}</p>
            <A href="/">{t!(i18n, nav.dashboard)}</A>
        </section>
        <HydratedMark />
    }
}
