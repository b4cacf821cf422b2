//! storage → facts: reads customers and their purchase aggregates and derives the engine's facts.
//! The one place that turns records into `CustomerFacts`, for publish, the CLI and (later) snapshots.

use kehu_engine::batch::NO_MANAGER;
use kehu_engine::derive;
use kehu_engine::policy::BandMode;
use kehu_engine::{
    BusinessFormat, Cents, CustomerFacts, Indicators, MarketType, Policy, Population, Rules,
    ServiceInputs, Tier,
};
use sqlx::SqlitePool;

/// The population in id order, with the ids and the customer-manager user ids behind the indices.
#[derive(Clone)]
pub struct LoadedPopulation {
    pub ids: Vec<i64>,
    pub population: Population,
    /// `population.manager[i]` indexes this list of user ids.
    pub managers: Vec<i64>,
    /// Route id of each customer.
    pub routes: Vec<Option<i64>>,
    /// Latest purchase month in the data (`YYYY-MM`).
    pub latest_month: Option<String>,
}

/// This month (`YYYY-MM`, in the service desk's time zone). The assessment window ends at the
/// latest month with purchases but never after this one: a purchase dated in the future (a
/// typing error from before imports refused them) must not move everyone's window.
pub fn this_month() -> String {
    let m = crate::import::current_month();
    format!("{:04}-{:02}", m / 100, m % 100)
}

/// Marks a change of purchases, in the transaction of every writer of purchases (the import and
/// the demo): bumps the counter the kept facts are keyed on and keeps the latest month, so
/// that reading it never scans every purchase.
pub async fn purchases_changed(conn: &mut sqlx::SqliteConnection) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE data_version SET purchases = purchases + 1,
                latest_month = (SELECT MAX(month) FROM purchases)",
    )
    .execute(conn)
    .await
    .map(|_| ())
}

/// The latest month with purchases up to this month (`None` without purchases). The kept
/// month serves unless it lies in the future — a purchase dated ahead from before imports
/// refused them — when the purchases up to this month are read instead.
pub async fn latest_month(pool: &SqlitePool) -> sqlx::Result<Option<String>> {
    let now = this_month();
    let kept: Option<String> = sqlx::query_scalar("SELECT latest_month FROM data_version")
        .fetch_optional(pool)
        .await?
        .flatten();
    match kept {
        Some(m) if m > now => {
            sqlx::query_scalar("SELECT MAX(month) FROM purchases WHERE month <= ?")
                .bind(now)
                .fetch_one(pool)
                .await
        }
        kept => Ok(kept),
    }
}

/// `YYYY-MM` shifted by `delta` months.
pub fn shift_month(month: &str, delta: i32) -> Option<String> {
    let (y, m) = month.split_once('-')?;
    let idx = y.parse::<i32>().ok()? * 12 + m.parse::<i32>().ok()? - 1 + delta;
    Some(format!(
        "{:04}-{:02}",
        idx.div_euclid(12),
        idx.rem_euclid(12) + 1
    ))
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    business_format: String,
    market_type: String,
    business_area_m2: f64,
    integrity_level: String,
    violations_12m: i64,
    late_payments_12m: i64,
    monitored: bool,
    demonstration: bool,
    cooperation: String,
    route_id: Option<i64>,
    manager_id: Option<i64>,
    cur_cartons: i64,
    cur_amount: i64,
    prev_cartons: i64,
    months_ordered: i64,
    /// Supply and delivery over the window, where known (`None`: never recorded).
    supplied: i64,
    requested: Option<i64>,
    deliveries: Option<i64>,
    late_deliveries: Option<i64>,
    prev_band: Option<i64>,
    prev_tier: Option<String>,
    prev_experience: Option<i64>,
}

/// A customer's visits, ratings and complaints since the window began (the other service
/// records are monthly columns of purchases).
#[derive(Clone, Copy, Default)]
struct Logged {
    visits: u32,
    promises: u32,
    rating_sum: u32,
    rating_count: u32,
    complaints_on_time: u32,
    complaints_total: u32,
}

/// What the service part of the facts needs besides the customer's own rows: the published
/// policy's visit standard per tier, the window's length, and the logged records per customer.
struct ServiceContext {
    visits_per_month: [u32; 3],
    /// Whether anyone logged a visit in the window: without a visit log, visits against the
    /// standard are not recorded rather than zero.
    visit_log_kept: bool,
    window: u32,
    logged: rustc_hash::FxHashMap<i64, Logged>,
}

/// Visits, promises, ratings and complaints per customer from `start` (`YYYY-MM`, the window's
/// first month) to now; `one` narrows to one customer. A complaint counts once its deadline has
/// passed or it is closed: on time when closed by its deadline.
async fn logged(
    pool: &SqlitePool,
    start: &str,
    one: Option<i64>,
) -> anyhow::Result<rustc_hash::FxHashMap<i64, Logged>> {
    let from = format!("{start}-01");
    let filter = |col: &str, n: u8| match one {
        Some(_) => format!("AND {col} = ?{n}"),
        None => String::new(),
    };
    let now = crate::calendar::stamp(chrono::Utc::now());
    let mut out: rustc_hash::FxHashMap<i64, Logged> = Default::default();
    // Visits with their ratings, in one pass over the visits of each customer.
    let visits: Vec<(i64, i64, i64, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT v.customer_id, COUNT(*), SUM(v.promise <> ''), COALESCE(SUM(r.score), 0), COUNT(r.score)
         FROM visits v LEFT JOIN visit_ratings r ON r.visit_id = v.id
         WHERE v.visited_on >= ?1 {} GROUP BY v.customer_id",
        filter("v.customer_id", 2)
    )))
    .bind(&from)
    .bind(one)
    .fetch_all(pool)
    .await?;
    let count = |v: i64| v.clamp(0, i64::from(u32::MAX)) as u32;
    for (id, n, promises, rating_sum, ratings) in visits {
        let l = out.entry(id).or_default();
        l.visits = count(n);
        l.promises = count(promises);
        l.rating_sum = count(rating_sum);
        l.rating_count = count(ratings);
    }
    let complaints: Vec<(i64, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT customer_id,
                SUM(closed_at IS NOT NULL AND closed_at <= due_at),
                SUM(closed_at IS NOT NULL OR due_at < ?2)
         FROM complaints WHERE filed_at >= ?1 {} GROUP BY customer_id",
        filter("customer_id", 3)
    )))
    .bind(&from)
    .bind(&now)
    .bind(one)
    .fetch_all(pool)
    .await?;
    for (id, on_time, total) in complaints {
        let l = out.entry(id).or_default();
        l.complaints_on_time = count(on_time);
        l.complaints_total = count(total);
    }
    Ok(out)
}

/// The service context for `policy`'s window starting at `start`.
async fn service_context(
    pool: &SqlitePool,
    policy: &Policy,
    start: &str,
    one: Option<i64>,
) -> anyhow::Result<ServiceContext> {
    let published: Option<String> = sqlx::query_scalar(
        "SELECT body FROM policies WHERE status = 'published' ORDER BY version DESC LIMIT 1",
    )
    .fetch_optional(pool)
    .await?;
    let mut visits_per_month = [0u32; 3];
    if let Some(body) = published {
        let p: Policy = serde_json::from_str(&body)?;
        for (slot, v) in visits_per_month.iter_mut().zip(&p.service.visits_per_month) {
            *slot = u32::from(*v);
        }
    }
    if start.is_empty() {
        return Ok(ServiceContext {
            visits_per_month,
            visit_log_kept: false,
            window: 1,
            logged: Default::default(),
        });
    }
    let visit_log_kept: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM visits WHERE visited_on >= ?)")
            .bind(format!("{start}-01"))
            .fetch_one(pool)
            .await?;
    Ok(ServiceContext {
        visits_per_month,
        visit_log_kept,
        window: u32::from(policy.assessment_window_months.max(1)),
        logged: logged(pool, start, one).await?,
    })
}

/// Loads every customer's facts under `policy`'s window, with the latest published assignment
/// as the "previous" one for transitions.
pub async fn load(pool: &SqlitePool, policy: &Policy) -> anyhow::Result<LoadedPopulation> {
    let latest = latest_month(pool).await?;
    let (cur_start, prev_start, year_start) = windows(&latest, policy);
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(facts_query(false)))
        .bind(&cur_start)
        .bind(&prev_start)
        .bind(&year_start)
        .bind(0i64) // ?4: one customer's id, unused here
        .bind(this_month())
        .fetch_all(pool)
        .await?;
    let service = service_context(pool, policy, &cur_start, None).await?;
    Ok(build(rows, policy, &service, latest))
}

/// What every customer's facts depend on besides the policy, read in a few cheap aggregate
/// queries: the published policy (id and publication time, so a regenerated database never
/// matches: its previous tiers are the "before" of every transition), the customers (count and
/// the sum of their record versions, which every edit bumps), the purchases (a counter bumped by
/// every import and by the demo, the only writers), the route → customer-manager assignment,
/// the service records (visits and ratings are only added or deleted; every change to a
/// complaint bumps its version) and the hour, as open complaints turn late with time.
/// Loading the facts reads every purchase of the window (about 1.7 s for 100,000 customers);
/// this takes a few milliseconds.
pub async fn fingerprint(pool: &SqlitePool) -> anyhow::Result<String> {
    type Key = (Option<i64>, Option<String>, i64, i64, i64, i64);
    let row: Key = sqlx::query_as(
        "SELECT (SELECT id FROM policies WHERE status = 'published' ORDER BY version DESC LIMIT 1),
                (SELECT published_at FROM policies WHERE status = 'published' ORDER BY version DESC LIMIT 1),
                (SELECT COUNT(*) FROM customers),
                (SELECT COALESCE(SUM(version), 0) FROM customers),
                (SELECT COALESCE(SUM(id * 31 + COALESCE(manager_id, 0)), 0) FROM routes),
                (SELECT purchases FROM data_version)",
    )
    .fetch_one(pool)
    .await?;
    let service: (i64, Option<i64>, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM visits), (SELECT MAX(id) FROM visits),
                (SELECT COUNT(*) FROM visit_ratings),
                (SELECT COUNT(*) FROM complaints), (SELECT COALESCE(SUM(version), 0) FROM complaints)",
    )
    .fetch_one(pool)
    .await?;
    let hour = chrono::Utc::now().format("%Y-%m-%dT%H");
    Ok(format!("{row:?} {service:?} {hour}"))
}

/// A loaded population and the key it was loaded under.
type Kept = (String, std::sync::Arc<LoadedPopulation>);

/// The last population loaded, kept while the data it was read from is unchanged: opening the
/// lab loads it for the snapshot, and the preview and the publish that follow classify the same
/// facts without reading every purchase again. Facts depend on the policy only through its
/// window and the cartons per case, which are part of the key.
#[derive(Clone, Default)]
pub struct Cache(std::sync::Arc<tokio::sync::Mutex<Option<Kept>>>);

impl Cache {
    /// Every customer's facts under `policy`, as [`load`] reads them; from memory while the
    /// data's fingerprint, the window and the cartons per case are those of the last load.
    /// One caller loads at a time; the others wait for its result.
    pub async fn load(
        &self,
        pool: &SqlitePool,
        policy: &Policy,
    ) -> anyhow::Result<std::sync::Arc<LoadedPopulation>> {
        let mut slot = self.0.lock().await;
        let key = format!(
            "{} window {} per case {}",
            fingerprint(pool).await?,
            policy.assessment_window_months,
            policy.cartons_per_case
        );
        if let Some((k, loaded)) = slot.as_ref()
            && *k == key
        {
            return Ok(loaded.clone());
        }
        let loaded = std::sync::Arc::new(load(pool, policy).await?);
        *slot = Some((key, loaded.clone()));
        Ok(loaded)
    }
}

/// The windows' first months for the latest purchase month: current, previous, last 12.
fn windows(latest: &Option<String>, policy: &Policy) -> (String, String, String) {
    let w = i32::from(policy.assessment_window_months.max(1));
    match latest {
        Some(m) => (
            shift_month(m, -(w - 1)).unwrap_or_default(),
            shift_month(m, -(2 * w - 1)).unwrap_or_default(),
            shift_month(m, -11).unwrap_or_default(),
        ),
        None => (String::new(), String::new(), String::new()),
    }
}

/// Customers with their window aggregates and latest published assignment; `filter` narrows
/// both to one customer (`?4`).
fn facts_query(one: bool) -> String {
    let (agg_filter, row_filter) = if !one {
        ("", "")
    } else {
        ("AND customer_id = ?4", "WHERE c.id = ?4")
    };
    format!(
        "WITH agg AS (
            SELECT customer_id,
                   SUM(CASE WHEN month >= ?1 THEN cartons ELSE 0 END) AS cur_cartons,
                   SUM(CASE WHEN month >= ?1 THEN amount_fen ELSE 0 END) AS cur_amount,
                   SUM(CASE WHEN month >= ?2 AND month < ?1 THEN cartons ELSE 0 END) AS prev_cartons,
                   SUM(CASE WHEN month >= ?3 AND cartons > 0 THEN 1 ELSE 0 END) AS months_ordered,
                   SUM(CASE WHEN month >= ?1 AND requested_cartons IS NOT NULL THEN cartons ELSE 0 END) AS supplied,
                   SUM(CASE WHEN month >= ?1 THEN requested_cartons END) AS requested,
                   SUM(CASE WHEN month >= ?1 THEN deliveries END) AS deliveries,
                   SUM(CASE WHEN month >= ?1 THEN late_deliveries END) AS late_deliveries
            FROM purchases WHERE month >= MIN(?2, ?3) AND month <= ?5 {agg_filter} GROUP BY customer_id
         ),
         latest AS (SELECT id FROM policies WHERE status = 'published' ORDER BY version DESC LIMIT 1)
         SELECT c.id, c.business_format, c.market_type, c.business_area_m2, c.integrity_level,
                c.violations_12m, c.late_payments_12m, c.monitored, c.demonstration, c.cooperation,
                c.route_id, r.manager_id,
                COALESCE(agg.cur_cartons, 0) AS cur_cartons, COALESCE(agg.cur_amount, 0) AS cur_amount,
                COALESCE(agg.prev_cartons, 0) AS prev_cartons, COALESCE(agg.months_ordered, 0) AS months_ordered,
                COALESCE(agg.supplied, 0) AS supplied, agg.requested, agg.deliveries, agg.late_deliveries,
                a.band AS prev_band, a.tier AS prev_tier, a.experience_centi AS prev_experience
         FROM customers c
         LEFT JOIN routes r ON r.id = c.route_id
         LEFT JOIN agg ON agg.customer_id = c.id
         LEFT JOIN assignments a ON a.customer_id = c.id AND a.policy_id = (SELECT id FROM latest)
         {row_filter}
         ORDER BY c.id"
    )
}

/// Area in hundredths of a m², as the scale rule and the influence percentile compare it.
fn area_cents(r: &Row) -> i64 {
    (r.business_area_m2 * 100.0).round() as i64
}

/// One customer's facts and the rules to classify them with, under `policy`: the same facts
/// [`load`] derives for them, without loading everyone (the percentile indicators are counted in
/// SQL, a scan of the window's purchases — skipped unless `ranks`, taking both percentiles, and the
/// expectation driver made of them, as 0 when only band, grade, class or key-account tier are
/// wanted). In share mode the
/// band bounds depend on everyone's volume, so the population is loaded.
pub async fn load_one(
    pool: &SqlitePool,
    policy: &Policy,
    id: i64,
    ranks: bool,
) -> anyhow::Result<Option<(CustomerFacts, Rules)>> {
    if policy.bands.mode == BandMode::Shares {
        let loaded = load(pool, policy).await?;
        let Ok(i) = loaded.ids.binary_search(&id) else {
            return Ok(None);
        };
        let mut out = kehu_engine::batch::Outcomes::default();
        let rules = kehu_engine::batch::rules_for(policy, &loaded.population, &mut out);
        return Ok(Some((loaded.population.facts(i), rules)));
    }
    let latest = latest_month(pool).await?;
    let (cur_start, prev_start, year_start) = windows(&latest, policy);
    let Some(row): Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(facts_query(true)))
        .bind(&cur_start)
        .bind(&prev_start)
        .bind(&year_start)
        .bind(id)
        .bind(this_month())
        .fetch_optional(pool)
        .await?
    else {
        return Ok(None);
    };
    let service = service_context(pool, policy, &cur_start, Some(id)).await?;
    // Contribution ranks the monthly amount, as the population's amount column holds it.
    let window_months = i64::from(policy.assessment_window_months.max(1));
    if !ranks {
        let facts = facts_of(&row, policy, &service, Cents::ZERO, Cents::ZERO);
        return Ok(Some((facts, Rules::new(policy, None))));
    }
    let (n, amount_below, area_below): (i64, i64, i64) = sqlx::query_as(
        "WITH amt AS (SELECT customer_id, SUM(amount_fen) AS a FROM purchases WHERE month >= ?1 AND month <= ?5
                      GROUP BY customer_id)
         SELECT COUNT(*),
                COALESCE(SUM(COALESCE(amt.a, 0) / ?4 < ?2), 0),
                COALESCE(SUM(CAST(ROUND(c.business_area_m2 * 100) AS INTEGER) < ?3), 0)
         FROM customers c LEFT JOIN amt ON amt.customer_id = c.id",
    )
    .bind(&cur_start)
    .bind(row.cur_amount / window_months)
    .bind(area_cents(&row))
    .bind(window_months)
    .bind(this_month())
    .fetch_one(pool)
    .await?;
    let pct = |below: i64| {
        if n <= 1 {
            Cents::from_int(100)
        } else {
            Cents::from_raw(below * 10_000 / (n - 1))
        }
    };
    let facts = facts_of(&row, policy, &service, pct(amount_below), pct(area_below));
    Ok(Some((facts, Rules::new(policy, None))))
}

/// Expectation and experience inputs of one customer from their records (SPEC §5); `None`
/// when nothing at all is recorded or derivable.
fn service_of(r: &Row, ctx: &ServiceContext, indicators: &Indicators) -> Option<ServiceInputs> {
    let logged = ctx.logged.get(&r.id).copied().unwrap_or_default();
    let tier = r.prev_tier.as_deref().and_then(Tier::from_key);
    let to_u32 = |v: i64| v.clamp(0, i64::from(u32::MAX)) as u32;
    let deliveries = r.deliveries.unwrap_or(0);
    let experience = derive::experience_points(&derive::ServiceRecords {
        visits_received: logged.visits,
        visits_standard: tier
            .filter(|_| ctx.visit_log_kept)
            .map(|t| ctx.visits_per_month[t.index().min(2)] * ctx.window),
        complaints_on_time: logged.complaints_on_time,
        complaints_total: logged.complaints_total,
        supply_allocated: r.supplied,
        supply_requested: r.requested.unwrap_or(0),
        deliveries_on_time: to_u32(deliveries - r.late_deliveries.unwrap_or(0)),
        deliveries_total: to_u32(deliveries),
        rating_sum: logged.rating_sum,
        rating_count: logged.rating_count,
    });
    let expectation = derive::expectation_points(&derive::ExpectationRecords {
        promises: (logged.visits > 0).then_some(logged.promises),
        contribution: indicators.contribution,
        influence: indicators.influence,
        life_cycle: derive::LifeCycle::of(r.cur_cartons, r.prev_cartons),
        past_experience: r.prev_experience.map(Cents::from_raw),
    });
    experience
        .iter()
        .any(Option::is_some)
        .then_some(ServiceInputs {
            expectation,
            experience,
        })
}

/// The engine's facts of one stored customer, given their two percentile indicators.
fn facts_of(
    r: &Row,
    policy: &Policy,
    service: &ServiceContext,
    contribution: Cents,
    area_pct: Cents,
) -> CustomerFacts {
    let window = policy.assessment_window_months;
    let format = BusinessFormat::from_key(&r.business_format).unwrap_or(BusinessFormat::Other);
    let mut facts = CustomerFacts {
        format,
        market: MarketType::from_key(&r.market_type).unwrap_or(MarketType::Urban),
        business_area_m2: Cents::from_raw(area_cents(r)),
        monthly_volume: derive::average_cases_from_total(
            r.cur_cartons,
            window,
            policy.cartons_per_case,
        ),
        avg_price: derive::average_price(r.cur_amount, r.cur_cartons),
        // Monthly amount: the window's amount over its months, in fen.
        monthly_amount: Some(Cents::from_raw(r.cur_amount / i64::from(window.max(1)))),
        indicators: Indicators {
            contribution,
            support: derive::support_points(&r.cooperation, r.months_ordered.clamp(0, 12) as u8),
            credit: derive::credit_points(
                &r.integrity_level,
                r.violations_12m.clamp(0, 1000) as u16,
                r.late_payments_12m.clamp(0, 1000) as u16,
            ),
            growth: derive::growth_points(derive::growth_bp_from_totals(
                r.cur_cartons,
                r.prev_cartons,
            )),
            influence: derive::influence_points(
                area_pct,
                derive::format_reach(format),
                r.demonstration,
            ),
        },
        violations_12m: r.violations_12m.clamp(0, i64::from(u16::MAX)) as u16,
        monitored: r.monitored,
        service: None,
    };
    facts.service = service_of(r, service, &facts.indicators);
    facts
}

fn build(
    rows: Vec<Row>,
    policy: &Policy,
    service: &ServiceContext,
    latest_month: Option<String>,
) -> LoadedPopulation {
    let n = rows.len();
    let mut managers: Vec<i64> = rows.iter().filter_map(|r| r.manager_id).collect();
    managers.sort_unstable();
    managers.dedup();
    let mut pop = Population::with_capacity(n);
    let mut ids = Vec::with_capacity(n);
    for r in &rows {
        // The ranked indicators are derived below, from the whole population.
        let facts = facts_of(r, policy, service, Cents::ZERO, Cents::ZERO);
        let manager = r
            .manager_id
            .and_then(|m| managers.binary_search(&m).ok())
            .map_or(NO_MANAGER, |i| i as u32);
        let prev_tier = r.prev_tier.as_deref().and_then(Tier::from_key);
        pop.push(
            &facts,
            manager,
            r.prev_band.map(|b| b.clamp(1, 8) as u8),
            prev_tier,
        );
        ids.push(r.id);
    }
    pop.demonstration = rows.iter().map(|r| r.demonstration).collect();
    pop.derive_ranks();
    LoadedPopulation {
        ids,
        population: pop,
        managers,
        routes: rows.iter().map(|r| r.route_id).collect(),
        latest_month,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_shift_across_years() {
        assert_eq!(shift_month("2026-03", -2).as_deref(), Some("2026-01"));
        assert_eq!(shift_month("2026-03", -3).as_deref(), Some("2025-12"));
        assert_eq!(shift_month("2026-12", 1).as_deref(), Some("2027-01"));
        assert_eq!(shift_month("bad", 1), None);
    }
}
