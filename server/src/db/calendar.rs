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

/// Sets each `(day, kind, note)` — `kind` empty: back to the usual rule — by `user` in one
/// transaction, with one audit line (`action`, `detail`): a range or an imported list is kept
/// whole or not at all.
pub async fn apply(
    pool: &SqlitePool,
    user: i64,
    days: &[(String, String, String)],
    action: &str,
    note: app::wire::AuditNote,
) -> sqlx::Result<()> {
    let mut tx = super::write(pool).await?;
    let at = now_stamp();
    for (day, kind, note) in days {
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
            .bind(&at)
            .execute(&mut *tx)
            .await?;
        }
    }
    super::audit::Line::new(user, action)
        .note(note)
        .record(&mut tx)
        .await?;
    tx.commit().await
}

/// The desk's time zone as set (an IANA name), `None` if never set.
pub async fn zone(pool: &SqlitePool) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT value FROM desk_settings WHERE key = 'desk_zone'")
        .fetch_optional(pool)
        .await
}

/// Reads the desk's time zone from the archive into the clock (when the archive is opened). A
/// name this build's time zone database does not know leaves the default, with a warning.
pub async fn load_zone(pool: &SqlitePool) -> sqlx::Result<()> {
    if let Some(name) = zone(pool).await? {
        match crate::time::zone_named(&name) {
            Some(zone) => crate::time::set_desk_zone(zone),
            None => tracing::warn!("unknown desk time zone {name:?} kept: using the default"),
        }
    }
    Ok(())
}

/// Sets the desk's time zone (an IANA name, checked by the caller) by `user`; audited.
pub async fn set_zone(pool: &SqlitePool, user: i64, name: &str) -> sqlx::Result<()> {
    let mut tx = super::write(pool).await?;
    let old =
        sqlx::query_scalar::<_, String>("SELECT value FROM desk_settings WHERE key = 'desk_zone'")
            .fetch_optional(&mut *tx)
            .await?;
    sqlx::query(
        "INSERT INTO desk_settings (key, value, set_by, set_at) VALUES ('desk_zone', ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, set_by = excluded.set_by,
             set_at = excluded.set_at",
    )
    .bind(name)
    .bind(user)
    .bind(now_stamp())
    .execute(&mut *tx)
    .await?;
    super::audit::Line::new(user, "settings.zone")
        .note(app::wire::AuditNote::ZoneChanged {
            from: old.unwrap_or_else(|| crate::time::DEFAULT_DESK_ZONE.name().to_string()),
            to: name.to_string(),
        })
        .record(&mut tx)
        .await?;
    tx.commit().await
}
