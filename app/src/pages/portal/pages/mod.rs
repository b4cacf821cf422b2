//! The customers' self-service portal's pages: my tier and why, my profile and requests, my customer
//! manager, visits and complaints — and the invite page that opens an account.
//!
//! These pages are rendered on the server and load no wasm (see `app::script_free`): a shop
//! owner's cheap phone on a slow line gets HTML and CSS only. Every action is a plain HTML form
//! posted to the server (`server/src/http/portal_forms.rs`), answered with a redirect back here
//! carrying `done=…` or `error=…`; browser validation (`required`, `maxlength`) catches most
//! mistakes before sending.

use super::super::customer::status_label;
use super::super::{LoadError, Loading};
use super::{ComplaintLine, DisputeLine, tiers_text};
use crate::api::{get_my_profile, get_my_service, get_my_tiers};
use crate::chart::band_history_svg;
use crate::i18n::*;
use crate::labels::{
    field_label, field_problem_text, format_label, key_account_label, market_label, scale_label,
    tier_label, value_class_label, value_label,
};
use crate::why::{reasons, volume_chart};
use crate::wire::{
    Dispute, FieldProblem, MAX_COMMENT_CHARS, MAX_COMPLAINT_CHARS, MAX_REASON_CHARS,
    MAX_SUBJECT_CHARS, MyTiers, MyVisit,
};
use leptos::prelude::*;
use leptos_i18n::td_string;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

mod invite;
mod profile;
mod service;
mod tiers;

pub use invite::*;
pub use profile::*;
pub use service::*;
pub use tiers::*;
