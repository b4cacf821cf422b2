//! Deriving the engine's facts from records (SPEC §3, §4d, §5). Pure functions; the server feeds
//! them from the database, tests feed them by hand. Every rule here is documented in the README.

use crate::fixed::{Cases, Cents};

/// Monthly average volume in cases over the last `window` months of `cartons` (oldest first;
/// missing months count as zero). Rounded **up** to a thousandth of a case, which keeps every
/// "more than a bound" decision exact for bounds given in thousandths.
pub fn monthly_average_cases(cartons: &[i64], window: u8, cartons_per_case: u16) -> Cases {
    let w = usize::from(window.max(1));
    let total: i64 = cartons.iter().rev().take(w).map(|c| (*c).max(0)).sum();
    average_cases_from_total(total, window, cartons_per_case)
}

/// The same from the total cartons bought in the window.
pub fn average_cases_from_total(total_cartons: i64, window: u8, cartons_per_case: u16) -> Cases {
    let denom = i64::from(window.max(1)) * i64::from(cartons_per_case.max(1));
    Cases::from_raw((total_cartons.max(0) * 1000 + denom - 1) / denom)
}

/// Average price per carton (yuan) = amount / cartons, rounded half up to the fen; `None` without cartons.
pub fn average_price(amount_fen: i64, cartons: i64) -> Option<Cents> {
    (cartons > 0).then(|| Cents::from_raw((2 * amount_fen + cartons) / (2 * cartons)))
}

/// Growth of the last `window` months against the `window` before, as a ratio in hundredths of a
/// percent (basis points); `None` when the previous window had no purchases.
pub fn growth_bp(cartons: &[i64], window: u8) -> Option<i64> {
    let w = usize::from(window.max(1));
    let n = cartons.len();
    let cur: i64 = cartons[n.saturating_sub(w)..].iter().sum();
    let prev: i64 = cartons[n.saturating_sub(2 * w)..n.saturating_sub(w)]
        .iter()
        .sum();
    growth_bp_from_totals(cur, prev)
}

/// Growth from the current and previous windows' totals, basis points.
pub fn growth_bp_from_totals(current: i64, previous: i64) -> Option<i64> {
    (previous > 0).then(|| (current - previous) * 10_000 / previous)
}

/// Growth indicator 0–100: 50 is flat, +100 % or more is 100, −100 % is 0 (linear between);
/// no history scores 50.
pub fn growth_points(growth_bp: Option<i64>) -> Cents {
    match growth_bp {
        None => Cents::from_int(50),
        // 50 points + growth% / 2, in hundredths of a point: bp / 2 = hundredths of a point.
        Some(bp) => Cents::from_raw((5_000 + bp / 2).clamp(0, 10_000)),
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

/// Experience measures 0–100 from service records (SPEC §5). Each ratio is capped at 100 %.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServiceRecords {
    pub visits_received: u32,
    pub visits_standard: u32,
    pub complaints_on_time: u32,
    pub complaints_total: u32,
    pub supply_allocated_cases: i64,
    pub supply_requested_cases: i64,
    pub deliveries_on_time: u32,
    pub deliveries_total: u32,
    /// Sum and count of the customer's 1–5 ratings.
    pub rating_sum: u32,
    pub rating_count: u32,
}

fn ratio_points(num: i64, den: i64) -> Cents {
    if den <= 0 {
        return Cents::from_int(100);
    }
    Cents::from_raw((num.max(0) * 10_000 / den).min(10_000))
}

/// visits, complaint handling, supply fulfilment, delivery punctuality, ratings — each 0–100.
/// Nothing to measure counts as fully met; an average rating r maps to (r − 1) × 25.
pub fn experience_points(r: &ServiceRecords) -> [Cents; 5] {
    let ratings = if r.rating_count == 0 {
        Cents::from_int(75)
    } else {
        // (avg − 1) × 25 points, avg = sum / count, in hundredths.
        let avg_centi = i64::from(r.rating_sum) * 100 / i64::from(r.rating_count);
        Cents::from_raw(((avg_centi - 100) * 25).clamp(0, 10_000))
    };
    [
        ratio_points(i64::from(r.visits_received), i64::from(r.visits_standard)),
        ratio_points(
            i64::from(r.complaints_on_time),
            i64::from(r.complaints_total),
        ),
        ratio_points(r.supply_allocated_cases, r.supply_requested_cases),
        ratio_points(
            i64::from(r.deliveries_on_time),
            i64::from(r.deliveries_total),
        ),
        ratings,
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
            visits_standard: 4,
            complaints_on_time: 1,
            complaints_total: 2,
            supply_allocated_cases: 9,
            supply_requested_cases: 10,
            deliveries_on_time: 10,
            deliveries_total: 10,
            rating_sum: 9,
            rating_count: 2,
        });
        let s: Vec<String> = e.iter().map(|c| c.to_string()).collect();
        assert_eq!(s, vec!["75", "50", "90", "100", "87.5"]);
    }
}
