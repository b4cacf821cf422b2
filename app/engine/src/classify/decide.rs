//! The classification itself, without explanations: band, grade, class, value, tier, red flags,
//! key account and gap (what the batch runs for everyone).

use super::*;

/// Red flags that force the problem tier whatever the value score.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedFlags {
    /// (violations in 12 months, the policy's limit) when the limit is reached.
    pub violations: Option<(u16, u16)>,
    pub monitored: bool,
    /// (credit points, the policy's floor) when credit is below it.
    pub low_credit: Option<(Cents, Cents)>,
}

impl RedFlags {
    pub fn any(&self) -> bool {
        self.violations.is_some() || self.monitored || self.low_credit.is_some()
    }
}

/// The results without explanation: what the batch stores per customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Core {
    pub band: u8,
    pub price_class: u8,
    pub grade: u8,
    pub class: CharacteristicClass,
    pub value_score: Score,
    pub value_class: ValueClass,
    pub red_flags: RedFlags,
    pub tier: Tier,
    pub monthly_amount: Cents,
    pub key_account: KeyAccountTier,
    pub expectation: Option<Score>,
    pub experience: Option<Score>,
    pub gap_class: GapClass,
}

impl Core {
    pub fn gap(&self) -> Option<Score> {
        Some(self.experience? - self.expectation?)
    }
}

/// The one place the rules are applied; batch and single-customer paths both call it.
#[inline]
pub fn classify_core(rules: &Rules, f: &CustomerFacts) -> Core {
    let volume = f.monthly_volume.raw();
    let price = f.avg_price.map(|p| p.raw());
    let band = rules.band(volume);
    let price_class = rules.price_class(price);
    let grade = rules.table[usize::from(band - 1)][usize::from(price_class - 1)];
    let class = CharacteristicClass {
        format: f.format,
        market: f.market,
        scale: rules.scale(f.format, f.business_area_m2.raw()),
    };
    let points = f.indicators.as_array().map(|c| c.raw());
    let score = weighted(&rules.value_weights, &points);
    let value_class = rules.value_class(score);
    let credit = f.indicators.credit;
    let red_flags = rules.red_flags(f.violations_12m, f.monitored, credit);
    let tier = if red_flags.any() {
        Tier::Problem
    } else {
        rules.tier_of[value_class.index()]
    };
    let amount = rules.monthly_amount(f.monthly_amount.map(|a| a.raw()), volume, price);
    let key_account = rules.key_account(amount);
    let (expectation, experience) = rules.service_scores(f.service.as_ref());
    let gap_class = rules.gap_class_of(expectation, experience);
    Core {
        band,
        price_class,
        grade,
        class,
        value_score: Score::from_raw(score),
        value_class,
        red_flags,
        tier,
        monthly_amount: Cents::from_raw(amount),
        key_account,
        expectation,
        experience,
        gap_class,
    }
}
