//! Localised labels for values that arrive as keys at run time (formats, tiers, fields, …).
//! Every text still comes from the locale files; these only map a key to its message.

use crate::i18n::*;
use crate::wire::{FIELDS, FieldGroup, FieldKind, FieldProblem, Maintenance, Role};
use leptos_i18n::td_string;

/// Label of an archive field (see `wire::FIELDS`).
pub fn field_label(l: Locale, key: &str) -> &'static str {
    match key {
        "code" => td_string!(l, fields.code),
        "shop_name" => td_string!(l, fields.shop_name),
        "licence_no" => td_string!(l, fields.licence_no),
        "legal_rep" => td_string!(l, fields.legal_rep),
        "settlement_method" => td_string!(l, fields.settlement_method),
        "order_cycle" => td_string!(l, fields.order_cycle),
        "delivery_cycle" => td_string!(l, fields.delivery_cycle),
        "business_nature" => td_string!(l, fields.business_nature),
        "registered_capital" => td_string!(l, fields.registered_capital),
        "display_form" => td_string!(l, fields.display_form),
        "district" => td_string!(l, fields.district),
        "business_area_m2" => td_string!(l, fields.business_area_m2),
        "business_format" => td_string!(l, fields.business_format),
        "market_type" => td_string!(l, fields.market_type),
        "route" => td_string!(l, fields.route),
        "customer_manager" => td_string!(l, fields.customer_manager),
        "phone_clerk" => td_string!(l, fields.phone_clerk),
        "delivery_person" => td_string!(l, fields.delivery_person),
        "delivery_segment" => td_string!(l, fields.delivery_segment),
        "order_batch" => td_string!(l, fields.order_batch),
        "visit_batch" => td_string!(l, fields.visit_batch),
        "order_frequency" => td_string!(l, fields.order_frequency),
        "outlet_scale" => td_string!(l, fields.outlet_scale),
        "monopoly_licence_no" => td_string!(l, fields.monopoly_licence_no),
        "licence_type" => td_string!(l, fields.licence_type),
        "compliance_record" => td_string!(l, fields.compliance_record),
        "issuing_bureau" => td_string!(l, fields.issuing_bureau),
        "licence_officer" => td_string!(l, fields.licence_officer),
        "classification" => td_string!(l, fields.classification),
        "integrity_level" => td_string!(l, fields.integrity_level),
        "monitored" => td_string!(l, fields.monitored),
        "demonstration" => td_string!(l, fields.demonstration),
        "licence_issue_date" => td_string!(l, fields.licence_issue_date),
        "licence_expiry_date" => td_string!(l, fields.licence_expiry_date),
        "annual_review_date" => td_string!(l, fields.annual_review_date),
        "operating_status" => td_string!(l, fields.operating_status),
        "cooperation" => td_string!(l, fields.cooperation),
        "business_characteristics" => td_string!(l, fields.business_characteristics),
        "trade_area" => td_string!(l, fields.trade_area),
        "contact_person" => td_string!(l, fields.contact_person),
        "phone" => td_string!(l, fields.phone),
        "address" => td_string!(l, fields.address),
        "mailing_address" => td_string!(l, fields.mailing_address),
        _ => "",
    }
}
/// Label of a business format key.
pub fn format_label(l: Locale, key: &str) -> &'static str {
    match key {
        "grocery" => td_string!(l, formats.grocery),
        "convenience" => td_string!(l, formats.convenience),
        "supermarket" => td_string!(l, formats.supermarket),
        "department_store" => td_string!(l, formats.department_store),
        "tobacco_liquor" => td_string!(l, formats.tobacco_liquor),
        "entertainment" => td_string!(l, formats.entertainment),
        "other" => td_string!(l, formats.other),
        _ => "",
    }
}
/// Label of a market type key.
pub fn market_label(l: Locale, key: &str) -> &'static str {
    match key {
        "urban" => td_string!(l, markets.urban),
        "rural" => td_string!(l, markets.rural),
        _ => "",
    }
}
/// Label of a scale key.
pub fn scale_label(l: Locale, key: &str) -> &'static str {
    match key {
        "large" => td_string!(l, scales.large),
        "medium" => td_string!(l, scales.medium),
        "small" => td_string!(l, scales.small),
        _ => "",
    }
}
/// Label of a working tier key.
pub fn tier_label(l: Locale, key: &str) -> &'static str {
    match key {
        "core" => td_string!(l, tiers.core),
        "general" => td_string!(l, tiers.general),
        "problem" => td_string!(l, tiers.problem),
        _ => "",
    }
}
/// Label of a value class key.
pub fn value_class_label(l: Locale, key: &str) -> &'static str {
    match key {
        "value" => td_string!(l, value_classes.value),
        "secondary" => td_string!(l, value_classes.secondary),
        "potential" => td_string!(l, value_classes.potential),
        "low" => td_string!(l, value_classes.low),
        _ => "",
    }
}

pub fn group_label(l: Locale, g: FieldGroup) -> &'static str {
    match g {
        FieldGroup::Basic => td_string!(l, groups.basic),
        FieldGroup::Network => td_string!(l, groups.network),
        FieldGroup::Management => td_string!(l, groups.management),
        FieldGroup::Business => td_string!(l, groups.business),
        FieldGroup::Personal => td_string!(l, groups.personal),
    }
}

pub fn maintenance_label(l: Locale, m: Maintenance) -> &'static str {
    match m {
        Maintenance::Static => td_string!(l, maintenance.static_class),
        Maintenance::Dynamic => td_string!(l, maintenance.dynamic_class),
        Maintenance::Computed => td_string!(l, maintenance.computed_class),
    }
}

pub fn role_label(l: Locale, r: Option<Role>) -> &'static str {
    match r {
        Some(Role::Admin) => td_string!(l, roles.admin),
        Some(Role::Manager) => td_string!(l, roles.manager),
        Some(Role::CustomerManager) => td_string!(l, roles.customer_manager),
        Some(Role::LicenceOfficer) => td_string!(l, roles.licence_officer),
        Some(Role::Customer) => td_string!(l, roles.customer),
        None => td_string!(l, roles.system),
    }
}

/// "Band 3" / "3 档".
pub fn band_label(l: Locale, n: u8) -> String {
    td_string!(l, band_n, n = n).to_string()
}

/// "Grade 4" / "4 级".
pub fn grade_label(l: Locale, n: u8) -> String {
    td_string!(l, grade_n, n = n).to_string()
}

/// "Answer：" / "Answer: ": a label before its value, with the locale's colon.
pub fn labelled(l: Locale, label: &str) -> String {
    td_string!(l, common.labelled, label = label).to_string()
}

/// A field's stored value in words: a choice by its name, a flag as yes/no, high/medium/low in
/// words, anything else as stored; "—" when empty.
pub fn value_label(l: Locale, kind: FieldKind, v: &str) -> String {
    if v.is_empty() {
        return "—".into();
    }
    match kind {
        FieldKind::Format => format_label(l, v).to_string(),
        FieldKind::Market => market_label(l, v).to_string(),
        FieldKind::Level => level_label(l, v),
        FieldKind::Flag => {
            if v == "1" || v == "true" {
                td_string!(l, common.yes).to_string()
            } else {
                td_string!(l, common.no).to_string()
            }
        }
        _ => v.to_string(),
    }
}

/// Both languages, for reading what either wrote (a file exported in words).
const LOCALES: [Locale; 2] = [Locale::zh, Locale::en];

/// The field a column header names: its key, or its name in either language (as an export in
/// words writes it).
pub fn field_key_for_header(header: &str) -> Option<&'static str> {
    let h = header.trim();
    FIELDS
        .iter()
        .find(|f| f.key == h || LOCALES.iter().any(|l| field_label(*l, f.key) == h))
        .map(|f| f.key)
}

/// An import's column in words: a field's name, or a purchases file's column; the key itself
/// when it is neither.
pub fn column_label(l: Locale, key: &str) -> String {
    let name = match key {
        "customer_code" => td_string!(l, import.col_customer_code),
        "month" => td_string!(l, import.col_month),
        "cartons" => td_string!(l, import.col_cartons),
        "amount_yuan" => td_string!(l, import.col_amount_yuan),
        "requested_cartons" => td_string!(l, import.col_requested_cartons),
        "deliveries" => td_string!(l, import.col_deliveries),
        "late_deliveries" => td_string!(l, import.col_late_deliveries),
        _ => field_label(l, key),
    };
    if name.is_empty() {
        key.to_string()
    } else {
        name.to_string()
    }
}

/// The purchases column a header names: its key, or its name in either language.
pub fn purchase_key_for_header(header: &str) -> Option<&'static str> {
    let h = header.trim();
    crate::wire::PURCHASE_COLUMNS
        .into_iter()
        .find(|k| *k == h || LOCALES.iter().any(|l| column_label(*l, k) == h))
}

/// A choice written by its name in either language (便利店, Urban), as its key.
pub fn choice_key(kind: FieldKind, text: &str) -> Option<&'static str> {
    let t = text.trim();
    let named = |key: &'static str, label: fn(Locale, &str) -> &'static str| {
        LOCALES.iter().any(|l| label(*l, key) == t).then_some(key)
    };
    match kind {
        FieldKind::Format => kehu_engine::BusinessFormat::ALL
            .iter()
            .find_map(|f| named(f.key(), format_label)),
        FieldKind::Market => kehu_engine::MarketType::ALL
            .iter()
            .find_map(|m| named(m.key(), market_label)),
        _ => None,
    }
}

/// A high / medium / low value in words (高 / 中 / 低); anything else as it is stored.
pub fn level_label(l: Locale, v: &str) -> String {
    match v {
        "high" => td_string!(l, common.level_high).to_string(),
        "medium" => td_string!(l, common.level_medium).to_string(),
        "low" => td_string!(l, common.level_low).to_string(),
        other => other.to_string(),
    }
}

/// An audit line's action (`field.edit`, `policy.publish` …) in words; an action this build does
/// not know is shown as it is stored.
pub fn action_label(l: Locale, action: &str) -> String {
    let known = match action {
        "field.edit" => td_string!(l, edit.action_edit),
        "request.file" => td_string!(l, edit.action_request),
        "request.approve" => td_string!(l, edit.action_approve),
        "request.reject" => td_string!(l, edit.action_reject),
        "policy.publish" => td_string!(l, edit.action_policy_publish),
        "import.customers" => td_string!(l, edit.action_import_customers),
        "import.purchases" => td_string!(l, edit.action_import_purchases),
        "user.login" => td_string!(l, edit.action_user_login),
        "user.password" => td_string!(l, edit.action_user_password),
        "user.invite" => td_string!(l, edit.action_user_invite),
        "user.invite_used" => td_string!(l, edit.action_user_invite_used),
        "visit.log" => td_string!(l, edit.action_visit_log),
        "complaint.file" => td_string!(l, edit.action_complaint_file),
        "complaint.update" => td_string!(l, edit.action_complaint_update),
        "dispute.file" => td_string!(l, edit.action_dispute_file),
        "dispute.answer" => td_string!(l, edit.action_dispute_answer),
        "calendar.set" => td_string!(l, edit.action_calendar_set),
        "calendar.import" => td_string!(l, edit.action_calendar_import),
        "settings.zone" => td_string!(l, edit.action_settings_zone),
        _ => return action.to_string(),
    };
    known.to_string()
}

/// The message shown at a field for a refused value (the field itself is named by its label).
pub fn field_problem_text(l: Locale, p: &FieldProblem) -> String {
    match p {
        FieldProblem::Required { .. } => td_string!(l, edit.problem_required).to_string(),
        FieldProblem::TooLong { max, .. } => {
            td_string!(l, edit.problem_too_long, max = *max).to_string()
        }
        FieldProblem::NotAWholeNumber { .. } => {
            td_string!(l, edit.problem_whole_number).to_string()
        }
        FieldProblem::NotANumber { max, .. } => {
            td_string!(l, edit.problem_number, max = *max).to_string()
        }
        FieldProblem::NotADate { .. } => td_string!(l, edit.problem_date).to_string(),
        FieldProblem::NotAFlag { .. } => td_string!(l, edit.problem_flag).to_string(),
        FieldProblem::NotAChoice { .. } => td_string!(l, edit.problem_choice).to_string(),
        FieldProblem::Computed { .. } => td_string!(l, edit.problem_computed).to_string(),
        FieldProblem::Taken { .. } => td_string!(l, edit.problem_taken).to_string(),
    }
}

/// A value score as tables and the portal show it, to two decimals.
pub fn score_text(s: kehu_engine::Score) -> String {
    s.rescale::<2>().to_string()
}

/// A key-account tier in words (特级, A 级 …; 非大客户 for none).
pub fn key_account_label(l: Locale, key: &str) -> &'static str {
    match kehu_engine::KeyAccountTier::from_key(key) {
        Some(kehu_engine::KeyAccountTier::Special) => td_string!(l, portal.ka_special),
        Some(kehu_engine::KeyAccountTier::A) => td_string!(l, portal.ka_a),
        Some(kehu_engine::KeyAccountTier::B) => td_string!(l, portal.ka_b),
        Some(kehu_engine::KeyAccountTier::C) => td_string!(l, portal.ka_c),
        _ => td_string!(l, portal.ka_none),
    }
}
