//! Scopes in SQL: the condition that keeps a query about customers inside what the person
//! asking may see (everyone, their routes' customers, their own record).

use crate::error::AppError;
use app::wire::Scope;
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

/// The condition on `customers c` that keeps a query inside the caller's scope: its SQL (with
/// at most one `?`) and the value bound to it.
pub(crate) fn scope_clause(scope: Scope) -> (&'static str, Option<i64>) {
    match scope {
        Scope::All => ("", None),
        Scope::Routes { manager } => (
            " AND c.route_id IN (SELECT id FROM routes WHERE manager_id = ?)",
            Some(manager),
        ),
        Scope::Customer(id) => (" AND c.id = ?", Some(id)),
        Scope::Nothing => (" AND 0", None),
    }
}

/// Whether `customer` exists within `scope`.
pub(crate) async fn in_scope(
    pool: &SqlitePool,
    scope: Scope,
    customer: i64,
) -> Result<bool, AppError> {
    let mut qb = QueryBuilder::<Sqlite>::new("SELECT c.id FROM customers c WHERE c.id = ");
    qb.push_bind(customer);
    push_scope(&mut qb, scope);
    let found: Option<i64> = qb.build_query_scalar().fetch_optional(pool).await?;
    Ok(found.is_some())
}

pub(crate) fn push_scope(qb: &mut QueryBuilder<Sqlite>, scope: Scope) {
    let (sql, value) = scope_clause(scope);
    match (sql.split_once('?'), value) {
        (Some((before, after)), Some(v)) => {
            qb.push(before).push_bind(v).push(after);
        }
        _ => {
            qb.push(sql);
        }
    }
}
