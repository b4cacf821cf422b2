//! The demo's records over the shops: purchases with a Spring Festival peak, visits (one route in
//! four behind on them), promises, ratings and complaints.

use super::*;

pub(crate) const VISIT_PURPOSES: &[&str] = &[
    "例行走访",
    "新品推介",
    "订货指导",
    "陈列检查",
    "政策宣传",
    "货源信息反馈",
];
pub(crate) const VISIT_FINDINGS: &[&str] = &[
    "经营正常，陈列整齐",
    "建议增加高档品规陈列",
    "客户反映部分品规断货",
    "已指导使用电子结算",
    "店面装修中，下次复访",
    "客户希望增加送货频次",
];
pub(crate) const RATING_COMMENTS: &[&str] =
    &["", "", "服务很好", "来得及时", "希望多介绍新品", "讲解清楚"];

pub(crate) const PROMISES: &[&str] = &[
    "承诺下月增加紧俏品规货源",
    "参加新品陈列奖励活动",
    "承诺优先安排送货时段",
    "推荐参加文明诚信示范店评选",
];

/// One demo visit: customer id, day, purpose, findings, minutes, a promise made, and the
/// customer's rating.
pub(crate) struct DemoVisit {
    pub(crate) customer: i64,
    pub(crate) day: String,
    pub(crate) purpose: &'static str,
    pub(crate) findings: &'static str,
    pub(crate) minutes: i64,
    pub(crate) promise: &'static str,
    pub(crate) rating: Option<(i64, &'static str)>,
}

/// Whether route `r`'s customer manager falls behind on visits (one route in four): their
/// customers are the demo's under-served.
pub(crate) fn behind_on_visits(route: usize) -> bool {
    route % 4 == 3
}

/// Whether deliveries on route `r` are often late (one route in five).
pub(crate) fn late_deliveries_route(route: usize) -> bool {
    route % 5 == 1
}

/// Visits of `months` (three, the last up to its day `last_day`): bigger shops more often (1–4 a
/// month), about half rated, one in seven with a promise or promotion; on some routes half the
/// visits are missed.
pub(crate) fn demo_visits(
    shops: &[Shop],
    months: &[String],
    last_day: u32,
    seed: u64,
) -> Vec<DemoVisit> {
    let mut rng = SmallRng::seed_from_u64(seed ^ 0x0715);
    let mut out = Vec::new();
    for (i, s) in shops.iter().enumerate() {
        let yearly: i64 = s.cartons.iter().sum();
        let per_month = match yearly / 12 {
            0..=100 => 1,
            101..=350 => 2,
            351..=700 => 3,
            _ => 4,
        };
        let behind = behind_on_visits(s.route) && i != 0;
        for (m, month) in months.iter().enumerate() {
            let last_month = m + 1 == months.len();
            // The portal's demo customer (the first) always has a recent visit left to rate.
            let first_recent = i == 0 && last_month;
            let n = if first_recent {
                per_month
            } else {
                per_month - i64::from(rng.random_bool(0.25))
            };
            for k in 0..n.max(0) {
                if behind && rng.random_bool(0.5) {
                    continue;
                }
                let day = (k * 28 / per_month + rng.random_range(1..=28 / per_month)).min(28);
                // Drawn whatever the day, so the rest of the demo is the same on any date.
                let (day, later) = if first_recent && k == 0 {
                    (day.min(i64::from(last_day)), false)
                } else {
                    (day, last_month && day > i64::from(last_day))
                };
                let visit = DemoVisit {
                    customer: i as i64 + 1,
                    day: format!("{month}-{day:02}"),
                    purpose: pick(&mut rng, VISIT_PURPOSES),
                    findings: pick(&mut rng, VISIT_FINDINGS),
                    minutes: rng.random_range(10..=45),
                    promise: if rng.random_bool(1.0 / 7.0) {
                        pick(&mut rng, PROMISES)
                    } else {
                        ""
                    },
                    rating: (rng.random_bool(0.5) && !first_recent).then(|| {
                        let low = if behind { 2 } else { 3 };
                        (rng.random_range(low..=5), pick(&mut rng, RATING_COMMENTS))
                    }),
                };
                if !later {
                    out.push(visit);
                }
            }
        }
    }
    out
}

/// One demo month of a shop: purchases and what logistics recorded.
pub(crate) struct DemoPurchase {
    pub(crate) customer: i64,
    pub(crate) month: usize,
    pub(crate) cartons: i64,
    pub(crate) amount: i64,
    pub(crate) requested: i64,
    pub(crate) deliveries: i64,
    pub(crate) late: i64,
}

/// Requests above supply for about a third of the months of the bigger shops (tight brands are
/// rationed), weekly deliveries (twice weekly for big shops), some late — often on a few routes.
pub(crate) fn demo_purchases(shops: &[Shop], seed: u64) -> Vec<DemoPurchase> {
    let mut rng = SmallRng::seed_from_u64(seed ^ 0x0050_9917);
    let mut rows = Vec::with_capacity(shops.len() * 12);
    for (i, s) in shops.iter().enumerate() {
        let late_p = if late_deliveries_route(s.route) {
            0.3
        } else {
            0.04
        };
        for k in 0..12 {
            let c = s.cartons[k];
            let short = c >= 150 && rng.random_bool(0.35);
            let requested = if short {
                c + (c as f64 * rng.random_range(0.05..0.4)).round() as i64
            } else {
                c
            };
            let deliveries = match c {
                0 => 0,
                1..=400 => 4,
                _ => 8,
            };
            let late = (0..deliveries).filter(|_| rng.random_bool(late_p)).count() as i64;
            rows.push(DemoPurchase {
                customer: i as i64 + 1,
                month: k,
                cartons: c,
                amount: s.amounts[k],
                requested,
                deliveries,
                late,
            });
        }
    }
    rows
}

pub(crate) const COMPLAINT_SUBJECTS: &[&str] = &[
    "送货晚点两小时",
    "紧俏品规连续两周未供货",
    "客户经理未按时走访",
    "电子结算扣款失败",
    "送货少了一条",
];

/// Complaints of the last three months for about one shop in forty, filed by the route's
/// customer manager: most closed in time with every step, some late, a few still open.
pub(crate) async fn demo_complaints(
    tx: &mut sqlx::SqliteConnection,
    shops: &[Shop],
    months: &[String],
    seed: u64,
) -> anyhow::Result<()> {
    use crate::calendar::WorkCalendar;
    use crate::time::stamp;
    use chrono::{NaiveDate, TimeDelta};
    let mut rng = SmallRng::seed_from_u64(seed ^ 0xc0de);
    let cal = WorkCalendar::default();
    let hours = kehu_engine::Policy::default().service.complaint_hours;
    for (i, s) in shops.iter().enumerate() {
        if i == 0 || !rng.random_bool(0.025) {
            continue;
        }
        let month = &months[months.len() - 3 + rng.random_range(0..3)];
        let day = NaiveDate::parse_from_str(
            &format!("{month}-{:02}", rng.random_range(1..=28)),
            "%Y-%m-%d",
        )?;
        let filed = day
            .and_hms_opt(rng.random_range(1..=9), rng.random_range(0..60), 0)
            .expect("valid time")
            .and_utc();
        let major = rng.random_bool(0.2);
        let limit = if major { hours.major } else { hours.general };
        let due = cal.add_working_hours(filed, u32::from(limit));
        let confirm_due =
            major.then(|| stamp(cal.add_working_hours(filed, u32::from(hours.major_confirm))));
        let roll = rng.random_range(0..100);
        // Closed on time (70 %), late (20 %), still open (10 %).
        let closed = match roll {
            0..=69 => Some(filed + (due - filed) * rng.random_range(3..=9) / 10),
            70..=89 => Some(due + TimeDelta::hours(rng.random_range(2..=72))),
            _ => None,
        };
        let manager = format!("(SELECT manager_id FROM routes WHERE id = {})", s.route + 1);
        let id: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "INSERT INTO complaints (customer_id, filed_by, filed_at, subject, severity, attitude,
                                     status, due_at, closed_at, confirm_due_at, confirmed_at,
                                     confirmed_by, substantiated, resolution, closed_by)
             VALUES (?, {manager}, ?, ?, ?, ?, ?, ?, ?, ?, ?, {m2}, ?, ?, {m3}) RETURNING id",
            m2 = if major { manager.as_str() } else { "NULL" },
            m3 = if closed.is_some() { manager.as_str() } else { "NULL" },
        )))
            .bind(i as i64 + 1)
            .bind(stamp(filed))
            .bind(pick(&mut rng, COMPLAINT_SUBJECTS))
            .bind(if major { "major" } else { "general" })
            .bind(pick(
                &mut rng,
                &["insistent", "hesitant", "friendly", "angry"],
            ))
            .bind(if closed.is_some() { "closed" } else { "open" })
            .bind(stamp(due))
            .bind(closed.map(stamp))
            .bind(confirm_due)
            .bind(major.then(|| stamp(filed + TimeDelta::minutes(50))))
            .bind(major.then_some(1))
            .bind(if closed.is_some() {
                "已核实处理，客户认可"
            } else {
                ""
            })
            .fetch_one(&mut *tx)
            .await?;
        if let Some(end) = closed {
            for (k, step) in app::wire::COMPLAINT_STEPS.iter().enumerate() {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO complaint_steps (complaint_id, step, done_by, done_at)
                     VALUES (?, ?, {manager}, ?)"
                )))
                .bind(id)
                .bind(step)
                .bind(stamp(filed + (end - filed) * (k as i32 + 1) / 7))
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    Ok(())
}
