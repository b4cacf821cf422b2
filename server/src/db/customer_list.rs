//! The customer list's reads from the archive: the rows of a page (filtered and counted in the
//! kept facts above), the CSV export's rows, labels, the dashboard's counts and the route
//! filter's options, each for the customers or routes in a scope.

use super::scope::push_scope;
use app::wire::{CustomerQuery, FIELDS, Maintenance, Scope};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

/// Appends the WHERE clause of a customer list query (shared by the count and the page).
fn push_filters(qb: &mut QueryBuilder<Sqlite>, scope: Scope, q: &CustomerQuery) {
    qb.push(" WHERE 1 = 1");
    push_scope(qb, scope);
    let text = q.q.trim();
    if !text.is_empty() {
        let like = format!(
            "%{}%",
            text.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        qb.push(" AND (c.shop_name LIKE ")
            .push_bind(like.clone())
            .push(" ESCAPE '\\' OR c.code LIKE ")
            .push_bind(like.clone())
            .push(" ESCAPE '\\' OR c.licence_no LIKE ")
            .push_bind(like.clone())
            .push(" ESCAPE '\\' OR c.phone LIKE ")
            .push_bind(like)
            .push(" ESCAPE '\\')");
    }
    if !q.format.is_empty() {
        qb.push(" AND c.business_format = ")
            .push_bind(q.format.clone());
    }
    if !q.market.is_empty() {
        qb.push(" AND c.market_type = ").push_bind(q.market.clone());
    }
    if let Some(r) = q.route {
        qb.push(" AND c.route_id = ").push_bind(r);
    }
    if let Some(b) = q.band {
        qb.push(" AND a.band = ").push_bind(i64::from(b));
    }
}

const LIST_FROM: &str = " FROM customers c
    LEFT JOIN routes r ON r.id = c.route_id
    LEFT JOIN users u ON u.id = r.manager_id
    LEFT JOIN assignments a ON a.customer_id = c.id
        AND a.policy_id = (SELECT id FROM policies WHERE status = 'published' ORDER BY version DESC LIMIT 1)";

/// The SELECT list of every stored archive field (as text, named by its registry key), plus what
/// the computed ones derive from. Reads `customers c`, `routes r`, `users u` (the route's manager).
pub fn archive_columns() -> String {
    let mut sql = String::from("c.id, c.version, c.violations_12m");
    for f in FIELDS
        .iter()
        .filter(|f| f.maintenance != Maintenance::Computed && f.key != "route")
    {
        sql.push_str(&format!(", CAST(c.{0} AS TEXT) AS {0}", f.key));
    }
    sql.push_str(
        ", COALESCE(r.name, '') AS route_name, COALESCE(u.display_name, '') AS manager_name",
    );
    sql
}

/// Every customer in scope matching `q`'s filters, in id order, with [`archive_columns`] and
/// their current band, grade, class number, tier, value class and volume: handed to `each` one
/// by one (an export of 300,000 rows is never held whole).
pub async fn export(
    pool: &SqlitePool,
    scope: Scope,
    q: &CustomerQuery,
    mut each: impl FnMut(&SqliteRow) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut qb = QueryBuilder::new(format!(
        "SELECT {}, a.band, a.grade, a.class_number, a.tier, a.value_class,
                a.monthly_volume_milli AS volume{LIST_FROM}",
        archive_columns()
    ));
    push_filters(&mut qb, scope, q);
    qb.push(" ORDER BY c.id");
    let mut rows = qb.build().fetch(pool);
    while let Some(row) = futures_util::TryStreamExt::try_next(&mut rows).await? {
        each(&row)?;
    }
    Ok(())
}

/// The ids of every customer in scope matching `q`'s filters, in id order, as SQL answers it
/// (the list itself filters in the kept facts; its tests hold the two against each other).
pub async fn ids(pool: &SqlitePool, scope: Scope, q: &CustomerQuery) -> sqlx::Result<Vec<i64>> {
    let mut qb = QueryBuilder::new(format!("SELECT c.id{LIST_FROM}"));
    push_filters(&mut qb, scope, q);
    qb.push(" ORDER BY c.id");
    qb.build_query_scalar().fetch_all(pool).await
}

/// The code and shop name of the customers `ids` in scope.
pub async fn labels(
    pool: &SqlitePool,
    scope: Scope,
    ids: &[i64],
) -> sqlx::Result<Vec<(i64, String, String)>> {
    let mut qb = QueryBuilder::<Sqlite>::new(
        "SELECT c.id, c.code, c.shop_name FROM customers c WHERE c.id IN (SELECT value FROM json_each(",
    );
    qb.push_bind(serde_json::to_string(ids).map_err(|e| sqlx::Error::Encode(e.into()))?)
        .push("))");
    push_scope(&mut qb, scope);
    qb.build_query_as().fetch_all(pool).await
}

/// The routes and customer managers a scope sees (a customer manager: their routes, and
/// themselves).
pub async fn routes_and_managers(pool: &SqlitePool, scope: Scope) -> sqlx::Result<(i64, i64)> {
    match scope {
        Scope::All => {
            sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM routes),
                        (SELECT COUNT(*) FROM users WHERE role = 'customer_manager')",
            )
            .fetch_one(pool)
            .await
        }
        Scope::Routes { manager } => {
            sqlx::query_as("SELECT COUNT(*), 1 FROM routes WHERE manager_id = ?")
                .bind(manager)
                .fetch_one(pool)
                .await
        }
        Scope::Customer(_) | Scope::Nothing => Ok((0, 0)),
    }
}

/// The list's rows of the customers `ids`, in id order.
pub async fn rows(pool: &SqlitePool, ids: &[i64]) -> sqlx::Result<Vec<SqliteRow>> {
    let mut list = QueryBuilder::new(format!(
        "SELECT c.id, c.code, c.shop_name, c.business_format, c.market_type, c.district,
                COALESCE(r.name, '') AS route, COALESCE(u.display_name, '') AS manager,
                a.band, a.grade, a.tier, a.monthly_volume_milli{LIST_FROM}
         WHERE c.id IN (SELECT value FROM json_each("
    ));
    list.push_bind(serde_json::to_string(ids).map_err(|e| sqlx::Error::Encode(e.into()))?)
        .push(")) ORDER BY c.id");
    list.build().fetch_all(pool).await
}

/// The routes a scope sees, by code: id and name.
pub async fn routes(pool: &SqlitePool, scope: Scope) -> sqlx::Result<Vec<(i64, String)>> {
    let mut qb = QueryBuilder::<Sqlite>::new("SELECT id, name FROM routes r WHERE ");
    match scope {
        Scope::All => qb.push("1"),
        Scope::Routes { manager } => qb.push("r.manager_id = ").push_bind(manager),
        Scope::Customer(_) | Scope::Nothing => qb.push("0"),
    };
    qb.push(" ORDER BY code");
    qb.build_query_as().fetch_all(pool).await
}
