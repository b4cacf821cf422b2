//! What the draft does: counts per tier and band, the band transition heat map, who moves and
//! why, and the impact on quota, visit workload and the satisfaction gap.

use super::*;

/// Runs `f` with the published summary and the latest run, when both exist.
pub(crate) fn with_both<R>(lab: Lab, f: impl FnOnce(&Loaded, &Timed) -> R) -> Option<R> {
    let l = lab.loaded.get()?;
    lab.result.with(|r| r.as_ref().map(|t| f(&l, t)))
}

/// One part of the latest run's summary, with the published summary's, as a memo: what shows
/// it is redrawn only when its numbers change, not on every edit.
pub(crate) fn part<T: Clone + PartialEq + Send + Sync + 'static>(
    lab: Lab,
    f: impl Fn(&Summary) -> T + Send + Sync + 'static,
) -> Memo<Option<(T, T)>> {
    Memo::new(move |_| with_both(lab, |ld, t| (f(&ld.before), f(&t.run.summary))))
}

/// `m`'s value after the next paint: what shows it (a chart, the workload list) is redrawn
/// after the frame that shows the counts, the heat map and the movers, so a keystroke is
/// painted within a frame; changes meanwhile are drawn once, with the latest value.
pub(crate) fn after_paint<T: Clone + PartialEq + Send + Sync + 'static>(
    m: Memo<T>,
) -> ReadSignal<T> {
    let (get, set) = signal(m.get_untracked());
    let pending = StoredValue::new(false);
    Effect::new(move |_| {
        m.track();
        if pending.get_value() {
            return;
        }
        pending.set_value(true);
        request_animation_frame(move || {
            set_timeout(
                move || {
                    pending.set_value(false);
                    set.set(m.get_untracked());
                },
                std::time::Duration::ZERO,
            );
        });
    });
    get
}

/// Customers per label before and after the draft, side by side, `width` pixels wide.
fn before_after_chart(
    l: Locale,
    labels: &[String],
    (before, after): (&[u32], &[u32]),
    x_desc: &str,
    width: u32,
) -> String {
    grouped_bar_chart_svg(
        labels,
        &[
            Series {
                name: td_string!(l, lab.before),
                values: before,
                color: MUTED,
            },
            Series {
                name: td_string!(l, lab.after),
                values: after,
                color: PRIMARY,
            },
        ],
        x_desc,
        td_string!(l, dashboard.count_axis),
        (width, 230),
    )
}

#[component]
pub(crate) fn CountsPanel(lab: Lab) -> impl IntoView {
    let i18n = use_i18n();
    let tiers = part(lab, |s| s.tier_counts.clone());
    let bands = after_paint(part(lab, |s| s.band_counts.clone()));
    let tiers_drawn = after_paint(tiers);
    let tier_chart = move || {
        let l = i18n.get_locale();
        tiers_drawn
            .with(|c| {
                c.as_ref().map(|(before, after)| {
                    let labels: Vec<String> = Tier::ALL
                        .iter()
                        .map(|x| tier_label(l, x.key()).to_string())
                        .collect();
                    let counts = (&before[..], &after[..]);
                    before_after_chart(l, &labels, counts, td_string!(l, lab.tier_axis), 340)
                })
            })
            .unwrap_or_default()
    };
    let band_chart = move || {
        let l = i18n.get_locale();
        bands
            .with(|c| {
                c.as_ref().map(|(before, after)| {
                    let labels: Vec<String> = (1..=BANDS).map(|b| b.to_string()).collect();
                    let counts = (&before[..], &after[..]);
                    before_after_chart(l, &labels, counts, td_string!(l, dashboard.band_axis), 340)
                })
            })
            .unwrap_or_default()
    };
    let rows = move || {
        tiers
            .with(|c| {
                c.as_ref().map(|(before, after)| {
                    Tier::ALL
                        .iter()
                        .map(|x| (x.key(), before[x.index()], after[x.index()]))
                        .collect::<Vec<_>>()
                })
            })
            .unwrap_or_default()
    };
    view! {
        <section class="panel">
            <details open>
                <summary><h2>{t!(i18n, lab.counts)}</h2></summary>
                <table class="compact" data-testid="tier-counts">
                    <thead>
                        <tr><th scope="col">{t!(i18n, lab.col_tier)}</th><th scope="col" class="num">{t!(i18n, lab.before)}</th><th scope="col" class="num">{t!(i18n, lab.after)}</th><th scope="col" class="num"><abbr title=move || t_string!(i18n, lab.change)>"Δ"</abbr></th></tr>
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

pub(crate) fn delta(d: i64) -> String {
    if d > 0 {
        format!("+{d}")
    } else {
        d.to_string()
    }
}

/// Band transitions, published → draft, as a heat map (a table with shaded cells).
#[component]
pub(crate) fn HeatMap(lab: Lab) -> impl IntoView {
    let i18n = use_i18n();
    let matrix = Memo::new(move |_| {
        lab.result
            .with(|r| r.as_ref().map(|t| t.run.summary.band_transitions.clone()))
            .unwrap_or_default()
    });
    // The table is built once; each cell follows its own number and shade, so an edit writes
    // to the page only the cells it changes.
    let cell = move |from: usize, to: usize| {
        Memo::new(move |_| {
            matrix.with(|m| {
                let n = m.get(from).and_then(|r| r.get(to)).copied().unwrap_or(0);
                let a = if n == 0 {
                    0.0
                } else {
                    logic::heat_shade(m, from, to)
                };
                let style = if a == 0.0 {
                    String::new()
                } else {
                    let (alpha, ink) = logic::heat_colour(a);
                    format!("background: rgba(15, 92, 77, {alpha:.2}); color: {ink}")
                };
                (n, style)
            })
        })
    };
    // New customers (no band before) have a row only when there are any.
    let no_new =
        Memo::new(move |_| matrix.with(|m| m.first().is_none_or(|r| r.iter().all(|&n| n == 0))));
    let rows = (0..=BANDS)
        .map(|from| {
            let cells = (0..BANDS)
                .map(|to| {
                    let c = cell(from, to);
                    view! {
                        <td class="num" class:diag=from == to + 1 style=move || c.with(|c| c.1.clone()) data-from=from data-to=to + 1>{move || c.with(|c| c.0)}</td>
                    }
                })
                .collect_view();
            view! {
                <tr hidden=move || from == 0 && no_new.get()>
                    <th scope="row" title=move || if from == 0 { t_string!(i18n, lab.new_customer).to_string() } else { band_label(i18n.get_locale(), from as u8) }>
                        {if from == 0 { "—".to_string() } else { from.to_string() }}
                    </th>
                    {cells}
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel">
            <details open>
                <summary><h2>{t!(i18n, lab.transitions)}</h2></summary>
                <p class="muted small">{t!(i18n, lab.transitions_hint)}</p>
                <div class="grid-scroll" tabindex="0" role="region" aria-label=move || t_string!(i18n, lab.transitions)>
                    <table class="heat" data-testid="band-heatmap">
                        <thead>
                            <tr>
                                <th scope="col">{t!(i18n, lab.from_to)}</th>
                                {(1..=BANDS).map(|b| view! { <th scope="col">{b}</th> }).collect_view()}
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            </details>
        </section>
    }
}

#[component]
pub(crate) fn MoversPanel(lab: Lab) -> impl IntoView {
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
    // Outside the view: a `>` in an attribute's expression would end the tag.
    let on_last_page = move || page.get() + 1 >= pages();
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
                    let rules = logic::rules_of(policy, &t.run.summary);
                    logic::mover_rows(&rules, &l.snap, &l.ids, &f[start..end])
                })
            })
        })
    });
    // Names and codes of the shown rows come from the server, a page at a time, asked for after
    // the frame that shows the rows (a keystroke is painted first, and a burst of edits asks
    // once, for the rows shown last).
    let names = RwSignal::new(HashMap::<i64, CustomerLabel>::new());
    let asking = StoredValue::new(false);
    Effect::new(move |_| {
        rows.track();
        if asking.get_value() {
            return;
        }
        asking.set_value(true);
        request_animation_frame(move || {
            set_timeout(
                move || {
                    asking.set_value(false);
                    let want: Vec<i64> = rows.with_untracked(|r| {
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
                },
                std::time::Duration::ZERO,
            );
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
                        <button type="button" data-testid="movers-next" disabled=on_last_page on:click=move |_| page.update(|p| *p += 1)>
                            {t!(i18n, common.next)}
                        </button>
                    </nav>
                </Show>
            </details>
        </section>
    }
}

#[component]
pub(crate) fn MoverLine(
    lab: Lab,
    m: MoverRow,
    names: RwSignal<HashMap<i64, CustomerLabel>>,
) -> impl IntoView {
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
                        score = crate::labels::score_text(m.now.value_score),
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
            <td data-label=move || t_string!(i18n, lab.reason) class="why">{reason}</td>
        </tr>
    }
}

/// Customer managers listed in the workload before "show all".
const WORKLOAD_ROWS: usize = 12;

#[component]
pub(crate) fn ImpactPanel(lab: Lab) -> impl IntoView {
    let i18n = use_i18n();
    let quota = Memo::new(move |_| {
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
    });
    let quota = after_paint(quota);
    let quota = move || quota.get();
    // The busiest customer managers unless all are asked for.
    let all_managers = RwSignal::new(false);
    let workload = Memo::new(move |_| {
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
            let total = rows.len();
            // The busiest few: at a province's size hundreds may be over capacity, and a row
            // each (rebuilt after every edit) made the page 13,000 px longer.
            let shown = if all_managers.get() {
                total
            } else {
                WORKLOAD_ROWS
            };
            rows.truncate(shown);
            (rows, s.manager_capacity, s.managers_over_capacity, total)
        })
    });
    let workload = after_paint(workload);
    let workload = move || workload.get();
    let histogram = after_paint(part(lab, |s| s.gap_histogram.clone()));
    let gap = move || {
        let l = i18n.get_locale();
        histogram.with(|h| {
            let (_, h) = h.as_ref()?;
            if h.iter().all(|&n| n == 0) {
                return None;
            }
            let (labels, values) = logic::gap_chart(h, 10);
            Some(bar_chart_svg(
                &labels,
                &values,
                td_string!(l, lab.gap_axis),
                td_string!(l, dashboard.count_axis),
                (340, 220),
            ))
        })
    };
    view! {
        <section class="panel">
            <details open>
                <summary><h2>{t!(i18n, lab.impact)}</h2></summary>
                <h3>{t!(i18n, lab.quota)}</h3>
                {move || quota().map(|(rows, before, after)| view! {
                    <table class="compact" data-testid="quota-table">
                        <thead><tr><th scope="col">{t!(i18n, lab.col_band)}</th><th scope="col" class="num">{t!(i18n, lab.before)}</th><th scope="col" class="num">{t!(i18n, lab.after)}</th></tr></thead>
                        <tbody>
                            {rows.into_iter().map(|(b, x, y)| view! {
                                <tr><th scope="row">{move || band_label(i18n.get_locale(), b)}</th><td class="num">{x}</td><td class="num">{y}</td></tr>
                            }).collect_view()}
                            <tr class="total"><th scope="row">{t!(i18n, lab.total)}</th><td class="num">{before}</td><td class="num" data-testid="quota-total">{after}</td></tr>
                        </tbody>
                    </table>
                })}
                <h3>{t!(i18n, lab.workload)}</h3>
                {move || workload().map(|(rows, cap, over, total)| {
                    let hidden = total - rows.len();
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
                        {(hidden > 0 || all_managers.get_untracked()).then(|| view! {
                            <button type="button" class="link" data-testid="workload-all" on:click=move |_| all_managers.update(|a| *a = !*a)>
                                {move || if all_managers.get() { t_string!(i18n, lab.workload_fewer).to_string() } else { t_string!(i18n, lab.workload_all, n = total).to_string() }}
                            </button>
                        })}
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
