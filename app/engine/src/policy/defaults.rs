//! The default policy (from the seed documents, and kehu's choices where they leave things open)
//! and the key-account preset.

use super::*;

pub(crate) fn c(v: i64) -> Cents {
    Cents::from_int(v)
}

pub(crate) fn w(bp: i64) -> Weight {
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
            name: "初始分类标准".into(),
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
    /// Whether two policies hold the same settings: everything but the name.
    pub fn same_settings(&self, other: &Policy) -> bool {
        Policy {
            name: other.name.clone(),
            ..self.clone()
        } == *other
    }

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
}
