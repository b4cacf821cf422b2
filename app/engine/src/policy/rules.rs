//! The policy's rules: scale, bands, grades, value, red flags, key accounts, expectation and
//! experience weights, service, complaint hours and what customers see.

use super::*;

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

impl ServiceRule {
    /// Visits a month a customer of `tier` is owed (0 where the policy lists none).
    pub fn visits_for(&self, tier: Tier) -> u32 {
        self.visits_per_month
            .get(tier.index())
            .copied()
            .map_or(0, u32::from)
    }
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
