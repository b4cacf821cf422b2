//! The versioned classification policy: every threshold and weight of domain §4–§6, editable by
//! managers, stored as JSON, and validated field by field.

use crate::fixed::{Cases, Cents, Weight};
use crate::model::{BANDS, BusinessFormat, GRADES, PRICE_CLASSES, Tier, ValueClass};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Policy file format version; bumped when the JSON shape changes.
pub const FORMAT: u32 = 1;
/// The longest policy name (it is shown in lists, titles and the audit trail).
pub const MAX_NAME_CHARS: usize = 100;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Shape version of this JSON (currently 1).
    pub format: u32,
    /// Human name, e.g. "2026 Q4 standard".
    pub name: String,
    /// Months averaged for the monthly volume (default 3).
    pub assessment_window_months: u8,
    /// Cartons (条) per case (件), default 50.
    pub cartons_per_case: u16,
    pub scale: ScaleRule,
    pub bands: BandRule,
    pub grade: GradeRule,
    pub value: ValueRule,
    pub key_account: KeyAccountRule,
    pub expectation: ExpectationRule,
    pub service: ServiceRule,
    /// Which classifications a customer sees on their own page.
    pub customer_visibility: CustomerVisibility,
}

/// Scale (large / medium / small) by business area, per format, in `BusinessFormat::ALL` order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScaleRule {
    pub per_format: Vec<ScaleThreshold>,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScaleThreshold {
    /// Area (m²) at or above which the outlet is large.
    pub large_min_area_m2: Cents,
    /// Area (m²) at or above which the outlet is medium (below: small).
    pub medium_min_area_m2: Cents,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BandMode {
    /// Band k holds volumes above `lower_bounds[k-1]`, up to and including the bound above.
    Thresholds,
    /// Band k holds a set share of customers by volume rank; bounds are derived from the population.
    Shares,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BandRule {
    pub mode: BandMode,
    /// Seven strictly decreasing bounds in cases/month. Band 1: volume > b[0]; band k: b[k-1] < v ≤ b[k-2];
    /// band 8: v ≤ b[6]. The upper bound belongs to the band (exactly 20 is band 2).
    pub lower_bounds: Vec<Cases>,
    /// Eight shares of customers (band 1 first) summing to 1, used in `shares` mode.
    pub shares: Vec<Weight>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeRule {
    /// Four strictly decreasing floors of average price per carton (yuan): class 1 ≥ f[0], …, class 5 < f[3].
    pub price_floors: Vec<Cents>,
    /// `table[band-1][price_class-1]` = grade 1..=10 (1 best). Never worse when volume or price rises.
    pub table: Vec<Vec<u8>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueWeights {
    pub contribution: Weight,
    pub support: Weight,
    pub credit: Weight,
    pub growth: Weight,
    pub influence: Weight,
}

impl ValueWeights {
    pub fn as_array(&self) -> [Weight; 5] {
        [
            self.contribution,
            self.support,
            self.credit,
            self.growth,
            self.influence,
        ]
    }
}

/// The five value indicators, in the order of `ValueWeights::as_array`.
pub const INDICATORS: [&str; 5] = ["contribution", "support", "credit", "growth", "influence"];

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueCuts {
    /// Score at or above which a customer is of value (价值).
    pub value: Cents,
    /// … secondary value (次价值).
    pub secondary: Cents,
    /// … potential value (潜在价值); below it, low value (低价值).
    pub potential: Cents,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierMapping {
    pub value: Tier,
    pub secondary: Tier,
    pub potential: Tier,
    pub low: Tier,
}

impl TierMapping {
    pub fn tier_of(&self, class: ValueClass) -> Tier {
        match class {
            ValueClass::Value => self.value,
            ValueClass::Secondary => self.secondary,
            ValueClass::Potential => self.potential,
            ValueClass::Low => self.low,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedFlags {
    /// This many violations in the last 12 months (or more) force the problem tier; 0 disables.
    pub violations_12m_at_least: u16,
    /// A monitored customer (监控户) is in the problem tier.
    pub monitored: bool,
    /// A credit indicator below this forces the problem tier; 0 disables.
    pub credit_below: Cents,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueRule {
    pub weights: ValueWeights,
    pub cuts: ValueCuts,
    pub tiers: TierMapping,
    pub red_flags: RedFlags,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyAccountRule {
    pub enabled: bool,
    /// Minimum monthly order amount (yuan) for special, A, B, C; strictly decreasing.
    pub min_monthly_amount_yuan: Vec<Cents>,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectationWeights {
    pub word_of_mouth: Weight,
    pub promotion: Weight,
    pub value_background: Weight,
    pub environment_lifecycle: Weight,
    pub past_experience: Weight,
    pub experience_elsewhere: Weight,
}

impl ExpectationWeights {
    pub fn as_array(&self) -> [Weight; 6] {
        [
            self.word_of_mouth,
            self.promotion,
            self.value_background,
            self.environment_lifecycle,
            self.past_experience,
            self.experience_elsewhere,
        ]
    }
}

pub const EXPECTATION_DRIVERS: [&str; 6] = [
    "word_of_mouth",
    "promotion",
    "value_background",
    "environment_lifecycle",
    "past_experience",
    "experience_elsewhere",
];

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperienceWeights {
    pub visits: Weight,
    pub complaint_handling: Weight,
    pub supply_fulfilment: Weight,
    pub delivery_punctuality: Weight,
    pub ratings: Weight,
}

impl ExperienceWeights {
    pub fn as_array(&self) -> [Weight; 5] {
        [
            self.visits,
            self.complaint_handling,
            self.supply_fulfilment,
            self.delivery_punctuality,
            self.ratings,
        ]
    }
}

pub const EXPERIENCE_MEASURES: [&str; 5] = [
    "visits",
    "complaint_handling",
    "supply_fulfilment",
    "delivery_punctuality",
    "ratings",
];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectationRule {
    pub expectation_weights: ExpectationWeights,
    pub experience_weights: ExperienceWeights,
    /// A gap (experience − expectation) below this (≤ 0) is under-served.
    pub under_served_below: Cents,
    /// A gap above this (≥ 0) is over-served.
    pub over_served_above: Cents,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceRule {
    /// Visits per month per tier: core, general, problem.
    pub visits_per_month: Vec<u16>,
    /// Monthly supply quota (cases) per band, band 1 first (合理定量).
    pub quota_cases_per_band: Vec<Cases>,
    /// Visits one customer manager can make in a month.
    pub manager_capacity_visits_per_month: u32,
    /// Complaint handling deadlines in working hours (domain §9).
    #[serde(default)]
    pub complaint_hours: ComplaintHours,
}

/// Deadlines per complaint severity, in working hours of the service calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintHours {
    /// A general complaint is handled (closed) within this.
    pub general: u16,
    /// A major complaint is confirmed within this, and escalated to the working group.
    pub major_confirm: u16,
    /// A major complaint is closed within this.
    pub major: u16,
}

impl Default for ComplaintHours {
    fn default() -> Self {
        ComplaintHours {
            general: 24,
            major_confirm: 2,
            major: 16,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerVisibility {
    pub band: bool,
    pub grade: bool,
    pub characteristic_class: bool,
    pub value: bool,
    pub tier: bool,
    pub key_account: bool,
}

/// One problem in a policy, at the path of the field (e.g. `bands.lower_bounds[2]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyIssue {
    pub path: String,
    pub problem: Problem,
}

/// What is wrong, with the numbers involved, so the UI can say it in the manager's language.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Problem {
    WrongLength {
        expected: usize,
        found: usize,
    },
    OutOfRange {
        value: String,
        min: String,
        max: String,
    },
    NotDecreasing {
        value: String,
        previous: String,
    },
    SumNotOne {
        sum: String,
    },
    GradeWorseWithMoreVolume {
        band: u8,
        price_class: u8,
        grade: u8,
        better_band_grade: u8,
    },
    GradeWorseWithHigherPrice {
        band: u8,
        price_class: u8,
        grade: u8,
        better_price_grade: u8,
    },
    MediumAboveLarge {
        medium: String,
        large: String,
    },
    Empty,
    /// A text longer than it may be.
    TooLong {
        max: usize,
    },
    UnsupportedFormat {
        found: u32,
    },
    /// The file is not valid policy JSON (serde's message).
    Syntax {
        message: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WrongLength { expected, found } => {
                write!(f, "needs {expected} entries, has {found}")
            }
            Self::OutOfRange { value, min, max } => {
                write!(f, "{value} is outside the allowed range {min} to {max}")
            }
            Self::NotDecreasing { value, previous } => write!(
                f,
                "{value} must be lower than the value before it ({previous}): bands and classes run from best to worst"
            ),
            Self::SumNotOne { sum } => write!(f, "must add up to 1, but add up to {sum}"),
            Self::GradeWorseWithMoreVolume {
                band,
                price_class,
                grade,
                better_band_grade,
            } => write!(
                f,
                "band {band}, price class {price_class} gives grade {grade}, but the lower-volume band {} gives a better grade {better_band_grade}: more volume must never give a worse grade",
                band + 1
            ),
            Self::GradeWorseWithHigherPrice {
                band,
                price_class,
                grade,
                better_price_grade,
            } => write!(
                f,
                "band {band}, price class {price_class} gives grade {grade}, but the cheaper price class {} gives a better grade {better_price_grade}: a higher price must never give a worse grade",
                price_class + 1
            ),
            Self::MediumAboveLarge { medium, large } => write!(
                f,
                "the medium threshold {medium} m² must not be above the large threshold {large} m²"
            ),
            Self::Empty => write!(f, "must not be empty"),
            Self::TooLong { max } => write!(f, "at most {max} characters"),
            Self::Syntax { message } => write!(f, "{message}"),
            Self::UnsupportedFormat { found } => {
                write!(
                    f,
                    "policy format {found} is not supported (expected {FORMAT})"
                )
            }
        }
    }
}

impl fmt::Display for PolicyIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.problem)
    }
}

fn c(v: i64) -> Cents {
    Cents::from_int(v)
}

fn w(bp: i64) -> Weight {
    Weight::from_raw(bp)
}

impl Default for Policy {
    /// The seed's numbers (volume bands, 42 classes, five value indicators) plus documented defaults
    /// for what the seed leaves open (the domain notes, "The default policy").
    fn default() -> Self {
        let scale = |large, medium| ScaleThreshold {
            large_min_area_m2: c(large),
            medium_min_area_m2: c(medium),
        };
        Self {
            format: FORMAT,
            name: "Default (seed)".into(),
            assessment_window_months: 3,
            cartons_per_case: 50,
            scale: ScaleRule {
                // grocery, convenience, supermarket, department store, tobacco & liquor, entertainment, other
                per_format: vec![
                    scale(60, 20),
                    scale(100, 40),
                    scale(300, 100),
                    scale(2000, 500),
                    scale(60, 20),
                    scale(300, 100),
                    scale(100, 30),
                ],
            },
            bands: BandRule {
                mode: BandMode::Thresholds,
                lower_bounds: [20, 14, 10, 7, 4, 2, 1]
                    .iter()
                    .map(|&v| Cases::from_int(v))
                    .collect(),
                shares: [500, 1000, 1000, 1500, 2000, 2000, 1000, 1000]
                    .iter()
                    .map(|&bp| w(bp))
                    .collect(),
            },
            grade: GradeRule {
                price_floors: [300, 200, 130, 80].iter().map(|&v| c(v)).collect(),
                table: (1..=BANDS as u8)
                    .map(|band| {
                        (1..=PRICE_CLASSES as u8)
                            .map(|pc| (band + pc - 1).min(GRADES as u8))
                            .collect()
                    })
                    .collect(),
            },
            value: ValueRule {
                weights: ValueWeights {
                    contribution: w(3000),
                    support: w(2000),
                    credit: w(2000),
                    growth: w(1500),
                    influence: w(1500),
                },
                cuts: ValueCuts {
                    value: c(75),
                    secondary: c(60),
                    potential: c(45),
                },
                tiers: TierMapping {
                    value: Tier::Core,
                    secondary: Tier::General,
                    potential: Tier::General,
                    low: Tier::Problem,
                },
                red_flags: RedFlags {
                    violations_12m_at_least: 2,
                    monitored: true,
                    credit_below: c(40),
                },
            },
            key_account: KeyAccountRule {
                enabled: false,
                min_monthly_amount_yuan: [200_000, 80_000, 30_000, 10_000]
                    .iter()
                    .map(|&v| c(v))
                    .collect(),
            },
            expectation: ExpectationRule {
                expectation_weights: ExpectationWeights {
                    word_of_mouth: w(1500),
                    promotion: w(2000),
                    value_background: w(2000),
                    environment_lifecycle: w(1000),
                    past_experience: w(2000),
                    experience_elsewhere: w(1500),
                },
                experience_weights: ExperienceWeights {
                    visits: w(2500),
                    complaint_handling: w(2000),
                    supply_fulfilment: w(2000),
                    delivery_punctuality: w(1500),
                    ratings: w(2000),
                },
                under_served_below: c(-10),
                over_served_above: c(15),
            },
            service: ServiceRule {
                visits_per_month: vec![4, 2, 2],
                quota_cases_per_band: [30, 20, 14, 10, 7, 4, 2, 1]
                    .iter()
                    .map(|&v| Cases::from_int(v))
                    .collect(),
                manager_capacity_visits_per_month: 220,
                complaint_hours: ComplaintHours::default(),
            },
            customer_visibility: CustomerVisibility {
                band: true,
                grade: true,
                characteristic_class: true,
                value: false,
                tier: false,
                key_account: false,
            },
        }
    }
}

impl Policy {
    /// The key-account preset (post offices, food wholesalers): key-account tiers by monthly order
    /// amount switched on, visits weighted toward the top tier.
    pub fn key_account_preset() -> Self {
        let mut p = Self {
            name: "Key accounts".into(),
            ..Self::default()
        };
        p.key_account.enabled = true;
        p.key_account.min_monthly_amount_yuan = [500_000, 200_000, 50_000, 10_000]
            .iter()
            .map(|&v| c(v))
            .collect();
        p.service.visits_per_month = vec![8, 4, 2];
        p.customer_visibility.key_account = true;
        p
    }

    /// Reads a policy JSON file and validates it. Parse errors name the line and column.
    pub fn from_json(text: &str) -> Result<Self, Vec<PolicyIssue>> {
        let p: Self = serde_json::from_str(text).map_err(|e| {
            vec![PolicyIssue {
                path: format!("line {}, column {}", e.line(), e.column()),
                problem: Problem::Syntax {
                    message: e.to_string(),
                },
            }]
        })?;
        let issues = p.validate();
        if issues.is_empty() {
            Ok(p)
        } else {
            Err(issues)
        }
    }

    /// Every problem of the policy; empty when it can be used.
    pub fn validate(&self) -> Vec<PolicyIssue> {
        let mut v = Validator::default();
        if self.format != FORMAT {
            v.push("format", Problem::UnsupportedFormat { found: self.format });
        }
        if self.name.trim().is_empty() {
            v.push("name", Problem::Empty);
        } else if self.name.chars().count() > MAX_NAME_CHARS {
            v.push(
                "name",
                Problem::TooLong {
                    max: MAX_NAME_CHARS,
                },
            );
        }
        v.int_range(
            "assessment_window_months",
            i64::from(self.assessment_window_months),
            1,
            12,
        );
        v.int_range(
            "cartons_per_case",
            i64::from(self.cartons_per_case),
            1,
            1000,
        );

        if v.len(
            "scale.per_format",
            self.scale.per_format.len(),
            BusinessFormat::COUNT,
        ) {
            for (i, t) in self.scale.per_format.iter().enumerate() {
                let p = format!("scale.per_format[{i}]");
                v.range(
                    &format!("{p}.large_min_area_m2"),
                    t.large_min_area_m2,
                    c(0),
                    c(1_000_000),
                );
                v.range(
                    &format!("{p}.medium_min_area_m2"),
                    t.medium_min_area_m2,
                    c(0),
                    c(1_000_000),
                );
                if t.medium_min_area_m2 > t.large_min_area_m2 {
                    v.push(
                        &format!("{p}.medium_min_area_m2"),
                        Problem::MediumAboveLarge {
                            medium: t.medium_min_area_m2.to_string(),
                            large: t.large_min_area_m2.to_string(),
                        },
                    );
                }
            }
        }

        if v.len(
            "bands.lower_bounds",
            self.bands.lower_bounds.len(),
            BANDS - 1,
        ) {
            v.decreasing(
                "bands.lower_bounds",
                &self.bands.lower_bounds,
                Cases::ZERO,
                Cases::from_int(100_000),
            );
        }
        if v.len("bands.shares", self.bands.shares.len(), BANDS) {
            for (i, s) in self.bands.shares.iter().enumerate() {
                v.range(&format!("bands.shares[{i}]"), *s, w(0), w(10_000));
            }
            v.sums_to_one("bands.shares", self.bands.shares.iter().copied());
        }

        if v.len(
            "grade.price_floors",
            self.grade.price_floors.len(),
            PRICE_CLASSES - 1,
        ) {
            v.decreasing(
                "grade.price_floors",
                &self.grade.price_floors,
                c(0),
                c(100_000),
            );
        }
        if v.len("grade.table", self.grade.table.len(), BANDS) {
            let mut shaped = true;
            for (b, row) in self.grade.table.iter().enumerate() {
                shaped &= v.len(&format!("grade.table[{b}]"), row.len(), PRICE_CLASSES);
            }
            if shaped {
                self.validate_grade_table(&mut v);
            }
        }

        let vr = &self.value;
        for (name, weight) in INDICATORS.iter().zip(vr.weights.as_array()) {
            v.range(&format!("value.weights.{name}"), weight, w(0), w(10_000));
        }
        v.sums_to_one("value.weights", vr.weights.as_array().into_iter());
        let cuts = [vr.cuts.value, vr.cuts.secondary, vr.cuts.potential];
        for (name, cut) in ["value", "secondary", "potential"].iter().zip(cuts) {
            v.range(&format!("value.cuts.{name}"), cut, c(0), c(100));
        }
        if vr.cuts.secondary >= vr.cuts.value {
            v.push(
                "value.cuts.secondary",
                Problem::NotDecreasing {
                    value: vr.cuts.secondary.to_string(),
                    previous: vr.cuts.value.to_string(),
                },
            );
        }
        if vr.cuts.potential >= vr.cuts.secondary {
            v.push(
                "value.cuts.potential",
                Problem::NotDecreasing {
                    value: vr.cuts.potential.to_string(),
                    previous: vr.cuts.secondary.to_string(),
                },
            );
        }
        v.range(
            "value.red_flags.credit_below",
            vr.red_flags.credit_below,
            c(0),
            c(100),
        );

        if v.len(
            "key_account.min_monthly_amount_yuan",
            self.key_account.min_monthly_amount_yuan.len(),
            4,
        ) {
            v.decreasing(
                "key_account.min_monthly_amount_yuan",
                &self.key_account.min_monthly_amount_yuan,
                c(0),
                c(1_000_000_000),
            );
        }

        let e = &self.expectation;
        for (name, weight) in EXPECTATION_DRIVERS
            .iter()
            .zip(e.expectation_weights.as_array())
        {
            v.range(
                &format!("expectation.expectation_weights.{name}"),
                weight,
                w(0),
                w(10_000),
            );
        }
        v.sums_to_one(
            "expectation.expectation_weights",
            e.expectation_weights.as_array().into_iter(),
        );
        for (name, weight) in EXPERIENCE_MEASURES
            .iter()
            .zip(e.experience_weights.as_array())
        {
            v.range(
                &format!("expectation.experience_weights.{name}"),
                weight,
                w(0),
                w(10_000),
            );
        }
        v.sums_to_one(
            "expectation.experience_weights",
            e.experience_weights.as_array().into_iter(),
        );
        v.range(
            "expectation.under_served_below",
            e.under_served_below,
            c(-100),
            c(0),
        );
        v.range(
            "expectation.over_served_above",
            e.over_served_above,
            c(0),
            c(100),
        );

        let s = &self.service;
        if v.len(
            "service.visits_per_month",
            s.visits_per_month.len(),
            Tier::COUNT,
        ) {
            for (i, n) in s.visits_per_month.iter().enumerate() {
                v.int_range(
                    &format!("service.visits_per_month[{i}]"),
                    i64::from(*n),
                    0,
                    31,
                );
            }
        }
        if v.len(
            "service.quota_cases_per_band",
            s.quota_cases_per_band.len(),
            BANDS,
        ) {
            for (i, q) in s.quota_cases_per_band.iter().enumerate() {
                v.range(
                    &format!("service.quota_cases_per_band[{i}]"),
                    *q,
                    Cases::ZERO,
                    Cases::from_int(100_000),
                );
            }
        }
        v.int_range(
            "service.manager_capacity_visits_per_month",
            i64::from(s.manager_capacity_visits_per_month),
            1,
            10_000,
        );
        let h = s.complaint_hours;
        for (path, hours) in [
            ("service.complaint_hours.general", h.general),
            ("service.complaint_hours.major_confirm", h.major_confirm),
            ("service.complaint_hours.major", h.major),
        ] {
            v.int_range(path, i64::from(hours), 1, 2_000);
        }
        v.issues
    }

    fn validate_grade_table(&self, v: &mut Validator) {
        let t = &self.grade.table;
        for (b, row) in t.iter().enumerate() {
            for (p, &g) in row.iter().enumerate() {
                let path = format!("grade.table[{b}][{p}]");
                if !(1..=GRADES as u8).contains(&g) {
                    v.int_range(&path, i64::from(g), 1, GRADES as i64);
                    continue;
                }
                // Band b (0-based) has more volume than band b+1: its grade must be at least as good.
                if b + 1 < t.len() && g > t[b + 1][p] {
                    v.push(
                        &path,
                        Problem::GradeWorseWithMoreVolume {
                            band: b as u8 + 1,
                            price_class: p as u8 + 1,
                            grade: g,
                            better_band_grade: t[b + 1][p],
                        },
                    );
                }
                if p + 1 < row.len() && g > row[p + 1] {
                    v.push(
                        &path,
                        Problem::GradeWorseWithHigherPrice {
                            band: b as u8 + 1,
                            price_class: p as u8 + 1,
                            grade: g,
                            better_price_grade: row[p + 1],
                        },
                    );
                }
            }
        }
    }

    /// Band lower bounds as an array (valid policies only).
    pub fn band_bounds(&self) -> [Cases; BANDS - 1] {
        let mut out = [Cases::ZERO; BANDS - 1];
        out.copy_from_slice(&self.bands.lower_bounds[..BANDS - 1]);
        out
    }
}

#[derive(Default)]
struct Validator {
    issues: Vec<PolicyIssue>,
}

impl Validator {
    fn push(&mut self, path: &str, problem: Problem) {
        self.issues.push(PolicyIssue {
            path: path.to_string(),
            problem,
        });
    }

    fn len(&mut self, path: &str, found: usize, expected: usize) -> bool {
        if found != expected {
            self.push(path, Problem::WrongLength { expected, found });
            false
        } else {
            true
        }
    }

    fn int_range(&mut self, path: &str, value: i64, min: i64, max: i64) {
        if value < min || value > max {
            self.push(
                path,
                Problem::OutOfRange {
                    value: value.to_string(),
                    min: min.to_string(),
                    max: max.to_string(),
                },
            );
        }
    }

    fn range<const D: u32>(
        &mut self,
        path: &str,
        value: crate::Fixed<D>,
        min: crate::Fixed<D>,
        max: crate::Fixed<D>,
    ) {
        if value < min || value > max {
            self.push(
                path,
                Problem::OutOfRange {
                    value: value.to_string(),
                    min: min.to_string(),
                    max: max.to_string(),
                },
            );
        }
    }

    fn decreasing<const D: u32>(
        &mut self,
        path: &str,
        values: &[crate::Fixed<D>],
        min: crate::Fixed<D>,
        max: crate::Fixed<D>,
    ) {
        for (i, &x) in values.iter().enumerate() {
            let p = format!("{path}[{i}]");
            self.range(&p, x, min, max);
            if i > 0 && x >= values[i - 1] {
                self.push(
                    &p,
                    Problem::NotDecreasing {
                        value: x.to_string(),
                        previous: values[i - 1].to_string(),
                    },
                );
            }
        }
    }

    fn sums_to_one(&mut self, path: &str, weights: impl Iterator<Item = Weight>) {
        let sum = weights.fold(Weight::ZERO, |a, b| a + b);
        if sum != Weight::from_int(1) {
            self.push(
                path,
                Problem::SumNotOne {
                    sum: sum.to_string(),
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_preset_are_valid() {
        assert_eq!(Policy::default().validate(), vec![]);
        assert_eq!(Policy::key_account_preset().validate(), vec![]);
    }

    #[test]
    fn default_grade_table_never_worsens_and_spans_one_to_ten() {
        let p = Policy::default();
        assert_eq!(p.grade.table[0][0], 1);
        assert_eq!(p.grade.table[7][4], 10);
    }

    #[test]
    fn json_round_trip_keeps_every_number() {
        let p = Policy::key_account_preset();
        let text = serde_json::to_string_pretty(&p).unwrap();
        assert_eq!(Policy::from_json(&text).unwrap(), p);
    }

    #[test]
    fn bands_out_of_order_are_named_at_the_field() {
        let mut p = Policy::default();
        p.bands.lower_bounds[2] = Cases::from_int(15); // above band 2's 14
        let issues = p.validate();
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!(issues[0].path, "bands.lower_bounds[2]");
        assert!(
            issues[0].to_string().contains("must be lower"),
            "{}",
            issues[0]
        );
    }

    #[test]
    fn weights_must_sum_to_one() {
        let mut p = Policy::default();
        p.value.weights.growth = w(1000);
        let issues = p.validate();
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].path, "value.weights");
        assert_eq!(issues[0].problem, Problem::SumNotOne { sum: "0.95".into() });
    }

    #[test]
    fn grade_table_that_worsens_with_volume_is_refused() {
        let mut p = Policy::default();
        p.grade.table[2][0] = 9; // band 3 worse than band 4 (4)
        let issues = p.validate();
        assert!(issues.iter().any(|i| i.path == "grade.table[2][0]"
            && matches!(i.problem, Problem::GradeWorseWithMoreVolume { band: 3, .. })));
        assert!(
            issues
                .iter()
                .any(|i| matches!(i.problem, Problem::GradeWorseWithHigherPrice { .. }))
        );
    }

    #[test]
    fn malformed_json_names_line_and_column() {
        let err = Policy::from_json("{\n  \"format\": 1,\n  \"name\": }").unwrap_err();
        assert!(err[0].path.starts_with("line 3, column"), "{:?}", err[0]);
        let err = Policy::from_json("{\"format\": 1}").unwrap_err();
        assert!(err[0].to_string().contains("missing field"), "{}", err[0]);
    }

    #[test]
    fn wrong_lengths_and_ranges_are_reported_not_panicked() {
        let mut p = Policy::default();
        p.bands.lower_bounds.pop();
        p.grade.table[1].push(3);
        p.service.visits_per_month = vec![40, 2, 2];
        p.expectation.under_served_below = c(5);
        let paths: Vec<_> = p.validate().into_iter().map(|i| i.path).collect();
        assert_eq!(
            paths,
            vec![
                "bands.lower_bounds",
                "grade.table[1]",
                "expectation.under_served_below",
                "service.visits_per_month[0]"
            ]
        );
    }

    /// Shapes of policy JSON the fuzzer found (server/fuzz, target `policy`): each is refused
    /// with the path of what is wrong, never a panic, and classifying with a policy that passes
    /// never panics either.
    #[test]
    fn fuzzed_policies_are_refused_at_their_field() {
        let default = serde_json::to_value(Policy::default()).unwrap();
        let with = |path: &[&str], v: serde_json::Value| {
            let mut j = default.clone();
            let mut at = &mut j;
            for key in &path[..path.len() - 1] {
                at = match key.parse::<usize>() {
                    Ok(i) => &mut at[i],
                    Err(_) => &mut at[*key],
                };
            }
            let last = path[path.len() - 1];
            match last.parse::<usize>() {
                Ok(i) => at[i] = v,
                Err(_) => at[last] = v,
            }
            j.to_string()
        };
        use serde_json::json;
        let cases = [
            (
                with(&["assessment_window_months"], json!(0)),
                "assessment_window_months",
            ),
            (
                with(&["bands", "lower_bounds", "0"], json!(1e300)),
                "line 1",
            ),
            (
                with(&["bands", "lower_bounds", "3"], json!("12.0001")),
                "line 1",
            ),
            (with(&["bands", "shares", "3"], json!(-0.5)), "bands"),
            (
                with(&["grade", "table", "0", "0"], json!(0)),
                "grade.table[0][0]",
            ),
            (with(&["grade", "table", "5"], json!([])), "grade.table[5]"),
            (
                with(&["grade", "price_floors", "3"], json!(400)),
                "grade.price_floors",
            ),
            (with(&["format"], json!(4294967296u64)), "line 1"),
            (
                with(&["value", "weights", "support"], json!(2)),
                "value.weights",
            ),
            (with(&["name"], json!("")), "name"),
            (with(&["name"], json!("名".repeat(101))), "name"),
            (
                with(&["scale", "per_format"], json!([])),
                "scale.per_format",
            ),
            (
                with(&["key_account", "min_monthly_amount_yuan", "1"], json!(1e9)),
                "key_account.min_monthly_amount_yuan",
            ),
        ];
        for (text, path) in &cases {
            let issues = Policy::from_json(text).expect_err(path);
            assert!(
                issues.iter().any(|i| i.path.starts_with(path)),
                "{path}: {issues:?}"
            );
        }
        // Edge values that are allowed classify without a panic.
        let edge = with(
            &["bands", "lower_bounds"],
            json!([100000, 1000, 100, 10, 1, 0.5, 0.001]),
        );
        let p = Policy::from_json(&edge).unwrap();
        let mut pop = crate::Population::with_capacity(3);
        for v in [0, 1, i64::from(u32::MAX)] {
            let f = crate::CustomerFacts {
                monthly_volume: crate::Cases::from_raw(v),
                ..Default::default()
            };
            pop.push(&f, 0, Some(8), None);
        }
        let mut out = crate::Outcomes::default();
        crate::classify_all(&p, &pop, 1, &mut out);
        assert_eq!(
            out.band,
            vec![8, 8, 1],
            "0.001 closes band 8; u32::MAX is above every bound"
        );
    }
}
