//! Who and where: the customer managers, the routes, and the names of customers asked for by id
//! (pages that count in the kept facts read only the names of the rows they show).

use sqlx::SqlitePool;

/// The customer managers (`only` that one) by name: id and display name.
pub async fn customer_managers(
    pool: &SqlitePool,
    only: Option<i64>,
) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as(
        "SELECT id, display_name FROM users
         WHERE role = 'customer_manager' AND (?1 IS NULL OR id = ?1) ORDER BY display_name, id",
    )
    .bind(only)
    .fetch_all(pool)
    .await
}

/// Every route by code: id, `code name`, and its customer manager.
pub async fn routes(pool: &SqlitePool) -> sqlx::Result<Vec<(i64, String, Option<i64>)>> {
    sqlx::query_as("SELECT id, code || ' ' || name, manager_id FROM routes ORDER BY code")
        .fetch_all(pool)
        .await
}

/// A customer's code and shop name, and the customer manager of their route.
#[derive(sqlx::FromRow)]
pub struct Named {
    pub id: i64,
    pub code: String,
    pub shop_name: String,
    pub manager: Option<String>,
}

/// The customers `ids` (in no order; ids that do not exist are left out).
pub async fn customers(pool: &SqlitePool, ids: &[i64]) -> sqlx::Result<Vec<Named>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let json = serde_json::to_string(ids).map_err(|e| sqlx::Error::Encode(e.into()))?;
    sqlx::query_as(
        "SELECT c.id, c.code, c.shop_name, u.display_name AS manager FROM customers c
         LEFT JOIN routes r ON r.id = c.route_id LEFT JOIN users u ON u.id = r.manager_id
         WHERE c.id IN (SELECT value FROM json_each(?))",
    )
    .bind(json)
    .fetch_all(pool)
    .await
}
