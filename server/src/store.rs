//! The SQLite implementation of the UI's storage port (`app::api::ssr::Store`).

use crate::db::policy::current_policy;
use crate::db::scope::{push_scope, scope_clause};
use crate::drafts;
use crate::facts::shift_month;
use crate::publish::class_code;
use crate::service;
use app::api::ssr::{Store, StoreError};
use app::model::{
    AUDIT_PAGE_SIZE, Assignment, AuditEntry, AuditPage, AuditRow, COMPLAINT_PAGE_SIZE, CalendarDay,
    CalendarProblem, ChangeRequest, Complaint, ComplaintAction, ComplaintFilter, ComplaintPage,
    ComplaintResult, CustomerDetail, CustomerLabel, CustomerPage, CustomerQuery, CustomerRow,
    Dashboard, Dispute, DisputeStatus, DraftResult, EditResult, FIELDS, FieldDef, FieldProblem,
    FieldValue, FilterOptions, GapReport, Invite, Kpis, Maintenance, MyService, MyTiers, NewVisit,
    PAGE_SIZE, PolicyInfo, PolicyPreview, PolicyRef, Report, ReportDraft, ReportKind, ReportSave,
    ReportSaved, RequestResult, RequestStatus, ReviewResult, Role, RouteOption, Scope, VisitEntry,
    VisitPlan, VisitProblem,
};
use kehu_engine::{Cases, Cents, Policy, Score, derive};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

#[derive(Clone)]
pub struct SqliteStore {
    pub pool: SqlitePool,
    /// Every customer's facts, kept while the data is unchanged (snapshot, preview, publish).
    pub facts: crate::facts::Cache,
    /// Everyone classified under the published policy, while the facts are unchanged.
    pub gaps: crate::gaps::Memo,
}

impl SqliteStore {
    /// Brings the kept facts under the published policy up to date with this process's writes
    /// (see `facts::Cache::refresh`).
    pub async fn refresh_facts(&self) -> anyhow::Result<()> {
        let policy = current_policy(&self.pool)
            .await
            .map_err(|e| anyhow::anyhow!(e.0))?
            .map_or_else(Policy::default, |(_, p)| p);
        self.facts.refresh(&self.pool, &policy).await
    }

    pub fn new(pool: SqlitePool) -> Self {
        SqliteStore {
            pool,
            facts: Default::default(),
            gaps: Default::default(),
        }
    }
}

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

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

/// The customers of `q`'s page among those in `scope` matching its filters, in id order: how
/// many match, and the ids of the page (the page clamped to the last one). The search matches
/// a substring of the shop name, code, licence number or phone, ASCII letters in any case —
/// what `LIKE '%…%'` did.
fn list_page(
    loaded: &crate::facts::LoadedPopulation,
    scope: Scope,
    q: &CustomerQuery,
) -> (u64, Vec<i64>) {
    let text = q.q.trim().to_ascii_lowercase();
    if text.contains(crate::facts::SEARCH_SEPARATOR) {
        return (0, Vec::new());
    }
    let finder = memchr::memmem::Finder::new(text.as_bytes());
    // A filter naming no known format or market matches nobody, as in SQL.
    let code = |key: &str, index: Option<usize>| match key.is_empty() {
        true => Ok(None),
        false => index.map(|i| Some(i as u8)).ok_or(()),
    };
    let (Ok(format), Ok(market)) = (
        code(
            &q.format,
            kehu_engine::BusinessFormat::from_key(&q.format).map(|f| f.index()),
        ),
        code(
            &q.market,
            kehu_engine::MarketType::from_key(&q.market).map(|m| m.index()),
        ),
    ) else {
        return (0, Vec::new());
    };
    let pop = &loaded.population;
    // The filters besides the scope (which picks the customers looked at) and the search (done
    // where the scope is everyone by a pass over the search chunks).
    let members = loaded.scope_members(scope);
    let search_each = !text.is_empty() && members.is_some();
    let matches = |i: usize| {
        format.is_none_or(|f| pop.format[i] == f)
            && market.is_none_or(|m| pop.market[i] == m)
            && q.route.is_none_or(|r| loaded.routes[i] == Some(r))
            && q.band.is_none_or(|b| pop.prev_band[i] == b)
            && (!search_each || finder.find(loaded.search.get(i).as_bytes()).is_some())
    };
    let size = PAGE_SIZE as usize;
    let n = loaded.ids.len();
    let unfiltered = text.is_empty()
        && format.is_none()
        && market.is_none()
        && q.route.is_none()
        && q.band.is_none();
    if unfiltered && members.is_none() {
        // Everyone: the page is a slice.
        let pages = n.div_ceil(size).max(1);
        let page = (q.page.max(1) as usize).min(pages);
        let from = ((page - 1) * size).min(n);
        return (n as u64, loaded.ids[from..(from + size).min(n)].to_vec());
    }
    // Everyone, filtered without a search: the filters as one bit per customer, a pass over
    // each filtered column (the page is the set bits from its first; no list of every match).
    if members.is_none() && text.is_empty() && q.route.is_none() {
        let mut mask = ByteMask::all(n);
        if let Some(f) = format {
            mask.keep_equal(&pop.format, f);
        }
        if let Some(m) = market {
            mask.keep_equal(&pop.market, m);
        }
        if let Some(b) = q.band {
            mask.keep_equal(&pop.prev_band, b);
        }
        let total = mask.count();
        let pages = total.div_ceil(size).max(1);
        let page = (q.page.max(1) as usize).min(pages);
        let ids = mask
            .ones()
            .skip((page - 1) * size)
            .take(size)
            .map(|i| loaded.ids[i])
            .collect();
        return (total as u64, ids);
    }
    // Every match's index, in order (at most one per customer), then the asked page of them, or
    // the last page for a page past the end.
    let mut hits: Vec<u32> = Vec::new();
    match &members {
        Some(members) => hits.extend(members.iter().copied().filter(|&i| matches(i as usize))),
        None if !text.is_empty() => loaded.search.matching(&finder, |i| {
            if matches(i) {
                hits.push(i as u32)
            }
        }),
        None => {
            hits.reserve(n);
            hits.extend((0..n as u32).filter(|&i| matches(i as usize)));
        }
    }
    let total = hits.len();
    let pages = total.div_ceil(size).max(1);
    let page = (q.page.max(1) as usize).min(pages);
    let from = ((page - 1) * size).min(total);
    let ids = hits[from..(from + size).min(total)]
        .iter()
        .map(|&i| loaded.ids[i as usize])
        .collect();
    (total as u64, ids)
}

/// Which of `n` customers pass the filters so far, one bit each, 64 to a word.
struct ByteMask {
    words: Vec<u64>,
    n: usize,
}

impl ByteMask {
    fn all(n: usize) -> Self {
        let mut words = vec![u64::MAX; n.div_ceil(64)];
        if !n.is_multiple_of(64)
            && let Some(last) = words.last_mut()
        {
            *last = (1u64 << (n % 64)) - 1;
        }
        ByteMask { words, n }
    }

    /// Keeps the customers whose `column` value is `value` (the column has one byte each).
    fn keep_equal(&mut self, column: &[u8], value: u8) {
        debug_assert_eq!(column.len(), self.n);
        for (word, bytes) in self.words.iter_mut().zip(column.chunks(64)) {
            // A fixed-size loop of compares the compiler turns into vector instructions.
            let mut bits = 0u64;
            for (k, &b) in bytes.iter().enumerate() {
                bits |= u64::from(b == value) << k;
            }
            *word &= bits;
        }
    }

    fn count(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The customers kept, in order.
    fn ones(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(w, &word)| {
            let mut rest = word;
            std::iter::from_fn(move || {
                (rest != 0).then(|| {
                    let k = rest.trailing_zeros() as usize;
                    rest &= rest - 1;
                    w * 64 + k
                })
            })
        })
    }
}

/// The SELECT list of every stored archive field (as text, named by its registry key), plus what
/// the computed ones derive from. Reads `customers c`, `routes r`, `users u` (the route's manager).
fn archive_columns() -> String {
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

/// One archive field's value, as shown and exported, from a row of [`archive_columns`] and the
/// customer's current (band, grade, class number).
fn field_value(
    key: &str,
    row: &sqlx::sqlite::SqliteRow,
    class: Option<(i64, i64, i64)>,
) -> Result<String, sqlx::Error> {
    Ok(match key {
        "route" => row.try_get("route_name")?,
        "customer_manager" => row.try_get("manager_name")?,
        "compliance_record" => row.try_get::<i64, _>("violations_12m")?.to_string(),
        "classification" => class
            .map(|(band, grade, class)| format!("{band}/{grade}/{}", class_code(class)))
            .unwrap_or_default(),
        "outlet_scale" => class
            .map(|(_, _, class)| {
                class_code(class)
                    .rsplit('-')
                    .next()
                    .unwrap_or("")
                    .to_string()
            })
            .unwrap_or_default(),
        key => row.try_get::<Option<String>, _>(key)?.unwrap_or_default(),
    })
}

/// A customer's record version and one stored field (as text), if the customer is in scope.
async fn read_field(
    conn: &mut sqlx::SqliteConnection,
    scope: Scope,
    customer: i64,
    field: &'static FieldDef,
) -> Result<Option<(i64, Option<String>)>, sqlx::Error> {
    let col = field.key;
    let (in_scope, scope_value) = scope_clause(scope);
    // Audited: `col` is a registry constant, the scope clause a constant too.
    let mut read = sqlx::query_as::<_, (i64, Option<String>)>(sqlx::AssertSqlSafe(format!(
        "SELECT c.version, CAST(c.{col} AS TEXT) FROM customers c WHERE c.id = ?{in_scope}"
    )))
    .bind(customer);
    if let Some(v) = scope_value {
        read = read.bind(v);
    }
    read.fetch_optional(conn).await
}

/// Sets one stored field if the record is still at `version`; the new version, or None if it
/// moved on meanwhile.
async fn write_field(
    conn: &mut sqlx::SqliteConnection,
    customer: i64,
    field: &'static FieldDef,
    value: &str,
    version: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let col = field.key;
    sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
        "UPDATE customers SET {col} = ?, version = version + 1,
             updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
         WHERE id = ? AND version = ? RETURNING version"
    )))
    .bind(value)
    .bind(customer)
    .bind(version)
    .fetch_optional(conn)
    .await
}

const REQUEST_SELECT: &str =
    "SELECT q.id, q.customer_id, c.code, c.shop_name, q.field, q.old_value,
        q.new_value, q.reason, q.status, COALESCE(ru.display_name, ''), q.requested_at,
        COALESCE(vu.display_name, ''), q.reviewed_at, q.review_reason
    FROM change_requests q JOIN customers c ON c.id = q.customer_id
    LEFT JOIN users ru ON ru.id = q.requested_by LEFT JOIN users vu ON vu.id = q.reviewed_by";

type RequestRow = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

fn request_from_row(r: RequestRow) -> ChangeRequest {
    ChangeRequest {
        id: r.0,
        customer_id: r.1,
        customer_code: r.2,
        customer_name: r.3,
        field: r.4,
        old_value: r.5,
        new_value: r.6,
        reason: r.7,
        status: RequestStatus::from_key(&r.8).unwrap_or(RequestStatus::Pending),
        requested_by: r.9,
        requested_at: r.10,
        reviewed_by: r.11,
        reviewed_at: r.12,
        review_reason: r.13,
    }
}

impl SqliteStore {
    /// The filtered customer list in the caller's scope as CSV for Excel: UTF-8 with a byte-order
    /// mark, a header of field keys, every archive field, then the current classification.
    pub async fn export_csv(&self, scope: Scope, q: &CustomerQuery) -> anyhow::Result<Vec<u8>> {
        let mut qb = QueryBuilder::new(format!(
            "SELECT {}, a.band, a.grade, a.class_number, a.tier, a.value_class,
                    a.monthly_volume_milli AS volume{LIST_FROM}",
            archive_columns()
        ));
        push_filters(&mut qb, scope, q);
        qb.push(" ORDER BY c.id");
        let mut out = csv::Writer::from_writer(Vec::from("\u{feff}".as_bytes()));
        let extra = [
            "band",
            "grade",
            "tier",
            "value_class",
            "monthly_volume_cases",
        ];
        out.write_record(FIELDS.iter().map(|f| f.key).chain(extra))?;
        let mut rows = qb.build().fetch(&self.pool);
        let mut record = Vec::with_capacity(FIELDS.len() + extra.len());
        while let Some(row) = futures_util::TryStreamExt::try_next(&mut rows).await? {
            let band: Option<i64> = row.try_get("band")?;
            let grade: Option<i64> = row.try_get("grade")?;
            let class_number: Option<i64> = row.try_get("class_number")?;
            let class = band
                .zip(grade)
                .zip(class_number)
                .map(|((b, g), c)| (b, g, c));
            record.clear();
            for f in FIELDS {
                record.push(field_value(f.key, &row, class)?);
            }
            record.push(band.map(|b| b.to_string()).unwrap_or_default());
            record.push(grade.map(|g| g.to_string()).unwrap_or_default());
            record.push(
                row.try_get::<Option<String>, _>("tier")?
                    .unwrap_or_default(),
            );
            record.push(
                row.try_get::<Option<String>, _>("value_class")?
                    .unwrap_or_default(),
            );
            record.push(
                row.try_get::<Option<i64>, _>("volume")?
                    .map(|v| Cases::from_raw(v).to_string())
                    .unwrap_or_default(),
            );
            out.write_record(
                record
                    .iter()
                    .map(|c| crate::spreadsheet::cell(c).into_owned()),
            )?;
        }
        out.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
    }
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    async fn policies(&self) -> Result<Vec<PolicyInfo>, StoreError> {
        drafts::list(&self.pool).await
    }

    async fn policy(&self, id: i64) -> Result<Option<(PolicyInfo, String)>, StoreError> {
        drafts::load(&self.pool, id).await
    }

    async fn save_draft(
        &self,
        user: i64,
        id: Option<i64>,
        revision: i64,
        policy: &Policy,
    ) -> Result<DraftResult, StoreError> {
        drafts::save(&self.pool, user, id, revision, policy).await
    }

    async fn rename_draft(
        &self,
        user: i64,
        id: i64,
        revision: i64,
        name: &str,
    ) -> Result<DraftResult, StoreError> {
        drafts::rename(&self.pool, user, id, revision, name).await
    }

    async fn delete_draft(&self, id: i64, revision: i64) -> Result<DraftResult, StoreError> {
        drafts::delete(&self.pool, id, revision).await
    }

    async fn duplicate_policy(
        &self,
        user: i64,
        id: i64,
        name: &str,
    ) -> Result<DraftResult, StoreError> {
        drafts::duplicate(&self.pool, user, id, name).await
    }

    async fn my_tiers(&self, customer: i64) -> Result<Option<MyTiers>, StoreError> {
        service::my_tiers(&self.pool, &self.facts, customer).await
    }

    async fn my_service(&self, customer: i64) -> Result<Option<MyService>, StoreError> {
        service::my_service(&self.pool, customer).await
    }

    async fn file_dispute(
        &self,
        user: i64,
        customer: i64,
        reason: &str,
    ) -> Result<Option<i64>, StoreError> {
        service::file_dispute(&self.pool, user, customer, reason).await
    }

    async fn disputes(&self, scope: Scope) -> Result<Vec<Dispute>, StoreError> {
        service::disputes(&self.pool, scope).await
    }

    async fn answer_dispute(
        &self,
        user: i64,
        id: i64,
        status: DisputeStatus,
        answer: &str,
    ) -> Result<Option<bool>, StoreError> {
        service::answer_dispute(&self.pool, user, id, status, answer).await
    }

    async fn rate_visit(
        &self,
        customer: i64,
        visit: i64,
        score: u8,
        comment: &str,
    ) -> Result<Option<bool>, StoreError> {
        service::rate_visit(&self.pool, customer, visit, score, comment).await
    }

    async fn file_complaint(
        &self,
        scope: Scope,
        user: i64,
        customer: i64,
        subject: &str,
        description: &str,
        major: bool,
        attitude: Option<&str>,
    ) -> Result<Option<Complaint>, StoreError> {
        let new = crate::complaints::NewComplaint {
            customer,
            subject,
            description,
            major,
            attitude,
        };
        crate::complaints::file(&self.pool, scope, user, &new).await
    }

    async fn kpis(&self, scope: Scope) -> Result<Kpis, StoreError> {
        crate::kpis::kpis(&self.pool, &self.facts, &self.gaps, scope).await
    }

    async fn calendar_days(&self) -> Result<Vec<CalendarDay>, StoreError> {
        crate::calendar::days(&self.pool).await.map_err(err)
    }

    async fn set_calendar_day(
        &self,
        user: i64,
        day: &str,
        kind: &str,
        note: &str,
    ) -> Result<Result<(), CalendarProblem>, StoreError> {
        crate::calendar::set_day(&self.pool, user, day, kind, note)
            .await
            .map_err(err)
    }

    async fn service_gaps(
        &self,
        scope: Scope,
        tier: Option<kehu_engine::Tier>,
        manager: Option<i64>,
    ) -> Result<GapReport, StoreError> {
        crate::gaps::report(&self.pool, &self.facts, &self.gaps, scope, tier, manager).await
    }

    async fn report_draft(
        &self,
        author: i64,
        kind: ReportKind,
        day: &str,
    ) -> Result<Option<ReportDraft>, StoreError> {
        let day = if day.trim().is_empty() {
            crate::time::today()
        } else {
            match chrono::NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d") {
                Ok(d) => d,
                Err(_) => return Ok(None),
            }
        };
        let period = crate::reports::period_of(kind, day);
        let Some(records) = crate::reports::records(&self.pool, author, kind, &period).await?
        else {
            return Ok(None);
        };
        let existing = crate::reports::find(&self.pool, author, kind, &period).await?;
        Ok(Some(ReportDraft {
            period,
            records,
            existing,
        }))
    }

    async fn save_report(&self, author: i64, save: &ReportSave) -> Result<ReportSaved, StoreError> {
        crate::reports::save(&self.pool, author, save).await
    }

    async fn reports(
        &self,
        user: i64,
        role: Role,
        unreviewed: bool,
    ) -> Result<Vec<Report>, StoreError> {
        crate::reports::list(&self.pool, user, role, unreviewed).await
    }

    async fn review_report(
        &self,
        reviewer: i64,
        id: i64,
        comment: &str,
    ) -> Result<Option<ReportSaved>, StoreError> {
        crate::reports::review(&self.pool, reviewer, id, comment).await
    }

    async fn log_visit(
        &self,
        scope: Scope,
        user: i64,
        visit: &NewVisit,
    ) -> Result<Option<Result<VisitEntry, VisitProblem>>, StoreError> {
        crate::visits::log(&self.pool, scope, user, visit).await
    }

    async fn recent_visits(&self, scope: Scope) -> Result<Vec<VisitEntry>, StoreError> {
        crate::visits::recent(&self.pool, scope, None).await
    }

    async fn visit_plan(&self, scope: Scope, page: u32) -> Result<VisitPlan, StoreError> {
        crate::visits::plan(&self.pool, &self.facts, scope, page).await
    }

    async fn complaints(
        &self,
        scope: Scope,
        filter: &ComplaintFilter,
    ) -> Result<ComplaintPage, StoreError> {
        crate::complaints::list(&self.pool, scope, filter, COMPLAINT_PAGE_SIZE).await
    }

    async fn complaint_action(
        &self,
        scope: Scope,
        user: i64,
        id: i64,
        version: i64,
        action: &ComplaintAction,
    ) -> Result<Option<ComplaintResult>, StoreError> {
        crate::complaints::act(&self.pool, scope, user, id, version, action).await
    }

    async fn create_invite(
        &self,
        scope: Scope,
        user: i64,
        customer: i64,
    ) -> Result<Option<Invite>, StoreError> {
        service::create_invite(&self.pool, scope, user, customer).await
    }

    async fn customer_labels(
        &self,
        scope: Scope,
        ids: &[i64],
    ) -> Result<Vec<CustomerLabel>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<Sqlite>::new(
            "SELECT c.id, c.code, c.shop_name FROM customers c WHERE c.id IN (",
        );
        let mut sep = qb.separated(", ");
        for id in ids {
            sep.push_bind(*id);
        }
        qb.push(")");
        push_scope(&mut qb, scope);
        let rows: Vec<(i64, String, String)> = qb
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(err)?;
        Ok(ids
            .iter()
            .filter_map(|id| rows.iter().find(|r| r.0 == *id))
            .map(|(id, code, name)| CustomerLabel {
                id: *id,
                code: code.clone(),
                name: name.clone(),
            })
            .collect())
    }

    async fn preview(&self, policy: &Policy) -> Result<PolicyPreview, StoreError> {
        let loaded = self.facts.load(&self.pool, policy).await.map_err(err)?;
        let mut out = kehu_engine::Outcomes::default();
        let s =
            kehu_engine::classify_all(policy, &loaded.population, loaded.managers.len(), &mut out);
        Ok(PolicyPreview {
            customers: s.customers,
            band_counts: s.band_counts,
            tier_counts: s.tier_counts,
            movers: s.movers,
        })
    }

    async fn publish(&self, policy: &Policy, user: i64) -> Result<(PolicyRef, u32), StoreError> {
        let p = crate::publish::publish(&self.pool, &self.facts, policy, Some(user))
            .await
            .map_err(err)?;
        Ok((p.policy, p.movers))
    }

    async fn dashboard(&self, scope: Scope) -> Result<Dashboard, StoreError> {
        let pool = &self.pool;
        let (routes, managers): (i64, i64) = match scope {
            Scope::All => sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM routes),
                        (SELECT COUNT(*) FROM users WHERE role = 'customer_manager')",
            )
            .fetch_one(pool)
            .await
            .map_err(err)?,
            Scope::Routes { manager } => {
                sqlx::query_as("SELECT COUNT(*), 1 FROM routes WHERE manager_id = ?")
                    .bind(manager)
                    .fetch_one(pool)
                    .await
                    .map_err(err)?
            }
            Scope::Customer(_) | Scope::Nothing => (0, 0),
        };
        let current = current_policy(pool).await?;
        let mut band_counts = vec![0u32; 8];
        let mut tier_counts = vec![0u32; 3];
        let mut avg_volume = "—".to_string();
        let mut quota_total = "—".to_string();
        // The customers in scope and their published assignments, from the kept facts (each
        // customer's latest assignment is the one under the policy in force).
        let loaded = self
            .facts
            .load(
                pool,
                current.as_ref().map_or(&Policy::default(), |(_, p)| p),
            )
            .await
            .map_err(err)?;
        let customers = (0..loaded.ids.len())
            .filter(|&i| loaded.in_scope(i, scope))
            .count();
        if let Some((_, policy)) = &current {
            let (mut sum, mut n) = (0i64, 0i64);
            for i in 0..loaded.ids.len() {
                if !loaded.in_scope(i, scope) {
                    continue;
                }
                let band = usize::from(loaded.population.prev_band[i]);
                if let Some(slot) = band.checked_sub(1).and_then(|b| band_counts.get_mut(b)) {
                    *slot += 1;
                }
                if let Some(t) = loaded.assigned_tier(i) {
                    tier_counts[t.index()] += 1;
                }
                if let Some(v) = loaded.assigned_volume[i] {
                    sum = sum.saturating_add(v);
                    n += 1;
                }
            }
            if n > 0 {
                // Mean in cases, shown with one decimal.
                avg_volume = Cases::from_raw((sum / n + 50) / 100 * 100).to_string();
            }
            let total = band_counts
                .iter()
                .zip(&policy.service.quota_cases_per_band)
                .fold(Cases::ZERO, |acc, (&count, q)| {
                    acc + Cases::from_raw(i64::from(count) * q.raw())
                });
            quota_total = total.to_string();
        }
        Ok(Dashboard {
            customers: customers as u64,
            routes: routes as u64,
            managers: managers as u64,
            avg_volume,
            quota_total,
            policy: current.map(|(p, _)| p),
            band_counts,
            tier_counts,
            band_charts: Vec::new(),
        })
    }

    async fn customers(&self, scope: Scope, q: &CustomerQuery) -> Result<CustomerPage, StoreError> {
        // Filtered, counted and paged in the kept facts (a pass over memory, about a millisecond
        // at 100,000 customers, where SQL read every customer for a band or a search); only the
        // page's rows are read from the archive.
        let policy = current_policy(&self.pool)
            .await?
            .map_or_else(Policy::default, |(_, p)| p);
        let loaded = self.facts.load(&self.pool, &policy).await.map_err(err)?;
        let (total, ids) = list_page(&loaded, scope, q);
        let pages = ((total as u32).div_ceil(PAGE_SIZE)).max(1);
        let page = q.page.clamp(1, pages);
        let mut list = QueryBuilder::new(format!(
            "SELECT c.id, c.code, c.shop_name, c.business_format, c.market_type, c.district,
                    COALESCE(r.name, '') AS route, COALESCE(u.display_name, '') AS manager,
                    a.band, a.grade, a.tier, a.monthly_volume_milli{LIST_FROM}
             WHERE c.id IN (SELECT value FROM json_each("
        ));
        list.push_bind(serde_json::to_string(&ids).map_err(err)?)
            .push(")) ORDER BY c.id");
        let rows = list.build().fetch_all(&self.pool).await.map_err(err)?;
        let rows = rows
            .iter()
            .map(|r| -> Result<CustomerRow, sqlx::Error> {
                Ok(CustomerRow {
                    id: r.try_get("id")?,
                    code: r.try_get("code")?,
                    shop_name: r.try_get("shop_name")?,
                    business_format: r.try_get("business_format")?,
                    market_type: r.try_get("market_type")?,
                    district: r.try_get("district")?,
                    route: r.try_get("route")?,
                    manager: r.try_get("manager")?,
                    band: r.try_get::<Option<i64>, _>("band")?.map(|b| b as u8),
                    grade: r.try_get::<Option<i64>, _>("grade")?.map(|g| g as u8),
                    tier: r.try_get("tier")?,
                    monthly_volume: r
                        .try_get::<Option<i64>, _>("monthly_volume_milli")?
                        .map(|v| Cases::from_raw(v).to_string()),
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(err)?;
        Ok(CustomerPage {
            rows,
            total,
            page,
            pages,
        })
    }

    async fn customer(&self, scope: Scope, id: i64) -> Result<Option<CustomerDetail>, StoreError> {
        let mut sql = format!(
            "SELECT {} FROM customers c LEFT JOIN routes r ON r.id = c.route_id
             LEFT JOIN users u ON u.id = r.manager_id WHERE c.id = ?",
            archive_columns()
        );
        let (in_scope, scope_value) = scope_clause(scope);
        sql.push_str(in_scope);
        // Audited: the column names are the registry's compile-time constants, the scope clause
        // a constant too.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id);
        if let Some(v) = scope_value {
            query = query.bind(v);
        }
        let Some(row) = query.fetch_optional(&self.pool).await.map_err(err)? else {
            return Ok(None);
        };
        let current = current_policy(&self.pool).await?;
        let assignment: Option<(i64, i64, i64, i64, String, String)> = match &current {
            Some((p, _)) => sqlx::query_as(
                "SELECT band, grade, class_number, value_score_micro, value_class, tier
                 FROM assignments WHERE policy_id = ? AND customer_id = ?",
            )
            .bind(p.id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?,
            None => None,
        };
        let class = assignment.as_ref().map(|a| (a.0, a.1, a.2));
        let fields = FIELDS
            .iter()
            .map(|f| {
                Ok(FieldValue {
                    key: f.key.to_string(),
                    value: field_value(f.key, &row, class)?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(err)?;
        let window = current
            .as_ref()
            .map_or(3, |(_, p)| p.assessment_window_months);
        let cpc = current.as_ref().map_or(50, |(_, p)| p.cartons_per_case);
        let latest = crate::facts::latest_month(&self.pool).await.map_err(err)?;
        let from = latest
            .and_then(|m| shift_month(&m, -(i32::from(window.max(1)) - 1)))
            .unwrap_or_default();
        let (cartons, amount): (i64, i64) = sqlx::query_as(
            "SELECT COALESCE(SUM(cartons), 0), COALESCE(SUM(amount_fen), 0) FROM purchases
             WHERE customer_id = ? AND month >= ? AND month <= ?",
        )
        .bind(id)
        .bind(&from)
        .bind(crate::time::this_month())
        .fetch_one(&self.pool)
        .await
        .map_err(err)?;
        let shop_name = fields
            .iter()
            .find(|f| f.key == "shop_name")
            .map(|f| f.value.clone())
            .unwrap_or_default();
        let code = fields
            .iter()
            .find(|f| f.key == "code")
            .map(|f| f.value.clone())
            .unwrap_or_default();
        Ok(Some(CustomerDetail {
            id,
            code,
            shop_name,
            version: row.try_get("version").map_err(err)?,
            fields,
            assignment: match (assignment, current) {
                (Some((band, grade, class, score, value_class, tier)), Some((p, _))) => {
                    Some(Assignment {
                        policy: p,
                        band: band as u8,
                        grade: grade as u8,
                        class_code: class_code(class),
                        value_score: Score::from_raw(score).to_string(),
                        value_class,
                        tier,
                    })
                }
                _ => None,
            },
            monthly_volume: derive::average_cases_from_total(cartons, window, cpc).to_string(),
            avg_price: derive::average_price(amount, cartons).map(|p| p.to_string()),
            monthly_amount: Cents::from_raw(amount / i64::from(window.max(1))).to_string(),
            editable: Vec::new(),
            requestable: Vec::new(),
        }))
    }

    async fn edit_field(
        &self,
        scope: Scope,
        user: i64,
        customer: i64,
        field: &'static FieldDef,
        value: &str,
        version: i64,
    ) -> Result<Option<EditResult>, StoreError> {
        let mut tx = crate::db::write(&self.pool).await.map_err(err)?;
        let Some((current, old)) = read_field(&mut tx, scope, customer, field)
            .await
            .map_err(err)?
        else {
            return Ok(None);
        };
        if current != version {
            return Ok(Some(EditResult::Stale { version: current }));
        }
        if old.as_deref() == Some(value) {
            // Nothing changes: no new version, no audit line.
            return Ok(Some(EditResult::Saved {
                version,
                value: value.to_string(),
            }));
        }
        let new_version = match write_field(&mut tx, customer, field, value, version).await {
            Ok(Some(v)) => v,
            Ok(None) => {
                return Ok(Some(EditResult::Stale {
                    version: current + 1,
                }));
            }
            Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
                return Ok(Some(EditResult::Invalid(FieldProblem::Taken {
                    field: field.key.to_string(),
                })));
            }
            Err(e) => return Err(err(e)),
        };
        crate::db::audit::Line::new(user, "field.edit")
            .customer(customer)
            .field(field.key, old.as_deref(), value)
            .record(&mut tx)
            .await
            .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(Some(EditResult::Saved {
            version: new_version,
            value: value.to_string(),
        }))
    }

    async fn file_request(
        &self,
        scope: Scope,
        user: i64,
        customer: i64,
        field: &'static FieldDef,
        value: &str,
        reason: &str,
    ) -> Result<Option<RequestResult>, StoreError> {
        let mut tx = crate::db::write(&self.pool).await.map_err(err)?;
        let Some((_, old)) = read_field(&mut tx, scope, customer, field)
            .await
            .map_err(err)?
        else {
            return Ok(None);
        };
        let old = old.unwrap_or_default();
        if old == value {
            return Ok(Some(RequestResult::Unchanged));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO change_requests (customer_id, field, old_value, new_value, reason, requested_by)
             VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(customer)
        .bind(field.key)
        .bind(&old)
        .bind(value)
        .bind(reason)
        .bind(user)
        .fetch_one(&mut *tx)
        .await
        .map_err(err)?;
        crate::db::audit::Line::new(user, "request.file")
            .customer(customer)
            .field(field.key, Some(&old), value)
            .detail(reason)
            .request(id)
            .record(&mut tx)
            .await
            .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(Some(RequestResult::Filed { id }))
    }

    async fn change_requests(
        &self,
        scope: Scope,
        customer: Option<i64>,
        reviewer: Option<Role>,
    ) -> Result<Vec<ChangeRequest>, StoreError> {
        let mut qb = QueryBuilder::<Sqlite>::new(REQUEST_SELECT);
        qb.push(" WHERE 1 = 1");
        push_scope(&mut qb, scope);
        if let Some(c) = customer {
            qb.push(" AND q.customer_id = ").push_bind(c);
        }
        // Pending first (oldest first: first come, first served), then the latest decisions.
        qb.push(
            " ORDER BY q.status <> 'pending', CASE WHEN q.status = 'pending' THEN q.id ELSE -q.id END
              LIMIT 500",
        );
        let rows: Vec<RequestRow> = qb
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(err)?;
        Ok(rows
            .into_iter()
            .map(request_from_row)
            .filter(|r| {
                reviewer.is_none_or(|role| {
                    app::model::field(&r.field).is_some_and(|f| role.can_review(f))
                })
            })
            .collect())
    }

    async fn review_request(
        &self,
        user: i64,
        role: Role,
        request: i64,
        approve: bool,
        reason: &str,
    ) -> Result<Option<ReviewResult>, StoreError> {
        let mut tx = crate::db::write(&self.pool).await.map_err(err)?;
        let row: Option<(i64, String, String, String, String)> = sqlx::query_as(
            "SELECT customer_id, field, old_value, new_value, status FROM change_requests WHERE id = ?",
        )
        .bind(request)
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?;
        let Some((customer, key, old, new, status)) = row else {
            return Ok(None);
        };
        let Some(field) = app::model::field(&key).filter(|f| role.can_review(f)) else {
            return Ok(None);
        };
        if status != "pending" {
            return Ok(Some(ReviewResult::AlreadyDecided));
        }
        if !approve && reason.trim().is_empty() {
            return Ok(Some(ReviewResult::ReasonRequired));
        }
        let mut result = ReviewResult::Rejected;
        if approve {
            let Some((version, current)) = read_field(&mut tx, Scope::All, customer, field)
                .await
                .map_err(err)?
            else {
                return Ok(None);
            };
            let current = current.unwrap_or_default();
            if current != old {
                return Ok(Some(ReviewResult::Changed { current }));
            }
            let new_version = match write_field(&mut tx, customer, field, &new, version).await {
                Ok(Some(v)) => v,
                Ok(None) => return Ok(Some(ReviewResult::Changed { current })),
                Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
                    return Ok(Some(ReviewResult::Changed { current }));
                }
                Err(e) => return Err(err(e)),
            };
            result = ReviewResult::Approved {
                version: new_version,
            };
        }
        let decided = sqlx::query(
            "UPDATE change_requests SET status = ?, reviewed_by = ?, review_reason = ?,
                 reviewed_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
             WHERE id = ? AND status = 'pending'",
        )
        .bind(if approve { "approved" } else { "rejected" })
        .bind(user)
        .bind(reason.trim())
        .bind(request)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        if decided.rows_affected() == 0 {
            return Ok(Some(ReviewResult::AlreadyDecided));
        }
        crate::db::audit::Line::new(
            user,
            if approve {
                "request.approve"
            } else {
                "request.reject"
            },
        )
        .customer(customer)
        .field(&key, Some(&old), &new)
        .detail(reason.trim())
        .request(request)
        .record(&mut tx)
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(Some(result))
    }

    async fn audit_log(&self, action: &str, page: u32) -> Result<AuditPage, StoreError> {
        let like = format!("{action}%");
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit WHERE action LIKE ?")
            .bind(&like)
            .fetch_one(&self.pool)
            .await
            .map_err(err)?;
        let pages = (total as u32).div_ceil(AUDIT_PAGE_SIZE).max(1);
        let page = page.clamp(1, pages);
        type Line = (
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
        let rows: Vec<Line> = sqlx::query_as(
            "SELECT a.at, u.display_name, a.action, a.customer_id, c.code, c.shop_name, a.field,
                    a.old_value, a.new_value, a.detail, a.request_id
             FROM audit a LEFT JOIN users u ON u.id = a.user_id
             LEFT JOIN customers c ON c.id = a.customer_id
             WHERE a.action LIKE ? ORDER BY a.id DESC LIMIT ? OFFSET ?",
        )
        .bind(&like)
        .bind(i64::from(AUDIT_PAGE_SIZE))
        .bind(i64::from((page - 1) * AUDIT_PAGE_SIZE))
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        Ok(AuditPage {
            rows: rows
                .into_iter()
                .map(|r| AuditRow {
                    at: r.0,
                    user: r.1.unwrap_or_default(),
                    action: r.2,
                    customer: r.3.map(|id| CustomerLabel {
                        id,
                        code: r.4.unwrap_or_default(),
                        name: r.5.unwrap_or_default(),
                    }),
                    field: r.6,
                    old_value: r.7,
                    new_value: r.8,
                    detail: r.9,
                    request_id: r.10,
                })
                .collect(),
            total: total as u64,
            page,
            pages,
        })
    }

    async fn customer_history(
        &self,
        scope: Scope,
        customer: i64,
    ) -> Result<Option<Vec<AuditEntry>>, StoreError> {
        // One query: the customer (none when out of scope) with their latest audit lines, a
        // row without a line when there are none.
        let mut qb = QueryBuilder::<Sqlite>::new(
            "SELECT a.at, u.display_name, a.action, a.field, a.old_value, a.new_value
             FROM customers c LEFT JOIN audit a ON a.customer_id = c.id
             LEFT JOIN users u ON u.id = a.user_id
             WHERE c.id = ",
        );
        qb.push_bind(customer);
        push_scope(&mut qb, scope);
        qb.push(" ORDER BY a.id DESC LIMIT 200");
        type Line = (
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let rows: Vec<Line> = qb
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(err)?;
        if rows.is_empty() {
            return Ok(None);
        }
        Ok(Some(
            rows.into_iter()
                .filter_map(|(at, user, action, field, old_value, new_value)| {
                    Some(AuditEntry {
                        at: at?,
                        user: user.unwrap_or_default(),
                        action: action?,
                        field,
                        old_value,
                        new_value,
                    })
                })
                .collect(),
        ))
    }

    async fn filter_options(&self, scope: Scope) -> Result<FilterOptions, StoreError> {
        let mut qb = QueryBuilder::<Sqlite>::new("SELECT id, name FROM routes r WHERE ");
        match scope {
            Scope::All => qb.push("1"),
            Scope::Routes { manager } => qb.push("r.manager_id = ").push_bind(manager),
            Scope::Customer(_) | Scope::Nothing => qb.push("0"),
        };
        qb.push(" ORDER BY code");
        let routes: Vec<(i64, String)> = qb
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(err)?;
        Ok(FilterOptions {
            routes: routes
                .into_iter()
                .map(|(id, name)| RouteOption { id, name })
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::ByteMask;

    #[test]
    fn a_byte_mask_keeps_exactly_the_equal_values_in_order() {
        for n in [0, 1, 63, 64, 65, 200] {
            let a: Vec<u8> = (0..n).map(|i| (i % 3) as u8).collect();
            let b: Vec<u8> = (0..n).map(|i| (i % 5) as u8).collect();
            let mut mask = ByteMask::all(n);
            assert_eq!(mask.count(), n, "everyone at first ({n})");
            mask.keep_equal(&a, 1);
            mask.keep_equal(&b, 2);
            let expected: Vec<usize> = (0..n).filter(|&i| a[i] == 1 && b[i] == 2).collect();
            assert_eq!(mask.ones().collect::<Vec<_>>(), expected, "{n}");
            assert_eq!(mask.count(), expected.len(), "{n}");
        }
    }
}
