//! The editor's form binding: a number field bound to one value of the draft through a lens,
//! with its parse and rule messages in words.

use super::*;

/// A value an editor field holds, shown and read as exact decimal text.
pub(crate) trait FieldValue: Clone + PartialEq + Send + Sync + 'static {
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
pub(crate) struct Lens<T> {
    pub(crate) get: Arc<dyn Fn(&Policy) -> T + Send + Sync>,
    pub(crate) set: Arc<dyn Fn(&mut Policy) -> &mut T + Send + Sync>,
}

/// Reads a field's text into a copy of the policy: `Some` when the value changes, `None` when not.
pub(crate) type WriteText =
    dyn Fn(&Policy, &str) -> Result<Option<Policy>, ParseFixedError> + Send + Sync;

/// A [`Lens`] with its type erased to text, so one (non-generic) field component serves every
/// kind of number: a generic component would be compiled once per number type into the wasm.
#[derive(Clone)]
pub(crate) struct TextLens {
    pub(crate) show: Arc<dyn Fn(&Policy) -> String + Send + Sync>,
    pub(crate) write: Arc<WriteText>,
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
pub(crate) use lens;

/// A number field: exact text input plus an optional slider, its own parse error and the
/// policy's problems at its path.
#[component]
pub(crate) fn Num(
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
                lab.last_edited.set(Some(p2.clone()));
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
    let write3 = write.clone();
    let p3 = path.clone();
    // ArrowUp/ArrowDown step the number as a number field would (Shift: ten steps).
    let nudge_by = move |ev: leptos::ev::KeyboardEvent| {
        let sign = match ev.key().as_str() {
            "ArrowUp" => 1.0,
            "ArrowDown" => -1.0,
            _ => return,
        };
        ev.prevent_default();
        let by = if ev.shift_key() { 10.0 * sign } else { sign };
        if let Some(next) = nudge(&shown.get_untracked(), slider, by) {
            write3(next);
        }
    };
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
                    on:keydown=nudge_by
                />
                {slider.map(|(min, max, step)| {
                    let write = write2.clone();
                    view! {
                        <input
                            type="range"
                            min=min
                            max=max
                            step=step
                            aria-label=move || label.get()
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

/// `text` moved by `by` steps: the slider's step, or one unit of its last decimal (1 for a whole
/// number, 0.1 for 12.5); kept inside the slider's range, or at 0 or more. `None` when `text` is
/// not a plain number.
pub(crate) fn nudge(text: &str, slider: Option<(f64, f64, f64)>, by: f64) -> Option<String> {
    let t = text.trim();
    // Read as a decimal, not with `str::parse::<f64>`: that one's 10 kB table of powers of five
    // would sit in every page's first download (data is not split into the lazy chunks).
    let v = kehu_engine::fixed::Fixed::<6>::parse(t).ok()?.to_f64();
    let decimals = |s: &str| s.split_once('.').map_or(0, |(_, d)| d.len());
    let places = match slider {
        Some((_, _, step)) => decimals(t).max(decimals(&step.to_string())),
        None => decimals(t),
    }
    .min(6);
    let step = slider.map_or(10f64.powi(-(places as i32)), |s| s.2);
    let (lo, hi) = slider.map_or((0.0, f64::MAX), |s| (s.0, s.1));
    let next = (v + by * step).clamp(lo, hi);
    Some(format!("{next:.places$}"))
}

pub(crate) fn parse_text(l: Locale, e: &ParseFixedError) -> String {
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
pub(crate) fn problem_text(l: Locale, p: &Problem) -> String {
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

/// The setting a policy path names, in words (the problem list, Compare): every leaf of a
/// policy and every group a problem names (`value.weights`); an unknown path is shown as is.
pub(crate) fn path_label(l: Locale, path: &str) -> String {
    // "grade.table[2][3]" → head "grade.table", indices [2, 3].
    let head: String = path.split('[').next().unwrap_or(path).to_string();
    let idx: Vec<usize> = path
        .split('[')
        .skip(1)
        .filter_map(|s| s.split(']').next()?.parse().ok())
        .collect();
    let n = idx.first().map_or(0, |i| i + 1);
    // "scale.per_format[1].large_min_area_m2" → the part after the indices.
    let tail = path
        .rsplit(']')
        .next()
        .unwrap_or("")
        .trim_start_matches('.');
    let (group, last) = head.rsplit_once('.').unwrap_or(("", head.as_str()));
    match (head.as_str(), group) {
        ("name", _) => td_string!(l, lab.draft_name).to_string(),
        ("format", _) => td_string!(l, lab.f.format).to_string(),
        ("assessment_window_months", _) => td_string!(l, lab.f.window).to_string(),
        ("cartons_per_case", _) => td_string!(l, lab.f.cartons_per_case).to_string(),
        ("scale.per_format", _) => {
            let format = BusinessFormat::ALL
                .get(n.saturating_sub(1))
                .map_or("", |f| format_label(l, f.key()));
            match tail {
                "large_min_area_m2" => {
                    td_string!(l, lab.f.scale_large, format = format).to_string()
                }
                _ => td_string!(l, lab.f.scale_medium, format = format).to_string(),
            }
        }
        ("bands.mode", _) => td_string!(l, lab.band_mode).to_string(),
        ("bands.lower_bounds", _) => td_string!(l, lab.f.band_bound, n = n).to_string(),
        ("bands.shares", _) => td_string!(l, lab.f.band_share, n = n).to_string(),
        ("grade.price_floors", _) => td_string!(l, lab.f.price_floor, n = n).to_string(),
        ("grade.table", _) if idx.len() == 2 => {
            td_string!(l, lab.f.grade_cell, band = idx[0] + 1, pc = idx[1] + 1).to_string()
        }
        ("grade.table", _) => td_string!(l, lab.grade_table).to_string(),
        ("value.weights", _) => td_string!(l, lab.value_weights).to_string(),
        ("expectation.expectation_weights", _) => {
            td_string!(l, lab.expectation_weights).to_string()
        }
        ("expectation.experience_weights", _) => td_string!(l, lab.experience_weights).to_string(),
        (_, "value.weights") => format!(
            "{} · {}",
            td_string!(l, lab.value_weights),
            weight_label(l, last)
        ),
        (_, "expectation.expectation_weights") => format!(
            "{} · {}",
            td_string!(l, lab.expectation_weights),
            weight_label(l, last)
        ),
        (_, "expectation.experience_weights") => format!(
            "{} · {}",
            td_string!(l, lab.experience_weights),
            weight_label(l, last)
        ),
        ("value.cuts", _) => td_string!(l, lab.value_cuts).to_string(),
        ("value.cuts.value", _) => td_string!(l, lab.f.cut_value).to_string(),
        ("value.cuts.secondary", _) => td_string!(l, lab.f.cut_secondary).to_string(),
        ("value.cuts.potential", _) => td_string!(l, lab.f.cut_potential).to_string(),
        (_, "value.tiers") => format!(
            "{} · {}",
            td_string!(l, lab.tier_mapping),
            crate::labels::value_class_label(l, last)
        ),
        ("value.red_flags.violations_12m_at_least", _) => {
            td_string!(l, lab.f.violations).to_string()
        }
        ("value.red_flags.monitored", _) => td_string!(l, lab.f.monitored).to_string(),
        ("value.red_flags.credit_below", _) => td_string!(l, lab.f.credit_below).to_string(),
        ("key_account.enabled", _) => td_string!(l, lab.f.ka_enabled).to_string(),
        ("key_account.min_monthly_amount_yuan", _) if idx.is_empty() => {
            td_string!(l, lab.key_accounts).to_string()
        }
        ("key_account.min_monthly_amount_yuan", _) => {
            let tier = match n {
                1 => td_string!(l, portal.ka_special),
                2 => td_string!(l, portal.ka_a),
                3 => td_string!(l, portal.ka_b),
                _ => td_string!(l, portal.ka_c),
            };
            td_string!(l, lab.f.ka_floor, tier = tier).to_string()
        }
        ("expectation.under_served_below", _) => td_string!(l, lab.f.under_served).to_string(),
        ("expectation.over_served_above", _) => td_string!(l, lab.f.over_served).to_string(),
        ("service.visits_per_month", _) => {
            let tier = Tier::ALL
                .get(n.saturating_sub(1))
                .map_or("", |t| tier_label(l, t.key()));
            format!("{} · {tier}", td_string!(l, lab.f.visits, n = n))
        }
        ("service.quota_cases_per_band", _) => td_string!(l, lab.f.quota, n = n).to_string(),
        ("service.manager_capacity_visits_per_month", _) => {
            td_string!(l, lab.f.capacity).to_string()
        }
        ("service.complaint_hours.general", _) => {
            td_string!(l, lab.f.complaint_general).to_string()
        }
        ("service.complaint_hours.major_confirm", _) => {
            td_string!(l, lab.f.complaint_major_confirm).to_string()
        }
        ("service.complaint_hours.major", _) => td_string!(l, lab.f.complaint_major).to_string(),
        (_, "customer_visibility") => {
            let what = match last {
                "band" => td_string!(l, portal.band),
                "grade" => td_string!(l, portal.grade),
                "characteristic_class" => td_string!(l, portal.class),
                "value" => td_string!(l, portal.value),
                "tier" => td_string!(l, portal.tier),
                _ => td_string!(l, portal.key_account),
            };
            format!("{} · {what}", td_string!(l, lab.visibility))
        }
        _ => path.to_string(),
    }
}

/// A setting's value in words where it is not a number (Compare): yes/no, a tier, a band mode.
pub(crate) fn value_label(l: Locale, path: &str, value: &str) -> String {
    match value {
        "true" => td_string!(l, common.yes).to_string(),
        "false" => td_string!(l, common.no).to_string(),
        "thresholds" if path == "bands.mode" => td_string!(l, lab.mode_thresholds).to_string(),
        "shares" if path == "bands.mode" => td_string!(l, lab.mode_shares).to_string(),
        v if path.starts_with("value.tiers.") => match Tier::from_key(v) {
            Some(t) => tier_label(l, t.key()).to_string(),
            None => v.to_string(),
        },
        v => v.to_string(),
    }
}

pub(crate) fn sig(f: impl Fn(Locale) -> String + Send + Sync + 'static) -> Signal<String> {
    let i18n = use_i18n();
    Signal::derive(move || f(i18n.get_locale()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrow_keys_step_a_number_by_its_last_decimal_or_the_sliders_step() {
        assert_eq!(nudge("12", None, 1.0).as_deref(), Some("13"));
        assert_eq!(nudge("12.5", None, -1.0).as_deref(), Some("12.4"));
        assert_eq!(nudge("0.30", None, 10.0).as_deref(), Some("0.40"));
        assert_eq!(
            nudge("0", None, -1.0).as_deref(),
            Some("0"),
            "not below zero"
        );
        assert_eq!(
            nudge("0.95", Some((0.0, 1.0, 0.05)), 2.0).as_deref(),
            Some("1.00"),
            "kept inside the slider's range"
        );
        assert_eq!(nudge("abc", None, 1.0), None);
    }

    /// Compare and the problem list name every setting in words, in both languages: no raw
    /// key (`value.weights.contribution`) reaches the page.
    #[test]
    fn every_setting_of_a_policy_is_named_in_words() {
        let mut leaves = Vec::new();
        let policy = serde_json::to_value(Policy::default()).unwrap();
        logic::flatten("", &policy, &mut leaves);
        assert!(leaves.len() > 80, "{}", leaves.len());
        let groups = [
            "value.weights",
            "expectation.expectation_weights",
            "expectation.experience_weights",
            "grade.table",
        ];
        for l in Locale::get_all() {
            let paths = leaves.iter().map(|(p, _)| p.as_str()).chain(groups);
            for path in paths {
                let label = path_label(*l, path);
                assert!(
                    !label.contains(['.', '_', '[']) && !label.is_empty(),
                    "{l:?}: {path} is shown as {label:?}"
                );
            }
            for (path, value) in &leaves {
                let shown = value_label(*l, path, value);
                let raw = ["true", "false", "thresholds", "shares"];
                assert!(
                    !raw.contains(&shown.as_str()) && Tier::ALL.iter().all(|t| t.key() != shown),
                    "{l:?}: {path} = {value} is shown as {shown:?}"
                );
            }
        }
        assert_eq!(
            path_label(Locale::zh, "value.weights.contribution"),
            "价值指标权重 · 贡献度"
        );
        assert_eq!(
            path_label(Locale::en, "value.weights.contribution"),
            "Value indicator weights · Contribution"
        );
    }
}
