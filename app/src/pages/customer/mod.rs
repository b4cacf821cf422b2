//! One customer: classification, derived measures and the five information groups.

use super::{LoadError, Loading};
use crate::api::{
    change_requests, create_invite, customer_history, edit_customer_field, get_customer,
    request_change,
};
use crate::engine::{BusinessFormat, MarketType};
use crate::i18n::*;
use crate::labels::{
    field_label, field_problem_text, format_label, group_label, level_label, maintenance_label,
    market_label, role_label, tier_label, value_class_label, value_label,
};
use crate::wire::{
    AuditEntry, ChangeRequest, CustomerDetail, EditResult, FIELDS, FieldDef, FieldGroup, FieldKind,
    FieldProblem, LEVELS, RequestResult, RequestStatus,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

mod fields;
mod history;
mod page;
mod service;

pub use fields::*;
pub use history::*;
pub use page::*;
use service::ServicePanels;
