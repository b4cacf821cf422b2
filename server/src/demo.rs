//! Demo data: a realistic, seeded, deterministic population of retail customers, so a new user
//! sees a living system. Everything it writes is marked as demo data (codes start with `DEMO`).
//!
//! The shape: the 7 formats in realistic proportions, urban and rural, ~20 routes each with its
//! customer manager, 12 months of purchases with a Spring Festival peak, per-shop growth or
//! decline, and a heavy tail of big shops (log-normal volumes).

use crate::facts::shift_month;
use kehu_engine::BusinessFormat;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, LogNormal, Normal};
use sqlx::{QueryBuilder, SqlitePool};

pub struct DemoOptions {
    pub customers: usize,
    pub seed: u64,
    /// Last month of purchases, `YYYY-MM`.
    pub end_month: String,
}

/// What `kehu demo` generates unless told otherwise, and what an empty database is given when
/// the server starts on it.
pub const DEFAULT_CUSTOMERS: usize = 2000;
pub const DEFAULT_SEED: u64 = 20261123;
pub const DEFAULT_END_MONTH: &str = "2026-10";

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            customers: DEFAULT_CUSTOMERS,
            seed: DEFAULT_SEED,
            end_month: DEFAULT_END_MONTH.into(),
        }
    }
}

pub struct DemoReport {
    pub customers: usize,
    pub routes: usize,
    pub purchases: usize,
    pub visits: usize,
}

const VISIT_PURPOSES: &[&str] = &[
    "例行拜访",
    "新品推介",
    "订货指导",
    "陈列检查",
    "政策宣传",
    "货源信息反馈",
];
const VISIT_FINDINGS: &[&str] = &[
    "经营正常，陈列整齐",
    "建议增加高档品规陈列",
    "客户反映部分品规断货",
    "已指导使用电子结算",
    "店面装修中，下次复访",
    "客户希望增加送货频次",
];
const RATING_COMMENTS: &[&str] = &["", "", "服务很好", "来得及时", "希望多介绍新品", "讲解清楚"];

const PROMISES: &[&str] = &[
    "承诺下月增加紧俏品规货源",
    "参加新品陈列奖励活动",
    "承诺优先安排送货时段",
    "推荐参加文明诚信示范店评选",
];

/// One demo visit: customer id, day, purpose, findings, minutes, a promise made, and the
/// customer's rating.
struct DemoVisit {
    customer: i64,
    day: String,
    purpose: &'static str,
    findings: &'static str,
    minutes: i64,
    promise: &'static str,
    rating: Option<(i64, &'static str)>,
}

/// Whether route `r`'s customer manager falls behind on visits (one route in four): their
/// customers are the demo's under-served.
fn behind_on_visits(route: usize) -> bool {
    route % 4 == 3
}

/// Whether deliveries on route `r` are often late (one route in five).
fn late_deliveries_route(route: usize) -> bool {
    route % 5 == 1
}

/// Visits of the last three months: bigger shops more often (1–4 a month), about half rated,
/// one in seven with a promise or promotion; on some routes half the visits are missed.
fn demo_visits(shops: &[Shop], months: &[String], seed: u64) -> Vec<DemoVisit> {
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
        for (m, month) in months[months.len() - 3..].iter().enumerate() {
            // The portal's demo customer (the first) always has a recent visit left to rate.
            let first_recent = i == 0 && m == 2;
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
                out.push(DemoVisit {
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
                });
            }
        }
    }
    out
}

/// One demo month of a shop: purchases and what logistics recorded.
struct DemoPurchase {
    customer: i64,
    month: usize,
    cartons: i64,
    amount: i64,
    requested: i64,
    deliveries: i64,
    late: i64,
}

/// Requests above supply for about a third of the months of the bigger shops (tight brands are
/// rationed), weekly deliveries (twice weekly for big shops), some late — often on a few routes.
fn demo_purchases(shops: &[Shop], seed: u64) -> Vec<DemoPurchase> {
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

const COMPLAINT_SUBJECTS: &[&str] = &[
    "送货晚点两小时",
    "紧俏品规连续两周未供货",
    "客户经理未按时拜访",
    "电子结算扣款失败",
    "送货少了一条",
];

/// Complaints of the last three months for about one shop in forty, filed by the route's
/// customer manager: most closed in time with every step, some late, a few still open.
async fn demo_complaints(
    tx: &mut sqlx::SqliteConnection,
    shops: &[Shop],
    months: &[String],
    seed: u64,
) -> anyhow::Result<()> {
    use crate::calendar::{WorkCalendar, stamp};
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
            for (k, step) in app::model::COMPLAINT_STEPS.iter().enumerate() {
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

const SURNAMES: &[&str] = &[
    "张", "王", "李", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "华", "平",
];
const SHOP_WORDS: &[&str] = &[
    "鑫源",
    "福满",
    "惠民",
    "兴旺",
    "金诚",
    "家家乐",
    "佳和",
    "好运来",
    "万家",
    "吉祥",
    "顺发",
    "百姓",
    "乐购",
    "红星",
    "长青",
    "宏达",
    "信誉",
    "阳光",
    "和顺",
    "同心",
    "旺角",
    "利民",
    "新世纪",
    "金桥",
    "春晖",
];
const URBAN_DISTRICTS: &[&str] = &["城关区", "东城区", "西城区", "南湖区", "北山区", "高新区"];
const RURAL_TOWNS: &[&str] = &[
    "河西镇",
    "柳林乡",
    "桃园镇",
    "石桥乡",
    "青山镇",
    "白水乡",
    "龙泉镇",
];
const STREETS: &[&str] = &[
    "人民路",
    "解放路",
    "建设路",
    "中山路",
    "和平街",
    "新华街",
    "文化路",
    "胜利路",
];

fn pick<'a>(rng: &mut SmallRng, xs: &[&'a str]) -> &'a str {
    xs[rng.random_range(0..xs.len())]
}

fn person(rng: &mut SmallRng) -> String {
    format!("{}{}", pick(rng, SURNAMES), pick(rng, GIVEN))
}

/// Format shares (grocery is the bulk of licensed retailers) and their typical traits:
/// (format, share ‰, shop-name suffix, volume factor, price per carton in yuan, median area m²).
const FORMATS: &[(BusinessFormat, u32, &str, f64, f64, f64)] = &[
    (BusinessFormat::Grocery, 420, "食杂店", 1.0, 150.0, 30.0),
    (BusinessFormat::Convenience, 200, "便利店", 1.3, 175.0, 60.0),
    (BusinessFormat::Supermarket, 90, "超市", 2.4, 190.0, 180.0),
    (
        BusinessFormat::DepartmentStore,
        15,
        "商场",
        3.0,
        240.0,
        900.0,
    ),
    (
        BusinessFormat::TobaccoLiquor,
        150,
        "烟酒行",
        2.0,
        265.0,
        40.0,
    ),
    (
        BusinessFormat::Entertainment,
        65,
        "娱乐会所",
        0.7,
        230.0,
        200.0,
    ),
    (BusinessFormat::Other, 60, "商店", 0.5, 140.0, 40.0),
];

/// One generated customer, before insertion.
struct Shop {
    code: String,
    shop_name: String,
    format: BusinessFormat,
    urban: bool,
    district: String,
    area: f64,
    route: usize,
    legal_rep: String,
    contact: String,
    phone: String,
    address: String,
    integrity: &'static str,
    violations: i64,
    late_payments: i64,
    monitored: bool,
    demonstration: bool,
    cooperation: &'static str,
    capital: i64,
    licence_no: String,
    issue_date: String,
    cartons: Vec<i64>,
    amounts: Vec<i64>,
}

fn generate(opts: &DemoOptions, routes: usize) -> Vec<Shop> {
    let mut rng = SmallRng::seed_from_u64(opts.seed);
    let volume = LogNormal::new(4.0f64.ln(), 0.85).expect("valid log-normal");
    let price_noise = LogNormal::new(0.0, 0.18).expect("valid log-normal");
    let area_noise = LogNormal::new(0.0, 0.5).expect("valid log-normal");
    let trend = Normal::<f64>::new(0.0, 0.025).expect("valid normal");
    let end_index = {
        let (y, m) = opts.end_month.split_once('-').unwrap_or(("2026", "10"));
        y.parse::<i32>().unwrap_or(2026) * 12 + m.parse::<i32>().unwrap_or(10) - 1
    };
    (0..opts.customers)
        .map(|i| {
            let roll = rng.random_range(0..1000u32);
            let mut acc = 0;
            let &(format, _, suffix, vf, base_price, base_area) = FORMATS
                .iter()
                .find(|f| {
                    acc += f.1;
                    roll < acc
                })
                .unwrap_or(&FORMATS[0]);
            let urban = rng.random_bool(0.62);
            let market_factor = if urban { 1.0 } else { 0.7 };
            let route = if urban {
                i % (routes * 6 / 10).max(1)
            } else {
                (routes * 6 / 10) + i % (routes - routes * 6 / 10).max(1)
            };
            let district = if urban {
                pick(&mut rng, URBAN_DISTRICTS)
            } else {
                pick(&mut rng, RURAL_TOWNS)
            }
            .to_string();
            let base_cases = volume.sample(&mut rng) * vf * market_factor;
            let price =
                (base_price * if urban { 1.0 } else { 0.82 } * price_noise.sample(&mut rng))
                    .clamp(60.0, 900.0);
            let monthly_trend = trend.sample(&mut rng);
            let mut cartons = Vec::with_capacity(12);
            let mut amounts = Vec::with_capacity(12);
            for k in 0..12 {
                let month_index = end_index - 11 + k;
                let month = month_index.rem_euclid(12) + 1;
                // Spring Festival (Jan–Feb) peak, summer dip.
                let season = match month {
                    1 => 1.45,
                    2 => 1.30,
                    7 | 8 => 0.90,
                    12 => 1.15,
                    _ => 1.0,
                };
                let growth = (1.0 + monthly_trend).powi(k - 11);
                let noise = 0.85 + rng.random::<f64>() * 0.3;
                let c = (base_cases * 50.0 * season * growth * noise)
                    .round()
                    .max(0.0) as i64;
                // Some small shops skip a month now and then.
                let c = if base_cases < 1.5 && rng.random_bool(0.12) {
                    0
                } else {
                    c
                };
                cartons.push(c);
                amounts.push(
                    (c as f64 * price * 100.0 * (0.97 + rng.random::<f64>() * 0.06)).round() as i64,
                );
            }
            let violations = if rng.random_bool(0.08) {
                rng.random_range(1..=3)
            } else {
                0
            };
            let integrity = match rng.random_range(0..100) {
                0..=34 => "A",
                35..=79 => "B",
                80..=94 => "C",
                _ => "D",
            };
            let legal_rep = person(&mut rng);
            let issue_year = 2016 + rng.random_range(0..9);
            Shop {
                code: format!("DEMO{:06}", i + 1),
                shop_name: format!(
                    "{}{}{}",
                    pick(&mut rng, SHOP_WORDS),
                    if rng.random_bool(0.3) {
                        pick(&mut rng, STREETS)
                    } else {
                        ""
                    },
                    suffix
                ),
                format,
                urban,
                area: (base_area * area_noise.sample(&mut rng) * 10.0).round() / 10.0,
                route,
                contact: if rng.random_bool(0.7) {
                    legal_rep.clone()
                } else {
                    person(&mut rng)
                },
                legal_rep,
                phone: format!(
                    "13{}{:08}",
                    rng.random_range(0..10),
                    rng.random_range(0..100_000_000u32)
                ),
                address: format!(
                    "{district}{}{}号",
                    pick(&mut rng, STREETS),
                    rng.random_range(1..300)
                ),
                district,
                integrity,
                violations,
                late_payments: if rng.random_bool(0.1) {
                    rng.random_range(1..4)
                } else {
                    0
                },
                monitored: violations >= 2 || rng.random_bool(0.01),
                demonstration: rng.random_bool(0.03),
                cooperation: match rng.random_range(0..10) {
                    0..=2 => "high",
                    3..=7 => "medium",
                    _ => "low",
                },
                capital: rng.random_range(1..200) * 10_000,
                licence_no: format!("3201{:08}", i + 1),
                issue_date: format!(
                    "{issue_year}-{:02}-{:02}",
                    rng.random_range(1..13),
                    rng.random_range(1..29)
                ),
                cartons,
                amounts,
            }
        })
        .collect()
}

/// The password of every demo account (admin, manager, officer, cm01…, the first customer):
/// for trying kehu out only, printed in the README.
pub const DEMO_PASSWORD: &str = "kehu-demo";

/// Replaces all customers, routes, staff and policies with a fresh demo population and publishes
/// the default policy as version 1.
pub async fn generate_into(pool: &SqlitePool, opts: &DemoOptions) -> anyhow::Result<DemoReport> {
    let routes = if opts.customers < 200 {
        (opts.customers / 10).max(1)
    } else {
        (opts.customers / 100).clamp(2, 500)
    };
    let shops = generate(opts, routes);
    let months: Vec<String> = (0..12)
        .filter_map(|k| shift_month(&opts.end_month, k - 11))
        .collect();
    anyhow::ensure!(
        months.len() == 12,
        "end month must look like 2026-10, got {}",
        opts.end_month
    );

    // Every demo account signs in with DEMO_PASSWORD; one hash serves them all (demo only).
    let demo_hash = crate::auth::hash_password_blocking(DEMO_PASSWORD.to_string()).await?;
    let mut tx = crate::db::write(pool).await?;
    for statement in [
        "DELETE FROM invites",
        "DELETE FROM visit_ratings",
        "DELETE FROM visits",
        "DELETE FROM complaint_steps",
        "DELETE FROM complaints",
        "DELETE FROM disputes",
        "DELETE FROM audit",
        "DELETE FROM reports",
        "DELETE FROM change_requests",
        "DELETE FROM assignments",
        "DELETE FROM policies",
        "DELETE FROM purchases",
        "DELETE FROM users",
        "DELETE FROM customers",
        "DELETE FROM routes",
    ] {
        sqlx::query(statement).execute(&mut *tx).await?;
    }
    // Staff: one user per role, plus one customer manager per route.
    let mut rng = SmallRng::seed_from_u64(opts.seed ^ 0x5eed);
    for (username, name, role) in [
        ("admin", "管理员".to_string(), "admin"),
        (
            "manager",
            format!("{}（营销科）", person(&mut rng)),
            "manager",
        ),
        (
            "officer",
            format!("{}（专管员）", person(&mut rng)),
            "licence_officer",
        ),
    ] {
        sqlx::query(
            "INSERT INTO users (username, display_name, role, password_hash) VALUES (?, ?, ?, ?)",
        )
        .bind(username)
        .bind(name)
        .bind(role)
        .bind(&demo_hash)
        .execute(&mut *tx)
        .await?;
    }
    let urban_routes = routes * 6 / 10;
    for r in 0..routes {
        let manager_id: i64 = sqlx::query_scalar(
            "INSERT INTO users (username, display_name, role, password_hash, phone)
             VALUES (?, ?, 'customer_manager', ?, ?) RETURNING id",
        )
        .bind(format!("cm{:02}", r + 1))
        .bind(person(&mut rng))
        .bind(&demo_hash)
        .bind(format!("139{:08}", rng.random_range(0..100_000_000u32)))
        .fetch_one(&mut *tx)
        .await?;
        let area = if r < urban_routes {
            URBAN_DISTRICTS[r % URBAN_DISTRICTS.len()]
        } else {
            RURAL_TOWNS[r % RURAL_TOWNS.len()]
        };
        sqlx::query("INSERT INTO routes (id, code, name, manager_id) VALUES (?, ?, ?, ?)")
            .bind(r as i64 + 1)
            .bind(format!("R{:03}", r + 1))
            .bind(format!("{area}{}线", r + 1))
            .bind(manager_id)
            .execute(&mut *tx)
            .await?;
    }
    // Customers: 28 columns a row, 1,000 rows a statement.
    for (chunk_no, chunk) in shops.chunks(1_000).enumerate() {
        let mut qb = QueryBuilder::new(
            "INSERT INTO customers (id, code, shop_name, licence_no, legal_rep, settlement_method, order_cycle,
             delivery_cycle, business_nature, registered_capital, display_form, district, business_area_m2,
             business_format, market_type, route_id, order_frequency, monopoly_licence_no, licence_type,
             issuing_bureau, integrity_level, monitored, demonstration, licence_issue_date, violations_12m,
             late_payments_12m, cooperation, contact_person, phone, address) ",
        );
        qb.push_values(chunk.iter().enumerate(), |mut b, (k, s)| {
            let id = (chunk_no * 1_000 + k + 1) as i64;
            b.push_bind(id)
                .push_bind(&s.code)
                .push_bind(&s.shop_name)
                .push_bind(&s.licence_no)
                .push_bind(&s.legal_rep)
                .push_bind(if id % 3 == 0 {
                    "现金"
                } else {
                    "电子结算"
                })
                .push_bind("每周")
                .push_bind("每周")
                .push_bind(if id % 5 == 0 {
                    "有限责任公司"
                } else {
                    "个体工商户"
                })
                .push_bind(s.capital)
                .push_bind(if s.area > 100.0 { "专柜" } else { "柜台" })
                .push_bind(&s.district)
                .push_bind(s.area)
                .push_bind(s.format.key())
                .push_bind(if s.urban { "urban" } else { "rural" })
                .push_bind(s.route as i64 + 1)
                .push_bind(if s.cartons.iter().all(|&c| c > 0) {
                    "每周一次"
                } else {
                    "不定期"
                })
                .push_bind(&s.licence_no)
                .push_bind("零售")
                .push_bind("市烟草专卖局")
                .push_bind(s.integrity)
                .push_bind(s.monitored)
                .push_bind(s.demonstration)
                .push_bind(&s.issue_date)
                .push_bind(s.violations)
                .push_bind(s.late_payments)
                .push_bind(s.cooperation)
                .push_bind(&s.contact)
                .push_bind(&s.phone)
                .push_bind(&s.address);
        });
        qb.build().execute(&mut *tx).await?;
    }
    // Purchases with the logistics figures: 7 columns a row, 4,000 rows a statement.
    let rows = demo_purchases(&shops, opts.seed);
    for chunk in rows.chunks(4_000) {
        let mut qb = QueryBuilder::new(
            "INSERT INTO purchases (customer_id, month, cartons, amount_fen, requested_cartons,
             deliveries, late_deliveries) ",
        );
        qb.push_values(chunk, |mut b, p| {
            b.push_bind(p.customer)
                .push_bind(&months[p.month])
                .push_bind(p.cartons)
                .push_bind(p.amount)
                .push_bind(p.requested)
                .push_bind(p.deliveries)
                .push_bind(p.late);
        });
        qb.build().execute(&mut *tx).await?;
    }
    crate::facts::purchases_changed(&mut tx).await?;
    // Visits, with the customer managers of the shops' routes; 8 columns a row.
    let visits = demo_visits(&shops, &months, opts.seed);
    for (chunk_no, chunk) in visits.chunks(4_000).enumerate() {
        let mut qb = QueryBuilder::new(
            "INSERT INTO visits (id, customer_id, manager_id, visited_on, purpose, findings, duration_min, promise) ",
        );
        qb.push_values(chunk.iter().enumerate(), |mut b, (k, v)| {
            b.push_bind((chunk_no * 4_000 + k + 1) as i64)
                .push_bind(v.customer)
                .push("(SELECT manager_id FROM routes WHERE id = ")
                .push_bind_unseparated(shops[v.customer as usize - 1].route as i64 + 1)
                .push_unseparated(")")
                .push_bind(&v.day)
                .push_bind(v.purpose)
                .push_bind(v.findings)
                .push_bind(v.minutes)
                .push_bind(v.promise);
        });
        qb.build().execute(&mut *tx).await?;
        let rated: Vec<_> = chunk
            .iter()
            .enumerate()
            .filter_map(|(k, v)| v.rating.map(|r| ((chunk_no * 4_000 + k + 1) as i64, r)))
            .collect();
        if !rated.is_empty() {
            let mut qb = QueryBuilder::new("INSERT INTO visit_ratings (visit_id, score, comment) ");
            qb.push_values(rated, |mut b, (id, (score, comment))| {
                b.push_bind(id).push_bind(score).push_bind(comment);
            });
            qb.build().execute(&mut *tx).await?;
        }
    }
    demo_complaints(&mut tx, &shops, &months, opts.seed).await?;
    // The first demo customer can sign in to the self-service portal.
    sqlx::query(
        "INSERT INTO users (username, display_name, role, customer_id, password_hash)
         SELECT code, shop_name, 'customer', id, ? FROM customers WHERE id = 1",
    )
    .bind(&demo_hash)
    .execute(&mut *tx)
    .await?;
    // Everything changed: the purchases counter reloads every kept population anyway.
    sqlx::query("DELETE FROM fact_changes")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    crate::db::policy::published_changed();
    crate::publish::publish(
        pool,
        &Default::default(),
        &kehu_engine::Policy::default(),
        None,
    )
    .await?;
    Ok(DemoReport {
        customers: shops.len(),
        routes,
        purchases: rows.len(),
        visits: visits.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_population() {
        let opts = DemoOptions {
            customers: 300,
            seed: 7,
            end_month: "2026-10".into(),
        };
        let a = generate(&opts, 10);
        let b = generate(&opts, 10);
        assert_eq!(a.len(), 300);
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(
                (&x.shop_name, &x.cartons, &x.amounts),
                (&y.shop_name, &y.cartons, &y.amounts)
            );
        }
        // Every format appears, both markets appear, and the tail is heavy: the top shop buys
        // many times the median.
        for (f, ..) in FORMATS {
            assert!(a.iter().any(|s| s.format == *f), "{f:?}");
        }
        assert!(a.iter().any(|s| s.urban) && a.iter().any(|s| !s.urban));
        let mut totals: Vec<i64> = a.iter().map(|s| s.cartons.iter().sum()).collect();
        totals.sort_unstable();
        assert!(
            totals[299] > 5 * totals[150],
            "top {} vs median {}",
            totals[299],
            totals[150]
        );
    }
}
