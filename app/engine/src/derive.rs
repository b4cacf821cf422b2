//! Deriving the engine's facts from records (domain §3, §4, §5). Pure functions; the server feeds
//! them from the database, tests feed them by hand. Every rule here is told in the domain notes
//! (README.md beside this crate).

use crate::fixed::{Cases, Cents};

/// Monthly average volume in cases over the last `window` months of `cartons` (oldest first;
/// missing months count as zero). Rounded **up** to a thousandth of a case, which keeps every
/// "more than a bound" decision exact for bounds given in thousandths.
pub fn monthly_average_cases(cartons: &[i64], window: u8, cartons_per_case: u16) -> Cases {
    let w = usize::from(window.max(1));
    let total: i64 = cartons
        .iter()
        .rev()
        .take(w)
        .fold(0i64, |t, c| t.saturating_add((*c).max(0)));
    average_cases_from_total(total, window, cartons_per_case)
}

/// The same from the total cartons bought in the window. Wide arithmetic: no stored total
/// overflows it (the result saturates at the largest volume).
pub fn average_cases_from_total(total_cartons: i64, window: u8, cartons_per_case: u16) -> Cases {
    let denom = i128::from(window.max(1)) * i128::from(cartons_per_case.max(1));
    let milli = (i128::from(total_cartons.max(0)) * 1000 + denom - 1) / denom;
    Cases::from_raw(saturate(milli))
}

/// An i128 result as i64, saturating.
fn saturate(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

/// Average price per carton (yuan) = amount / cartons, rounded half up to the fen; `None` without cartons.
pub fn average_price(amount_fen: i64, cartons: i64) -> Option<Cents> {
    (cartons > 0).then(|| {
        let (a, c) = (i128::from(amount_fen), i128::from(cartons));
        Cents::from_raw(saturate((2 * a + c) / (2 * c)))
    })
}

/// Growth of the last `window` months against the `window` before, as a ratio in hundredths of a
/// percent (basis points); `None` when the previous window had no purchases.
pub fn growth_bp(cartons: &[i64], window: u8) -> Option<i64> {
    let w = usize::from(window.max(1));
    let n = cartons.len();
    let sum = |s: &[i64]| s.iter().fold(0i64, |t, c| t.saturating_add(*c));
    let cur = sum(&cartons[n.saturating_sub(w)..]);
    let prev = sum(&cartons[n.saturating_sub(2 * w)..n.saturating_sub(w)]);
    growth_bp_from_totals(cur, prev)
}

/// Growth from the current and previous windows' totals, basis points.
pub fn growth_bp_from_totals(current: i64, previous: i64) -> Option<i64> {
    (previous > 0).then(|| {
        saturate((i128::from(current) - i128::from(previous)) * 10_000 / i128::from(previous))
    })
}

/// Growth indicator 0–100: 50 is flat, +100 % or more is 100, −100 % is 0 (linear between);
/// no history scores 50.
pub fn growth_points(growth_bp: Option<i64>) -> Cents {
    match growth_bp {
        None => Cents::from_int(50),
        // 50 points + growth% / 2, in hundredths of a point: bp / 2 = hundredths of a point.
        Some(bp) => Cents::from_raw((bp / 2).saturating_add(5_000).clamp(0, 10_000)),
    }
}

/// Percentile points 0–100 of each value within its population (the contribution indicator):
/// the share of other customers with a strictly smaller value, ties sharing the same points.
pub fn percentile_points(values: &[i64]) -> Vec<Cents> {
    let n = values.len();
    if n <= 1 {
        return vec![Cents::from_int(100); n];
    }
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_unstable_by_key(|&i| values[i as usize]);
    let mut out = vec![Cents::ZERO; n];
    let mut k = 0;
    while k < n {
        let v = values[order[k] as usize];
        let mut end = k;
        while end < n && values[order[end] as usize] == v {
            end += 1;
        }
        // `k` customers are strictly below.
        let pts = Cents::from_raw((k as i64 * 10_000) / (n as i64 - 1));
        for &i in &order[k..end] {
            out[i as usize] = pts;
        }
        k = end;
    }
    out
}

/// Integrity level (诚信等级) A–D as used in licence management.
pub fn integrity_points(level: &str) -> Cents {
    Cents::from_int(match level.trim().to_ascii_uppercase().as_str() {
        "A" => 100,
        "B" => 80,
        "C" => 55,
        "D" => 30,
        _ => 70,
    })
}

/// Credit indicator: integrity level minus 20 points per violation in the last 12 months and
/// 5 points per late payment, floored at 0.
pub fn credit_points(integrity_level: &str, violations_12m: u16, late_payments_12m: u16) -> Cents {
    let base = integrity_points(integrity_level).raw();
    let minus = i64::from(violations_12m) * 2_000 + i64::from(late_payments_12m) * 500;
    Cents::from_raw((base - minus).max(0))
}

/// Support indicator (支持度: taking part in the company's programmes): half from cooperation
/// (high 100, medium 70, low 40), half from ordering regularity (months with orders of the last 12).
pub fn support_points(cooperation: &str, months_with_orders: u8) -> Cents {
    let coop: i64 = match cooperation.trim() {
        "high" => 10_000,
        "medium" => 7_000,
        "low" => 4_000,
        _ => 6_000,
    };
    let regular = i64::from(months_with_orders.min(12)) * 10_000 / 12;
    Cents::from_raw((coop + regular) / 2)
}

/// How far a business format's customers reach (supermarkets and department stores most).
pub fn format_reach(format: crate::BusinessFormat) -> Cents {
    use crate::BusinessFormat as F;
    Cents::from_int(match format {
        F::Supermarket | F::DepartmentStore => 100,
        F::Convenience => 70,
        F::TobaccoLiquor | F::Entertainment => 60,
        F::Grocery => 40,
        F::Other => 30,
    })
}

/// Influence indicator (影响力): 40 points from the shop-area percentile, 30 from the format's
/// reach (supermarkets and department stores most), 30 for a demonstration shop (示范户).
pub fn influence_points(area_percentile: Cents, format_reach: Cents, demonstration: bool) -> Cents {
    let area = area_percentile.raw() * 40 / 100;
    let reach = format_reach.raw() * 30 / 100;
    let demo = if demonstration { 3_000 } else { 0 };
    Cents::from_raw((area + reach + demo).clamp(0, 10_000))
}

/// Service records of one customer over the assessment window (domain §5). `None` / a zero
/// denominator: nothing was recorded, and the measure is left out of the experience score
/// rather than guessed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServiceRecords {
    pub visits_received: u32,
    /// Visits the customer's published tier promises over the window; `None` without a tier.
    pub visits_standard: Option<u32>,
    /// Complaints due in the window: closed by their deadline, and all (late or still open
    /// past it included; open ones not yet due are not counted).
    pub complaints_on_time: u32,
    pub complaints_total: u32,
    /// Cartons supplied and requested in the months where the request is known.
    pub supply_allocated: i64,
    pub supply_requested: i64,
    pub deliveries_on_time: u32,
    pub deliveries_total: u32,
    /// Sum and count of the customer's 1–5 ratings.
    pub rating_sum: u32,
    pub rating_count: u32,
}

/// `num / den` as whole points 0–100 (rounded half up, capped at 100 %); `None` for `den ≤ 0`.
fn ratio_points(num: i64, den: i64) -> Option<Cents> {
    (den > 0).then(|| {
        let (n, d) = (i128::from(num.max(0)), i128::from(den));
        Cents::from_int(saturate(((n * 200 + d) / (2 * d)).min(100)))
    })
}

/// visits, complaint handling, supply fulfilment, delivery punctuality, ratings — each whole
/// points 0–100, `None` when not recorded. An average rating r maps to (r − 1) × 25.
pub fn experience_points(r: &ServiceRecords) -> [Option<Cents>; 5] {
    let ratings = (r.rating_count > 0).then(|| {
        // (avg − 1) × 25 points = (sum − count) × 25 / count, rounded half up.
        let (sum, n) = (i64::from(r.rating_sum), i64::from(r.rating_count));
        Cents::from_int((((sum - n) * 50 + n) / (2 * n)).clamp(0, 100))
    });
    let visits = match r.visits_standard {
        Some(0) => Some(Cents::from_int(100)),
        Some(s) => ratio_points(i64::from(r.visits_received), i64::from(s)),
        None => None,
    };
    [
        visits,
        ratio_points(
            i64::from(r.complaints_on_time),
            i64::from(r.complaints_total),
        ),
        ratio_points(r.supply_allocated, r.supply_requested),
        ratio_points(
            i64::from(r.deliveries_on_time),
            i64::from(r.deliveries_total),
        ),
        ratings,
    ]
}

/// Where a customer stands in its life cycle, from its purchases (domain §5, "环境与生命周期").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LifeCycle {
    /// Buying now, nothing in the window before: newly won, courted with promises.
    New,
    /// Volume up 10 % or more on the window before.
    Growing,
    Mature,
    /// Volume down 10 % or more.
    Declining,
    /// Nothing bought in the window.
    Dormant,
}

impl LifeCycle {
    pub const ALL: [LifeCycle; 5] = [
        LifeCycle::New,
        LifeCycle::Growing,
        LifeCycle::Mature,
        LifeCycle::Declining,
        LifeCycle::Dormant,
    ];

    pub fn of(current_cartons: i64, previous_cartons: i64) -> Self {
        if current_cartons <= 0 {
            return LifeCycle::Dormant;
        }
        match growth_bp_from_totals(current_cartons, previous_cartons) {
            None => LifeCycle::New,
            Some(bp) if bp >= 1_000 => LifeCycle::Growing,
            Some(bp) if bp <= -1_000 => LifeCycle::Declining,
            Some(_) => LifeCycle::Mature,
        }
    }

    pub const fn key(self) -> &'static str {
        match self {
            LifeCycle::New => "new",
            LifeCycle::Growing => "growing",
            LifeCycle::Mature => "mature",
            LifeCycle::Declining => "declining",
            LifeCycle::Dormant => "dormant",
        }
    }

    /// How much the stage raises expectation: a new customer was won with promises, a growing
    /// one expects service to grow with it; a declining or dormant one asks less of us.
    pub fn points(self) -> Cents {
        Cents::from_int(match self {
            LifeCycle::New => 80,
            LifeCycle::Growing => 70,
            LifeCycle::Mature => 60,
            LifeCycle::Declining => 50,
            LifeCycle::Dormant => 30,
        })
    }
}

/// What drives one customer's expectation, as far as it is recorded or derivable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExpectationRecords {
    /// Promises and promotions made to the customer in the window; `None` when no visit was
    /// logged, so nobody could have recorded one.
    pub promises: Option<u32>,
    /// The customer's contribution and influence indicators (value and background).
    pub contribution: Cents,
    pub influence: Cents,
    pub life_cycle: LifeCycle,
    /// The experience score at the last publication (past experience), if there was one.
    pub past_experience: Option<Cents>,
}

/// The expectation driver "value and background": the mean of the contribution and influence
/// indicators, to 10 points.
pub fn value_background_points(contribution: Cents, influence: Cents) -> Cents {
    let mean = (contribution.raw() + influence.raw()) / 2;
    Cents::from_int(((mean + 500) / 1_000 * 10).clamp(0, 100))
}

/// word of mouth, promotion, value and background, life cycle, past experience, experience
/// elsewhere — whole points 0–100, `None` when not recorded. Word of mouth and experience
/// elsewhere have no record yet and are always `None`. A promise or promotion adds 20 points to
/// a base of 40; value and background is the mean of contribution and influence, to 10 points.
pub fn expectation_points(r: &ExpectationRecords) -> [Option<Cents>; 6] {
    let promotion = r
        .promises
        .map(|n| Cents::from_int((40 + 20 * i64::from(n.min(3))).min(100)));
    let value = value_background_points(r.contribution, r.influence);
    let past = r
        .past_experience
        .map(|c| Cents::from_int(((c.raw() + 50) / 100).clamp(0, 100)));
    [
        None,
        promotion,
        Some(value),
        Some(r.life_cycle.points()),
        past,
        None,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monthly_average_over_the_window() {
        // 3 months of 1000 cartons = 20 cases/month exactly (band 2).
        let c = [5000, 1000, 1000, 1000];
        assert_eq!(monthly_average_cases(&c, 3, 50), Cases::from_int(20));
        // One more carton: 20.00666… rounds up to 20.007, which is > 20 (band 1), as it truly is.
        let c = [1000, 1000, 1001];
        assert_eq!(monthly_average_cases(&c, 3, 50).to_string(), "20.007");
        // Fewer months than the window count as zero.
        assert_eq!(monthly_average_cases(&[150], 3, 50), Cases::from_int(1));
    }

    #[test]
    fn price_and_growth() {
        assert_eq!(average_price(2_500_000, 100), Some(Cents::from_int(250)));
        assert_eq!(average_price(1000, 3).unwrap().raw(), 333);
        assert_eq!(average_price(5, 0), None);
        let c = [100, 100, 100, 120, 120, 120];
        assert_eq!(growth_bp(&c, 3), Some(2000));
        assert_eq!(growth_points(Some(2000)).to_string(), "60");
        assert_eq!(growth_points(Some(-15_000)).to_string(), "0");
        assert_eq!(growth_bp(&[0, 0, 0, 5, 5, 5], 3), None);
    }

    #[test]
    fn percentiles_share_ties() {
        let p = percentile_points(&[10, 30, 20, 30, 0]);
        let s: Vec<String> = p.iter().map(|c| c.to_string()).collect();
        assert_eq!(s, vec!["25", "75", "50", "75", "0"]);
        assert_eq!(percentile_points(&[7]), vec![Cents::from_int(100)]);
    }

    #[test]
    fn record_based_indicators() {
        assert_eq!(credit_points("A", 1, 2).to_string(), "70");
        assert_eq!(credit_points("D", 3, 0).to_string(), "0");
        assert_eq!(support_points("high", 12).to_string(), "100");
        assert_eq!(support_points("low", 6).to_string(), "45");
        assert_eq!(
            influence_points(Cents::from_int(50), Cents::from_int(100), true).to_string(),
            "80"
        );
        let e = experience_points(&ServiceRecords {
            visits_received: 3,
            visits_standard: Some(4),
            complaints_on_time: 1,
            complaints_total: 2,
            supply_allocated: 9,
            supply_requested: 10,
            deliveries_on_time: 10,
            deliveries_total: 10,
            rating_sum: 9,
            rating_count: 2,
        });
        let s: Vec<String> = e.iter().map(|c| c.unwrap().to_string()).collect();
        // 4.5 average rating → 87.5 → 88 whole points.
        assert_eq!(s, vec!["75", "50", "90", "100", "88"]);
        // Nothing recorded: left out, not counted as met.
        assert_eq!(experience_points(&ServiceRecords::default()), [None; 5]);
        // A tier without visits is met; more visits than promised are capped.
        let e = experience_points(&ServiceRecords {
            visits_received: 9,
            visits_standard: Some(6),
            ..Default::default()
        });
        assert_eq!(e[0], Some(Cents::from_int(100)));
    }

    #[test]
    fn expectation_drivers() {
        assert_eq!(LifeCycle::of(0, 100), LifeCycle::Dormant);
        assert_eq!(LifeCycle::of(50, 0), LifeCycle::New);
        assert_eq!(LifeCycle::of(110, 100), LifeCycle::Growing);
        assert_eq!(LifeCycle::of(109, 100), LifeCycle::Mature);
        assert_eq!(LifeCycle::of(90, 100), LifeCycle::Declining);
        let e = expectation_points(&ExpectationRecords {
            promises: Some(2),
            contribution: Cents::from_int(73),
            influence: Cents::from_int(40),
            life_cycle: LifeCycle::New,
            past_experience: Some(Cents::from_raw(6_449)),
        });
        let s: Vec<String> = e
            .iter()
            .map(|c| c.map_or("-".into(), |c| c.to_string()))
            .collect();
        assert_eq!(s, vec!["-", "80", "60", "80", "64", "-"]);
        let e = expectation_points(&ExpectationRecords {
            promises: None,
            contribution: Cents::ZERO,
            influence: Cents::ZERO,
            life_cycle: LifeCycle::Dormant,
            past_experience: None,
        });
        assert_eq!((e[1], e[2], e[4]), (None, Some(Cents::ZERO), None));
    }
}
