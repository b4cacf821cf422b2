//! The service calendar's exceptions (`calendar_days`): public holidays on weekdays and make-up
//! working days on weekends. What they mean for deadlines is `calendar`'s business.

use crate::time::now_stamp;
use app::wire::CalendarDay;
use sqlx::SqlitePool;

/// Every exception: its day (`YYYY-MM-DD`) and kind (`holiday` or `workday`).
pub async fn exceptions(pool: &SqlitePool) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as("SELECT day, kind FROM calendar_days")
        .fetch_all(pool)
        .await
}

/// The exceptions kept, by day.
pub async fn days(pool: &SqlitePool) -> sqlx::Result<Vec<CalendarDay>> {
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT day, kind, note FROM calendar_days ORDER BY day")
            .fetch_all(pool)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(day, kind, note)| CalendarDay { day, kind, note })
        .collect())
}

/// Sets `day` to `kind` with `note` by `user`, or back to the usual rule (`kind` empty);
/// audited.
pub async fn set(
    pool: &SqlitePool,
    user: i64,
    day: &str,
    kind: &str,
    note: &str,
) -> sqlx::Result<()> {
    let mut tx = super::write(pool).await?;
    if kind.is_empty() {
        sqlx::query("DELETE FROM calendar_days WHERE day = ?")
            .bind(day)
            .execute(&mut *tx)
            .await?;
    } else {
        sqlx::query(
            "INSERT INTO calendar_days (day, kind, note, set_by, set_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, note = excluded.note,
                 set_by = excluded.set_by, set_at = excluded.set_at",
        )
        .bind(day)
        .bind(kind)
        .bind(note)
        .bind(user)
        .bind(now_stamp())
        .execute(&mut *tx)
        .await?;
    }
    super::audit::Line::new(user, "calendar.set")
        .detail(format!(
            "{day}: {}",
            if kind.is_empty() { "usual" } else { kind }
        ))
        .record(&mut tx)
        .await?;
    tx.commit().await
}
