//! The kept facts (`KeptFacts`): the population in memory, brought up to date customer by customer
//! after each write (`patch`) instead of loaded again.

use super::*;

/// More changed customers than this since the last look (or than [`most_patched`] of a larger
/// population), and everyone is reloaded: one query over everything is then cheaper than
/// reading those customers one by one.
pub const MOST_PATCHED: usize = 2_000;

/// At most how many changed customers a patch of `customers` takes in: a tenth of them, and at
/// least [`MOST_PATCHED`].
pub fn most_patched(customers: usize) -> usize {
    MOST_PATCHED.max(customers / 10)
}

/// A loaded population with what it was loaded under and how far it has read the changes.
pub(crate) struct Kept {
    pub(crate) key: String,
    /// The last `fact_changes.seq` applied.
    pub(crate) seq: i64,
    /// When the complaints were last counted: an open complaint whose deadline passes after
    /// this counts from then on (late), so its customer is reloaded.
    pub(crate) counted_at: String,
    pub(crate) loaded: std::sync::Arc<LoadedPopulation>,
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
pub struct KeptFacts {
    pub(crate) kept: std::sync::Arc<std::sync::Mutex<Vec<Kept>>>,
    /// One loader at a time; the others wait for its result.
    pub(crate) loading: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// The last answer of the database to "what changed".
    pub(crate) checked: std::sync::Arc<std::sync::Mutex<Option<Checked>>>,
    /// Connections of the cache's own (see `db::Databases::facts`), else the caller's pool.
    pub(crate) own: Option<SqlitePool>,
    /// When the kept facts were last patched.
    pub(crate) patched: std::sync::Arc<std::sync::Mutex<Option<std::time::Instant>>>,
}

/// The shortest time between two patches for requests that wrote (see [`KeptFacts::refresh`]).
pub(crate) const COALESCE: std::time::Duration = std::time::Duration::from_millis(20);

/// What the database answered, and when.
#[derive(Clone)]
pub(crate) struct Checked {
    /// [`crate::db::writes`] just before asking.
    pub(crate) writes: u64,
    pub(crate) at: std::time::Instant,
    pub(crate) fingerprint: String,
    pub(crate) newest: i64,
}

/// How long an answer of the database to "what changed" holds while this process writes
/// nothing.
pub const RECHECK: std::time::Duration = std::time::Duration::from_secs(1);

/// How many (window, cartons per case) pairs are kept: the published policy's and a draft's.
pub(crate) const KEPT_POLICIES: usize = 3;

impl KeptFacts {
    /// A cache that reads through `pool`, connections of its own, whatever pool callers pass.
    pub fn reading_through(pool: SqlitePool) -> Self {
        KeptFacts {
            own: Some(pool),
            ..KeptFacts::default()
        }
    }

    /// The fingerprint and the newest change: remembered while this process wrote nothing
    /// (and for at most [`RECHECK`]), else read.
    pub(crate) async fn check(&self, pool: &SqlitePool) -> anyhow::Result<(String, i64)> {
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
    pub(crate) fn current(
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
    /// they are answered (see [`KeptFacts::refresh`]), the others take the facts as they were a
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
    pub(crate) async fn key(
        &self,
        pool: &SqlitePool,
        policy: &Policy,
    ) -> anyhow::Result<(String, i64)> {
        let (fingerprint, newest) = self.check(pool).await?;
        // The month is read now, not with the fingerprint (which is remembered for a while):
        // the visit windows move with it.
        let key = format!(
            "{fingerprint} {} window {} per case {}",
            crate::time::this_month(),
            policy.assessment_window_months,
            policy.cartons_per_case
        );
        Ok((key, newest))
    }

    pub(crate) async fn load_under(
        &self,
        pool: &SqlitePool,
        policy: &Policy,
        key: String,
        newest: i64,
        stale_while_busy: bool,
    ) -> anyhow::Result<std::sync::Arc<LoadedPopulation>> {
        let counted_at = crate::time::stamp(crate::time::now());
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
        let counted_at = crate::time::stamp(crate::time::now());
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
    pub(crate) fn keep(&self, k: Kept) {
        let mut kept = lock(&self.kept);
        kept.retain(|o| o.key != k.key);
        kept.insert(0, k);
        kept.truncate(KEPT_POLICIES);
    }
}

/// A lock that a panicking holder left poisoned still guards consistent data here: every
/// holder replaces whole values.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// `old`, which has read the changes up to `seq` and counted the complaints at `counted_at`,
/// brought up to date with the changes up to `newest` and the complaints turned late by `now`:
/// the same population when nothing changed, `None` when too much did (or a customer's
/// customer manager is new to it, or one is left without customers, or a customer is gone)
/// and everyone is to be reloaded. New customers come after everyone (ids only grow) and are
/// added at the end.
pub(crate) async fn patch(
    pool: &SqlitePool,
    policy: &Policy,
    old: &std::sync::Arc<LoadedPopulation>,
    seq: i64,
    counted_at: &str,
    newest: i64,
    now: &str,
) -> anyhow::Result<Option<std::sync::Arc<LoadedPopulation>>> {
    let started = std::time::Instant::now();
    let most = most_patched(old.ids.len());
    let mut ids: Vec<i64> = crate::db::facts::changed_customers(
        pool,
        (seq, newest),
        (counted_at, now),
        most as i64 + 1,
    )
    .await?;
    if ids.is_empty() {
        return Ok(Some(old.clone()));
    }
    if ids.len() > most {
        return Ok(None);
    }
    ids.sort_unstable();
    patch_customers(pool, policy, old, ids, started).await
}

/// `old` with customers `ids` (in order; new ones after everyone) read again from the
/// database; `None` when they cannot be taken in one by one (see [`patch`]).
pub(crate) async fn patch_customers(
    pool: &SqlitePool,
    policy: &Policy,
    old: &std::sync::Arc<LoadedPopulation>,
    ids: Vec<i64>,
    started: std::time::Instant,
) -> anyhow::Result<Option<std::sync::Arc<LoadedPopulation>>> {
    let (cur_start, prev_start, year_start) = windows(&old.latest_month, policy);
    let json = serde_json::to_string(&ids)?;
    let rows =
        crate::db::facts::rows(pool, (&cur_start, &prev_start, &year_start), Some(&json)).await?;
    if rows.len() != ids.len() {
        // A customer is gone (the counter of removals reloads everyone anyway).
        return Ok(None);
    }
    // The visit standard and the window are the kept population's (a new standard or a new
    // month reloads everyone); the first visit logged in the window makes everyone's visits
    // recorded, so everyone is reloaded.
    let mut service = old.standard.clone();
    if !cur_start.is_empty() {
        if !service.visit_log_kept && visit_log_kept(pool, &cur_start).await? {
            return Ok(None);
        }
        service.logged = logged(pool, &cur_start, Some(&json)).await?;
    }
    let mut next = LoadedPopulation::clone(old);
    let before = old.ids.len();
    let last_id = old.ids.last().copied().unwrap_or(0);
    let mut added: Vec<i64> = Vec::new();

    let mut rerank = false;
    for r in &rows {
        let manager = match r.manager_id {
            None => NO_MANAGER,
            Some(m) => match next.managers.binary_search(&m) {
                Ok(at) => at as u32,
                Err(_) => return Ok(None),
            },
        };
        let facts = facts_of(r, policy, &service, Cents::ZERO, Cents::ZERO);
        let prev_band = r.prev_band.map(|b| b.clamp(1, 8) as u8);
        let prev_tier = r.prev_tier.as_deref().and_then(Tier::from_key);
        let Ok(i) = next.ids.binary_search(&r.id) else {
            // Rows come in id order: a new customer after everyone is added at the end.
            if r.id <= last_id.max(added.last().copied().unwrap_or(0)) {
                return Ok(None);
            }
            let i = before + added.len();
            added.push(r.id);
            next.population.push(&facts, manager, prev_band, prev_tier);
            next.population.demonstration.push(r.demonstration);
            next.move_customer(i, NO_MANAGER, manager);
            next.routes.push(r.route_id);
            next.assigned_volume.push(r.prev_volume);
            next.search.push(&r.search());
            next.visits.push(std::sync::Arc::from([]));
            next.last_visit.push(None);
            next.window_visits.push(window_visits(&service, r.id));
            rerank = true;
            continue;
        };
        let was = next.population.manager[i];
        if was != manager {
            next.move_customer(i, was, manager);
        }
        rerank |=
            next.population
                .replace(i, &facts, manager, prev_band, prev_tier, r.demonstration);
        if next.routes[i] != r.route_id {
            next.routes.set(i, r.route_id);
        }
        let visits = window_visits(&service, r.id);
        if next.window_visits[i] != visits {
            next.window_visits.set(i, visits);
        }
        if next.assigned_volume[i] != r.prev_volume {
            next.assigned_volume.set(i, r.prev_volume);
        }
        let search = r.search();
        if next.search.get(i) != search {
            next.search.set(i, &search);
        }
    }
    // A customer manager left without customers is not among a fresh load's.
    if next.by_manager.iter().any(|c| c.is_empty()) {
        return Ok(None);
    }
    if !added.is_empty() {
        next.ids = old
            .ids
            .iter()
            .copied()
            .chain(added.iter().copied())
            .collect();
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
    // What a browser's copy needs to catch up: the patched customers whose facts or route
    // changed, and after a re-rank everyone whose ranks moved; and the customers added.
    let changed_route = |i: usize| i >= before || next.routes[i] != old.routes[i];
    let mut changed: Vec<u32> = if rerank {
        let mut c = next.population.differing(&old.population);
        c.extend(
            ids.iter()
                .filter_map(|id| next.ids.binary_search(id).ok())
                .filter(|&i| changed_route(i))
                .map(|i| i as u32),
        );
        c
    } else {
        ids.iter()
            .filter_map(|id| next.ids.binary_search(id).ok())
            .filter(|&i| {
                let p = &next.population;
                p.rows(&[i as u32]) != old.population.rows(&[i as u32]) || changed_route(i)
            })
            .map(|i| i as u32)
            .collect()
    };
    changed.sort_unstable();
    changed.dedup();
    next.record_change(old.generation, before, changed);
    next.generation = next_generation();
    tracing::debug!(
        customers = ids.len(),
        added = added.len(),
        rerank,
        ms = started.elapsed().as_secs_f64() * 1e3,
        "kept facts patched"
    );
    Ok(Some(std::sync::Arc::new(next)))
}

/// `old`, the population a publication of `policy` classified into `out`, as loading it again
/// would read it, without reading it: each customer's previous band, tier and volume are the
/// published ones, their past experience is the experience score published for them
/// (`experience`, hundredths of a point), and their visits are measured against the new
/// policy's standard for their new tier. With it, the customers without any service record who
/// get a visits measure: the rest of their expectation is to be read from the database.
pub(crate) fn republished(
    old: &LoadedPopulation,
    policy: &Policy,
    out: &kehu_engine::batch::Outcomes,
    experience: &[Option<i64>],
) -> (LoadedPopulation, Vec<i64>) {
    let n = old.ids.len();
    let mut next = old.clone();
    let mut standard = [0u32; 3];
    for (slot, v) in standard.iter_mut().zip(&policy.service.visits_per_month) {
        *slot = u32::from(*v);
    }
    next.standard.visits_per_month = standard;
    let ctx = next.standard.clone();
    let mut changed = Vec::new();
    let mut unread = Vec::new();
    for (i, &published) in experience.iter().enumerate().take(n) {
        let tier = Tier::ALL[usize::from(out.tier[i]).min(Tier::ALL.len() - 1)];
        let band = out.band[i];
        let visits = derive::experience_points(&derive::ServiceRecords {
            visits_received: old.window_visits[i],
            visits_standard: ctx
                .visit_log_kept
                .then(|| ctx.visits_per_month[tier.index().min(2)] * ctx.window),
            ..Default::default()
        })[0];
        let past = derive::expectation_points(&derive::ExpectationRecords {
            promises: None,
            contribution: Cents::ZERO,
            influence: Cents::ZERO,
            life_cycle: derive::LifeCycle::Dormant,
            past_experience: published.map(Cents::from_raw),
        })[4];
        let was = old.population.facts(i);
        let mut facts = was;
        match facts.service.as_mut() {
            Some(s) => {
                s.experience[0] = visits;
                s.expectation[4] = past;
                if s.experience.iter().all(Option::is_none) {
                    facts.service = None;
                }
            }
            None if visits.is_some() => unread.push(old.ids[i]),
            None => {}
        }
        let p = &old.population;
        let volume = Some(i64::from(p.volume[i]));
        if next.assigned_volume[i] != volume {
            next.assigned_volume.set(i, volume);
        }
        if facts == was && p.prev_band[i] == band && p.prev_tier[i] == out.tier[i] + 1 {
            continue;
        }
        let demonstration = p.demonstration.get(i).copied().unwrap_or(false);
        next.population.replace(
            i,
            &facts,
            p.manager[i],
            Some(band),
            Some(tier),
            demonstration,
        );
        changed.push(i as u32);
    }
    next.record_change(old.generation, n, changed);
    next.generation = next_generation();
    (next, unread)
}

impl KeptFacts {
    /// Takes a publication into the kept population it classified (`loaded`, into `out`, with
    /// the experience scores published), in memory, as [`republished`] derives it: the lab
    /// opened after a publication gets its movers, not everyone again. `changes` are the
    /// newest change in `fact_changes` before and after the publication's transaction: when
    /// another write came between the load and the publication, or the population is no longer
    /// kept, nothing is taken in here (the next reader brings it up to date from the database).
    pub async fn publication(
        &self,
        pool: &SqlitePool,
        policy: &Policy,
        loaded: &std::sync::Arc<LoadedPopulation>,
        out: &kehu_engine::batch::Outcomes,
        experience: &[Option<i64>],
        (before, after): (i64, i64),
    ) -> anyhow::Result<()> {
        let pool = self.own.as_ref().unwrap_or(pool);
        let _loading = self.loading.lock().await;
        let kept = lock(&self.kept)
            .iter()
            .find(|k| std::sync::Arc::ptr_eq(&k.loaded, loaded))
            .map(|k| (k.seq, k.counted_at.clone()));
        let Some((seq, counted_at)) = kept else {
            return Ok(());
        };
        if seq != before {
            return Ok(());
        }
        let started = std::time::Instant::now();
        let (next, unread) = republished(loaded, policy, out, experience);
        let mut next = std::sync::Arc::new(next);
        if !unread.is_empty() {
            match patch_customers(pool, policy, &next, unread, started).await? {
                Some(read) => next = read,
                None => return Ok(()),
            }
        }
        let (key, _) = self.key(pool, policy).await?;
        self.keep(Kept {
            key,
            seq: after,
            counted_at,
            loaded: next,
        });
        Ok(())
    }
}
