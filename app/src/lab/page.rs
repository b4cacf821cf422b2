//! The lab's page: the snapshot loaded once, the draft, the recomputation on every change, the
//! status bar, the problem list and publishing.

use super::*;

/// Movers per table page.
pub(crate) const PAGE: usize = 25;

/// What the lab holds once the snapshot is in: the facts, the published policy and what it gives.
pub(crate) struct Loaded {
    pub(crate) arrived: Arrived,
    pub(crate) snap: Snapshot,
    pub(crate) ids: Vec<i64>,
    pub(crate) published: Policy,
    pub(crate) before: Summary,
    /// The engine's results of the last run over this snapshot, kept so that the next edit
    /// recomputes only what it touches (see `logic::run`).
    pub(crate) outcomes: std::sync::Mutex<Outcomes>,
}

/// A recomputation and how long it took in this browser.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Timed {
    pub(crate) run: Run,
    pub(crate) ms: f64,
    /// Counts recomputations, so a benchmark can tell a new one from the last.
    pub(crate) generation: u64,
}

pub(crate) fn now_ms() -> f64 {
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

/// How the lab's data arrived: the whole snapshot, or only what changed since this tab's copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub(crate) enum Arrived {
    Whole { bytes: usize },
    Changes { customers: usize, bytes: usize },
}

#[cfg(feature = "hydrate")]
thread_local! {
    /// The snapshot this tab holds and its version: opening the lab again asks the server only
    /// for what changed since.
    static HELD: std::cell::RefCell<Option<(String, Snapshot)>> = const { std::cell::RefCell::new(None) };
}

/// The body of `url`, with the snapshot's kind and version headers.
#[cfg(feature = "hydrate")]
async fn fetch_bytes(url: &str) -> Result<(u16, Option<String>, Option<String>, Vec<u8>), String> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let js = |e: wasm_bindgen::JsValue| format!("{e:?}");
    let window = web_sys::window().ok_or("no window")?;
    let resp: web_sys::Response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(js)?
        .dyn_into()
        .map_err(js)?;
    let header = |name: &str| resp.headers().get(name).ok().flatten();
    let kind = header(crate::wire::SNAPSHOT_KIND_HEADER);
    let version = header(crate::wire::SNAPSHOT_VERSION_HEADER);
    if !resp.ok() {
        return Ok((resp.status(), kind, version, Vec::new()));
    }
    let buf = JsFuture::from(resp.array_buffer().map_err(js)?)
        .await
        .map_err(js)?;
    Ok((
        resp.status(),
        kind,
        version,
        js_sys::Uint8Array::new(&buf).to_vec(),
    ))
}

/// The current snapshot: only what changed since the copy this tab holds when the server can
/// tell (a few kilobytes after a day's field work), else the whole of it.
#[cfg(feature = "hydrate")]
async fn fetch_snapshot() -> Result<(Snapshot, Arrived), String> {
    let held = HELD.with(|h| h.borrow_mut().take());
    if let Some((version, mut snap)) = held {
        let (status, kind, new_version, bytes) = fetch_bytes(&format!(
            "/api/snapshot?since={version}&names={:x}",
            snap.names_digest()
        ))
        .await?;
        if status == 200 && kind.as_deref() == Some("delta") {
            let n = bytes.len();
            let applied = crate::wire::SnapshotDelta::from_bytes(&bytes).and_then(|d| {
                let customers = d.at.len();
                snap.apply(d).map(|()| customers)
            });
            if let (Ok(customers), Some(v)) = (applied, new_version) {
                HELD.with(|h| *h.borrow_mut() = Some((v, snap.clone())));
                return Ok((
                    snap,
                    Arrived::Changes {
                        customers,
                        bytes: n,
                    },
                ));
            }
        } else if status == 200 && kind.as_deref() == Some("full") {
            let n = bytes.len();
            let snap = Snapshot::from_bytes(&bytes)?;
            if let Some(v) = new_version {
                HELD.with(|h| *h.borrow_mut() = Some((v, snap.clone())));
            }
            return Ok((snap, Arrived::Whole { bytes: n }));
        }
        // Refused or did not fit: the whole snapshot below.
    }
    let (status, _, version, bytes) = fetch_bytes("/api/snapshot").await?;
    if status != 200 {
        return Err(format!("HTTP {status}"));
    }
    let n = bytes.len();
    let snap = Snapshot::from_bytes(&bytes)?;
    if let Some(v) = version {
        HELD.with(|h| *h.borrow_mut() = Some((v, snap.clone())));
    }
    Ok((snap, Arrived::Whole { bytes: n }))
}

#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub(crate) fn load((snap, arrived): (Snapshot, Arrived)) -> Result<Loaded, String> {
    let published = Policy::from_json(&snap.policy_json).map_err(|issues| {
        issues
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    let mut outcomes = Outcomes::default();
    let before = classify_all(
        &published,
        &snap.population,
        snap.managers.len(),
        &mut outcomes,
    );
    Ok(Loaded {
        arrived,
        ids: snap.ids(),
        published,
        before,
        snap,
        outcomes: std::sync::Mutex::new(outcomes),
    })
}

/// Shared state of the page, handed to the panels.
#[derive(Clone, Copy)]
pub(crate) struct Lab {
    pub(crate) loaded: RwSignal<Option<Arc<Loaded>>>,
    pub(crate) draft: RwSignal<Policy>,
    /// Paths of fields whose text does not parse (the draft keeps their last good value).
    pub(crate) bad: RwSignal<BTreeSet<String>>,
    pub(crate) issues: Memo<Vec<PolicyIssue>>,
    /// The last valid draft's results: while the draft has a problem they stay, marked stale.
    pub(crate) result: Memo<Option<Timed>>,
    /// The draft has a problem (a rule broken or a field that is not a number): the results
    /// shown are those of the last valid draft.
    pub(crate) stale: Memo<bool>,
    /// The path of the field edited last (a rescale keeps that weight).
    pub(crate) last_edited: RwSignal<Option<String>>,
    /// Bumped when the saved policies change (a save, a publish): the list is read again.
    pub(crate) policy_list: RwSignal<u32>,
    /// The saved draft being edited (id, revision), if any.
    pub(crate) saved: RwSignal<Option<(i64, i64)>>,
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
    let generation = StoredValue::new(0u64);
    let bad = RwSignal::new(BTreeSet::new());
    // Names do not change outcomes; an empty name is only a publish problem.
    let valid = Memo::new(move |_| issues.with(|v| v.iter().all(|i| i.path == "name")));
    let stale = Memo::new(move |_| !valid.get() || bad.with(|b: &BTreeSet<String>| !b.is_empty()));
    let result = Memo::new(move |prev: Option<&Option<Timed>>| {
        let l = loaded.get()?;
        if !valid.get() {
            // Keep the last valid draft's results (shown as stale) rather than a blank page.
            return prev.cloned().flatten();
        }
        let start = now_ms();
        let mut outcomes = l.outcomes.lock().ok()?;
        let run = draft.with(|p| logic::run(p, &l.snap, &mut outcomes));
        drop(outcomes);
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
        bad,
        issues,
        result,
        stale,
        last_edited: RwSignal::new(None),
        policy_list: RwSignal::new(0),
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
pub(crate) fn LabBody(lab: Lab, reload: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="lab" data-testid="lab">
            <div class="lab-editor">
                <StatusBar lab />
                <PublishPanel lab reload />
                <DraftsPanel lab />
                <Editor lab />
            </div>
            <div class="lab-results" class:stale=move || lab.stale.get() data-testid="lab-results" data-stale=move || lab.stale.get().to_string()>
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
pub(crate) fn StatusBar(lab: Lab) -> impl IntoView {
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
            <Show when=move || lab.stale.get()>
                <p class="error" role="alert" data-testid="lab-invalid">
                    {t!(i18n, lab.invalid, n = move || lab.issues.with(|v| v.iter().filter(|i| i.path != "name").count()) + lab.bad.with(BTreeSet::len))}
                </p>
            </Show>
            {move || stats().map(|(n, ms, movers, generation)| {
                let ms2 = ms.clone();
                view! {
                    <p data-testid="recompute-stats" data-ms=ms2 data-customers=n data-run=generation data-stale=move || lab.stale.get().to_string()>
                        {t!(i18n, lab.recomputed, n = move || n, ms = move || ms.clone())}
                    </p>
                    <p class="movers-count">
                        <strong data-testid="movers-count" data-movers=movers>{movers}</strong>
                        " "
                        {t!(i18n, lab.movers_label)}
                    </p>
                }
            })}
            {move || lab.loaded.with(|l| l.as_ref().map(|l| l.arrived)).map(|a| {
                let (kind, customers, bytes) = match a {
                    Arrived::Whole { bytes } => ("whole", 0, bytes),
                    Arrived::Changes { customers, bytes } => ("changes", customers, bytes),
                };
                let kb = format!("{:.1}", bytes as f64 / 1024.0);
                view! {
                    <p class="muted small" data-testid="snapshot-info" data-kind=kind data-changed=customers data-bytes=bytes>
                        {move || {
                            let kb = kb.clone();
                            if kind == "whole" {
                                t_string!(i18n, lab.arrived_whole, kb = kb).to_string()
                            } else {
                                t_string!(i18n, lab.arrived_changes, n = customers, kb = kb).to_string()
                            }
                        }}
                    </p>
                }
            })}
            <IssueList lab />
        </section>
    }
}

/// Every problem of the draft, with the field's name, in the manager's language.
#[component]
pub(crate) fn IssueList(lab: Lab) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Show when=move || lab.issues.with(|v| v.iter().any(|i| i.path != "name")) || lab.bad.with(|b| !b.is_empty())>
            <ul class="issues" data-testid="policy-issues">
                {move || {
                    let l = i18n.get_locale();
                    let mut items: Vec<String> = lab
                        .issues
                        .with(|v| v.iter().filter(|i| i.path != "name").map(|i| td_string!(l, lab.issue_line, field = path_label(l, &i.path), problem = problem_text(l, &i.problem)).to_string()).collect());
                    items.extend(lab.bad.with(|b| b.iter().map(|p| td_string!(l, lab.issue_line, field = path_label(l, p), problem = td_string!(l, lab.problem.not_a_number)).to_string()).collect::<Vec<_>>()));
                    items.into_iter().map(|t| view! { <li>{t}</li> }).collect_view()
                }}
            </ul>
        </Show>
    }
}

/// Publish: check with the server, confirm naming how many customers move, then publish. A
/// draft that repeats the published settings and moves nobody has nothing to publish.
#[component]
pub(crate) fn PublishPanel(lab: Lab, reload: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    // The version in force when the draft repeats its settings and nobody moves.
    let unchanged = Memo::new(move |_| {
        let l = lab.loaded.get()?;
        let moves = lab
            .result
            .with(|r| r.as_ref().map_or(0, |t| t.run.movers.len()));
        let same = lab.draft.with(|d| d.same_settings(&l.published));
        (same && moves == 0 && !lab.stale.get())
            .then(|| l.snap.policy.as_ref().map_or(0, |p| p.version))
    });
    let blocked = move || {
        lab.bad.with(|b| !b.is_empty())
            || lab.issues.with(|v| !v.is_empty())
            || lab.draft.with(|p| p.name.trim().is_empty())
            || unchanged.with(Option::is_some)
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
    let publish_button = NodeRef::<leptos::html::Button>::new();
    let confirm_button = NodeRef::<leptos::html::Button>::new();
    // Closing the confirmation gives the focus back to the button that opened it.
    let close = move || {
        preview.value().set(None);
        if let Some(b) = publish_button.get_untracked() {
            let _ = b.focus();
        }
    };
    // The confirmation takes the focus when it opens (Enter publishes, Escape closes).
    Effect::new(move |_| {
        if let Some(b) = confirm_button.get() {
            let _ = b.focus();
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(Publication::Published { .. })) = publish.value().get() {
            preview.value().set(None);
            // A saved draft that was published is locked: the editor holds a new draft now.
            lab.saved.set(None);
            lab.policy_list.update(|n| *n += 1);
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
                    node_ref=publish_button
                    disabled=move || blocked() || preview.pending().get() || publish.pending().get()
                    on:click=move |_| {
                        publish.value().set(None);
                        preview.dispatch(json());
                    }
                >
                    {t!(i18n, lab.publish)}
                </button>
            </div>
            {move || match unchanged.get() {
                Some(v) => view! { <p class="muted small" data-testid="draft-unchanged">{t!(i18n, lab.unchanged, version = move || v)}</p> }.into_any(),
                None => view! {
                    <Show when=move || lab.draft.with(|p| p.name.trim().is_empty())>
                        <p class="muted small">{t!(i18n, lab.name_needed)}</p>
                    </Show>
                }.into_any(),
            }}
            {move || preview.value().get().map(|r| match r {
                Ok(p) if p.same_as.is_some() && p.movers == 0 => {
                    let v = p.same_as.unwrap_or_default();
                    view! { <p class="muted" role="status" data-testid="publish-unchanged">{t!(i18n, lab.unchanged, version = move || v)}</p> }.into_any()
                }
                Ok(p) => {
                    let movers = p.movers;
                    let customers = p.customers;
                    let browser = lab.result.with(|r| r.as_ref().map(|t| t.run.movers.len() as u32));
                    let agree = browser == Some(movers);
                    view! {
                        <div
                            class="confirm"
                            role="alertdialog"
                            aria-modal="false"
                            aria-labelledby="publish-confirm-text"
                            data-testid="publish-confirm"
                            data-movers=movers
                            on:keydown=move |ev| {
                                if ev.key() == "Escape" {
                                    ev.prevent_default();
                                    close();
                                }
                            }
                        >
                            <p id="publish-confirm-text">{t!(i18n, lab.confirm, movers = move || movers, customers = move || customers)}</p>
                            <Show when=move || !agree>
                                <p class="error small">{t!(i18n, lab.data_changed)}</p>
                            </Show>
                            <div class="actions">
                                <button type="button" data-testid="publish-cancel" on:click=move |_| close()>{t!(i18n, lab.cancel)}</button>
                                <button
                                    type="button"
                                    class="primary"
                                    data-testid="publish-confirm-button"
                                    node_ref=confirm_button
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
                Ok(Publication::Published { policy, movers }) => {
                    let v = policy.version;
                    view! {
                        <p class="ok" role="status" data-testid="published">
                            {t!(i18n, lab.published, version = move || v, movers = move || movers)}
                        </p>
                    }
                        .into_any()
                }
                Ok(Publication::Unchanged { version }) => view! {
                    <p class="muted" role="status" data-testid="publish-unchanged">{t!(i18n, lab.unchanged, version = move || version)}</p>
                }.into_any(),
                Err(e) => view! { <LoadError message=e.to_string() /> }.into_any(),
            })}
        </section>
    }
}
