//! The what-if lab: a manager edits a draft of the policy and every change re-runs the engine in
//! the browser over the whole customer snapshot — counts before/after, the band transition heat
//! map, who moves and why, quota, visit workload and the satisfaction gap — then publishes.
//!
//! `logic` is the lab without any UI (pure, tested natively); the page, the drafts, the editor
//! with its number fields and the results are the rest.
//!
//! Data flows one way: `/api/snapshot` (facts) → draft policy → `logic::run` (engine) → views.

use crate::api::{
    customer_labels, delete_draft, duplicate_policy, list_policies, load_policy, preview_policy,
    publish_policy, rename_draft, save_draft,
};
use crate::chart::{MUTED, PRIMARY, Series, bar_chart_svg, grouped_bar_chart_svg};
use crate::components::{LoadError, Loading};
use crate::engine::batch::{Outcomes, Summary, classify_all};
use crate::engine::fixed::ParseFixedError;
use crate::engine::policy::{BandMode, EXPECTATION_DRIVERS, EXPERIENCE_MEASURES};
use crate::engine::{BANDS, BusinessFormat, Fixed, MarketType, Policy, PolicyIssue, Problem, Tier};
use crate::i18n::*;
use crate::labels::{band_label, format_label, market_label, tier_label};
use crate::wire::{CustomerLabel, DraftResult, PolicyInfo, Publication, Snapshot};
use leptos::prelude::*;
use leptos_i18n::td_string;
use leptos_meta::Title;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

mod drafts;
mod editor;
pub mod logic;
mod num;
mod page;
mod results;

pub use logic::*;
pub use page::LabPage;

use drafts::*;
use editor::*;
use num::*;
use page::*;
use results::*;
