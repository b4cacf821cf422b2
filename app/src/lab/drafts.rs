//! Saved drafts (save, open, rename, duplicate, delete), published versions, and the comparison
//! of any two.

use super::*;

/// Saved drafts (save, open, rename, duplicate, delete) and published versions, and a
/// comparison of any two: the settings that differ and the customers classified differently.
#[component]
pub(crate) fn DraftsPanel(lab: Lab) -> impl IntoView {
    let i18n = use_i18n();
    let refresh = lab.policy_list;
    let list = LocalResource::new(move || {
        refresh.track();
        list_policies()
    });
    let message = RwSignal::new(None::<(bool, String)>);
    let answer = move |r: Result<DraftResult, crate::wire::ApiError>, done: &'static str| {
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
                                    {items.into_iter().map(|p| view! { <PolicyItem p open answer=Callback::new(move |(r, what): (Result<DraftResult, crate::wire::ApiError>, &'static str)| answer(r, what)) /> }).collect_view()}
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
pub(crate) fn PolicyItem(
    p: PolicyInfo,
    open: impl Fn(i64) + Copy + 'static,
    answer: Callback<(Result<DraftResult, crate::wire::ApiError>, &'static str)>,
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
                <span class="muted small">" · " {status} " · " {p.updated_at.to_string()} " · " {p.author.clone()}</span>
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
pub(crate) struct Compared {
    pub(crate) fields: Vec<logic::FieldDiff>,
    pub(crate) differ: usize,
    pub(crate) band: usize,
    pub(crate) grade: usize,
    pub(crate) tier: usize,
    /// (id, band a, grade a, tier a, band b, grade b, tier b) of the first rows.
    pub(crate) rows: Vec<(i64, u8, u8, u8, u8, u8, u8)>,
}

/// Compare two of: the editor's draft, a saved draft, a published version.
#[component]
pub(crate) fn ComparePanel(lab: Lab, choices: Vec<PolicyInfo>) -> impl IntoView {
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
                let c = logic::compare(&pa, &pb, &l.snap);
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
                    fields: logic::field_diffs(&pa, &pb),
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
                                            <tr data-path=f.path.clone()><td>{path_label(l, &f.path)}</td><td class="num">{value_label(l, &f.path, &f.a)}</td><td class="num">{value_label(l, &f.path, &f.b)}</td></tr>
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
