//! The draft's editor: every threshold and weight of the policy, by section.

use super::*;

#[component]
pub(crate) fn Editor(lab: Lab) -> impl IntoView {
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
        group_names(group)
            .iter()
            .copied()
            .enumerate()
            .map(|(k, name)| {
                let lens: Lens<crate::engine::Weight> = Lens {
                    get: Arc::new(move |p: &Policy| weights_of(p, group)[k]),
                    set: Arc::new(move |p: &mut Policy| {
                        weights_mut(p, group)
                            .into_iter()
                            .nth(k)
                            .expect("a weight of the group")
                    }),
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
    let weight_sum = move |group: &'static str| {
        let sum = move || lab.draft.with(|p| logic::weight_sum(&weights_of(p, group)));
        let ok = move || sum().raw() == 10_000;
        // The weight of this group edited last stays; the others share the rest.
        let rescale = move |_| {
            let keep = lab.last_edited.with_untracked(|e| {
                e.as_deref()
                    .and_then(|path| path.strip_prefix(group)?.strip_prefix('.'))
                    .and_then(|name| group_names(group).iter().position(|n| *n == name))
            });
            lab.draft.update(|p| {
                let next = logic::rescale(&weights_of(p, group), keep);
                for (w, v) in weights_mut(p, group).into_iter().zip(next) {
                    *w = v;
                }
            });
        };
        view! {
            <p class="sum" class:bad=move || !ok() data-testid=format!("sum-{group}")>
                {t!(i18n, lab.sum)} " " <strong>{move || sum().to_string()}</strong>
                <Show when=move || !ok()>
                    " · " {t!(i18n, lab.sum_must_be_one)} " "
                    <button type="button" class="link" data-testid=format!("rescale-{group}") on:click=rescale>
                        {t!(i18n, lab.rescale)}
                    </button>
                </Show>
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
    // A form of its own: the browser's autofill looks over the form of a changed field after
    // every keystroke, and fields in no form are one form with every other control on the
    // page (the movers' filters list every route and customer manager): 5 ms a keystroke
    // at 100,000 customers. It is never submitted; its buttons are plain buttons.
    view! {
        <form class="panel editor" aria-label=move || t_string!(i18n, lab.editor) autocomplete="off" novalidate on:submit=|ev| ev.prevent_default()>
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
                <div class="grid-scroll" tabindex="0" role="region" aria-label=move || t_string!(i18n, lab.grade_table)>{grade_grid}</div>
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
                        <Num lab path=format!("key_account.min_monthly_amount_yuan[{i}]") label=sig(move |l| path_label(l, &format!("key_account.min_monthly_amount_yuan[{i}]"))) lens=lens!(key_account.min_monthly_amount_yuan[i]) unit=sig(|l| td_string!(l, lab.unit_yuan_month).to_string()) />
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
        </form>
    }
}

pub(crate) fn weight_label(l: Locale, name: &str) -> &'static str {
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

/// The names of a group of weights, in the policy's order.
fn group_names(group: &str) -> &'static [&'static str] {
    match group {
        "value.weights" => &["contribution", "support", "credit", "growth", "influence"],
        "expectation.expectation_weights" => &EXPECTATION_DRIVERS,
        _ => &EXPERIENCE_MEASURES,
    }
}

/// A group of weights' values.
fn weights_of(p: &Policy, group: &str) -> Vec<crate::engine::Weight> {
    match group {
        "value.weights" => p.value.weights.as_array().to_vec(),
        "expectation.expectation_weights" => p.expectation.expectation_weights.as_array().to_vec(),
        _ => p.expectation.experience_weights.as_array().to_vec(),
    }
}

/// A group of weights, to change.
fn weights_mut<'a>(p: &'a mut Policy, group: &str) -> Vec<&'a mut crate::engine::Weight> {
    match group {
        "value.weights" => {
            let w = &mut p.value.weights;
            vec![
                &mut w.contribution,
                &mut w.support,
                &mut w.credit,
                &mut w.growth,
                &mut w.influence,
            ]
        }
        "expectation.expectation_weights" => {
            let w = &mut p.expectation.expectation_weights;
            vec![
                &mut w.word_of_mouth,
                &mut w.promotion,
                &mut w.value_background,
                &mut w.environment_lifecycle,
                &mut w.past_experience,
                &mut w.experience_elsewhere,
            ]
        }
        _ => {
            let w = &mut p.expectation.experience_weights;
            vec![
                &mut w.visits,
                &mut w.complaint_handling,
                &mut w.supply_fulfilment,
                &mut w.delivery_punctuality,
                &mut w.ratings,
            ]
        }
    }
}
