//! The demo's shops: names, people, places, formats in realistic proportions, and their
//! volumes (log-normal, a heavy tail of big shops).

use super::*;

pub(crate) const SURNAMES: &[&str] = &[
    "张", "王", "李", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗",
];
pub(crate) const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "华", "平",
];
pub(crate) const SHOP_WORDS: &[&str] = &[
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
pub(crate) const URBAN_DISTRICTS: &[&str] =
    &["城关区", "东城区", "西城区", "南湖区", "北山区", "高新区"];
pub(crate) const RURAL_TOWNS: &[&str] = &[
    "河西镇",
    "柳林乡",
    "桃园镇",
    "石桥乡",
    "青山镇",
    "白水乡",
    "龙泉镇",
];
pub(crate) const STREETS: &[&str] = &[
    "人民路",
    "解放路",
    "建设路",
    "中山路",
    "和平街",
    "新华街",
    "文化路",
    "胜利路",
];

pub(crate) fn pick<'a>(rng: &mut SmallRng, xs: &[&'a str]) -> &'a str {
    xs[rng.random_range(0..xs.len())]
}

pub(crate) fn person(rng: &mut SmallRng) -> String {
    format!("{}{}", pick(rng, SURNAMES), pick(rng, GIVEN))
}

/// Format shares (grocery is the bulk of licensed retailers) and their typical traits:
/// (format, share ‰, shop-name suffix, volume factor, price per carton in yuan, median area m²).
pub(crate) const FORMATS: &[(BusinessFormat, u32, &str, f64, f64, f64)] = &[
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
pub(crate) struct Shop {
    pub(crate) code: String,
    pub(crate) shop_name: String,
    pub(crate) format: BusinessFormat,
    pub(crate) urban: bool,
    pub(crate) district: String,
    pub(crate) area: f64,
    pub(crate) route: usize,
    pub(crate) legal_rep: String,
    pub(crate) contact: String,
    pub(crate) phone: String,
    pub(crate) address: String,
    pub(crate) integrity: &'static str,
    pub(crate) violations: i64,
    pub(crate) late_payments: i64,
    pub(crate) monitored: bool,
    pub(crate) demonstration: bool,
    pub(crate) cooperation: &'static str,
    pub(crate) capital: i64,
    pub(crate) licence_no: String,
    pub(crate) issue_date: String,
    pub(crate) cartons: Vec<i64>,
    pub(crate) amounts: Vec<i64>,
}

pub(crate) fn generate(opts: &DemoOptions, routes: usize) -> Vec<Shop> {
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
