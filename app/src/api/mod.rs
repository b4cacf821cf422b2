//! Server functions, by area: thin wrappers that validate, call the storage port and map errors.
//! Storage itself lives in the `server` crate behind the [`ssr::Store`] traits, provided through
//! Leptos context, so this crate never depends on sqlx.

use crate::wire::{
    ApiError, AuditEntry, AuditPage, CalendarChange, CalendarProblem, ChangeRequest, Complaint,
    ComplaintAction, ComplaintFilter, ComplaintPage, ComplaintResult, CustomerDetail,
    CustomerLabel, CustomerPage, CustomerQuery, CustomerService, Dashboard, Dispute, DraftResult,
    EditResult, FilterOptions, GapReport, Invite, Kpis, Me, MyProfile, MyService, MyTiers,
    NewVisit, PolicyInfo, PolicyPreview, Publication, ReportDraft, ReportKind, ReportList,
    ReportSave, ReportSaved, RequestResult, ReviewResult, ServiceCalendar, VisitEntry, VisitPlan,
    VisitProblem,
};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub mod ssr;

mod archive;
mod policies;
mod portal;
mod work;

pub use archive::*;
pub use policies::*;
pub use portal::*;
pub use work::*;
