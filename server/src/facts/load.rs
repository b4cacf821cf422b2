//! Reading the facts: every customer's records and purchase aggregates under a policy (`load`),
//! or one customer's (`load_one`), derived into the engine's `CustomerFacts`.

use super::*;
use crate::db::facts as stored;
pub use stored::{
    Row, changes_span, latest_month, purchases_changed, purge_changes, visit_log_kept,
};

/// The first day of the visits kept in memory: the first of the month four months before this
/// one, so that 90 days back from any day of this month are inside.
pub fn visits_since() -> String {
    format!(
        "{}-01",
        shift_month(&crate::time::this_month(), -4).unwrap_or_default()
    )
}

/// The visits since [`visits_since`] and the last visit of the customers `ids` (in id order;
/// `some`, their JSON array, narrows the queries when not everyone is read).
pub(crate) async fn visits_of(
    pool: &SqlitePool,
    ids: &[i64],
    some: Option<&str>,
) -> anyhow::Result<(
    Chunked<std::sync::Arc<[VisitMark]>>,
    Vec<Option<chrono::NaiveDate>>,
)> {
    let rows = stored::visits(pool, &visits_since(), some).await?;
    let day = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
    let mut visits = vec![Vec::new(); ids.len()];
    for (customer, on, manager, score) in rows {
        if let (Ok(i), Some(day)) = (ids.binary_search(&customer), day(&on)) {
            visits[i].push(VisitMark {
                day,
                manager,
                score: score.map(|s| s.clamp(1, 5) as u8),
            });
        }
    }
    let visits = visits
        .into_iter()
        .map(|mut v| {
            v.sort_by_key(|m| m.day);
            v.into()
        })
        .collect();
    let last = stored::last_visits(pool, some).await?;
    let mut last_visit = vec![None; ids.len()];
    for (customer, on) in last {
        if let Ok(i) = ids.binary_search(&customer) {
            last_visit[i] = day(&on);
        }
    }
    Ok((visits, last_visit))
}

static NEXT_GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// The next [`LoadedPopulation::generation`].
pub(crate) fn next_generation() -> u64 {
    NEXT_GENERATION.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Whether this process has given out generation `g` yet.
pub fn generation_issued(g: u64) -> bool {
    g > 0 && g < NEXT_GENERATION.load(std::sync::atomic::Ordering::Relaxed)
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

/// A customer's visits, ratings and complaints since the window began (the other service
/// records are monthly columns of purchases).
#[derive(Clone, Copy, Default)]
pub(crate) struct Logged {
    pub(crate) visits: u32,
    pub(crate) promises: u32,
    pub(crate) rating_sum: u32,
    pub(crate) rating_count: u32,
    pub(crate) complaints_on_time: u32,
    pub(crate) complaints_total: u32,
}

/// What the service part of the facts needs besides the customer's own rows: the published
/// policy's visit standard per tier, the window's length, and the logged records per customer.
#[derive(Clone, Default)]
pub(crate) struct ServiceContext {
    pub(crate) visits_per_month: [u32; 3],
    /// Whether anyone logged a visit in the window: without a visit log, visits against the
    /// standard are not recorded rather than zero.
    pub(crate) visit_log_kept: bool,
    pub(crate) window: u32,
    pub(crate) logged: rustc_hash::FxHashMap<i64, Logged>,
}

/// Visits, promises, ratings and complaints per customer from `start` (`YYYY-MM`, the window's
/// first month) to now; `some` (a JSON array of ids) narrows to those customers. A complaint
/// counts once its deadline has passed or it is closed: on time when closed by its deadline.
pub(crate) async fn logged(
    pool: &SqlitePool,
    start: &str,
    some: Option<&str>,
) -> anyhow::Result<rustc_hash::FxHashMap<i64, Logged>> {
    let from = format!("{start}-01");
    let now = crate::time::stamp(crate::time::now());
    let mut out: rustc_hash::FxHashMap<i64, Logged> = Default::default();
    // Visits with their ratings, in one pass over the visits of each customer.
    let visits = stored::visits_logged(pool, &from, some).await?;
    let count = |v: i64| v.clamp(0, i64::from(u32::MAX)) as u32;
    for (id, n, promises, rating_sum, ratings) in visits {
        let l = out.entry(id).or_default();
        l.visits = count(n);
        l.promises = count(promises);
        l.rating_sum = count(rating_sum);
        l.rating_count = count(ratings);
    }
    let complaints = stored::complaints_logged(pool, &from, &now, some).await?;
    for (id, on_time, total) in complaints {
        let l = out.entry(id).or_default();
        l.complaints_on_time = count(on_time);
        l.complaints_total = count(total);
    }
    Ok(out)
}

/// The service context for `policy`'s window starting at `start`.
pub(crate) async fn service_context(
    pool: &SqlitePool,
    policy: &Policy,
    start: &str,
    some: Option<&str>,
) -> anyhow::Result<ServiceContext> {
    let published = stored::published_body(pool).await?;
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
    Ok(ServiceContext {
        visits_per_month,
        visit_log_kept: visit_log_kept(pool, start).await?,
        window: u32::from(policy.assessment_window_months.max(1)),
        logged: logged(pool, start, some).await?,
    })
}

/// Loads every customer's facts under `policy`'s window, with the latest published assignment
/// as the "previous" one for transitions.
pub async fn load(pool: &SqlitePool, policy: &Policy) -> anyhow::Result<LoadedPopulation> {
    let started = std::time::Instant::now();
    let latest = latest_month(pool).await?;
    let (cur_start, prev_start, year_start) = windows(&latest, policy);
    let rows = stored::rows(pool, (&cur_start, &prev_start, &year_start), None).await?;
    let rows_read = started.elapsed();
    let service = service_context(pool, policy, &cur_start, None).await?;
    let service_read = started.elapsed();
    let mut loaded = build(rows, policy, &service, latest);
    let built = started.elapsed();
    let (visits, last) = visits_of(pool, &loaded.ids, None).await?;
    (loaded.visits, loaded.last_visit) = (visits, last.into_iter().collect());
    tracing::debug!(
        "facts of {} customers loaded in {:.2} s: customers and purchases {:.2} s, service \
         records {:.2} s, facts built {:.2} s, visit plan {:.2} s",
        loaded.ids.len(),
        started.elapsed().as_secs_f64(),
        rows_read.as_secs_f64(),
        (service_read - rows_read).as_secs_f64(),
        (built - service_read).as_secs_f64(),
        (started.elapsed() - built).as_secs_f64(),
    );
    Ok(loaded)
}

/// What every customer's facts depend on besides the policy and their own records, read in a
/// few cheap queries: the published visit standard (each customer's experience counts visits
/// against their tier's), the customers removed (a counter triggers bump), the writes that
/// changed too many customers to take in one by one (a counter they bump), the routes in their
/// order (the snapshot's route indices), the purchases (a counter bumped by every writer of
/// purchases) and their latest month, and this month. A change of any of them reloads everyone
/// (about 1.7 s for 100,000 customers). What changes some customers' own records — a visit, a
/// rating, a complaint, an edit, a new customer, their route's new customer manager, a
/// publication that moved them — is in `fact_changes` and reloads those customers only.
///
/// With it, in the same look, the newest change in `fact_changes`.
pub(crate) async fn fingerprint(pool: &SqlitePool) -> anyhow::Result<(String, i64)> {
    let (standard, removed, reloads, routes, purchases, latest, newest) = stored::key(pool).await?;
    let key = (standard, removed, reloads, routes, purchases, latest);
    Ok((format!("{key:?}"), newest))
}

/// The windows' first months for the latest purchase month: current, previous, last 12.
pub(crate) fn windows(latest: &Option<String>, policy: &Policy) -> (String, String, String) {
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

/// Area in hundredths of a m², as the scale rule and the influence percentile compare it.
pub(crate) fn area_cents(r: &Row) -> i64 {
    (r.business_area_m2 * 100.0).round() as i64
}

/// One customer's facts and the rules to classify them with, under `policy`: the same facts
/// [`load`] derives for them. With `ranks` (the percentile indicators, and the expectation
/// driver made of them, which rank the customer among everyone), or in share mode (the band
/// bounds depend on everyone's volume), they come from the kept population; without, from the
/// customer's own rows, with those indicators 0 — enough for band, grade, class and key-account
/// tier.
pub async fn load_one(
    pool: &SqlitePool,
    cache: &KeptFacts,
    policy: &Policy,
    id: i64,
    ranks: bool,
) -> anyhow::Result<Option<(CustomerFacts, Rules)>> {
    if ranks || policy.bands.mode == BandMode::Shares {
        let loaded = cache.load(pool, policy).await?;
        let Ok(i) = loaded.ids.binary_search(&id) else {
            return Ok(None);
        };
        let mut out = kehu_engine::batch::Outcomes::default();
        let rules = kehu_engine::batch::rules_for(policy, &loaded.population, &mut out);
        return Ok(Some((loaded.population.facts(i), rules)));
    }
    let latest = latest_month(pool).await?;
    let (cur_start, prev_start, year_start) = windows(&latest, policy);
    let one = format!("[{id}]");
    let rows = stored::rows(pool, (&cur_start, &prev_start, &year_start), Some(&one)).await?;
    let Some(row) = rows.into_iter().next() else {
        return Ok(None);
    };
    let service = service_context(pool, policy, &cur_start, Some(&one)).await?;
    let facts = facts_of(&row, policy, &service, Cents::ZERO, Cents::ZERO);
    Ok(Some((facts, Rules::new(policy, None))))
}

/// Expectation and experience inputs of one customer from their records (domain §5); `None`
/// when nothing at all is recorded or derivable.
pub(crate) fn service_of(
    r: &Row,
    ctx: &ServiceContext,
    indicators: &Indicators,
) -> Option<ServiceInputs> {
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
pub(crate) fn facts_of(
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

/// Customer `id`'s visits logged in the window, as `service` counted them.
pub(crate) fn window_visits(service: &ServiceContext, id: i64) -> u32 {
    service.logged.get(&id).map_or(0, |l| l.visits)
}

pub(crate) fn build(
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
    let mut by_manager = vec![Vec::new(); managers.len()];
    for (i, &m) in pop.manager.iter().enumerate() {
        if m != NO_MANAGER {
            by_manager[m as usize].push(i as u32);
        }
    }
    let generation = next_generation();
    LoadedPopulation {
        by_manager: by_manager.into_iter().map(Into::into).collect(),
        ids: ids.into(),
        population: pop,
        managers: managers.into(),
        routes: rows.iter().map(|r| r.route_id).collect(),
        latest_month,
        generation,
        base: generation,
        changes: Default::default(),
        visits: Chunked::default(),
        last_visit: Chunked::default(),
        window_visits: rows.iter().map(|r| window_visits(service, r.id)).collect(),
        assigned_volume: rows.iter().map(|r| r.prev_volume).collect(),
        search: rows.iter().map(Row::search).collect(),
        standard: ServiceContext {
            visits_per_month: service.visits_per_month,
            visit_log_kept: service.visit_log_kept,
            window: service.window,
            logged: Default::default(),
        },
    }
}
