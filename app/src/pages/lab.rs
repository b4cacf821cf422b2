//! The what-if lab: a manager edits a draft of the policy and every change re-runs the engine in
//! the browser over the whole customer snapshot — counts before/after, the band transition heat
//! map, who moves and why, quota, visit workload and the satisfaction gap — then publishes.
//!
//! Data flows one way: `/api/snapshot` (facts) → draft policy → `lab::run` (engine) → views.

use super::{LoadError, Loading};
use crate::api::{
    customer_labels, delete_draft, duplicate_policy, list_policies, load_policy, preview_policy,
    publish_policy, rename_draft, save_draft,
};
use crate::chart::{MUTED, PRIMARY, Series, bar_chart_svg, grouped_bar_chart_svg};
use crate::engine::batch::{Outcomes, Summary, classify_all};
use crate::engine::fixed::ParseFixedError;
use crate::engine::policy::{BandMode, EXPECTATION_DRIVERS, EXPERIENCE_MEASURES};
use crate::engine::{BANDS, BusinessFormat, Fixed, MarketType, Policy, PolicyIssue, Problem, Tier};
use crate::i18n::*;
use crate::lab::{self, MoverFilter, MoverRow, Run};
use crate::labels::{band_label, format_label, market_label, tier_label};
use crate::model::{CustomerLabel, DraftResult, PolicyInfo, Snapshot};
use leptos::prelude::*;
use leptos_i18n::td_string;
use leptos_meta::Title;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// Movers per table page.
const PAGE: usize = 25;

/// What the lab holds once the snapshot is in: the facts, the published policy and what it gives.
struct Loaded {
    snap: Snapshot,
    ids: Vec<i64>,
    published: Policy,
    before: Summary,
}

/// A recomputation and how long it took in this browser.
#[derive(Clone, Debug, PartialEq)]
struct Timed {
    run: Run,
    ms: f64,
    /// Counts recomputations, so a benchmark can tell a new one from the last.
    generation: u64,
}

fn now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window()
            .and_then(|w| w.performance())
            .map_or(0.0, |p| p.now())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0.0
    }
}

#[cfg(feature = "hydrate")]
async fn fetch_snapshot() -> Result<Snapshot, String> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let js = |e: wasm_bindgen::JsValue| format!("{e:?}");
    let window = web_sys::window().ok_or("no window")?;
    let resp: web_sys::Response = JsFuture::from(window.fetch_with_str("/api/snapshot"))
        .await
        .map_err(js)?
        .dyn_into()
        .map_err(js)?;
    if !resp.ok() {
        return Err(format!("HTTP {} {}", resp.status(), resp.status_text()));
    }
    let buf = JsFuture::from(resp.array_buffer().map_err(js)?)
        .await
        .map_err(js)?;
    Snapshot::from_bytes(&js_sys::Uint8Array::new(&buf).to_vec())
}

#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn load(snap: Snapshot) -> Result<Loaded, String> {
    let published = Policy::from_json(&snap.policy_json).map_err(|issues| {
        issues
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    let before = classify_all(
        &published,
        &snap.population,
        snap.managers.len(),
        &mut Outcomes::default(),
    );
    Ok(Loaded {
        ids: snap.ids(),
        published,
        before,
        snap,
    })
}

/// Shared state of the page, handed to the panels.
#[derive(Clone, Copy)]
struct Lab {
    loaded: RwSignal<Option<Arc<Loaded>>>,
    draft: RwSignal<Policy>,
    /// Paths of fields whose text does not parse (the draft keeps their last good value).
    bad: RwSignal<BTreeSet<String>>,
    issues: Memo<Vec<PolicyIssue>>,
    result: Memo<Option<Timed>>,
    /// The saved draft being edited (id, revision), if any.
    saved: RwSignal<Option<(i64, i64)>>,
}

#[component]
pub fn LabPage() -> impl IntoView {
    let i18n = use_i18n();
    let loaded = RwSignal::new(None::<Arc<Loaded>>);
    let load_error = RwSignal::new(None::<String>);
    let draft = RwSignal::new(Policy::default());
    let reload = RwSignal::new(0u32);
    Effect::new(move |_| {
        reload.track();
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match fetch_snapshot().await.and_then(load) {
                Ok(l) => {
                    let mut d = l.published.clone();
                    d.name = String::new();
                    draft.set(d);
                    loaded.set(Some(Arc::new(l)));
                    // Setting a signal notifies even when the value is the same, and the error
                    // decides whether the body is shown: clear it only when there is one.
                    if load_error.with_untracked(Option::is_some) {
                        load_error.set(None);
                    }
                }
                Err(e) => load_error.set(Some(e)),
            }
        });
    });
    let issues = Memo::new(move |_| draft.with(Policy::validate));
    let outcomes = StoredValue::new(Outcomes::default());
    let generation = StoredValue::new(0u64);
    let result = Memo::new(move |_| {
        let l = loaded.get()?;
        // Names do not change outcomes; an empty name is only a publish problem.
        let valid = issues.with(|v| v.iter().all(|i| i.path == "name"));
        if !valid {
            return None;
        }
        let start = now_ms();
        let run = draft.with(|p| outcomes.try_update_value(|o| lab::run(p, &l.snap, o)))?;
        let ms = now_ms() - start;
        generation.update_value(|g| *g += 1);
        Some(Timed {
            run,
            ms,
            generation: generation.get_value(),
        })
    });
    // The body is built once: a reloaded snapshot (after a publish) flows into it through the
    // signals, keeping what the panels show (the publish confirmation, filters, open panels).
    let is_loaded = Memo::new(move |_| loaded.with(Option::is_some));
    let lab = Lab {
        loaded,
        draft,
        bad: RwSignal::new(BTreeSet::new()),
        issues,
        result,
        saved: RwSignal::new(None),
    };
    view! {
        <Title text=move || t_string!(i18n, lab.title).to_string() />
        <div class="page-head">
            <h1>{t!(i18n, lab.title)}</h1>
            <p class="muted small">{t!(i18n, lab.intro)}</p>
        </div>
        {move || {
            if let Some(e) = load_error.get() {
                view! { <LoadError message=e /> }.into_any()
            } else if !is_loaded.get() {
                view! {
                    <div data-testid="lab-loading"><Loading /></div>
                }
                    .into_any()
            } else {
                view! { <LabBody lab reload /> }.into_any()
            }
        }}
    }
}

#[component]
fn LabBody(lab: Lab, reload: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="lab" data-testid="lab">
            <div class="lab-editor">
                <StatusBar lab />
                <PublishPanel lab reload />
                <DraftsPanel lab />
                <Editor lab />
            </div>
            <div class="lab-results">
                <CountsPanel lab />
                <HeatMap lab />
                <MoversPanel lab />
                <ImpactPanel lab />
            </div>
        </div>
        <p class="muted small">{t!(i18n, lab.window_note)}</p>
    }
}

#[component]
fn StatusBar(lab: Lab) -> impl IntoView {
    let i18n = use_i18n();
    let stats = move || {
        lab.result.with(|r| {
            r.as_ref().map(|t| {
                let n = t.run.summary.customers;
                let ms = format!("{:.1}", t.ms);
                (n, ms, t.run.movers.len(), t.generation)
            })
        })
    };
    view! {
        <section class="panel status" aria-live="polite">
            {move || match stats() {
                Some((n, ms, movers, generation)) => {
                    let ms2 = ms.clone();
                    view! {
                        <p data-testid="recompute-stats" data-ms=ms2 data-customers=n data-run=generation>
                            {t!(i18n, lab.recomputed, n = move || n, ms = move || ms.clone())}
                        </p>
                        <p class="movers-count">
                            <strong data-testid="movers-count" data-movers=movers>{movers}</strong>
                            " "
                            {t!(i18n, lab.movers_label)}
                        </p>
                    }
                        .into_any()
                }
                None => {
                    view! {
                        <p class="error" role="alert" data-testid="lab-invalid">
                            {t!(i18n, lab.invalid, n = move || lab.issues.with(|v| v.iter().filter(|i| i.path != "name").count()) + lab.bad.with(BTreeSet::len))}
                        </p>
                    }
                        .into_any()
                }
            }}
            <IssueList lab />
        </section>
    }
}

/// Every problem of the draft, with the field's name, in the manager's language.
#[component]
fn IssueList(lab: Lab) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Show when=move || lab.issues.with(|v| v.iter().any(|i| i.path != "name")) || lab.bad.with(|b| !b.is_empty())>
            <ul class="issues" data-testid="policy-issues">
                {move || {
                    let l = i18n.get_locale();
                    let mut items: Vec<String> = lab
                        .issues
                        .with(|v| v.iter().filter(|i| i.path != "name").map(|i| format!("{}: {}", path_label(l, &i.path), problem_text(l, &i.problem))).collect());
                    items.extend(lab.bad.with(|b| b.iter().map(|p| format!("{}: {}", path_label(l, p), td_string!(l, lab.problem.not_a_number))).collect::<Vec<_>>()));
                    items.into_iter().map(|t| view! { <li>{t}</li> }).collect_view()
                }}
            </ul>
        </Show>
    }
}

/// Publish: check with the server, confirm naming how many customers move, then publish.
#[component]
fn PublishPanel(lab: Lab, reload: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let blocked = move || {
        lab.bad.with(|b| !b.is_empty())
            || lab.issues.with(|v| !v.is_empty())
            || lab.draft.with(|p| p.name.trim().is_empty())
    };
    let preview = Action::new(|json: &String| preview_policy(json.clone()));
    let publish = Action::new(|json: &String| publish_policy(json.clone()));
    let json = move || {
        lab.draft
            .with(|p| serde_json::to_string(p).unwrap_or_default())
    };
    let reset = move |_| {
        if let Some(l) = lab.loaded.get_untracked() {
            let mut d = l.published.clone();
            d.name = String::new();
            lab.draft.set(d);
            lab.bad.set(BTreeSet::new());
        }
    };
    Effect::new(move |_| {
        if let Some(Ok(_)) = publish.value().get() {
            preview.value().set(None);
            reload.update(|n| *n += 1);
        }
    });
    view! {
        <section class="panel publish">
            <label class="field wide">
                <span>{t!(i18n, lab.draft_name)}</span>
                <input
                    type="text"
                    data-testid="draft-name"
                    placeholder=move || t_string!(i18n, lab.draft_name_placeholder)
                    prop:value=move || lab.draft.with(|p| p.name.clone())
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        lab.draft.update(|p| p.name = v);
                    }
                />
            </label>
            <div class="actions">
                <button type="button" on:click=reset data-testid="reset">{t!(i18n, lab.reset)}</button>
                <button
                    type="button"
                    class="primary"
                    data-testid="publish"
                    disabled=move || blocked() || preview.pending().get() || publish.pending().get()
                    on:click=move |_| {
                        publish.value().set(None);
                        preview.dispatch(json());
                    }
                >
                    {t!(i18n, lab.publish)}
                </button>
            </div>
            <Show when=move || lab.draft.with(|p| p.name.trim().is_empty())>
                <p class="muted small">{t!(i18n, lab.name_needed)}</p>
            </Show>
            {move || preview.value().get().map(|r| match r {
                Ok(p) => {
                    let movers = p.movers;
                    let customers = p.customers;
                    let browser = lab.result.with(|r| r.as_ref().map(|t| t.run.movers.len() as u32));
                    let agree = browser == Some(movers);
                    view! {
                        <div class="confirm" role="alertdialog" data-testid="publish-confirm" data-movers=movers>
                            <p>{t!(i18n, lab.confirm, movers = move || movers, customers = move || customers)}</p>
                            <Show when=move || !agree>
                                <p class="error small">{t!(i18n, lab.data_changed)}</p>
                            </Show>
                            <div class="actions">
                                <button type="button" on:click=move |_| preview.value().set(None)>{t!(i18n, lab.cancel)}</button>
                                <button
                                    type="button"
                                    class="primary"
                                    data-testid="publish-confirm-button"
                                    disabled=move || publish.pending().get()
                                    on:click=move |_| { publish.dispatch(json()); }
                                >
                                    {t!(i18n, lab.confirm_publish)}
                                </button>
                            </div>
                        </div>
                    }
                        .into_any()
                }
                Err(e) => view! { <LoadError message=e.to_string() /> }.into_any(),
            })}
            {move || publish.value().get().map(|r| match r {
                Ok((p, movers)) => {
                    let v = p.version;
                    view! {
                        <p class="ok" role="status" data-testid="published">
                            {t!(i18n, lab.published, version = move || v, movers = move || movers)}
                        </p>
                    }
                        .into_any()
                }
                Err(e) => view! { <LoadError message=e.to_string() /> }.into_any(),
            })}
        </section>
    }
}

// ---------------------------------------------------------------------------------------------
// Drafts and comparison

/// Saved drafts (save, open, rename, duplicate, delete) and published versions, and a
/// comparison of any two: the settings that differ and the customers classified differently.
#[component]
fn DraftsPanel(lab: Lab) -> impl IntoView {
    let i18n = use_i18n();
    let refresh = RwSignal::new(0u32);
    let list = LocalResource::new(move || {
        refresh.track();
        list_policies()
    });
    let message = RwSignal::new(None::<(bool, String)>);
    let answer = move |r: Result<DraftResult, ServerFnError>, done: &'static str| {
        let l = i18n.get_locale_untracked();
        match r {
            Ok(DraftResult::Saved { id, revision }) => {
                if done == "deleted" {
                    if lab.saved.get_untracked().is_some_and(|(s, _)| s == id) {
                        lab.saved.set(None);
                    }
                    message.set(Some((true, td_string!(l, lab.draft_deleted).to_string())));
                } else {
                    lab.saved.set(Some((id, revision)));
                    message.set(Some((true, td_string!(l, lab.draft_saved).to_string())));
                }
                refresh.update(|n| *n += 1);
            }
            Ok(DraftResult::Stale { revision }) => message.set(Some((
                false,
                td_string!(l, lab.draft_stale, revision = revision).to_string(),
            ))),
            Ok(DraftResult::Invalid(why)) => message.set(Some((false, why))),
            Ok(DraftResult::Gone) => {
                message.set(Some((false, td_string!(l, lab.draft_gone).to_string())));
                refresh.update(|n| *n += 1);
            }
            Err(e) => message.set(Some((false, e.to_string()))),
        }
    };
    let save = Action::new_local(move |json: &String| {
        let (id, revision) = match lab.saved.get_untracked() {
            Some((id, rev)) => (Some(id), rev),
            None => (None, 0),
        };
        save_draft(id, revision, json.clone())
    });
    Effect::new(move |_| {
        if let Some(r) = save.value().get() {
            answer(r, "saved");
        }
    });
    let blocked = move || {
        lab.bad.with(|b| !b.is_empty())
            || lab.issues.with(|v| !v.is_empty())
            || lab.draft.with(|p| p.name.trim().is_empty())
    };
    let open = move |id: i64| {
        leptos::task::spawn_local(async move {
            match load_policy(id).await {
                Ok((info, json)) => match Policy::from_json(&json) {
                    Ok(p) => {
                        lab.draft.set(p);
                        lab.bad.set(BTreeSet::new());
                        // A published policy opens as a new draft: it stays locked.
                        lab.saved
                            .set(info.is_draft().then_some((info.id, info.revision)));
                        message.set(None);
                    }
                    Err(_) => message.set(Some((false, format!("policy {id}")))),
                },
                Err(e) => message.set(Some((false, e.to_string()))),
            }
        });
    };
    let current = move || {
        let l = i18n.get_locale();
        match lab.saved.get() {
            Some((_, rev)) => td_string!(l, lab.editing_saved, revision = rev).to_string(),
            None => td_string!(l, lab.editing_unsaved).to_string(),
        }
    };
    view! {
        <details class="panel drafts" data-testid="drafts">
            <summary><h2>{t!(i18n, lab.drafts)}</h2></summary>
            <p class="muted small" data-testid="draft-state">{current}</p>
            <div class="actions">
                <button
                    type="button"
                    data-testid="save-draft"
                    disabled=move || blocked() || save.pending().get()
                    on:click=move |_| {
                        let json = lab.draft.with(|p| serde_json::to_string(p).unwrap_or_default());
                        save.dispatch_local(json);
                    }
                >
                    {t!(i18n, lab.save_draft)}
                </button>
            </div>
            {move || message.get().map(|(ok, m)| {
                view! { <p class=if ok { "ok" } else { "error" } role="status" data-testid="draft-message">{m}</p> }
            })}
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(items) => {
                            let choices = items.clone();
                            view! {
                                <ul class="policy-list" data-testid="policy-list">
                                    {items.into_iter().map(|p| view! { <PolicyItem p open answer=Callback::new(move |(r, what): (Result<DraftResult, ServerFnError>, &'static str)| answer(r, what)) /> }).collect_view()}
                                </ul>
                                <ComparePanel lab choices />
                            }
                            .into_any()
                        }
                        Err(e) => view! { <LoadError message=e.to_string() /> }.into_any(),
                    }
                })}
            </Suspense>
        </details>
    }
}

/// A saved policy in the list, with what may be done with it.
#[component]
fn PolicyItem(
    p: PolicyInfo,
    open: impl Fn(i64) + Copy + 'static,
    answer: Callback<(Result<DraftResult, ServerFnError>, &'static str)>,
) -> impl IntoView {
    let i18n = use_i18n();
    let (id, revision, draft) = (p.id, p.revision, p.is_draft());
    let renaming = RwSignal::new(false);
    let new_name = RwSignal::new(p.name.clone());
    let confirm_delete = RwSignal::new(false);
    let name = StoredValue::new(p.name.clone());
    let copy_name = move || {
        td_string!(
            i18n.get_locale_untracked(),
            lab.copy_of,
            name = name.get_value()
        )
        .to_string()
    };
    let status = move || {
        let l = i18n.get_locale();
        match p.version {
            Some(v) => td_string!(l, lab.published_version, version = v).to_string(),
            None => td_string!(l, lab.draft_label).to_string(),
        }
    };
    let run = move |what: &'static str| {
        let name = new_name.get_untracked();
        let copy = copy_name();
        leptos::task::spawn_local(async move {
            let r = match what {
                "renamed" => rename_draft(id, revision, name).await,
                "deleted" => delete_draft(id, revision).await,
                _ => duplicate_policy(id, copy).await,
            };
            answer.run((r, what));
        });
    };
    view! {
        <li data-testid="policy-item" data-policy=id.to_string() data-draft=draft.to_string()>
            <p>
                <strong>{p.name.clone()}</strong>
                <span class="muted small">" · " {status} " · " {p.updated_at.replace('T', " ").trim_end_matches('Z').to_string()} " · " {p.author.clone()}</span>
            </p>
            <Show when=move || renaming.get()>
                <form class="field-row" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); run("renamed"); }>
                    <label class="visually-hidden" for=format!("rename-{id}")>{t!(i18n, lab.draft_name)}</label>
                    <input id=format!("rename-{id}") data-testid="rename-input" required maxlength="100"
                        prop:value=move || new_name.get() on:input=move |ev| new_name.set(event_target_value(&ev)) />
                    <button type="submit" data-testid="rename-save">{t!(i18n, lab.rename_save)}</button>
                </form>
            </Show>
            <div class="actions">
                <button type="button" data-testid="open-policy" on:click=move |_| open(id)>{t!(i18n, lab.open)}</button>
                <button type="button" data-testid="duplicate-policy" on:click=move |_| run("duplicated")>{t!(i18n, lab.duplicate)}</button>
                <Show when=move || draft>
                    <button type="button" data-testid="rename-policy" on:click=move |_| renaming.update(|r| *r = !*r)>{t!(i18n, lab.rename)}</button>
                    <Show
                        when=move || confirm_delete.get()
                        fallback=move || view! { <button type="button" data-testid="delete-policy" on:click=move |_| confirm_delete.set(true)>{t!(i18n, lab.delete)}</button> }
                    >
                        <button type="button" class="primary" data-testid="delete-confirm" on:click=move |_| run("deleted")>{t!(i18n, lab.delete_confirm)}</button>
                    </Show>
                </Show>
            </div>
        </li>
    }
}

/// What a comparison found, ready to show.
#[derive(Clone)]
struct Compared {
    fields: Vec<lab::FieldDiff>,
    differ: usize,
    band: usize,
    grade: usize,
    tier: usize,
    /// (id, band a, grade a, tier a, band b, grade b, tier b) of the first rows.
    rows: Vec<(i64, u8, u8, u8, u8, u8, u8)>,
}

/// Compare two of: the editor's draft, a saved draft, a published version.
#[component]
fn ComparePanel(lab: Lab, choices: Vec<PolicyInfo>) -> impl IntoView {
    let i18n = use_i18n();
    let a = RwSignal::new(String::new());
    let b = RwSignal::new(
        choices
            .iter()
            .find(|p| !p.is_draft())
            .map(|p| p.id.to_string())
            .unwrap_or_default(),
    );
    let result = RwSignal::new(None::<Result<Compared, String>>);
    let names = RwSignal::new(HashMap::<i64, CustomerLabel>::new());
    let fetch = move |key: String| async move {
        if key.is_empty() {
            return Ok(lab.draft.get_untracked());
        }
        let id: i64 = key.parse().map_err(|_| key.clone())?;
        let (_, json) = load_policy(id).await.map_err(|e| e.to_string())?;
        Policy::from_json(&json).map_err(|_| format!("policy {id}"))
    };
    let go = move |_| {
        let (ka, kb) = (a.get_untracked(), b.get_untracked());
        leptos::task::spawn_local(async move {
            let pair = match (fetch(ka).await, fetch(kb).await) {
                (Ok(x), Ok(y)) => Ok((x, y)),
                (Err(e), _) | (_, Err(e)) => Err(e),
            };
            let Some(l) = lab.loaded.get_untracked() else {
                return;
            };
            let r = pair.and_then(|(pa, pb)| {
                if !pa.validate().iter().all(|i| i.path == "name")
                    || !pb.validate().iter().all(|i| i.path == "name")
                {
                    return Err(
                        td_string!(i18n.get_locale_untracked(), lab.compare_invalid).to_string()
                    );
                }
                let c = lab::compare(&pa, &pb, &l.snap);
                let rows = c
                    .differ
                    .iter()
                    .take(20)
                    .map(|&i| {
                        let i = i as usize;
                        (
                            l.ids[i],
                            c.a.band[i],
                            c.a.grade[i],
                            c.a.tier[i],
                            c.b.band[i],
                            c.b.grade[i],
                            c.b.tier[i],
                        )
                    })
                    .collect::<Vec<_>>();
                Ok(Compared {
                    fields: lab::field_diffs(&pa, &pb),
                    differ: c.differ.len(),
                    band: c.band,
                    grade: c.grade,
                    tier: c.tier,
                    rows,
                })
            });
            if let Ok(c) = &r {
                let want: Vec<i64> = c.rows.iter().map(|r| r.0).collect();
                if let Ok(labels) = customer_labels(want).await {
                    names.update(|n| n.extend(labels.into_iter().map(|l| (l.id, l))));
                }
            }
            result.set(Some(r));
        });
    };
    let options = move || {
        let l = i18n.get_locale();
        let mut o = vec![(String::new(), td_string!(l, lab.compare_editor).to_string())];
        o.extend(choices.iter().map(|p| {
            let tag = match p.version {
                Some(v) => td_string!(l, lab.published_version, version = v).to_string(),
                None => td_string!(l, lab.draft_label).to_string(),
            };
            (p.id.to_string(), format!("{} · {tag}", p.name))
        }));
        o
    };
    let tier_name = move |t: u8| {
        Tier::from_index(usize::from(t)).map_or("", |x| tier_label(i18n.get_locale(), x.key()))
    };
    view! {
        <h3>{t!(i18n, lab.compare)}</h3>
        <div class="field-row">
            {[("A", a, "compare-a"), ("B", b, "compare-b")].map(|(name, sig, id)| {
                let options = options.clone();
                view! {
                    <label class="field">
                        <span>{name}</span>
                        <select data-testid=id on:change=move |ev| sig.set(event_target_value(&ev)) prop:value=move || sig.get()>
                            {move || options().into_iter().map(|(v, t)| view! { <option value=v.clone() selected=sig.get_untracked() == v>{t}</option> }).collect_view()}
                        </select>
                    </label>
                }
            })}
            <button type="button" data-testid="compare-run" on:click=go>{t!(i18n, lab.compare_run)}</button>
        </div>
        {move || result.get().map(|r| match r {
            Ok(c) => {
                let l = i18n.get_locale();
                view! {
                    <div data-testid="compare-result" data-differ=c.differ data-fields=c.fields.len()>
                        <p>{td_string!(l, lab.compare_summary, n = c.differ, band = c.band, grade = c.grade, tier = c.tier)}</p>
                        {if c.fields.is_empty() {
                            view! { <p class="muted">{td_string!(l, lab.compare_same)}</p> }.into_any()
                        } else {
                            view! {
                                <table class="table compact" data-testid="compare-fields">
                                    <thead><tr><th scope="col">{td_string!(l, lab.compare_setting)}</th><th scope="col">"A"</th><th scope="col">"B"</th></tr></thead>
                                    <tbody>
                                        {c.fields.iter().map(|f| view! {
                                            <tr data-path=f.path.clone()><td>{path_label(l, &f.path)}</td><td class="num">{f.a.clone()}</td><td class="num">{f.b.clone()}</td></tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any()
                        }}
                        {(!c.rows.is_empty()).then(|| view! {
                            <table class="table compact" data-testid="compare-customers">
                                <thead><tr><th scope="col">{td_string!(l, customers.shop_name)}</th><th scope="col">"A"</th><th scope="col">"B"</th></tr></thead>
                                <tbody>
                                    {c.rows.iter().map(|&(id, ba, ga, ta, bb, gb, tb)| {
                                        let label = move || names.with(|n| n.get(&id).map(|x| format!("{} {}", x.code, x.name)).unwrap_or_else(|| id.to_string()));
                                        view! {
                                            <tr>
                                                <td><a href=format!("/customers/{id}")>{label}</a></td>
                                                <td>{format!("{} · {} · {}", band_label(l, ba), crate::labels::grade_label(l, ga), tier_name(ta))}</td>
                                                <td>{format!("{} · {} · {}", band_label(l, bb), crate::labels::grade_label(l, gb), tier_name(tb))}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        })}
                    </div>
                }
                .into_any()
            }
            Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
        })}
    }
}

// ---------------------------------------------------------------------------------------------
// The editor

/// A value an editor field holds, shown and read as exact decimal text.
trait FieldValue: Clone + PartialEq + Send + Sync + 'static {
    fn show(&self) -> String;
    fn read(text: &str) -> Result<Self, ParseFixedError>;
}

impl<const D: u32> FieldValue for Fixed<D> {
    fn show(&self) -> String {
        self.to_string()
    }
    fn read(text: &str) -> Result<Self, ParseFixedError> {
        Fixed::parse(text)
    }
}

macro_rules! int_field {
    ($($t:ty),*) => {$(
        impl FieldValue for $t {
            fn show(&self) -> String {
                self.to_string()
            }
            fn read(text: &str) -> Result<Self, ParseFixedError> {
                let v = Fixed::<0>::parse(text)?.raw();
                <$t>::try_from(v).map_err(|_| ParseFixedError::TooLarge)
            }
        }
    )*};
}
int_field!(u8, u16, u32);

/// Read and write access to one number of the policy.
#[derive(Clone)]
struct Lens<T> {
    get: Arc<dyn Fn(&Policy) -> T + Send + Sync>,
    set: Arc<dyn Fn(&mut Policy) -> &mut T + Send + Sync>,
}

/// Reads a field's text into a copy of the policy: `Some` when the value changes, `None` when not.
type WriteText = dyn Fn(&Policy, &str) -> Result<Option<Policy>, ParseFixedError> + Send + Sync;

/// A [`Lens`] with its type erased to text, so one (non-generic) field component serves every
/// kind of number: a generic component would be compiled once per number type into the wasm.
#[derive(Clone)]
struct TextLens {
    show: Arc<dyn Fn(&Policy) -> String + Send + Sync>,
    write: Arc<WriteText>,
}

impl<T: FieldValue> From<Lens<T>> for TextLens {
    fn from(Lens { get, set }: Lens<T>) -> Self {
        let get2 = get.clone();
        TextLens {
            show: Arc::new(move |p| get(p).show()),
            write: Arc::new(move |p, text| {
                let v = T::read(text)?;
                if get2(p) == v {
                    return Ok(None);
                }
                let mut next = p.clone();
                *set(&mut next) = v;
                Ok(Some(next))
            }),
        }
    }
}

macro_rules! lens {
    ($($path:tt)+) => {
        Lens {
            get: Arc::new(move |p: &Policy| p.$($path)+.clone()),
            set: Arc::new(move |p: &mut Policy| &mut p.$($path)+),
        }
    };
}

/// A number field: exact text input plus an optional slider, its own parse error and the
/// policy's problems at its path.
#[component]
fn Num(
    lab: Lab,
    #[prop(into)] path: String,
    #[prop(into)] label: Signal<String>,
    #[prop(into)] lens: TextLens,
    /// Slider range and step.
    #[prop(optional)]
    slider: Option<(f64, f64, f64)>,
    #[prop(optional)] unit: Option<Signal<String>>,
    /// In a grid: no visible label (the grid's headers name it).
    #[prop(optional)]
    compact: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let show = lens.show.clone();
    let shown = Memo::new(move |_| lab.draft.with(|p| show(p)));
    let parse_error = RwSignal::new(None::<ParseFixedError>);
    let p2 = path.clone();
    let write = move |text: String| match lab.draft.with_untracked(|p| (lens.write)(p, &text)) {
        Ok(next) => {
            if parse_error.with_untracked(Option::is_some) {
                parse_error.set(None);
                lab.bad.update(|b| {
                    b.remove(&p2);
                });
            }
            if let Some(p) = next {
                lab.draft.set(p);
            }
        }
        Err(e) => {
            parse_error.set(Some(e));
            lab.bad.update(|b| {
                b.insert(p2.clone());
            });
        }
    };
    let write2 = write.clone();
    let p3 = path.clone();
    let message = Memo::new(move |_| {
        let l = i18n.get_locale();
        if let Some(e) = parse_error.get() {
            return Some(parse_text(l, &e));
        }
        lab.issues.with(|v| {
            v.iter()
                .find(|i| i.path == p3)
                .map(|i| problem_text(l, &i.problem))
        })
    });
    let invalid = move || message.with(Option::is_some);
    let id = format!("f-{}", path.replace(['.', '[', ']'], "-"));
    let err_id = format!("{id}-err");
    let testid = format!("field-{path}");
    view! {
        <div class="field" class:compact=compact class:invalid=invalid>
            <label for=id.clone() class:visually-hidden=compact>
                {move || label.get()}
                {unit.map(|u| view! { <span class="unit">" (" {u} ")"</span> })}
            </label>
            <div class="field-row">
                <input
                    id=id
                    type="text"
                    inputmode="decimal"
                    autocomplete="off"
                    data-testid=testid
                    aria-label=move || compact.then(|| label.get())
                    aria-invalid=move || invalid().to_string()
                    aria-describedby=err_id.clone()
                    prop:value=move || shown.get()
                    on:input=move |ev| write(event_target_value(&ev))
                />
                {slider.map(|(min, max, step)| {
                    let write = write2.clone();
                    view! {
                        <input
                            type="range"
                            min=min
                            max=max
                            step=step
                            tabindex="-1"
                            aria-hidden="true"
                            prop:value=move || shown.get()
                            on:input=move |ev| write(event_target_value(&ev))
                        />
                    }
                })}
            </div>
            <p class="field-error" id=err_id role="alert">{message}</p>
        </div>
    }
}

fn parse_text(l: Locale, e: &ParseFixedError) -> String {
    match e {
        ParseFixedError::Empty => td_string!(l, lab.problem.empty_number).to_string(),
        ParseFixedError::NotANumber => td_string!(l, lab.problem.not_a_number).to_string(),
        ParseFixedError::TooManyDecimals(d) => {
            td_string!(l, lab.problem.too_many_decimals, d = *d).to_string()
        }
        ParseFixedError::TooLarge => td_string!(l, lab.problem.too_large).to_string(),
    }
}

/// A policy problem in the manager's language.
fn problem_text(l: Locale, p: &Problem) -> String {
    match p {
        Problem::WrongLength { expected, found } => td_string!(
            l,
            lab.problem.wrong_length,
            expected = *expected,
            found = *found
        )
        .to_string(),
        Problem::OutOfRange { value, min, max } => td_string!(
            l,
            lab.problem.out_of_range,
            value = value.clone(),
            min = min.clone(),
            max = max.clone()
        )
        .to_string(),
        Problem::NotDecreasing { value, previous } => td_string!(
            l,
            lab.problem.not_decreasing,
            value = value.clone(),
            previous = previous.clone()
        )
        .to_string(),
        Problem::SumNotOne { sum } => {
            td_string!(l, lab.problem.sum_not_one, sum = sum.clone()).to_string()
        }
        Problem::GradeWorseWithMoreVolume {
            band,
            price_class,
            grade,
            better_band_grade,
        } => td_string!(
            l,
            lab.problem.grade_volume,
            band = *band,
            price_class = *price_class,
            grade = *grade,
            lower_band = *band + 1,
            better = *better_band_grade
        )
        .to_string(),
        Problem::GradeWorseWithHigherPrice {
            band,
            price_class,
            grade,
            better_price_grade,
        } => td_string!(
            l,
            lab.problem.grade_price,
            band = *band,
            price_class = *price_class,
            grade = *grade,
            cheaper = *price_class + 1,
            better = *better_price_grade
        )
        .to_string(),
        Problem::MediumAboveLarge { medium, large } => td_string!(
            l,
            lab.problem.medium_above_large,
            medium = medium.clone(),
            large = large.clone()
        )
        .to_string(),
        Problem::Empty => td_string!(l, lab.problem.empty).to_string(),
        Problem::TooLong { max } => td_string!(l, lab.problem.too_long, max = *max).to_string(),
        Problem::UnsupportedFormat { .. } | Problem::Syntax { .. } => p.to_string(),
    }
}

/// The field a policy path names, for the problem list.
fn path_label(l: Locale, path: &str) -> String {
    let idx = |s: &str| -> Option<usize> {
        let a = s.find('[')?;
        s[a + 1..].split(']').next()?.parse().ok()
    };
    let n = idx(path).map_or(0, |i| i + 1);
    let head = path.split('[').next().unwrap_or(path);
    let text = match head {
        "name" => td_string!(l, lab.draft_name).to_string(),
        "bands.lower_bounds" => td_string!(l, lab.f.band_bound, n = n).to_string(),
        "bands.shares" => td_string!(l, lab.f.band_share, n = n).to_string(),
        "grade.price_floors" => td_string!(l, lab.f.price_floor, n = n).to_string(),
        "grade.table" => td_string!(l, lab.grade_table).to_string(),
        "value.weights" => td_string!(l, lab.value_weights).to_string(),
        "value.cuts.value" | "value.cuts.secondary" | "value.cuts.potential" => {
            td_string!(l, lab.value_cuts).to_string()
        }
        "value.red_flags.credit_below" => td_string!(l, lab.f.credit_below).to_string(),
        "key_account.min_monthly_amount_yuan" => td_string!(l, lab.key_accounts).to_string(),
        "expectation.expectation_weights" => td_string!(l, lab.expectation_weights).to_string(),
        "expectation.experience_weights" => td_string!(l, lab.experience_weights).to_string(),
        "expectation.under_served_below" => td_string!(l, lab.f.under_served).to_string(),
        "expectation.over_served_above" => td_string!(l, lab.f.over_served).to_string(),
        "service.visits_per_month" => td_string!(l, lab.f.visits, n = n).to_string(),
        "service.quota_cases_per_band" => td_string!(l, lab.f.quota, n = n).to_string(),
        "service.manager_capacity_visits_per_month" => td_string!(l, lab.f.capacity).to_string(),
        "service.complaint_hours.general" => td_string!(l, lab.f.complaint_general).to_string(),
        "service.complaint_hours.major_confirm" => {
            td_string!(l, lab.f.complaint_major_confirm).to_string()
        }
        "service.complaint_hours.major" => td_string!(l, lab.f.complaint_major).to_string(),
        _ => return path.to_string(),
    };
    match head {
        "value.weights"
        | "expectation.expectation_weights"
        | "expectation.experience_weights"
        | "value.cuts.value"
        | "value.cuts.secondary"
        | "value.cuts.potential" => {
            let last = path.rsplit('.').next().unwrap_or("");
            if path.contains('.') && path != head {
                format!("{text} · {last}")
            } else if head.starts_with("value.cuts") {
                format!("{text} · {}", head.rsplit('.').next().unwrap_or(""))
            } else {
                text
            }
        }
        _ => text,
    }
}

fn sig(f: impl Fn(Locale) -> String + Send + Sync + 'static) -> Signal<String> {
    let i18n = use_i18n();
    Signal::derive(move || f(i18n.get_locale()))
}

#[component]
fn Editor(lab: Lab) -> impl IntoView {
    let i18n = use_i18n();
    let share_mode = move || lab.draft.with(|p| p.bands.mode == BandMode::Shares);
    let bounds = (0..BANDS - 1)
        .map(|i| {
            view! {
                <Num
                    lab
                    path=format!("bands.lower_bounds[{i}]")
                    label=sig(move |l| td_string!(l, lab.f.band_bound, n = i + 1).to_string())
                    lens=lens!(bands.lower_bounds[i])
                    slider=(0.0, 60.0, 0.5)
                    unit=sig(|l| td_string!(l, lab.unit_cases).to_string())
                />
            }
        })
        .collect_view();
    let shares = (0..BANDS)
        .map(|i| {
            view! {
                <Num
                    lab
                    path=format!("bands.shares[{i}]")
                    label=sig(move |l| td_string!(l, lab.f.band_share, n = i + 1).to_string())
                    lens=lens!(bands.shares[i])
                    slider=(0.0, 0.5, 0.01)
                />
            }
        })
        .collect_view();
    let floors = (0..4)
        .map(|i| {
            view! {
                <Num
                    lab
                    path=format!("grade.price_floors[{i}]")
                    label=sig(move |l| td_string!(l, lab.f.price_floor, n = i + 1).to_string())
                    lens=lens!(grade.price_floors[i])
                    slider=(0.0, 500.0, 1.0)
                    unit=sig(|l| td_string!(l, lab.unit_yuan_carton).to_string())
                />
            }
        })
        .collect_view();
    let weights = |group: &'static str| {
        let names: Vec<&'static str> = match group {
            "value.weights" => vec!["contribution", "support", "credit", "growth", "influence"],
            "expectation.expectation_weights" => EXPECTATION_DRIVERS.to_vec(),
            _ => EXPERIENCE_MEASURES.to_vec(),
        };
        names
            .into_iter()
            .enumerate()
            .map(|(k, name)| {
                let lens: Lens<crate::engine::Weight> = match group {
                    "value.weights" => Lens {
                        get: Arc::new(move |p: &Policy| p.value.weights.as_array()[k]),
                        set: Arc::new(move |p: &mut Policy| {
                            let w = &mut p.value.weights;
                            match k {
                                0 => &mut w.contribution,
                                1 => &mut w.support,
                                2 => &mut w.credit,
                                3 => &mut w.growth,
                                _ => &mut w.influence,
                            }
                        }),
                    },
                    "expectation.expectation_weights" => Lens {
                        get: Arc::new(move |p: &Policy| {
                            p.expectation.expectation_weights.as_array()[k]
                        }),
                        set: Arc::new(move |p: &mut Policy| {
                            let w = &mut p.expectation.expectation_weights;
                            match k {
                                0 => &mut w.word_of_mouth,
                                1 => &mut w.promotion,
                                2 => &mut w.value_background,
                                3 => &mut w.environment_lifecycle,
                                4 => &mut w.past_experience,
                                _ => &mut w.experience_elsewhere,
                            }
                        }),
                    },
                    _ => Lens {
                        get: Arc::new(move |p: &Policy| {
                            p.expectation.experience_weights.as_array()[k]
                        }),
                        set: Arc::new(move |p: &mut Policy| {
                            let w = &mut p.expectation.experience_weights;
                            match k {
                                0 => &mut w.visits,
                                1 => &mut w.complaint_handling,
                                2 => &mut w.supply_fulfilment,
                                3 => &mut w.delivery_punctuality,
                                _ => &mut w.ratings,
                            }
                        }),
                    },
                };
                view! {
                    <Num
                        lab
                        path=format!("{group}.{name}")
                        label=sig(move |l| weight_label(l, name).to_string())
                        lens
                        slider=(0.0, 1.0, 0.05)
                    />
                }
            })
            .collect_view()
    };
    let sum_of = move |group: &'static str| {
        move || {
            lab.draft.with(|p| {
                let w: Vec<crate::engine::Weight> = match group {
                    "value.weights" => p.value.weights.as_array().to_vec(),
                    "expectation.expectation_weights" => {
                        p.expectation.expectation_weights.as_array().to_vec()
                    }
                    _ => p.expectation.experience_weights.as_array().to_vec(),
                };
                lab::weight_sum(&w)
            })
        }
    };
    let weight_sum = move |group: &'static str| {
        let sum = sum_of(group);
        let ok = move || sum().raw() == 10_000;
        view! {
            <p class="sum" class:bad=move || !ok() data-testid=format!("sum-{group}")>
                {t!(i18n, lab.sum)} " " <strong>{move || sum().to_string()}</strong>
                {move || (!ok()).then(|| view! { " · " {t!(i18n, lab.sum_must_be_one)} })}
                <span class=format!("issue-anchor")>
                    {move || lab.issues.with(|v| v.iter().find(|i| i.path == group).map(|i| problem_text(i18n.get_locale(), &i.problem)))}
                </span>
            </p>
        }
    };
    let grade_grid = view! {
        <table class="grade-grid" data-testid="grade-grid">
            <caption class="visually-hidden">{t!(i18n, lab.grade_table)}</caption>
            <thead>
                <tr>
                    <th scope="col">{t!(i18n, lab.band_price)}</th>
                    {(1..=5).map(|p| view! { <th scope="col">{p}</th> }).collect_view()}
                </tr>
            </thead>
            <tbody>
                {(0..BANDS)
                    .map(|b| {
                        view! {
                            <tr>
                                <th scope="row">{move || band_label(i18n.get_locale(), b as u8 + 1)}</th>
                                {(0..5)
                                    .map(|pc| {
                                        view! {
                                            <td>
                                                <Num
                                                    lab
                                                    compact=true
                                                    path=format!("grade.table[{b}][{pc}]")
                                                    label=sig(move |l| td_string!(l, lab.f.grade_cell, band = b + 1, pc = pc + 1).to_string())
                                                    lens=lens!(grade.table[b][pc])
                                                />
                                            </td>
                                        }
                                    })
                                    .collect_view()}
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    };
    let tier_select = move |which: usize| {
        let get = move |p: &Policy| match which {
            0 => p.value.tiers.value,
            1 => p.value.tiers.secondary,
            2 => p.value.tiers.potential,
            _ => p.value.tiers.low,
        };
        view! {
            <label class="field">
                <span>{move || crate::labels::value_class_label(i18n.get_locale(), crate::engine::ValueClass::ALL[which].key())}</span>
                <select
                    data-testid=format!("tier-map-{which}")
                    on:change=move |ev| {
                        if let Some(t) = Tier::from_key(&event_target_value(&ev)) {
                            lab.draft.update(|p| {
                                let m = &mut p.value.tiers;
                                *match which {
                                    0 => &mut m.value,
                                    1 => &mut m.secondary,
                                    2 => &mut m.potential,
                                    _ => &mut m.low,
                                } = t;
                            });
                        }
                    }
                >
                    {Tier::ALL
                        .iter()
                        .map(|t| {
                            let key = t.key();
                            let t = *t;
                            view! {
                                <option value=key selected=move || lab.draft.with(|p| get(p) == t)>
                                    {move || tier_label(i18n.get_locale(), key)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
        }
    };
    view! {
        <section class="panel editor" aria-label=move || t_string!(i18n, lab.editor)>
            <details open>
                <summary><h2>{t!(i18n, lab.bands)}</h2></summary>
                <label class="field">
                    <span>{t!(i18n, lab.band_mode)}</span>
                    <select
                        data-testid="band-mode"
                        on:change=move |ev| {
                            let mode = if event_target_value(&ev) == "shares" { BandMode::Shares } else { BandMode::Thresholds };
                            lab.draft.update(|p| p.bands.mode = mode);
                        }
                    >
                        <option value="thresholds" selected=move || !share_mode()>{t!(i18n, lab.mode_thresholds)}</option>
                        <option value="shares" selected=share_mode>{t!(i18n, lab.mode_shares)}</option>
                    </select>
                </label>
                <div class="lab-fields" class:hidden=share_mode>{bounds}</div>
                <div class="lab-fields" class:hidden=move || !share_mode()>
                    {shares}
                    {weight_sum("bands.shares")}
                </div>
            </details>
            <details>
                <summary><h2>{t!(i18n, lab.grades)}</h2></summary>
                <div class="lab-fields">{floors}</div>
                <h3>{t!(i18n, lab.grade_table)}</h3>
                <div class="grid-scroll">{grade_grid}</div>
            </details>
            <details open>
                <summary><h2>{t!(i18n, lab.value_rule)}</h2></summary>
                <h3>{t!(i18n, lab.value_weights)}</h3>
                <div class="lab-fields">{weights("value.weights")}</div>
                {weight_sum("value.weights")}
                <h3>{t!(i18n, lab.value_cuts)}</h3>
                <div class="lab-fields">
                    <Num lab path="value.cuts.value" label=sig(|l| td_string!(l, lab.f.cut_value).to_string()) lens=lens!(value.cuts.value) slider=(0.0, 100.0, 1.0) />
                    <Num lab path="value.cuts.secondary" label=sig(|l| td_string!(l, lab.f.cut_secondary).to_string()) lens=lens!(value.cuts.secondary) slider=(0.0, 100.0, 1.0) />
                    <Num lab path="value.cuts.potential" label=sig(|l| td_string!(l, lab.f.cut_potential).to_string()) lens=lens!(value.cuts.potential) slider=(0.0, 100.0, 1.0) />
                </div>
                <h3>{t!(i18n, lab.tier_mapping)}</h3>
                <div class="lab-fields">{(0..4).map(tier_select).collect_view()}</div>
                <h3>{t!(i18n, lab.red_flags)}</h3>
                <div class="lab-fields">
                    <Num lab path="value.red_flags.violations_12m_at_least" label=sig(|l| td_string!(l, lab.f.violations).to_string()) lens=lens!(value.red_flags.violations_12m_at_least) />
                    <Num lab path="value.red_flags.credit_below" label=sig(|l| td_string!(l, lab.f.credit_below).to_string()) lens=lens!(value.red_flags.credit_below) slider=(0.0, 100.0, 1.0) />
                    <label class="field check">
                        <input
                            type="checkbox"
                            data-testid="flag-monitored"
                            prop:checked=move || lab.draft.with(|p| p.value.red_flags.monitored)
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                lab.draft.update(|p| p.value.red_flags.monitored = on);
                            }
                        />
                        <span>{t!(i18n, lab.f.monitored)}</span>
                    </label>
                </div>
            </details>
            <details>
                <summary><h2>{t!(i18n, lab.service_rule)}</h2></summary>
                <div class="lab-fields">
                    {(0..3).map(|i| view! {
                        <Num lab path=format!("service.visits_per_month[{i}]") label=sig(move |l| format!("{} · {}", td_string!(l, lab.f.visits, n = i + 1), tier_label(l, Tier::ALL[i].key()))) lens=lens!(service.visits_per_month[i]) slider=(0.0, 12.0, 1.0) />
                    }).collect_view()}
                    <Num lab path="service.manager_capacity_visits_per_month" label=sig(|l| td_string!(l, lab.f.capacity).to_string()) lens=lens!(service.manager_capacity_visits_per_month) slider=(50.0, 1000.0, 10.0) />
                    <Num lab path="service.complaint_hours.general" label=sig(|l| td_string!(l, lab.f.complaint_general).to_string()) lens=lens!(service.complaint_hours.general) slider=(1.0, 200.0, 1.0) />
                    <Num lab path="service.complaint_hours.major_confirm" label=sig(|l| td_string!(l, lab.f.complaint_major_confirm).to_string()) lens=lens!(service.complaint_hours.major_confirm) slider=(1.0, 48.0, 1.0) />
                    <Num lab path="service.complaint_hours.major" label=sig(|l| td_string!(l, lab.f.complaint_major).to_string()) lens=lens!(service.complaint_hours.major) slider=(1.0, 200.0, 1.0) />
                </div>
                <h3>{t!(i18n, lab.quota)}</h3>
                <div class="lab-fields">
                    {(0..BANDS).map(|i| view! {
                        <Num lab path=format!("service.quota_cases_per_band[{i}]") label=sig(move |l| td_string!(l, lab.f.quota, n = i + 1).to_string()) lens=lens!(service.quota_cases_per_band[i]) />
                    }).collect_view()}
                </div>
            </details>
            <details>
                <summary><h2>{t!(i18n, lab.key_accounts)}</h2></summary>
                <label class="field check">
                    <input
                        type="checkbox"
                        prop:checked=move || lab.draft.with(|p| p.key_account.enabled)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            lab.draft.update(|p| p.key_account.enabled = on);
                        }
                    />
                    <span>{t!(i18n, lab.f.ka_enabled)}</span>
                </label>
                <div class="lab-fields">
                    {(0..4).map(|i| view! {
                        <Num lab path=format!("key_account.min_monthly_amount_yuan[{i}]") label=sig(move |l| td_string!(l, lab.f.ka_floor, tier = ["特级 Special", "A", "B", "C"][i]).to_string()) lens=lens!(key_account.min_monthly_amount_yuan[i]) unit=sig(|l| td_string!(l, lab.unit_yuan_month).to_string()) />
                    }).collect_view()}
                </div>
            </details>
            <details>
                <summary><h2>{t!(i18n, lab.visibility)}</h2></summary>
                <p class="muted small">{t!(i18n, lab.visibility_hint)}</p>
                {[
                    ("band", 0usize),
                    ("grade", 1),
                    ("class", 2),
                    ("value", 3),
                    ("tier", 4),
                    ("key_account", 5),
                ]
                    .into_iter()
                    .map(|(key, k)| {
                        fn flag(v: &mut kehu_engine::policy::CustomerVisibility, k: usize) -> &mut bool {
                            match k {
                                0 => &mut v.band,
                                1 => &mut v.grade,
                                2 => &mut v.characteristic_class,
                                3 => &mut v.value,
                                4 => &mut v.tier,
                                _ => &mut v.key_account,
                            }
                        }
                        view! {
                            <label class="field check">
                                <input
                                    type="checkbox"
                                    data-testid=format!("visible-{key}")
                                    prop:checked=move || lab.draft.with(|p| *flag(&mut p.customer_visibility.clone(), k))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        lab.draft.update(|p| *flag(&mut p.customer_visibility, k) = on);
                                    }
                                />
                                <span>{move || {
                                    let l = i18n.get_locale();
                                    match k {
                                        0 => td_string!(l, portal.band),
                                        1 => td_string!(l, portal.grade),
                                        2 => td_string!(l, portal.class),
                                        3 => td_string!(l, portal.value),
                                        4 => td_string!(l, portal.tier),
                                        _ => td_string!(l, portal.key_account),
                                    }
                                }}</span>
                            </label>
                        }
                    })
                    .collect_view()}
            </details>
            <details>
                <summary><h2>{t!(i18n, lab.satisfaction)}</h2></summary>
                <h3>{t!(i18n, lab.expectation_weights)}</h3>
                <div class="lab-fields">{weights("expectation.expectation_weights")}</div>
                {weight_sum("expectation.expectation_weights")}
                <h3>{t!(i18n, lab.experience_weights)}</h3>
                <div class="lab-fields">{weights("expectation.experience_weights")}</div>
                {weight_sum("expectation.experience_weights")}
                <div class="lab-fields">
                    <Num lab path="expectation.under_served_below" label=sig(|l| td_string!(l, lab.f.under_served).to_string()) lens=lens!(expectation.under_served_below) slider=(-100.0, 0.0, 1.0) />
                    <Num lab path="expectation.over_served_above" label=sig(|l| td_string!(l, lab.f.over_served).to_string()) lens=lens!(expectation.over_served_above) slider=(0.0, 100.0, 1.0) />
                </div>
            </details>
        </section>
    }
}

fn weight_label(l: Locale, name: &str) -> &'static str {
    match name {
        "contribution" => td_string!(l, lab.w.contribution),
        "support" => td_string!(l, lab.w.support),
        "credit" => td_string!(l, lab.w.credit),
        "growth" => td_string!(l, lab.w.growth),
        "influence" => td_string!(l, lab.w.influence),
        "word_of_mouth" => td_string!(l, lab.w.word_of_mouth),
        "promotion" => td_string!(l, lab.w.promotion),
        "value_background" => td_string!(l, lab.w.value_background),
        "environment_lifecycle" => td_string!(l, lab.w.environment_lifecycle),
        "past_experience" => td_string!(l, lab.w.past_experience),
        "experience_elsewhere" => td_string!(l, lab.w.experience_elsewhere),
        "visits" => td_string!(l, lab.w.visits),
        "complaint_handling" => td_string!(l, lab.w.complaint_handling),
        "supply_fulfilment" => td_string!(l, lab.w.supply_fulfilment),
        "delivery_punctuality" => td_string!(l, lab.w.delivery_punctuality),
        "ratings" => td_string!(l, lab.w.ratings),
        _ => "",
    }
}

// ---------------------------------------------------------------------------------------------
// The results

/// Runs `f` with the published summary and the latest run, when both exist.
fn with_both<R>(lab: Lab, f: impl FnOnce(&Loaded, &Timed) -> R) -> Option<R> {
    let l = lab.loaded.get()?;
    lab.result.with(|r| r.as_ref().map(|t| f(&l, t)))
}

#[component]
fn CountsPanel(lab: Lab) -> impl IntoView {
    let i18n = use_i18n();
    let tier_chart = move || {
        let l = i18n.get_locale();
        with_both(lab, |ld, t| {
            let labels: Vec<String> = Tier::ALL
                .iter()
                .map(|x| tier_label(l, x.key()).to_string())
                .collect();
            grouped_bar_chart_svg(
                &labels,
                &[
                    Series {
                        name: td_string!(l, lab.before),
                        values: &ld.before.tier_counts,
                        color: MUTED,
                    },
                    Series {
                        name: td_string!(l, lab.after),
                        values: &t.run.summary.tier_counts,
                        color: PRIMARY,
                    },
                ],
                td_string!(l, lab.tier_axis),
                td_string!(l, dashboard.count_axis),
                (520, 260),
            )
        })
        .unwrap_or_default()
    };
    let band_chart = move || {
        let l = i18n.get_locale();
        with_both(lab, |ld, t| {
            let labels: Vec<String> = (1..=BANDS).map(|b| b.to_string()).collect();
            grouped_bar_chart_svg(
                &labels,
                &[
                    Series {
                        name: td_string!(l, lab.before),
                        values: &ld.before.band_counts,
                        color: MUTED,
                    },
                    Series {
                        name: td_string!(l, lab.after),
                        values: &t.run.summary.band_counts,
                        color: PRIMARY,
                    },
                ],
                td_string!(l, dashboard.band_axis),
                td_string!(l, dashboard.count_axis),
                (560, 260),
            )
        })
        .unwrap_or_default()
    };
    let rows = move || {
        with_both(lab, |ld, t| {
            Tier::ALL
                .iter()
                .map(|x| {
                    let i = x.index();
                    (
                        x.key(),
                        ld.before.tier_counts[i],
                        t.run.summary.tier_counts[i],
                    )
                })
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
    };
    view! {
        <section class="panel">
            <details open>
                <summary><h2>{t!(i18n, lab.counts)}</h2></summary>
                <table class="compact" data-testid="tier-counts">
                    <thead>
                        <tr><th scope="col"></th><th scope="col" class="num">{t!(i18n, lab.before)}</th><th scope="col" class="num">{t!(i18n, lab.after)}</th><th scope="col" class="num">"Δ"</th></tr>
                    </thead>
                    <tbody>
                        {move || rows().into_iter().map(|(key, b, a)| view! {
                            <tr data-tier=key>
                                <th scope="row">{move || tier_label(i18n.get_locale(), key)}</th>
                                <td class="num">{b}</td>
                                <td class="num after">{a}</td>
                                <td class="num">{delta(i64::from(a) - i64::from(b))}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <figure class="chart" role="img" data-testid="tier-chart" aria-label=move || t_string!(i18n, lab.tier_chart_desc) inner_html=tier_chart></figure>
                <figure class="chart" role="img" data-testid="band-compare-chart" aria-label=move || t_string!(i18n, lab.band_chart_desc) inner_html=band_chart></figure>
            </details>
        </section>
    }
}

fn delta(d: i64) -> String {
    if d > 0 {
        format!("+{d}")
    } else {
        d.to_string()
    }
}

/// Band transitions, published → draft, as a heat map (a table with shaded cells).
#[component]
fn HeatMap(lab: Lab) -> impl IntoView {
    let i18n = use_i18n();
    let matrix = move || {
        lab.result
            .with(|r| r.as_ref().map(|t| t.run.summary.band_transitions.clone()))
            .unwrap_or_default()
    };
    view! {
        <section class="panel">
            <details open>
                <summary><h2>{t!(i18n, lab.transitions)}</h2></summary>
                <p class="muted small">{t!(i18n, lab.transitions_hint)}</p>
                <div class="grid-scroll">
                    <table class="heat" data-testid="band-heatmap">
                        <thead>
                            <tr>
                                <th scope="col">{t!(i18n, lab.from_to)}</th>
                                {(1..=BANDS).map(|b| view! { <th scope="col">{b}</th> }).collect_view()}
                            </tr>
                        </thead>
                        <tbody>
                            {move || {
                                let m = matrix();
                                let max = m.iter().flatten().copied().max().unwrap_or(0).max(1);
                                m.into_iter()
                                    .enumerate()
                                    .filter(|(from, row)| *from > 0 || row.iter().any(|&n| n > 0))
                                    .map(|(from, row)| {
                                        view! {
                                            <tr>
                                                <th scope="row">
                                                    {move || if from == 0 { t_string!(i18n, lab.new_customer).to_string() } else { band_label(i18n.get_locale(), from as u8) }}
                                                </th>
                                                {row.into_iter().enumerate().map(|(to, n)| {
                                                    let a = (f64::from(n) / f64::from(max)).sqrt();
                                                    let style = if n == 0 { String::new() } else { format!("background: rgba(15, 92, 77, {a:.2}); color: {}", if a > 0.55 { "#fff" } else { "inherit" }) };
                                                    view! {
                                                        <td class="num" class:diag=from == to + 1 style=style data-from=from data-to=to + 1>{n}</td>
                                                    }
                                                }).collect_view()}
                                            </tr>
                                        }
                                    })
                                    .collect_view()
                            }}
                        </tbody>
                    </table>
                </div>
            </details>
        </section>
    }
}

#[component]
fn MoversPanel(lab: Lab) -> impl IntoView {
    let i18n = use_i18n();
    let filter = RwSignal::new(MoverFilter::default());
    let page = RwSignal::new(0usize);
    let filtered = Memo::new(move |_| {
        let f = filter.get();
        let l = lab.loaded.get();
        lab.result.with(|r| match (r, l) {
            (Some(t), Some(l)) => f.apply(&l.snap, &t.run.movers),
            _ => Vec::new(),
        })
    });
    // A new run or filter starts at the first page.
    Effect::new(move |_| {
        filtered.track();
        page.set(0);
    });
    let pages = move || filtered.with(Vec::len).div_ceil(PAGE).max(1);
    let rows = Memo::new(move |_| {
        let Some(l) = lab.loaded.get() else {
            return Vec::new();
        };
        let p = page.get();
        lab.draft.with_untracked(|policy| {
            lab.result.with(|r| {
                let Some(t) = r else { return Vec::new() };
                filtered.with(|f| {
                    let start = (p * PAGE).min(f.len());
                    let end = (start + PAGE).min(f.len());
                    let rules = lab::rules_of(policy, &t.run.summary);
                    lab::mover_rows(&rules, &l.snap, &l.ids, &f[start..end])
                })
            })
        })
    });
    // Names and codes of the shown rows come from the server, a page at a time.
    let names = RwSignal::new(HashMap::<i64, CustomerLabel>::new());
    Effect::new(move |_| {
        let want: Vec<i64> = rows.with(|r| {
            r.iter()
                .map(|m| m.id)
                .filter(|id| names.with_untracked(|n| !n.contains_key(id)))
                .collect()
        });
        if want.is_empty() {
            return;
        }
        leptos::task::spawn_local(async move {
            if let Ok(labels) = customer_labels(want).await {
                names.update(|n| n.extend(labels.into_iter().map(|l| (l.id, l))));
            }
        });
    });
    let select = move |kind: &'static str| {
        let options = move || -> Vec<(String, String)> {
            let l = i18n.get_locale();
            let Some(ld) = lab.loaded.get() else {
                return Vec::new();
            };
            match kind {
                "route" => ld
                    .snap
                    .routes
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (i.to_string(), r.clone()))
                    .collect(),
                "manager" => ld
                    .snap
                    .managers
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (i.to_string(), r.clone()))
                    .collect(),
                "format" => BusinessFormat::ALL
                    .iter()
                    .map(|f| (f.index().to_string(), format_label(l, f.key()).to_string()))
                    .collect(),
                _ => MarketType::ALL
                    .iter()
                    .map(|m| (m.index().to_string(), market_label(l, m.key()).to_string()))
                    .collect(),
            }
        };
        let label = move || match kind {
            "route" => t_string!(i18n, fields.route),
            "manager" => t_string!(i18n, fields.customer_manager),
            "format" => t_string!(i18n, fields.business_format),
            _ => t_string!(i18n, fields.market_type),
        };
        view! {
            <label>
                <span>{label}</span>
                <select
                    data-testid=format!("movers-{kind}")
                    on:change=move |ev| {
                        let v = event_target_value(&ev).parse::<u32>().ok();
                        filter.update(|f| match kind {
                            "route" => f.route = v.map(|x| x as u16),
                            "manager" => f.manager = v,
                            "format" => f.format = v.map(|x| x as u8),
                            _ => f.market = v.map(|x| x as u8),
                        });
                    }
                >
                    <option value="">{t!(i18n, common.all)}</option>
                    {move || options().into_iter().map(|(v, t)| view! { <option value=v>{t}</option> }).collect_view()}
                </select>
            </label>
        }
    };
    view! {
        <section class="panel">
            <details open>
                <summary><h2>{t!(i18n, lab.movers)}</h2></summary>
                <div class="filters">
                    {select("route")}
                    {select("manager")}
                    {select("format")}
                    {select("market")}
                </div>
                <p class="count" data-testid="movers-shown" data-count=move || filtered.with(Vec::len)>
                    {move || {
                        let n = filtered.with(Vec::len);
                        t_string!(i18n, lab.movers_shown, n = n).to_string()
                    }}
                </p>
                <Show
                    when=move || filtered.with(|f| !f.is_empty())
                    fallback=move || view! { <p class="empty" data-testid="movers-empty">{t!(i18n, lab.no_movers)}</p> }
                >
                    <table class="list movers" data-testid="movers-table">
                        <thead>
                            <tr>
                                <th scope="col">{t!(i18n, customers.shop_name)}</th>
                                <th scope="col">{t!(i18n, lab.band_change)}</th>
                                <th scope="col">{t!(i18n, lab.tier_change)}</th>
                                <th scope="col">{t!(i18n, lab.reason)}</th>
                            </tr>
                        </thead>
                        <tbody>
                            <For each=move || rows.get() key=|m| (m.id, m.now.band, m.now.tier) let:m>
                                <MoverLine lab m names />
                            </For>
                        </tbody>
                    </table>
                    <nav class="pager" aria-label=move || t_string!(i18n, common.pagination)>
                        <button type="button" disabled=move || page.get() == 0 on:click=move |_| page.update(|p| *p = p.saturating_sub(1))>
                            {t!(i18n, common.previous)}
                        </button>
                        <span>{move || { let p = page.get() + 1; let n = pages(); t_string!(i18n, common.page_of, page = p, pages = n).to_string() }}</span>
                        <button type="button" data-testid="movers-next" disabled={move || page.get() + 1 >= pages()} on:click=move |_| page.update(|p| *p += 1)>
                            {t!(i18n, common.next)}
                        </button>
                    </nav>
                </Show>
            </details>
        </section>
    }
}

#[component]
fn MoverLine(lab: Lab, m: MoverRow, names: RwSignal<HashMap<i64, CustomerLabel>>) -> impl IntoView {
    let i18n = use_i18n();
    let id = m.id;
    let name = move || {
        names.with(|n| {
            n.get(&id)
                .map_or_else(|| format!("#{id}"), |c| format!("{} · {}", c.code, c.name))
        })
    };
    let band_text = {
        let m = m.clone();
        move || {
            let l = i18n.get_locale();
            if m.band_changed() {
                format!(
                    "{} → {}",
                    band_label(l, m.band_before),
                    band_label(l, m.now.band)
                )
            } else {
                band_label(l, m.now.band)
            }
        }
    };
    let tier_text = {
        let m = m.clone();
        move || {
            let l = i18n.get_locale();
            match m.tier_before {
                Some(b) if b != m.now.tier => {
                    format!(
                        "{} → {}",
                        tier_label(l, b.key()),
                        tier_label(l, m.now.tier.key())
                    )
                }
                _ => tier_label(l, m.now.tier.key()).to_string(),
            }
        }
    };
    let reason = move || {
        let l = i18n.get_locale();
        let mut parts = Vec::new();
        let e = &m.now.explanation;
        if m.band_changed() {
            let volume = e.band.volume.to_string();
            let range = match (e.band.lower, e.band.upper) {
                (Some(lo), Some(hi)) => format!("{lo} – {hi}"),
                (Some(lo), None) => format!("> {lo}"),
                (None, Some(hi)) => format!("≤ {hi}"),
                (None, None) => String::new(),
            };
            parts.push(
                td_string!(
                    l,
                    lab.reason_band,
                    volume = volume,
                    band = m.now.band,
                    range = range
                )
                .to_string(),
            );
        }
        if m.tier_changed() {
            let flags = &e.tier.red_flags;
            if flags.any() {
                let mut why = Vec::new();
                if let Some((n, limit)) = flags.violations {
                    why.push(td_string!(l, lab.flag_violations, n = n, limit = limit).to_string());
                }
                if flags.monitored {
                    why.push(td_string!(l, lab.f.monitored).to_string());
                }
                if let Some((c, floor)) = flags.low_credit {
                    why.push(
                        td_string!(
                            l,
                            lab.flag_credit,
                            credit = c.to_string(),
                            floor = floor.to_string()
                        )
                        .to_string(),
                    );
                }
                parts.push(td_string!(l, lab.reason_flag, flags = why.join("、")).to_string());
            } else {
                let class = crate::labels::value_class_label(l, m.now.value_class.key());
                parts.push(
                    td_string!(
                        l,
                        lab.reason_value,
                        score = lab::score_text(m.now.value_score),
                        class = class
                    )
                    .to_string(),
                );
            }
        }
        let _ = lab;
        parts.join(" · ")
    };
    view! {
        <tr>
            <td data-label=move || t_string!(i18n, customers.shop_name) class="shop">
                <a href=format!("/customers/{id}")>{name}</a>
            </td>
            <td data-label=move || t_string!(i18n, lab.band_change)>{band_text}</td>
            <td data-label=move || t_string!(i18n, lab.tier_change)>{tier_text}</td>
            <td data-label=move || t_string!(i18n, lab.reason) class="reason">{reason}</td>
        </tr>
    }
}

#[component]
fn ImpactPanel(lab: Lab) -> impl IntoView {
    let i18n = use_i18n();
    let quota = move || {
        with_both(lab, |ld, t| {
            let rows: Vec<(u8, String, String)> = (0..BANDS)
                .map(|b| {
                    (
                        b as u8 + 1,
                        ld.before
                            .quota_per_band
                            .get(b)
                            .map(ToString::to_string)
                            .unwrap_or_default(),
                        t.run
                            .summary
                            .quota_per_band
                            .get(b)
                            .map(ToString::to_string)
                            .unwrap_or_default(),
                    )
                })
                .collect();
            (
                rows,
                ld.before.quota_total.to_string(),
                t.run.summary.quota_total.to_string(),
            )
        })
    };
    let workload = move || {
        with_both(lab, |ld, t| {
            let s = &t.run.summary;
            let mut rows: Vec<(String, u32, u32, u32)> = ld
                .snap
                .managers
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    (
                        name.clone(),
                        s.customers_per_manager.get(i).copied().unwrap_or(0),
                        ld.before.visits_per_manager.get(i).copied().unwrap_or(0),
                        s.visits_per_manager.get(i).copied().unwrap_or(0),
                    )
                })
                .collect();
            rows.sort_by(|a, b| b.3.cmp(&a.3).then_with(|| a.0.cmp(&b.0)));
            (rows, s.manager_capacity, s.managers_over_capacity)
        })
    };
    let gap = move || {
        let l = i18n.get_locale();
        with_both(lab, |_, t| {
            let h = &t.run.summary.gap_histogram;
            if h.iter().all(|&n| n == 0) {
                return None;
            }
            let labels: Vec<String> = (0..h.len())
                .map(|i| (i as i64 * crate::engine::batch::GAP_BIN - 100).to_string())
                .collect();
            Some(bar_chart_svg(
                &labels,
                h,
                td_string!(l, lab.gap_axis),
                td_string!(l, dashboard.count_axis),
                (640, 260),
            ))
        })
        .flatten()
    };
    view! {
        <section class="panel">
            <details open>
                <summary><h2>{t!(i18n, lab.impact)}</h2></summary>
                <h3>{t!(i18n, lab.quota)}</h3>
                {move || quota().map(|(rows, before, after)| view! {
                    <table class="compact" data-testid="quota-table">
                        <thead><tr><th scope="col"></th><th scope="col" class="num">{t!(i18n, lab.before)}</th><th scope="col" class="num">{t!(i18n, lab.after)}</th></tr></thead>
                        <tbody>
                            {rows.into_iter().map(|(b, x, y)| view! {
                                <tr><th scope="row">{move || band_label(i18n.get_locale(), b)}</th><td class="num">{x}</td><td class="num">{y}</td></tr>
                            }).collect_view()}
                            <tr class="total"><th scope="row">{t!(i18n, lab.total)}</th><td class="num">{before}</td><td class="num" data-testid="quota-total">{after}</td></tr>
                        </tbody>
                    </table>
                })}
                <h3>{t!(i18n, lab.workload)}</h3>
                {move || workload().map(|(rows, cap, over)| {
                    let max = rows.iter().map(|r| r.3.max(r.2)).max().unwrap_or(0).max(cap).max(1);
                    view! {
                        <p data-testid="over-capacity" data-over=over>{t!(i18n, lab.over_capacity, n = move || over, cap = move || cap)}</p>
                        <div class="workload" data-testid="workload">
                            {rows.into_iter().map(|(name, customers, before, after)| {
                                let w = f64::from(after) * 100.0 / f64::from(max);
                                let c = f64::from(cap) * 100.0 / f64::from(max);
                                view! {
                                    <div class="wl-row" class:over=(after > cap)>
                                        <span class="wl-name">{name}</span>
                                        <span class="wl-bar" aria-hidden="true">
                                            <span class="wl-fill" style=format!("width: {w:.1}%")></span>
                                            <span class="wl-cap" style=format!("left: {c:.1}%")></span>
                                        </span>
                                        <span class="wl-num num">{after} <span class="muted small">" (" {before} ") · " {customers}</span></span>
                                    </div>
                                }
                            }).collect_view()}
                        </div>
                        <p class="muted small">{t!(i18n, lab.workload_hint)}</p>
                    }
                })}
                <h3>{t!(i18n, lab.gap_title)}</h3>
                {move || match gap() {
                    Some(svg) => view! { <figure class="chart" role="img" data-testid="gap-chart" aria-label=move || t_string!(i18n, lab.gap_desc) inner_html=svg></figure> }.into_any(),
                    None => view! { <p class="empty" data-testid="gap-empty">{t!(i18n, lab.gap_empty)}</p> }.into_any(),
                }}
            </details>
        </section>
    }
}
