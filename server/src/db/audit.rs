//! The audit trail's one writer: every line of it, whatever the area, is written by
//! [`Line::record`] inside the transaction of the change it records, so the change and its line
//! are committed together or not at all.

use app::wire::AuditNote;
use sqlx::SqliteConnection;
use std::borrow::Cow;

/// A line of the audit trail: who (a user id; none for the system) did what (an action key such
/// as `field.edit`, shown to staff in their language), and where it applies — the customer,
/// the field with its value before and after, the change request, free detail.
#[derive(Debug, Default)]
pub struct Line<'a> {
    user: Option<i64>,
    action: Cow<'a, str>,
    customer: Option<i64>,
    field: Option<&'a str>,
    old: Option<&'a str>,
    new: Option<&'a str>,
    detail: Option<String>,
    request: Option<i64>,
}

impl<'a> Line<'a> {
    pub fn new(user: impl Into<Option<i64>>, action: impl Into<Cow<'a, str>>) -> Self {
        Line {
            user: user.into(),
            action: action.into(),
            ..Line::default()
        }
    }

    pub fn customer(mut self, customer: impl Into<Option<i64>>) -> Self {
        self.customer = customer.into();
        self
    }

    /// The field changed, with its value before (if it had one) and after.
    pub fn field(mut self, key: &'a str, old: Option<&'a str>, new: &'a str) -> Self {
        self.field = Some(key);
        self.old = old;
        self.new = Some(new);
        self
    }

    /// The value after, without a field (a dispute's answer).
    pub fn new_value(mut self, new: &'a str) -> Self {
        self.new = Some(new);
        self
    }

    /// What the line says beyond its action, as data (see [`AuditNote`]).
    pub fn note(mut self, note: AuditNote) -> Self {
        self.detail = Some(note.stored());
        self
    }

    pub fn request(mut self, request: i64) -> Self {
        self.request = Some(request);
        self
    }

    /// Writes the line through `tx`, the connection of the change's transaction.
    pub async fn record(self, tx: &mut SqliteConnection) -> sqlx::Result<()> {
        sqlx::query(
            "INSERT INTO audit (user_id, action, customer_id, field, old_value, new_value, detail, request_id, at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(self.user)
        .bind(self.action.as_ref())
        .bind(self.customer)
        .bind(self.field)
        .bind(self.old)
        .bind(self.new)
        .bind(self.detail.as_deref())
        .bind(self.request)
        .bind(crate::time::now_stamp())
        .execute(tx)
        .await?;
        Ok(())
    }
}

/// How many lines of the trail have an action starting like `like` (`field.%`).
pub async fn count(pool: &sqlx::SqlitePool, like: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit WHERE action LIKE ?")
        .bind(like)
        .fetch_one(pool)
        .await
}

/// A line of the trail as the audit page shows it: when, who, the action, the customer (id,
/// code, name), field, old and new value, detail, change request.
pub type Shown = (
    String,
    Option<String>,
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
);

/// The lines with an action like `like`, newest first, `limit` of them after `offset`.
pub async fn page(
    pool: &sqlx::SqlitePool,
    like: &str,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<Shown>> {
    sqlx::query_as(
        "SELECT a.at, u.display_name, a.action, a.customer_id, c.code, c.shop_name, a.field,
                a.old_value, a.new_value, a.detail, a.request_id
         FROM audit a LEFT JOIN users u ON u.id = a.user_id
         LEFT JOIN customers c ON c.id = a.customer_id
         WHERE a.action LIKE ? ORDER BY a.id DESC LIMIT ? OFFSET ?",
    )
    .bind(like)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await
}

/// A line of one customer's history: when, who, the action, field, old and new value (all
/// `None` on the one row of a customer without lines).
pub type OfCustomer = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Customer `customer`'s latest 200 lines in one query: nothing when the customer is not in
/// scope, one row without a line when they have none.
pub async fn of_customer(
    pool: &sqlx::SqlitePool,
    scope: app::wire::Scope,
    customer: i64,
) -> sqlx::Result<Vec<OfCustomer>> {
    let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
        "SELECT a.at, u.display_name, a.action, a.field, a.old_value, a.new_value
         FROM customers c LEFT JOIN audit a ON a.customer_id = c.id
         LEFT JOIN users u ON u.id = a.user_id
         WHERE c.id = ",
    );
    qb.push_bind(customer);
    super::scope::push_scope(&mut qb, scope);
    qb.push(" ORDER BY a.id DESC LIMIT 200");
    qb.build_query_as().fetch_all(pool).await
}

#[cfg(test)]
mod tests {
    use super::{AuditNote, Line};

    #[derive(sqlx::FromRow, Debug, PartialEq)]
    struct Row {
        user_id: Option<i64>,
        action: String,
        customer_id: Option<i64>,
        field: Option<String>,
        old_value: Option<String>,
        new_value: Option<String>,
        detail: Option<String>,
        request_id: Option<i64>,
    }

    #[tokio::test]
    async fn each_part_of_a_line_lands_in_its_own_column() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::open(&dir.path().join("kehu.db")).await.unwrap();
        let mut tx = crate::db::write(&db.archive).await.unwrap();
        Line::new(None, "import.customers")
            .note(AuditNote::PurchasesImported { rows: 2 })
            .record(&mut tx)
            .await
            .unwrap();
        Line::new(None, "request.approve")
            .field("phone", Some("old"), "new")
            .note(AuditNote::Text {
                text: "checked".into(),
            })
            .record(&mut tx)
            .await
            .unwrap();
        Line::new(None, "dispute.answer")
            .new_value("upheld")
            .record(&mut tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT user_id, action, customer_id, field, old_value, new_value, detail, request_id
             FROM audit ORDER BY id",
        )
        .fetch_all(&db.archive)
        .await
        .unwrap();
        let s = |v: &str| Some(v.to_string());
        let line = |action: &str| Row {
            user_id: None,
            action: action.into(),
            customer_id: None,
            field: None,
            old_value: None,
            new_value: None,
            detail: None,
            request_id: None,
        };
        assert_eq!(
            rows,
            vec![
                Row {
                    detail: s(r#"{"note":"purchases_imported","rows":2}"#),
                    ..line("import.customers")
                },
                Row {
                    field: s("phone"),
                    old_value: s("old"),
                    new_value: s("new"),
                    detail: s(r#"{"note":"text","text":"checked"}"#),
                    ..line("request.approve")
                },
                Row {
                    new_value: s("upheld"),
                    ..line("dispute.answer")
                },
            ]
        );
    }
}
