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

/// The field a policy path names, for the problem list.
pub(crate) fn path_label(l: Locale, path: &str) -> String {
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

pub(crate) fn sig(f: impl Fn(Locale) -> String + Send + Sync + 'static) -> Signal<String> {
    let i18n = use_i18n();
    Signal::derive(move || f(i18n.get_locale()))
}
