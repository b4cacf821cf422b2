//! The customers' self-service portal. Its pages (`pages`, server only) are rendered on the
//! server and load no wasm; what staff pages share with them (a dispute, a complaint) is here.

#[cfg(feature = "ssr")]
pub mod pages;

use crate::i18n::*;
use crate::labels::{
    band_label, grade_label, key_account_label, labelled, tier_label, value_class_label,
};
use crate::wire::{COMPLAINT_STEPS, Complaint, Dispute, DisputeStatus, MyTierRow};
use leptos::prelude::*;
use leptos_i18n::td_string;

/// "Band 3 · Grade 5 · CVS-U-M …": the tiers in a row, as far as they are shown.
pub fn tiers_text(l: Locale, r: &MyTierRow) -> String {
    let mut parts = Vec::new();
    if let Some(b) = r.band {
        parts.push(band_label(l, b));
    }
    if let Some(g) = r.grade {
        parts.push(grade_label(l, g));
    }
    if let Some(c) = &r.class_code {
        parts.push(c.clone());
    }
    if let Some(v) = &r.value_class {
        parts.push(value_class_label(l, v).to_string());
    }
    if let Some(t) = &r.tier {
        parts.push(tier_label(l, t).to_string());
    }
    if let Some(k) = &r.key_account {
        parts.push(key_account_label(l, k).to_string());
    }
    parts.join(" · ")
}

pub fn dispute_status_label(l: Locale, s: DisputeStatus) -> &'static str {
    match s {
        DisputeStatus::Open => td_string!(l, portal.dispute_open),
        DisputeStatus::Upheld => td_string!(l, portal.dispute_upheld),
        DisputeStatus::Corrected => td_string!(l, portal.dispute_corrected),
    }
}

/// One dispute: what was disputed, why, the answer, and — when the data was corrected — whether
/// the corrected classification is published yet (until then the old one is still shown).
#[component]
pub fn DisputeLine(d: Dispute, l: Locale) -> impl IntoView {
    let corrected = d.status == DisputeStatus::Corrected;
    let badge = match (corrected, d.applied_in) {
        (true, None) => td_string!(l, portal.dispute_corrected_pending),
        _ => dispute_status_label(l, d.status),
    };
    let note = corrected.then(|| match d.applied_in {
        Some(v) => td_string!(l, portal.dispute_applied, version = v).to_string(),
        None => td_string!(l, portal.dispute_pending_note).to_string(),
    });
    view! {
        <li class="request-line" data-testid="dispute-line" data-status=d.status.key() data-applied=d.applied_in.map(|v| v.to_string())>
            <span class=format!("badge badge-{}", d.status.key())>{badge}</span>
            {d.disputed.as_ref().map(|r| view! { <strong>{tiers_text(l, r)}</strong> })}
            <span class="muted small">" · " {d.filed_at.to_string()}</span>
            <p>{d.reason.clone()}</p>
            {d.answer.clone().map(|a| view! {
                <p class="answer" data-testid="dispute-answer"><strong>{labelled(l, td_string!(l, portal.answer))}</strong>{a}</p>
            })}
            {note.map(|n| view! { <p class="muted small" data-testid="dispute-applied">{n}</p> })}
        </li>
    }
}

/// Where a complaint stands as the customer sees it: received, being handled, measures
/// explained, followed up — the staff's handling script (listen, apologise …) stays internal.
pub const COMPLAINT_STAGES: [&str; 4] = ["received", "handling", "explained", "followed_up"];

/// When each of [`COMPLAINT_STAGES`] was reached (`None`: not yet).
pub fn complaint_stages(c: &Complaint) -> [Option<String>; 4] {
    let at = |k: &str| c.step(k).map(|s| s.at.to_string());
    let handling = COMPLAINT_STEPS[..5]
        .iter()
        .filter_map(|k| c.step(k))
        .map(|s| s.at.to_string())
        .min();
    [
        Some(c.filed_at.to_string()),
        handling,
        at("explain"),
        at("follow_up"),
    ]
}

fn stage_label(l: Locale, key: &str) -> &'static str {
    match key {
        "received" => td_string!(l, portal.stage_received),
        "handling" => td_string!(l, portal.stage_handling),
        "explained" => td_string!(l, portal.stage_explained),
        _ => td_string!(l, portal.stage_followed_up),
    }
}

/// A customer's complaint: subject, deadline, how far it has come, the outcome once closed.
#[component]
pub fn ComplaintLine(c: Complaint, l: Locale) -> impl IntoView {
    let stages = complaint_stages(&c);
    let closed = c.status == "closed";
    view! {
        <li class="request-line complaint" id=format!("complaint-{}", c.id) data-testid="complaint-line" data-status=c.status.clone()>
            <span class=format!("badge badge-{}", if closed { "approved" } else { "pending" })>
                {if closed { td_string!(l, portal.closed) } else { td_string!(l, portal.open) }}
            </span>
            {c.overdue.then(|| view! { <span class="badge badge-rejected" data-testid="overdue">{td_string!(l, portal.overdue)}</span> })}
            <strong>{c.subject.clone()}</strong>
            <span class="muted small">" · " {c.filed_at.to_string()}</span>
            <p class="small" data-testid="complaint-due">{td_string!(l, portal.due, due = c.due_at.to_string())}</p>
            {(!c.description.is_empty()).then(|| view! { <p>{c.description.clone()}</p> })}
            <ol class="steps" aria-label=td_string!(l, portal.progress)>
                {COMPLAINT_STAGES.into_iter().zip(stages).map(|(k, at)| {
                    let is_done = at.is_some();
                    view! {
                        <li class:done=is_done data-stage=k>
                            {stage_label(l, k)}
                            {at.map(|a| view! { <span class="muted small">" · " {a}</span> })}
                        </li>
                    }
                }).collect_view()}
            </ol>
            {(closed && !c.resolution.is_empty()).then(|| view! {
                <p data-testid="complaint-outcome"><strong>{labelled(l, td_string!(l, portal.resolution))}</strong>{c.resolution.clone()}</p>
            })}
        </li>
    }
}

pub fn step_label(l: Locale, key: &str) -> &'static str {
    match key {
        "listen" => td_string!(l, portal.step_listen),
        "accept" => td_string!(l, portal.step_accept),
        "apologise" => td_string!(l, portal.step_apologise),
        "learn_need" => td_string!(l, portal.step_learn_need),
        "find_solution" => td_string!(l, portal.step_find_solution),
        "explain" => td_string!(l, portal.step_explain),
        _ => td_string!(l, portal.step_follow_up),
    }
}
