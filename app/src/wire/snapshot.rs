//! The what-if lab's snapshot: every customer's engine facts, column-wise, and its compact codec.

use super::*;

/// What the what-if lab needs of every customer in scope: the engine's facts column-wise, as the
/// published policy derived them, plus the route of each customer and the names behind the
/// manager and route indices. Sent as postcard (binary), compressed, with an ETag. Names,
/// contacts and other archive fields never enter it; the movers table asks for the labels of
/// the rows it shows ([`CustomerLabel`]).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The published policy (JSON) whose window and carton size the facts were derived under.
    pub policy_json: String,
    pub policy: Option<PolicyRef>,
    /// Latest purchase month in the data (`YYYY-MM`).
    pub latest_month: Option<String>,
    /// Customer ids in ascending order, as differences from the previous id (they compress to
    /// almost nothing).
    pub id_deltas: Vec<u32>,
    /// Route of each customer: index into `routes`, or `u16::MAX` for none.
    pub route: Vec<u16>,
    pub routes: Vec<String>,
    /// Customer-manager names; `population.manager` indexes this list.
    pub managers: Vec<String>,
    /// The customer manager of each route (index into `managers`, or `NO_MANAGER`): a packed
    /// snapshot sends the manager column as zeros and the receiver derives it from the route.
    pub route_manager: Vec<u32>,
    pub population: kehu_engine::Population,
}

/// What changed in a [`Snapshot`] since the version a browser holds: the customers whose facts
/// or route changed (by index) with their new rows, the customers added since (at the end, ids
/// only grow: their indices come last in `at`, their ids in `added`), and what is not per
/// customer — the published policy and the names — when it differs from the browser's. When
/// customers were removed the whole snapshot is sent instead.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SnapshotDelta {
    pub latest_month: Option<String>,
    /// The published policy and the routes' and customer managers' names, when they differ
    /// from the browser's (it sends their [`names_digest`]).
    pub names: Option<Names>,
    /// Indices of the changed and added customers, ascending.
    pub at: Vec<u32>,
    /// Their routes (see [`Snapshot::route`]).
    pub route: Vec<u16>,
    /// Their facts, unpacked (see [`kehu_engine::Population::rows`]).
    pub rows: kehu_engine::Population,
    /// The ids of the customers added, in order: the last `added.len()` of `at`.
    pub added: Vec<i64>,
}

/// What a snapshot holds besides its customers: the published policy and the names behind
/// its route and manager indices.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Names {
    pub policy_json: String,
    pub policy: Option<PolicyRef>,
    pub routes: Vec<String>,
    pub managers: Vec<String>,
    pub route_manager: Vec<u32>,
}

impl Names {
    /// A digest of the names (FNV-1a over their encoding): the browser sends its own, and a
    /// delta carries them only when they changed.
    pub fn digest(&self) -> u64 {
        let bytes = postcard::to_allocvec(self).unwrap_or_default();
        bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    }
}

impl SnapshotDelta {
    pub fn to_bytes(&self) -> Vec<u8> {
        postcard::to_allocvec(self).unwrap_or_default()
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        postcard::from_bytes(bytes).map_err(|e| e.to_string())
    }
}

/// The headers naming what `/api/snapshot` answered: its version (to send back as `since`) and
/// whether the body is the whole snapshot or a delta.
pub const SNAPSHOT_VERSION_HEADER: &str = "x-kehu-version";
pub const SNAPSHOT_KIND_HEADER: &str = "x-kehu-snapshot";

impl Snapshot {
    pub const NO_ROUTE: u16 = u16::MAX;

    /// What this snapshot holds besides its customers.
    pub fn names(&self) -> Names {
        Names {
            policy_json: self.policy_json.clone(),
            policy: self.policy.clone(),
            routes: self.routes.clone(),
            managers: self.managers.clone(),
            route_manager: self.route_manager.clone(),
        }
    }

    /// The [`Names::digest`] of this snapshot's names.
    pub fn names_digest(&self) -> u64 {
        self.names().digest()
    }

    /// Brings this (unpacked) snapshot up to date with `d`. Refused, changing nothing, when the
    /// delta does not fit (another population, ragged columns, customers added out of order).
    pub fn apply(&mut self, d: SnapshotDelta) -> Result<(), String> {
        if d.route.len() != d.at.len() {
            return Err(format!(
                "{} routes for {} customers",
                d.route.len(),
                d.at.len()
            ));
        }
        d.rows.check()?;
        if d.rows.len() != d.at.len() {
            return Err(format!(
                "{} rows for {} customers",
                d.rows.len(),
                d.at.len()
            ));
        }
        let n = self.population.len();
        let k = d.added.len();
        let Some(kept) = d.at.len().checked_sub(k) else {
            return Err(format!("{k} customers added of {} sent", d.at.len()));
        };
        let added_at = n as u64..(n + k) as u64;
        if !d.at[kept..].iter().map(|&i| u64::from(i)).eq(added_at) {
            return Err(format!(
                "customers added at other places than after the {n}"
            ));
        }
        let mut last = self.ids().last().copied().unwrap_or(0);
        let mut id_deltas = Vec::with_capacity(k);
        for &id in &d.added {
            if id <= last || id - last > i64::from(u32::MAX) {
                return Err(format!("customer {id} added after {last}"));
            }
            id_deltas.push((id - last) as u32);
            last = id;
        }
        let mut new_rows = d
            .rows
            .rows(&(kept as u32..d.at.len() as u32).collect::<Vec<_>>());
        if self.population.demonstration.len() != n {
            new_rows.demonstration.clear();
        } else if new_rows.demonstration.len() != k {
            return Err("customers added without their demonstration flag".into());
        }
        let changed = d.rows.rows(&(0..kept as u32).collect::<Vec<_>>());
        self.population.set_rows(&d.at[..kept], &changed)?;
        self.population.extend_with(&mut new_rows);
        for (&i, &r) in d.at[..kept].iter().zip(&d.route) {
            self.route[i as usize] = r;
        }
        self.route.extend_from_slice(&d.route[kept..]);
        self.id_deltas.extend(id_deltas);
        self.latest_month = d.latest_month;
        if let Some(n) = d.names {
            self.policy_json = n.policy_json;
            self.policy = n.policy;
            self.routes = n.routes;
            self.managers = n.managers;
            self.route_manager = n.route_manager;
        }
        Ok(())
    }

    /// In a packed snapshot, a previous band or tier equal to what the published policy gives
    /// the customer's facts now (most customers): the receiver recomputes it.
    pub const SAME_AS_PUBLISHED: u8 = u8::MAX;

    /// Makes the snapshot smaller on the wire without losing anything: the manager column
    /// becomes zeros when every customer's manager is their route's (it always is: managers come
    /// from routes), and previous bands and tiers equal to the published policy's own result on
    /// today's facts become [`Self::SAME_AS_PUBLISHED`]. [`Self::unpack`] restores both.
    pub fn pack(&mut self) {
        let n = self.population.len();
        if let Ok(policy) = serde_json::from_str::<kehu_engine::Policy>(&self.policy_json)
            && policy.validate().is_empty()
        {
            let mut out = kehu_engine::batch::Outcomes::default();
            kehu_engine::batch::classify_all(
                &policy,
                &self.population,
                self.managers.len(),
                &mut out,
            );
            for i in 0..n {
                if self.population.prev_band[i] == out.band[i] {
                    self.population.prev_band[i] = Self::SAME_AS_PUBLISHED;
                }
                if self.population.prev_tier[i] == out.tier[i] + 1 {
                    self.population.prev_tier[i] = Self::SAME_AS_PUBLISHED;
                }
            }
        }
        let derivable = self.routes.len() < usize::from(Self::NO_ROUTE)
            && (0..n).all(|i| self.manager_of_route(self.route[i]) == self.population.manager[i]);
        if derivable {
            self.population.manager = vec![0; n];
        } else {
            self.route_manager.clear();
        }
    }

    pub(crate) fn manager_of_route(&self, route: u16) -> u32 {
        self.route_manager
            .get(usize::from(route))
            .copied()
            .unwrap_or(kehu_engine::batch::NO_MANAGER)
    }

    /// Undoes [`Self::pack`].
    pub fn unpack(&mut self) {
        let n = self.population.len();
        if !self.route_manager.is_empty() {
            self.population.manager = (0..n)
                .map(|i| self.manager_of_route(self.route[i]))
                .collect();
        }
        let packed = |v: &[u8]| v.contains(&Self::SAME_AS_PUBLISHED);
        if !packed(&self.population.prev_band) && !packed(&self.population.prev_tier) {
            return;
        }
        // The engine takes valid policies only (a snapshot from elsewhere may carry anything).
        let Ok(policy) = serde_json::from_str::<kehu_engine::Policy>(&self.policy_json) else {
            return;
        };
        if !policy.validate().is_empty() {
            return;
        }
        let mut out = kehu_engine::batch::Outcomes::default();
        kehu_engine::batch::classify_all(&policy, &self.population, self.managers.len(), &mut out);
        for i in 0..n {
            if self.population.prev_band[i] == Self::SAME_AS_PUBLISHED {
                self.population.prev_band[i] = out.band[i];
            }
            if self.population.prev_tier[i] == Self::SAME_AS_PUBLISHED {
                self.population.prev_tier[i] = out.tier[i] + 1;
            }
        }
    }

    /// The customer ids, rebuilt from their differences.
    pub fn ids(&self) -> Vec<i64> {
        let mut id = 0i64;
        self.id_deltas
            .iter()
            .map(|&d| {
                id += i64::from(d);
                id
            })
            .collect()
    }

    /// Encodes for the wire.
    pub fn to_bytes(&self) -> Vec<u8> {
        postcard::to_allocvec(self).unwrap_or_default()
    }

    /// Decodes from the wire and checks that every column has one entry per customer.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        let mut s: Self = postcard::from_bytes(bytes).map_err(|e| e.to_string())?;
        s.population.check()?;
        let n = s.population.len();
        if s.id_deltas.len() != n || s.route.len() != n {
            return Err(format!(
                "snapshot has {n} customers but {} ids and {} routes",
                s.id_deltas.len(),
                s.route.len()
            ));
        }
        s.unpack();
        Ok(s)
    }
}
