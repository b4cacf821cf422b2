//! The hot read paths use their indexes (issue 17): at 2,000 customers and their visits a full
//! scan is already a hundred times the work, and at a province's size it is what made pages
//! take seconds. Each check reads SQLite's own query plan of the statement as kehu runs it, so
//! a dropped index or a rewritten query that scans shows here, without a timed test.

use crate::common::*;
use sqlx::SqlitePool;

/// The query plan's lines, as `EXPLAIN QUERY PLAN` gives them.
async fn plan(pool: &SqlitePool, sql: &str) -> String {
    let rows: Vec<(i64, i64, i64, String)> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
            .fetch_all(pool)
            .await
            .unwrap();
    rows.into_iter().map(|r| r.3).collect::<Vec<_>>().join("\n")
}

#[tokio::test]
async fn hot_queries_read_through_their_indexes() {
    let (_dir, pool) = demo_db(2000).await;
    let visits = number(&pool, "SELECT COUNT(*) FROM visits").await;
    assert!(
        visits > 5_000,
        "enough visits that a scan would show: {visits}"
    );

    // The latest visits of everyone (a manager's visit log): 50 rows read newest first.
    let p = plan(&pool, &server::visits::recent_sql(app::wire::Scope::All)).await;
    assert!(p.contains("SCAN v USING INDEX visits_day"), "{p}");
    assert!(
        !p.contains("TEMP B-TREE"),
        "sorted by the index, not afterwards:\n{p}"
    );

    // The customer list's count without a band filter reads one small index, joins nothing.
    let p = plan(&pool, "SELECT COUNT(*) FROM customers c WHERE 1 = 1").await;
    assert!(p.contains("COVERING INDEX"), "{p}");
    assert!(!p.contains("routes") && !p.contains("assignments"), "{p}");

    // Everything the kept facts read after a change is a range or a lookup.
    for (sql, wanted) in [
        (
            "SELECT DISTINCT customer_id FROM fact_changes WHERE seq > 1 AND seq <= 9",
            "SEARCH fact_changes USING INTEGER PRIMARY KEY",
        ),
        (
            "SELECT customer_id FROM complaints
             WHERE status = 'open' AND due_at >= 'a' AND due_at < 'b' AND closed_at IS NULL",
            "SEARCH complaints USING INDEX complaints_status (status=? AND due_at>? AND due_at<?)",
        ),
        (
            "SELECT EXISTS (SELECT 1 FROM visits WHERE visited_on >= '2026-08-01')",
            "SEARCH visits USING COVERING INDEX visits_day (visited_on>?)",
        ),
        (
            "SELECT customer_id, MAX(visited_on) FROM visits
             WHERE customer_id IN (SELECT value FROM json_each('[1,2]')) GROUP BY customer_id",
            "SEARCH visits USING COVERING INDEX visits_customer (customer_id=?)",
        ),
        // A customer's page: their purchases of the window by the primary key.
        (
            "SELECT COALESCE(SUM(cartons), 0) FROM purchases
             WHERE customer_id = 5 AND month >= '2026-08' AND month <= '2026-10'",
            "SEARCH purchases USING PRIMARY KEY (customer_id=? AND month>? AND month<?)",
        ),
        // The customer managers' figures: complaints closed in the period or open past their
        // deadline, each side through its index.
        (
            "SELECT customer_id FROM complaints
             WHERE closed_at >= 'a' OR (status = 'open' AND due_at < 'b')",
            "SEARCH complaints USING INDEX complaints_closed (closed_at>?)",
        ),
        // A customer's change history: their audit lines through the index, newest first.
        (
            "SELECT a.at FROM customers c LEFT JOIN audit a ON a.customer_id = c.id
             LEFT JOIN users u ON u.id = a.user_id WHERE c.id = 5 ORDER BY a.id DESC LIMIT 200",
            "SEARCH a USING INDEX audit_customer (customer_id=?)",
        ),
        // The latest purchase month is kept, not computed.
        ("SELECT latest_month FROM data_version", "SCAN data_version"),
    ] {
        let p = plan(&pool, sql).await;
        assert!(p.contains(wanted), "{sql}\n→ {p}");
    }
    let kept: Option<String> = sqlx::query_scalar("SELECT latest_month FROM data_version")
        .fetch_one(&pool)
        .await
        .unwrap();
    let actual: Option<String> = sqlx::query_scalar("SELECT MAX(month) FROM purchases")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(kept, actual, "the demo keeps the latest month");
}
