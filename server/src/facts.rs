//! storage → facts: reads customers and their purchase aggregates and derives the engine's facts.
//! The one place that turns records into `CustomerFacts`, for publish, the CLI and (later) snapshots.

use kehu_engine::batch::NO_MANAGER;
use kehu_engine::derive;
use kehu_engine::policy::BandMode;
use kehu_engine::{
    BusinessFormat, Cents, CustomerFacts, Indicators, MarketType, Policy, Population, Rules,
    ServiceInputs, Tier,
};
use sqlx::SqlitePool;

/// The population in id order, with the ids and the customer-manager user ids behind the indices.
#[derive(Clone)]
pub struct LoadedPopulation {
    pub ids: std::sync::Arc<[i64]>,
    pub population: Population,
    /// `population.manager[i]` indexes this list of user ids.
    pub managers: std::sync::Arc<[i64]>,
    /// Route id of each customer.
    pub routes: Chunked<Option<i64>>,
    /// Latest purchase month in the data (`YYYY-MM`).
    pub latest_month: Option<String>,
    /// Rises with every load and every patch of the kept facts: what is derived from them (the
    /// lab's snapshot, the gap report) is current while this is unchanged.
    pub generation: u64,
    /// Each customer's visits since [`visits_since`] (this month's, for the visit plan, and the
    /// last 90 days', for the performance figures), oldest first.
    pub visits: Chunked<std::sync::Arc<[VisitMark]>>,
    /// Each customer's last visit ever.
    pub last_visit: Chunked<Option<chrono::NaiveDate>>,
    /// The monthly volume (thousandths of a case) of each customer's latest published
    /// assignment, if they have one.
    pub assigned_volume: Chunked<Option<i64>>,
    /// What the customer list's search looks in: shop name, code, licence number and phone,
    /// ASCII letters in lower case (as SQLite's `LIKE` compares them), each followed by
    /// [`SEARCH_SEPARATOR`] so that no match spans two of them.
    pub search: SearchColumn,
    /// The customers of each customer manager (by `population.manager`'s index), in order: a
    /// customer manager's list reads their own customers, not everyone's.
    pub by_manager: Vec<std::sync::Arc<[u32]>>,
    /// What the facts were derived under besides each customer's records (without those): a
    /// patch derives the changed customers' under the same.
    standard: ServiceContext,
}

/// A column whose values sit in shared chunks of [`CHUNK`]: a copy shares every chunk, and
/// setting a value copies its chunk only. Every patch of the kept facts copies them while
/// readers hold the previous copy; a column of pointers (each customer's visits, search text)
/// copied whole would touch every customer's allocation to count it shared, and again to drop
/// it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Chunked<T> {
    chunks: Vec<std::sync::Arc<Vec<T>>>,
    len: usize,
}

/// Values in a chunk of a [`Chunked`] column.
const CHUNK: usize = 1024;

impl<T: Clone> Chunked<T> {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Sets value `i` (copying its chunk when it is shared).
    pub fn set(&mut self, i: usize, value: T) {
        assert!(
            i < self.len,
            "index {i} past the column's {} values",
            self.len
        );
        std::sync::Arc::make_mut(&mut self.chunks[i / CHUNK])[i % CHUNK] = value;
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.chunks.iter().flat_map(|c| c.iter())
    }
}

impl<T> std::ops::Index<usize> for Chunked<T> {
    type Output = T;
    fn index(&self, i: usize) -> &T {
        &self.chunks[i / CHUNK][i % CHUNK]
    }
}

impl<T> FromIterator<T> for Chunked<T> {
    fn from_iter<I: IntoIterator<Item = T>>(values: I) -> Self {
        let mut chunks = Vec::new();
        let mut len = 0;
        let mut chunk = Vec::with_capacity(CHUNK);
        for v in values {
            chunk.push(v);
            len += 1;
            if chunk.len() == CHUNK {
                chunks.push(std::sync::Arc::new(std::mem::replace(
                    &mut chunk,
                    Vec::with_capacity(CHUNK),
                )));
            }
        }
        if !chunk.is_empty() {
            chunks.push(std::sync::Arc::new(chunk));
        }
        Chunked { chunks, len }
    }
}

/// Ends each searched field in [`LoadedPopulation::search`].
pub const SEARCH_SEPARATOR: char = '\u{1f}';

/// The searched text of one customer, see [`LoadedPopulation::search`].
fn search_text(fields: [&str; 4]) -> String {
    let mut out = String::with_capacity(fields.iter().map(|f| f.len() + 1).sum());
    for f in fields {
        out.push_str(&f.to_ascii_lowercase());
        out.push(SEARCH_SEPARATOR);
    }
    out
}

impl Row {
    fn search(&self) -> String {
        search_text([&self.shop_name, &self.code, &self.licence_no, &self.phone])
    }
}

/// Every customer's searched text (see [`LoadedPopulation::search`]) in shared chunks of
/// [`CHUNK`] customers, each one text with where each customer's ends: a search reads a chunk
/// at a time instead of 100,000 small strings, and setting one customer's copies its chunk
/// only (as [`Chunked`] does).
#[derive(Clone, Debug, Default)]
pub struct SearchColumn {
    chunks: Vec<std::sync::Arc<SearchChunk>>,
    len: usize,
}

#[derive(Clone, Debug, Default)]
struct SearchChunk {
    text: String,
    /// Where each customer's text ends in `text` (exclusive).
    ends: Vec<u32>,
}

impl SearchChunk {
    fn get(&self, j: usize) -> &str {
        let from = if j == 0 { 0 } else { self.ends[j - 1] as usize };
        &self.text[from..self.ends[j] as usize]
    }
}

impl SearchColumn {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Customer `i`'s text.
    pub fn get(&self, i: usize) -> &str {
        self.chunks[i / CHUNK].get(i % CHUNK)
    }

    /// Sets customer `i`'s text (copying its chunk when it is shared).
    pub fn set(&mut self, i: usize, text: &str) {
        assert!(
            i < self.len,
            "index {i} past the column's {} values",
            self.len
        );
        let chunk = &mut self.chunks[i / CHUNK];
        let texts: Vec<String> = (0..chunk.ends.len())
            .map(|j| match j == i % CHUNK {
                true => text.to_string(),
                false => chunk.get(j).to_string(),
            })
            .collect();
        *chunk = std::sync::Arc::new(SearchChunk::of(texts));
    }

    /// Calls `hit` with every customer whose text contains `finder`'s needle (not empty), in
    /// order, once each.
    pub fn matching(&self, finder: &memchr::memmem::Finder<'_>, mut hit: impl FnMut(usize)) {
        for (c, chunk) in self.chunks.iter().enumerate() {
            let text = chunk.text.as_bytes();
            let mut from = 0;
            // Hits come in order: the customer of each is found by stepping on from the last
            // one's (a short needle hits most customers, where a binary search each was half
            // of the time).
            let mut j = 0;
            while let Some(off) = finder.find(&text[from..]) {
                let at = from + off;
                while chunk.ends[j] as usize <= at {
                    j += 1;
                }
                hit(c * CHUNK + j);
                // The rest of this customer's text cannot add a match.
                from = chunk.ends[j] as usize;
                j += 1;
            }
        }
    }
}

impl SearchChunk {
    fn of(texts: Vec<String>) -> Self {
        let mut chunk = SearchChunk {
            text: String::with_capacity(texts.iter().map(String::len).sum()),
            ends: Vec::with_capacity(texts.len()),
        };
        for t in texts {
            chunk.text.push_str(&t);
            chunk.ends.push(chunk.text.len() as u32);
        }
        chunk
    }
}

impl FromIterator<String> for SearchColumn {
    fn from_iter<I: IntoIterator<Item = String>>(values: I) -> Self {
        let mut chunks = Vec::new();
        let mut len = 0;
        let mut chunk = Vec::with_capacity(CHUNK);
        for v in values {
            chunk.push(v);
            len += 1;
            if chunk.len() == CHUNK {
                chunks.push(std::sync::Arc::new(SearchChunk::of(std::mem::take(
                    &mut chunk,
                ))));
            }
        }
        if !chunk.is_empty() {
            chunks.push(std::sync::Arc::new(SearchChunk::of(chunk)));
        }
        SearchColumn { chunks, len }
    }
}

/// A visit, as the visit plan and the customer managers' figures count it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VisitMark {
    pub day: chrono::NaiveDate,
    /// Who made it (user id), if still known.
    pub manager: Option<i64>,
    /// The customer's rating of it, 1–5.
    pub score: Option<u8>,
}

impl LoadedPopulation {
    /// The customer manager (user id) of customer `i`.
    pub fn manager(&self, i: usize) -> Option<i64> {
        let m = self.population.manager[i];
        (m != NO_MANAGER).then(|| self.managers[m as usize])
    }

    /// Moves customer `i` from customer manager `from`'s customers to `to`'s (indices of
    /// `managers`, or `NO_MANAGER`).
    fn move_customer(&mut self, i: usize, from: u32, to: u32) {
        let i = i as u32;
        if let Some(list) = self.by_manager.get_mut(from as usize) {
            *list = list.iter().copied().filter(|&c| c != i).collect();
        }
        if let Some(list) = self.by_manager.get_mut(to as usize) {
            let mut l = list.to_vec();
            if let Err(at) = l.binary_search(&i) {
                l.insert(at, i);
            }
            *list = l.into();
        }
    }

    /// The customers within `scope`, in order, if fewer than everyone: `None` for everyone.
    pub fn scope_members(&self, scope: app::model::Scope) -> Option<std::borrow::Cow<'_, [u32]>> {
        use app::model::Scope;
        use std::borrow::Cow;
        match scope {
            Scope::All => None,
            Scope::Routes { manager } => Some(match self.managers.binary_search(&manager) {
                Ok(m) => Cow::Borrowed(&self.by_manager[m][..]),
                Err(_) => Cow::Owned(Vec::new()),
            }),
            Scope::Customer(id) => Some(Cow::Owned(
                self.ids
                    .binary_search(&id)
                    .map(|i| vec![i as u32])
                    .unwrap_or_default(),
            )),
            Scope::Nothing => Some(Cow::Owned(Vec::new())),
        }
    }

    /// Whether customer `i` is within `scope`: a customer manager's scope is the customers of
    /// their routes, as `db::scope::push_scope` has it in SQL.
    pub fn in_scope(&self, i: usize, scope: app::model::Scope) -> bool {
        use app::model::Scope;
        match scope {
            Scope::All => true,
            Scope::Routes { manager } => self.manager(i) == Some(manager),
            Scope::Customer(id) => self.ids[i] == id,
            Scope::Nothing => false,
        }
    }

    /// The published tier of customer `i` (their latest assignment's), if any.
    pub fn assigned_tier(&self, i: usize) -> Option<Tier> {
        let t = self.population.prev_tier[i];
        (t > 0).then(|| Tier::ALL[usize::from(t - 1).min(Tier::ALL.len() - 1)])
    }
}

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
async fn visits_of(
    pool: &SqlitePool,
    ids: &[i64],
    some: Option<&str>,
) -> anyhow::Result<(
    Chunked<std::sync::Arc<[VisitMark]>>,
    Vec<Option<chrono::NaiveDate>>,
)> {
    let filter = match some {
        Some(_) => "AND v.customer_id IN (SELECT value FROM json_each(?2))",
        None => "",
    };
    let rows: Vec<(i64, String, Option<i64>, Option<i64>)> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT v.customer_id, v.visited_on, v.manager_id, r.score
             FROM visits v LEFT JOIN visit_ratings r ON r.visit_id = v.id
             WHERE v.visited_on >= ?1 {filter}"
        )))
        .bind(visits_since())
        .bind(some)
        .fetch_all(pool)
        .await?;
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
    let filter = match some {
        Some(_) => "WHERE customer_id IN (SELECT value FROM json_each(?1))",
        None => "",
    };
    let last: Vec<(i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT customer_id, MAX(visited_on) FROM visits {filter} GROUP BY customer_id"
    )))
    .bind(some)
    .fetch_all(pool)
    .await?;
    let mut last_visit = vec![None; ids.len()];
    for (customer, on) in last {
        if let Ok(i) = ids.binary_search(&customer) {
            last_visit[i] = day(&on);
        }
    }
    Ok((visits, last_visit))
}

/// The next [`LoadedPopulation::generation`].
fn next_generation() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Marks a change of purchases, in the transaction of every writer of purchases (the import and
/// the demo): bumps the counter the kept facts are keyed on and keeps the latest month, so
/// that reading it never scans every purchase.
pub async fn purchases_changed(conn: &mut sqlx::SqliteConnection) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE data_version SET purchases = purchases + 1,
                latest_month = (SELECT MAX(month) FROM purchases)",
    )
    .execute(conn)
    .await
    .map(|_| ())
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

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    business_format: String,
    market_type: String,
    business_area_m2: f64,
    integrity_level: String,
    violations_12m: i64,
    late_payments_12m: i64,
    monitored: bool,
    demonstration: bool,
    cooperation: String,
    route_id: Option<i64>,
    manager_id: Option<i64>,
    cur_cartons: i64,
    cur_amount: i64,
    prev_cartons: i64,
    months_ordered: i64,
    /// Supply and delivery over the window, where known (`None`: never recorded).
    supplied: i64,
    requested: Option<i64>,
    deliveries: Option<i64>,
    late_deliveries: Option<i64>,
    prev_band: Option<i64>,
    prev_tier: Option<String>,
    prev_experience: Option<i64>,
    prev_volume: Option<i64>,
    shop_name: String,
    code: String,
    licence_no: String,
    phone: String,
}

/// A customer's visits, ratings and complaints since the window began (the other service
/// records are monthly columns of purchases).
#[derive(Clone, Copy, Default)]
struct Logged {
    visits: u32,
    promises: u32,
    rating_sum: u32,
    rating_count: u32,
    complaints_on_time: u32,
    complaints_total: u32,
}

/// What the service part of the facts needs besides the customer's own rows: the published
/// policy's visit standard per tier, the window's length, and the logged records per customer.
#[derive(Clone, Default)]
struct ServiceContext {
    visits_per_month: [u32; 3],
    /// Whether anyone logged a visit in the window: without a visit log, visits against the
    /// standard are not recorded rather than zero.
    visit_log_kept: bool,
    window: u32,
    logged: rustc_hash::FxHashMap<i64, Logged>,
}

/// Visits, promises, ratings and complaints per customer from `start` (`YYYY-MM`, the window's
/// first month) to now; `some` (a JSON array of ids) narrows to those customers. A complaint
/// counts once its deadline has passed or it is closed: on time when closed by its deadline.
async fn logged(
    pool: &SqlitePool,
    start: &str,
    some: Option<&str>,
) -> anyhow::Result<rustc_hash::FxHashMap<i64, Logged>> {
    let from = format!("{start}-01");
    let filter = |col: &str, n: u8| match some {
        Some(_) => format!("AND {col} IN (SELECT value FROM json_each(?{n}))"),
        None => String::new(),
    };
    let now = crate::calendar::stamp(crate::time::now());
    let mut out: rustc_hash::FxHashMap<i64, Logged> = Default::default();
    // Visits with their ratings, in one pass over the visits of each customer.
    let visits: Vec<(i64, i64, i64, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT v.customer_id, COUNT(*), SUM(v.promise <> ''), COALESCE(SUM(r.score), 0), COUNT(r.score)
         FROM visits v LEFT JOIN visit_ratings r ON r.visit_id = v.id
         WHERE v.visited_on >= ?1 {} GROUP BY v.customer_id",
        filter("v.customer_id", 2)
    )))
    .bind(&from)
    .bind(some)
    .fetch_all(pool)
    .await?;
    let count = |v: i64| v.clamp(0, i64::from(u32::MAX)) as u32;
    for (id, n, promises, rating_sum, ratings) in visits {
        let l = out.entry(id).or_default();
        l.visits = count(n);
        l.promises = count(promises);
        l.rating_sum = count(rating_sum);
        l.rating_count = count(ratings);
    }
    let complaints: Vec<(i64, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT customer_id,
                SUM(closed_at IS NOT NULL AND closed_at <= due_at),
                SUM(closed_at IS NOT NULL OR due_at < ?2)
         FROM complaints WHERE filed_at >= ?1 {} GROUP BY customer_id",
        filter("customer_id", 3)
    )))
    .bind(&from)
    .bind(&now)
    .bind(some)
    .fetch_all(pool)
    .await?;
    for (id, on_time, total) in complaints {
        let l = out.entry(id).or_default();
        l.complaints_on_time = count(on_time);
        l.complaints_total = count(total);
    }
    Ok(out)
}

/// The service context for `policy`'s window starting at `start`.
async fn service_context(
    pool: &SqlitePool,
    policy: &Policy,
    start: &str,
    some: Option<&str>,
) -> anyhow::Result<ServiceContext> {
    let published: Option<String> = sqlx::query_scalar(
        "SELECT body FROM policies WHERE status = 'published' ORDER BY version DESC LIMIT 1",
    )
    .fetch_optional(pool)
    .await?;
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

/// Whether anyone logged a visit since `start` (`YYYY-MM`, the window's first month).
async fn visit_log_kept(pool: &SqlitePool, start: &str) -> sqlx::Result<bool> {
    if start.is_empty() {
        return Ok(false);
    }
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM visits WHERE visited_on >= ?)")
        .bind(format!("{start}-01"))
        .fetch_one(pool)
        .await
}

/// Loads every customer's facts under `policy`'s window, with the latest published assignment
/// as the "previous" one for transitions.
pub async fn load(pool: &SqlitePool, policy: &Policy) -> anyhow::Result<LoadedPopulation> {
    let latest = latest_month(pool).await?;
    let (cur_start, prev_start, year_start) = windows(&latest, policy);
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(facts_query(false)))
        .bind(&cur_start)
        .bind(&prev_start)
        .bind(&year_start)
        .bind("[]") // ?4: some customers' ids, unused here
        .bind(crate::time::this_month())
        .fetch_all(pool)
        .await?;
    let service = service_context(pool, policy, &cur_start, None).await?;
    let mut loaded = build(rows, policy, &service, latest);
    let (visits, last) = visits_of(pool, &loaded.ids, None).await?;
    (loaded.visits, loaded.last_visit) = (visits, last.into_iter().collect());
    Ok(loaded)
}

/// What every customer's facts depend on besides the policy and their own records, read in a
/// few cheap queries: the published policy (id and publication time, so a regenerated database
/// never matches: its previous tiers are the "before" of every transition), the customers
/// (a counter triggers bump on every customer added or removed), the route → customer-manager assignment, the
/// purchases (a counter bumped by every writer of purchases) and their latest month, and this
/// month. A change of any of them reloads everyone (about 1.7 s for 100,000 customers); what
/// changes one customer's own records — a visit, a rating, a complaint, an edit — is in
/// `fact_changes` and reloads that customer only.
///
/// With it, in the same look, the newest change in `fact_changes`.
async fn fingerprint(pool: &SqlitePool) -> anyhow::Result<(String, i64)> {
    type Key = (
        Option<i64>,
        Option<String>,
        i64,
        i64,
        i64,
        Option<String>,
        i64,
    );
    let row: Key = sqlx::query_as(
        "SELECT (SELECT id FROM policies WHERE status = 'published' ORDER BY version DESC LIMIT 1),
                (SELECT published_at FROM policies WHERE status = 'published' ORDER BY version DESC LIMIT 1),
                (SELECT customers FROM data_version),
                (SELECT COALESCE(SUM(id * 31 + COALESCE(manager_id, 0)), 0) FROM routes),
                (SELECT purchases FROM data_version), (SELECT latest_month FROM data_version),
                COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'fact_changes'), 0)",
    )
    .fetch_one(pool)
    .await?;
    let (policy, published, customers, routes, purchases, latest, newest) = row;
    let key = (policy, published, customers, routes, purchases, latest);
    Ok((format!("{key:?} {}", crate::time::this_month()), newest))
}

/// The newest change in `fact_changes` and the oldest one still kept (older ones are purged).
async fn changes_span(pool: &SqlitePool) -> sqlx::Result<(i64, Option<i64>)> {
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
    let mut tx = crate::db::write(pool).await?;
    sqlx::query(
        "DELETE FROM fact_changes WHERE at < strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 day')",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// More changed customers than this since the last look, and everyone is reloaded: one query
/// over everything is then cheaper than a query per few customers.
const MOST_PATCHED: usize = 2_000;

/// A loaded population with what it was loaded under and how far it has read the changes.
struct Kept {
    key: String,
    /// The last `fact_changes.seq` applied.
    seq: i64,
    /// When the complaints were last counted: an open complaint whose deadline passes after
    /// this counts from then on (late), so its customer is reloaded.
    counted_at: String,
    loaded: std::sync::Arc<LoadedPopulation>,
}

/// The populations loaded, kept current with each change: opening the lab loads one for the
/// snapshot, the preview and the publish that follow classify the same facts, and the pages
/// that classify everyone (service gaps, performance, the portal's ranks) read them from
/// memory. After a visit, a complaint or an edit only the customers concerned are read again.
/// Facts depend on the policy only through its window and the cartons per case; one
/// population is kept for each of the last few such pairs.
///
/// Whether anything changed is asked of the database only after a write of this process has
/// ended since the last time it was asked (see [`crate::db::writes`]), or when that was more
/// than [`RECHECK`] ago: a reader then costs no query at all, and what another process writes
/// (`kehu import` beside the server) shows within that time.
#[derive(Clone, Default)]
pub struct Cache {
    kept: std::sync::Arc<std::sync::Mutex<Vec<Kept>>>,
    /// One loader at a time; the others wait for its result.
    loading: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// The last answer of the database to "what changed".
    checked: std::sync::Arc<std::sync::Mutex<Option<Checked>>>,
    /// Connections of the cache's own (see `db::Databases::facts`), else the caller's pool.
    own: Option<SqlitePool>,
    /// When the kept facts were last patched.
    patched: std::sync::Arc<std::sync::Mutex<Option<std::time::Instant>>>,
}

/// The shortest time between two patches for requests that wrote (see [`Cache::refresh`]).
const COALESCE: std::time::Duration = std::time::Duration::from_millis(20);

/// What the database answered, and when.
#[derive(Clone)]
struct Checked {
    /// [`crate::db::writes`] just before asking.
    writes: u64,
    at: std::time::Instant,
    fingerprint: String,
    newest: i64,
}

/// How long an answer of the database to "what changed" holds while this process writes
/// nothing.
pub const RECHECK: std::time::Duration = std::time::Duration::from_secs(1);

/// How many (window, cartons per case) pairs are kept: the published policy's and a draft's.
const KEPT_POLICIES: usize = 3;

impl Cache {
    /// A cache that reads through `pool`, connections of its own, whatever pool callers pass.
    pub fn reading_through(pool: SqlitePool) -> Self {
        Cache {
            own: Some(pool),
            ..Cache::default()
        }
    }

    /// The fingerprint and the newest change: remembered while this process wrote nothing
    /// (and for at most [`RECHECK`]), else read.
    async fn check(&self, pool: &SqlitePool) -> anyhow::Result<(String, i64)> {
        let writes = crate::db::writes(pool);
        if let Some(c) = lock(&self.checked).as_ref()
            && c.writes == writes
            && c.at.elapsed() < RECHECK
        {
            return Ok((c.fingerprint.clone(), c.newest));
        }
        let at = std::time::Instant::now();
        let (fingerprint, newest) = fingerprint(pool).await?;
        let mut checked = lock(&self.checked);
        if checked.as_ref().is_none_or(|c| c.at <= at) {
            *checked = Some(Checked {
                writes,
                at,
                fingerprint: fingerprint.clone(),
                newest,
            });
        }
        Ok((fingerprint, newest))
    }

    /// The kept population under `key` if it has read every change up to `newest` and counted
    /// the complaints this second.
    fn current(
        &self,
        key: &str,
        newest: i64,
        now: &str,
    ) -> Option<std::sync::Arc<LoadedPopulation>> {
        lock(&self.kept)
            .iter()
            .find(|k| k.key == key && k.seq >= newest && k.counted_at.as_str() >= now)
            .map(|k| k.loaded.clone())
    }

    /// Every customer's facts under `policy`, as [`load`] reads them, from memory brought up to
    /// date with what changed since. One caller loads at a time. While one is bringing the
    /// kept facts up to date, or what changed was written by requests that take it in before
    /// they are answered (see [`Cache::refresh`]), the others take the facts as they were a
    /// moment before instead of waiting or doing it again: nobody has been told of those
    /// writes yet. Waiting is only for a population loaded whole (a new policy, customers
    /// added, the first load) and for what the caller's own request wrote.
    pub async fn load(
        &self,
        pool: &SqlitePool,
        policy: &Policy,
    ) -> anyhow::Result<std::sync::Arc<LoadedPopulation>> {
        let pool = self.own.as_ref().unwrap_or(pool);
        let (key, newest) = self.key(pool, policy).await?;
        self.load_under(pool, policy, key, newest, true).await
    }

    /// Brings the kept facts under `policy` up to date with this process's writes, waiting for
    /// whoever is at it: a request that wrote calls it before it is answered (see
    /// `web::facts_after_writes`), so that what it wrote shows on every page asked for after
    /// the answer, while readers meanwhile go on with the facts of a moment before. Nothing is
    /// loaded when nothing is kept under the policy yet (the next reader loads it whole).
    pub async fn refresh(&self, pool: &SqlitePool, policy: &Policy) -> anyhow::Result<()> {
        let pool = self.own.as_ref().unwrap_or(pool);
        let (key, newest) = self.key(pool, policy).await?;
        if lock(&self.kept).iter().any(|k| k.key == key) {
            self.load_under(pool, policy, key, newest, false).await?;
        }
        Ok(())
    }

    /// What the facts under `policy` are kept under, and the newest change to apply.
    async fn key(&self, pool: &SqlitePool, policy: &Policy) -> anyhow::Result<(String, i64)> {
        let (fingerprint, newest) = self.check(pool).await?;
        let key = format!(
            "{fingerprint} window {} per case {}",
            policy.assessment_window_months, policy.cartons_per_case
        );
        Ok((key, newest))
    }

    async fn load_under(
        &self,
        pool: &SqlitePool,
        policy: &Policy,
        key: String,
        newest: i64,
        stale_while_busy: bool,
    ) -> anyhow::Result<std::sync::Arc<LoadedPopulation>> {
        let counted_at = crate::calendar::stamp(crate::time::now());
        if let Some(loaded) = self.current(&key, newest, &counted_at) {
            return Ok(loaded);
        }
        // What another request wrote and has not been answered for, it takes in itself.
        let owed_by_others = crate::db::owed(pool) > 0 && !crate::db::wrote_here(pool);
        let _loading = match self.loading.try_lock() {
            Ok(free) if !(stale_while_busy && owed_by_others) => free,
            busy => {
                let before = lock(&self.kept)
                    .iter()
                    .find(|k| k.key == key)
                    .map(|k| k.loaded.clone());
                match (before, busy) {
                    (Some(loaded), _) if stale_while_busy => return Ok(loaded),
                    (_, Ok(free)) => free,
                    (_, Err(_)) => self.loading.lock().await,
                }
            }
        };
        // A request that wrote takes in its write at most every [`COALESCE`]: the writes that
        // end meanwhile wait here and are taken in together, by one patch (each copies the
        // whole population's columns).
        if !stale_while_busy {
            let since = lock(&self.patched).map(|at| at.elapsed());
            if let Some(since) = since
                && since < COALESCE
            {
                tokio::time::sleep(COALESCE - since).await;
            }
        }
        // Another loader may have brought it up to date while this one waited.
        if let Some(loaded) = self.current(&key, newest, &counted_at) {
            return Ok(loaded);
        }
        // Read before the data, so that a change committed meanwhile is applied (again) next
        // time. Bring it up to now, not only to what this reader saw before waiting: the readers
        // queued behind then find it current, and a stream of writes costs one patch per turn
        // of the lock rather than one per reader.
        let (newest, oldest) = changes_span(pool).await?;
        let counted_at = crate::calendar::stamp(crate::time::now());
        let before = lock(&self.kept)
            .iter()
            .find(|k| k.key == key)
            .map(|k| (k.seq, k.counted_at.clone(), k.loaded.clone()));
        if let Some((seq, counted, loaded)) = before {
            // Another reader may have applied more meanwhile: never step back.
            let newest = newest.max(seq);
            let until = counted_at.clone().max(counted.clone());
            let complete = newest == seq || oldest.is_some_and(|o| o <= seq + 1);
            if complete
                && let Some(loaded) =
                    patch(pool, policy, &loaded, seq, &counted, newest, &until).await?
            {
                *lock(&self.patched) = Some(std::time::Instant::now());
                self.keep(Kept {
                    key,
                    seq: newest,
                    counted_at: until,
                    loaded: loaded.clone(),
                });
                return Ok(loaded);
            }
        }
        let loaded = std::sync::Arc::new(load(pool, policy).await?);
        self.keep(Kept {
            key,
            seq: newest,
            counted_at,
            loaded: loaded.clone(),
        });
        Ok(loaded)
    }

    /// The population kept most recently, as it is, without asking the database what changed
    /// (what the next reader would be given while nothing changes).
    pub fn newest(&self) -> Option<std::sync::Arc<LoadedPopulation>> {
        lock(&self.kept).first().map(|k| k.loaded.clone())
    }

    /// Keeps `k` first, in place of the one under its key, and forgets the oldest beyond
    /// [`KEPT_POLICIES`].
    fn keep(&self, k: Kept) {
        let mut kept = lock(&self.kept);
        kept.retain(|o| o.key != k.key);
        kept.insert(0, k);
        kept.truncate(KEPT_POLICIES);
    }
}

/// A lock that a panicking holder left poisoned still guards consistent data here: every
/// holder replaces whole values.
fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// `old`, which has read the changes up to `seq` and counted the complaints at `counted_at`,
/// brought up to date with the changes up to `newest` and the complaints turned late by `now`: the same population when nothing changed, `None` when too much did (or a customer's
/// customer manager is new to it) and everyone is to be reloaded.
async fn patch(
    pool: &SqlitePool,
    policy: &Policy,
    old: &std::sync::Arc<LoadedPopulation>,
    seq: i64,
    counted_at: &str,
    newest: i64,
    now: &str,
) -> anyhow::Result<Option<std::sync::Arc<LoadedPopulation>>> {
    let started = std::time::Instant::now();
    let mut ids: Vec<i64> = sqlx::query_scalar(
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
    .bind(MOST_PATCHED as i64 + 1)
    .fetch_all(pool)
    .await?;
    if ids.is_empty() {
        return Ok(Some(old.clone()));
    }
    if ids.len() > MOST_PATCHED {
        return Ok(None);
    }
    ids.sort_unstable();
    let (cur_start, prev_start, year_start) = windows(&old.latest_month, policy);
    let json = serde_json::to_string(&ids)?;
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(facts_query(true)))
        .bind(&cur_start)
        .bind(&prev_start)
        .bind(&year_start)
        .bind(&json)
        .bind(crate::time::this_month())
        .fetch_all(pool)
        .await?;
    if rows.len() != ids.len() {
        // A customer is gone (only the demo deletes them, and it reloads everyone anyway).
        return Ok(None);
    }
    // The visit standard and the window are the kept population's (a publish or a new month
    // reloads everyone); the first visit logged in the window makes everyone's visits
    // recorded, so everyone is reloaded.
    let mut service = old.standard.clone();
    if !cur_start.is_empty() {
        if !service.visit_log_kept && visit_log_kept(pool, &cur_start).await? {
            return Ok(None);
        }
        service.logged = logged(pool, &cur_start, Some(&json)).await?;
    }
    let mut next = LoadedPopulation::clone(old);

    let mut rerank = false;
    for r in &rows {
        let Ok(i) = next.ids.binary_search(&r.id) else {
            return Ok(None);
        };
        let manager = match r.manager_id {
            None => NO_MANAGER,
            Some(m) => match next.managers.binary_search(&m) {
                Ok(at) => at as u32,
                Err(_) => return Ok(None),
            },
        };
        let facts = facts_of(r, policy, &service, Cents::ZERO, Cents::ZERO);
        let was = next.population.manager[i];
        if was != manager {
            next.move_customer(i, was, manager);
        }
        rerank |= next.population.replace(
            i,
            &facts,
            manager,
            r.prev_band.map(|b| b.clamp(1, 8) as u8),
            r.prev_tier.as_deref().and_then(Tier::from_key),
            r.demonstration,
        );
        if next.routes[i] != r.route_id {
            next.routes.set(i, r.route_id);
        }
        if next.assigned_volume[i] != r.prev_volume {
            next.assigned_volume.set(i, r.prev_volume);
        }
        let search = r.search();
        if next.search.get(i) != search {
            next.search.set(i, &search);
        }
    }
    let (visits, last) = visits_of(pool, &ids, Some(&json)).await?;
    for (at, id) in ids.iter().enumerate() {
        if let Ok(i) = next.ids.binary_search(id) {
            next.visits.set(i, visits[at].clone());
            if next.last_visit[i] != last[at] {
                next.last_visit.set(i, last[at]);
            }
        }
    }
    if rerank {
        next.population.derive_ranks();
    }
    next.generation = next_generation();
    tracing::debug!(
        customers = ids.len(),
        rerank,
        ms = started.elapsed().as_secs_f64() * 1e3,
        "kept facts patched"
    );
    Ok(Some(std::sync::Arc::new(next)))
}

/// The windows' first months for the latest purchase month: current, previous, last 12.
fn windows(latest: &Option<String>, policy: &Policy) -> (String, String, String) {
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

/// Area in hundredths of a m², as the scale rule and the influence percentile compare it.
fn area_cents(r: &Row) -> i64 {
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
    cache: &Cache,
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
    let Some(row): Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(facts_query(true)))
        .bind(&cur_start)
        .bind(&prev_start)
        .bind(&year_start)
        .bind(&one)
        .bind(crate::time::this_month())
        .fetch_optional(pool)
        .await?
    else {
        return Ok(None);
    };
    let service = service_context(pool, policy, &cur_start, Some(&one)).await?;
    let facts = facts_of(&row, policy, &service, Cents::ZERO, Cents::ZERO);
    Ok(Some((facts, Rules::new(policy, None))))
}

/// Expectation and experience inputs of one customer from their records (domain §5); `None`
/// when nothing at all is recorded or derivable.
fn service_of(r: &Row, ctx: &ServiceContext, indicators: &Indicators) -> Option<ServiceInputs> {
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
fn facts_of(
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

fn build(
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
    LoadedPopulation {
        by_manager: by_manager.into_iter().map(Into::into).collect(),
        ids: ids.into(),
        population: pop,
        managers: managers.into(),
        routes: rows.iter().map(|r| r.route_id).collect(),
        latest_month,
        generation: next_generation(),
        visits: Chunked::default(),
        last_visit: Chunked::default(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_shift_across_years() {
        assert_eq!(shift_month("2026-03", -2).as_deref(), Some("2026-01"));
        assert_eq!(shift_month("2026-03", -3).as_deref(), Some("2025-12"));
        assert_eq!(shift_month("2026-12", 1).as_deref(), Some("2027-01"));
        assert_eq!(shift_month("bad", 1), None);
    }

    #[test]
    fn a_chunked_column_copies_only_the_chunk_it_changes() {
        let n = 3 * CHUNK + 7;
        let a: Chunked<u32> = (0..n as u32).collect();
        assert_eq!(a.len(), n);
        assert_eq!(
            a.iter().copied().collect::<Vec<_>>(),
            (0..n as u32).collect::<Vec<_>>()
        );
        let mut b = a.clone();
        b.set(CHUNK + 5, 99);
        assert_eq!((a[CHUNK + 5], b[CHUNK + 5]), ((CHUNK + 5) as u32, 99));
        assert_eq!(b[n - 1], n as u32 - 1);
        // The copy shares every chunk but the changed one.
        let shared = (0..a.chunks.len())
            .filter(|&c| std::sync::Arc::ptr_eq(&a.chunks[c], &b.chunks[c]))
            .count();
        assert_eq!(shared, a.chunks.len() - 1);
        assert_ne!(a, b);
        b.set(CHUNK + 5, (CHUNK + 5) as u32);
        assert_eq!(a, b);
    }

    #[test]
    fn a_search_finds_each_customer_once_and_follows_a_change() {
        let n = 2 * CHUNK + 3;
        // Customer i's text names i, and every tenth "aa" twice (one match per customer).
        let text = |i: usize| {
            let extra = if i.is_multiple_of(10) {
                "aa\u{1f}aa"
            } else {
                "b"
            };
            search_text([&format!("shop {i}"), extra, "", ""])
        };
        let a: SearchColumn = (0..n).map(text).collect();
        assert_eq!(a.len(), n);
        assert_eq!(a.get(CHUNK + 1), text(CHUNK + 1));
        let found = |col: &SearchColumn, needle: &str| {
            let finder = memchr::memmem::Finder::new(needle.as_bytes());
            let mut hits = Vec::new();
            col.matching(&finder, |i| hits.push(i));
            hits
        };
        assert_eq!(found(&a, "aa"), (0..n).step_by(10).collect::<Vec<_>>());
        // A needle in every customer's text: each once, none skipped.
        assert_eq!(found(&a, "shop "), (0..n).collect::<Vec<_>>());
        // "shop 102" and "shop 1020".."shop 1029": the last customer of the first chunk and
        // the first of the next are found across the boundary.
        assert_eq!(
            found(&a, "shop 102"),
            std::iter::once(102).chain(1020..1030).collect::<Vec<_>>()
        );
        let mut b = a.clone();
        b.set(CHUNK, &search_text(["renamed", "", "", ""]));
        assert_eq!(found(&b, "renamed"), vec![CHUNK]);
        assert!(found(&a, "renamed").is_empty());
        assert_eq!(b.get(CHUNK - 1), a.get(CHUNK - 1));
        assert_eq!(b.get(CHUNK + 1), a.get(CHUNK + 1));
        let shared = (0..a.chunks.len())
            .filter(|&c| std::sync::Arc::ptr_eq(&a.chunks[c], &b.chunks[c]))
            .count();
        assert_eq!(shared, a.chunks.len() - 1);
    }
}
