//! The facts' reads: every customer's (or some customers') records and purchase aggregates over
//! a policy's windows, their visits, ratings and complaints, and what the kept facts are keyed
//! on (`data_version`, `fact_changes`). Turning rows into the engine's facts is `facts`' work.

use sqlx::{SqliteConnection, SqlitePool};

/// One customer's row of [`facts_query`], its columns in this order.
pub struct Row {
    pub id: i64,
    pub business_format: String,
    pub market_type: String,
    pub business_area_m2: f64,
    pub integrity_level: String,
    pub violations_12m: i64,
    pub late_payments_12m: i64,
    pub monitored: bool,
    pub demonstration: bool,
    pub cooperation: String,
    pub route_id: Option<i64>,
    pub manager_id: Option<i64>,
    pub cur_cartons: i64,
    pub cur_amount: i64,
    pub prev_cartons: i64,
    pub months_ordered: i64,
    /// Supply and delivery over the window, where known (`None`: never recorded).
    pub supplied: i64,
    pub requested: Option<i64>,
    pub deliveries: Option<i64>,
    pub late_deliveries: Option<i64>,
    pub prev_band: Option<i64>,
    pub prev_tier: Option<String>,
    pub prev_experience: Option<i64>,
    pub prev_volume: Option<i64>,
    pub shop_name: String,
    pub code: String,
    pub licence_no: String,
    pub phone: String,
}

/// Customers with their window aggregates and latest published assignment; `some` narrows both
/// to the customers whose ids are in the JSON array `?4`.
fn facts_query(some: bool) -> String {
    let (agg_filter, row_filter) = if !some {
        ("", "")
    } else {
        (
            "AND customer_id IN (SELECT value FROM json_each(?4))",
            "WHERE c.id IN (SELECT value FROM json_each(?4))",
        )
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
                a.band AS prev_band, a.tier AS prev_tier, a.experience_centi AS prev_experience,
                a.monthly_volume_milli AS prev_volume, c.shop_name, c.code, c.licence_no, c.phone
         FROM customers c
         LEFT JOIN routes r ON r.id = c.route_id
         LEFT JOIN agg ON agg.customer_id = c.id
         LEFT JOIN assignments a ON a.customer_id = c.id AND a.policy_id = (SELECT id FROM latest)
         {row_filter}
         ORDER BY c.id"
    )
}

/// The customers' rows under windows starting at `starts` (current, previous, last 12 months):
/// everyone's, or those in `some` (a JSON array of ids), in id order.
pub async fn rows(
    pool: &SqlitePool,
    (cur_start, prev_start, year_start): (&str, &str, &str),
    some: Option<&str>,
) -> anyhow::Result<Vec<Row>> {
    let sql = facts_query(some.is_some());
    let month = crate::time::this_month();
    let params = [
        cur_start,
        prev_start,
        year_start,
        some.unwrap_or("[]"),
        &month,
    ];
    read_all(pool, move |db| {
        let mut st = db.prepare(&sql)?;
        st.query_map(params, |r| {
            Ok(Row {
                id: r.get(0)?,
                business_format: r.get(1)?,
                market_type: r.get(2)?,
                business_area_m2: r.get(3)?,
                integrity_level: r.get(4)?,
                violations_12m: r.get(5)?,
                late_payments_12m: r.get(6)?,
                monitored: r.get(7)?,
                demonstration: r.get(8)?,
                cooperation: r.get(9)?,
                route_id: r.get(10)?,
                manager_id: r.get(11)?,
                cur_cartons: r.get(12)?,
                cur_amount: r.get(13)?,
                prev_cartons: r.get(14)?,
                months_ordered: r.get(15)?,
                supplied: r.get(16)?,
                requested: r.get(17)?,
                deliveries: r.get(18)?,
                late_deliveries: r.get(19)?,
                prev_band: r.get(20)?,
                prev_tier: r.get(21)?,
                prev_experience: r.get(22)?,
                prev_volume: r.get(23)?,
                shop_name: r.get(24)?,
                code: r.get(25)?,
                licence_no: r.get(26)?,
                phone: r.get(27)?,
            })
        })?
        .collect()
    })
    .await
}

/// Visits since `since` (`YYYY-MM-DD`) with their ratings: customer, day, customer manager,
/// score; `some` (a JSON array of ids) narrows to those customers.
pub async fn visits(
    pool: &SqlitePool,
    since: &str,
    some: Option<&str>,
) -> anyhow::Result<Vec<(i64, String, Option<i64>, Option<i64>)>> {
    let filter = match some {
        Some(_) => "AND v.customer_id IN (SELECT value FROM json_each(?2))",
        None => "",
    };
    let sql = format!(
        "SELECT v.customer_id, v.visited_on, v.manager_id, r.score
         FROM visits v LEFT JOIN visit_ratings r ON r.visit_id = v.id
         WHERE v.visited_on >= ?1 {filter}"
    );
    let row = |r: &rusqlite::Row<'_>| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?));
    read_all(pool, move |db| {
        let mut st = db.prepare(&sql)?;
        match some {
            Some(ids) => st.query_map(rusqlite::params![since, ids], row)?.collect(),
            None => st.query_map([since], row)?.collect(),
        }
    })
    .await
}

/// Each customer's last visit day (those in `some`, a JSON array of ids, or everyone's).
pub async fn last_visits(
    pool: &SqlitePool,
    some: Option<&str>,
) -> anyhow::Result<Vec<(i64, String)>> {
    let filter = match some {
        Some(_) => "WHERE customer_id IN (SELECT value FROM json_each(?1))",
        None => "",
    };
    let sql =
        format!("SELECT customer_id, MAX(visited_on) FROM visits {filter} GROUP BY customer_id");
    let row = |r: &rusqlite::Row<'_>| Ok((r.get(0)?, r.get(1)?));
    read_all(pool, move |db| {
        let mut st = db.prepare(&sql)?;
        match some {
            Some(ids) => st.query_map([ids], row)?.collect(),
            None => st.query_map([], row)?.collect(),
        }
    })
    .await
}

/// Runs a read of many rows through rusqlite on one of the pool's connections (see
/// [`super::with_rusqlite`]).
async fn read_all<T>(
    pool: &SqlitePool,
    read: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
) -> anyhow::Result<T> {
    let mut conn = pool.acquire().await?;
    super::with_rusqlite(&mut conn, read).await
}

fn narrowed(col: &str, n: u8, some: Option<&str>) -> String {
    match some {
        Some(_) => format!("AND {col} IN (SELECT value FROM json_each(?{n}))"),
        None => String::new(),
    }
}

/// Per customer since `from` (`YYYY-MM-DD`): visits, visits with a promise, the sum and count of
/// their ratings; `some` (a JSON array of ids) narrows to those customers.
pub async fn visits_logged(
    pool: &SqlitePool,
    from: &str,
    some: Option<&str>,
) -> sqlx::Result<Vec<(i64, i64, i64, i64, i64)>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT v.customer_id, COUNT(*), SUM(v.promise <> ''), COALESCE(SUM(r.score), 0), COUNT(r.score)
         FROM visits v LEFT JOIN visit_ratings r ON r.visit_id = v.id
         WHERE v.visited_on >= ?1 {} GROUP BY v.customer_id",
        narrowed("v.customer_id", 2, some)
    )))
    .bind(from)
    .bind(some)
    .fetch_all(pool)
    .await
}

/// Per customer, of the complaints filed since `from` (`YYYY-MM-DD`): closed by their deadline,
/// and counted (closed, or past their deadline at `now`, a stored time).
pub async fn complaints_logged(
    pool: &SqlitePool,
    from: &str,
    now: &str,
    some: Option<&str>,
) -> sqlx::Result<Vec<(i64, i64, i64)>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT customer_id,
                SUM(closed_at IS NOT NULL AND closed_at <= due_at),
                SUM(closed_at IS NOT NULL OR due_at < ?2)
         FROM complaints WHERE filed_at >= ?1 {} GROUP BY customer_id",
        narrowed("customer_id", 3, some)
    )))
    .bind(from)
    .bind(now)
    .bind(some)
    .fetch_all(pool)
    .await
}

/// The published policy's body, read now (the kept facts must not see a remembered one).
pub async fn published_body(pool: &SqlitePool) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT body FROM policies WHERE status = 'published' ORDER BY version DESC LIMIT 1",
    )
    .fetch_optional(pool)
    .await
}

/// Marks a change of purchases, in the transaction of every writer of purchases (the import and
/// the demo): bumps the counter the kept facts are keyed on and keeps the latest month, so
/// that reading it never scans every purchase.
pub async fn purchases_changed(conn: &mut SqliteConnection) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE data_version SET purchases = purchases + 1,
                latest_month = (SELECT MAX(month) FROM purchases)",
    )
    .execute(conn)
    .await
    .map(|_| ())
}

/// Marks the purchases of a few customers changed (an import of some of their months): when
/// the latest month stays what it was, only those customers are marked in `fact_changes`, and
/// the kept facts reload them alone; otherwise (or for more than `most` customers) as
/// [`purchases_changed`], which reloads everyone.
pub async fn purchases_changed_for(
    conn: &mut SqliteConnection,
    customers: &[i64],
    most: usize,
) -> sqlx::Result<()> {
    let (kept, now): (Option<String>, Option<String>) = sqlx::query_as(
        "SELECT (SELECT latest_month FROM data_version), (SELECT MAX(month) FROM purchases)",
    )
    .fetch_one(&mut *conn)
    .await?;
    if customers.len() > most || kept != now {
        return purchases_changed(conn).await;
    }
    changed_customers_marked(conn, customers).await
}

/// The latest month with purchases up to this month (`None` without purchases). The kept
/// month serves unless it lies in the future — a purchase dated ahead from before imports
/// refused them — when the purchases up to this month are read instead.
pub async fn latest_month(pool: &SqlitePool) -> sqlx::Result<Option<String>> {
    let now = crate::time::this_month();
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

/// Whether anyone logged a visit since `start` (`YYYY-MM`, the window's first month).
pub async fn visit_log_kept(pool: &SqlitePool, start: &str) -> sqlx::Result<bool> {
    if start.is_empty() {
        return Ok(false);
    }
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM visits WHERE visited_on >= ?)")
        .bind(format!("{start}-01"))
        .fetch_one(pool)
        .await
}

/// What every customer's facts depend on besides their own records (see
/// `facts::fingerprint`): the published visit standard, the counters of customers removed and
/// of writes that changed too many customers to take in one by one, the routes in their order,
/// the purchases' counter and latest month; and the newest change in `fact_changes`.
pub type Key = (Option<String>, i64, i64, i64, i64, Option<String>, i64);

/// The [`Key`], in one look.
pub async fn key(pool: &SqlitePool) -> sqlx::Result<Key> {
    sqlx::query_as(
        "SELECT (SELECT json_extract(body, '$.service.visits_per_month') FROM policies
                 WHERE status = 'published' ORDER BY version DESC LIMIT 1),
                (SELECT customers FROM data_version), (SELECT reloads FROM data_version),
                (SELECT COALESCE(SUM(id * n), 0)
                 FROM (SELECT id, row_number() OVER (ORDER BY code) AS n FROM routes)),
                (SELECT purchases FROM data_version), (SELECT latest_month FROM data_version),
                COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'fact_changes'), 0)",
    )
    .fetch_one(pool)
    .await
}

/// Marks the customers whose facts the publication of policy `new` changed: those whose
/// published band, tier, volume or experience differ from what the policy published before it,
/// `previous`, gave them (or who had nothing under it). More than `most`, and everyone is marked
/// (the kept facts then reload everyone, cheaper than taking them in one by one). The newest
/// change in `fact_changes` before and after.
pub async fn published(
    conn: &mut SqliteConnection,
    previous: Option<i64>,
    new: i64,
    most: usize,
) -> sqlx::Result<(i64, i64)> {
    let before = newest_change(&mut *conn).await?;
    let changed: Vec<i64> = sqlx::query_scalar(
        "SELECT n.customer_id FROM assignments n
         LEFT JOIN assignments o ON o.policy_id = ?1 AND o.customer_id = n.customer_id
         WHERE n.policy_id = ?2
           AND (o.customer_id IS NULL OR o.band <> n.band OR o.tier <> n.tier
                OR o.monthly_volume_milli <> n.monthly_volume_milli
                OR o.experience_centi IS NOT n.experience_centi)
         LIMIT ?3",
    )
    .bind(previous)
    .bind(new)
    .bind(most as i64 + 1)
    .fetch_all(&mut *conn)
    .await?;
    if changed.len() > most {
        sqlx::query("UPDATE data_version SET reloads = reloads + 1")
            .execute(&mut *conn)
            .await?;
    } else {
        changed_customers_marked(&mut *conn, &changed).await?;
    }
    Ok((before, newest_change(conn).await?))
}

/// The newest change in `fact_changes` (0 before the first).
async fn newest_change(conn: &mut SqliteConnection) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'fact_changes'), 0)",
    )
    .fetch_one(conn)
    .await
}

/// Marks `customers` in `fact_changes`.
async fn changed_customers_marked(
    conn: &mut SqliteConnection,
    customers: &[i64],
) -> sqlx::Result<()> {
    let at = crate::time::now_stamp();
    for chunk in customers.chunks(10_000) {
        let mut qb = sqlx::QueryBuilder::new("INSERT INTO fact_changes (customer_id, at) ");
        qb.push_values(chunk, |mut row, id| {
            row.push_bind(id).push_bind(&at);
        });
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// The newest change in `fact_changes` and the oldest one still kept (older ones are purged).
pub async fn changes_span(pool: &SqlitePool) -> sqlx::Result<(i64, Option<i64>)> {
    sqlx::query_as(
        "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'fact_changes'), 0),
                (SELECT MIN(seq) FROM fact_changes)",
    )
    .fetch_one(pool)
    .await
}

/// Forgets changes older than a day: every kept population has long read them (one that has
/// not reloads everyone).
pub async fn purge_changes(pool: &SqlitePool) -> sqlx::Result<()> {
    let purge = sqlx::query("DELETE FROM fact_changes WHERE at < ?")
        .bind(crate::time::stamp_from_now(-chrono::TimeDelta::days(1)));
    super::write_one(pool, purge).await.map(drop)
}

/// The customers whose facts changed after change `seq` up to `newest`, or whose open
/// complaints turned late between `counted_at` and `now`: at most `limit`.
pub async fn changed_customers(
    pool: &SqlitePool,
    (seq, newest): (i64, i64),
    (counted_at, now): (&str, &str),
    limit: i64,
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT DISTINCT customer_id FROM fact_changes WHERE seq > ?1 AND seq <= ?2
         UNION
         SELECT customer_id FROM complaints
         WHERE status = 'open' AND due_at >= ?3 AND due_at < ?4 AND closed_at IS NULL
         LIMIT ?5",
    )
    .bind(seq)
    .bind(newest)
    .bind(counted_at)
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await
}
