//! The population the engine classifies, with the ids, customer managers, routes, visits and
//! published results behind each index.

use super::*;

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
    /// The generation of the whole load this population descends from, patch by patch.
    pub base: u64,
    /// What each patch since that load changed, oldest first. Bounded ([`KEPT_CHANGES`]): a
    /// browser further behind than it reaches is sent the whole snapshot.
    pub changes: std::sync::Arc<std::collections::VecDeque<Change>>,
    /// Each customer's visits since [`visits_since`] (this month's, for the visit plan, and the
    /// last 90 days', for the performance figures), oldest first.
    pub visits: Chunked<std::sync::Arc<[VisitMark]>>,
    /// Each customer's last visit ever.
    pub last_visit: Chunked<Option<chrono::NaiveDate>>,
    /// Each customer's visits logged in the assessment window: against a new publication's
    /// visit standard for their new tier, they make the experience's visits measure.
    pub window_visits: Chunked<u32>,
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
    pub(crate) standard: ServiceContext,
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

/// One patch of the kept facts: the generation it started from, how many customers there were
/// then, and the customers (indices) whose facts or route it changed or that it added (at the
/// end).
#[derive(Clone, Debug)]
pub struct Change {
    pub from: u64,
    pub len: usize,
    pub customers: std::sync::Arc<[u32]>,
}

/// How many patches' changes a population remembers, and at most how many changed customers
/// in all (beyond a quarter of everyone, the whole snapshot is about as cheap).
pub const KEPT_CHANGES: (usize, usize) = (4_096, 50_000);

impl LoadedPopulation {
    /// The customers changed or added since generation `since`, and how many customers there
    /// were then (those from there on were added), when this population's history reaches back
    /// to it: nothing when `since` is this generation, `None` when it is not one of this
    /// lineage's (or too old): then only the whole snapshot will do.
    pub fn changed_since(&self, since: u64) -> Option<(Vec<u32>, usize)> {
        if since == self.generation {
            return Some((Vec::new(), self.ids.len()));
        }
        let from = self.changes.iter().position(|c| c.from == since)?;
        let len = self.changes[from].len;
        let mut out: Vec<u32> = self
            .changes
            .iter()
            .skip(from)
            .flat_map(|c| c.customers.iter().copied())
            .collect();
        out.sort_unstable();
        out.dedup();
        Some((out, len))
    }

    /// Remembers that the patch from generation `from`, when there were `len` customers, to this
    /// one changed (or added) `customers`, forgetting the oldest patches beyond [`KEPT_CHANGES`].
    pub(crate) fn record_change(&mut self, from: u64, len: usize, customers: Vec<u32>) {
        let mut changes = std::collections::VecDeque::clone(&self.changes);
        changes.push_back(Change {
            from,
            len,
            customers: customers.into(),
        });
        let (most_patches, most_customers) = KEPT_CHANGES;
        let mut total: usize = changes.iter().map(|c| c.customers.len()).sum();
        while changes.len() > most_patches || total > most_customers {
            if let Some(c) = changes.pop_front() {
                total -= c.customers.len();
            }
        }
        self.changes = std::sync::Arc::new(changes);
    }

    /// The customer manager (user id) of customer `i`.
    pub fn manager(&self, i: usize) -> Option<i64> {
        let m = self.population.manager[i];
        (m != NO_MANAGER).then(|| self.managers[m as usize])
    }

    /// Moves customer `i` from customer manager `from`'s customers to `to`'s (indices of
    /// `managers`, or `NO_MANAGER`).
    pub(crate) fn move_customer(&mut self, i: usize, from: u32, to: u32) {
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
    pub fn scope_members(&self, scope: app::wire::Scope) -> Option<std::borrow::Cow<'_, [u32]>> {
        use app::wire::Scope;
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
    pub fn in_scope(&self, i: usize, scope: app::wire::Scope) -> bool {
        use app::wire::Scope;
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
