//! Why a customer has their tiers and what would move them up, in plain words — what the shop
//! owner reads on `/my` and their customer manager on the customer page — and the chart of
//! cartons bought against the band lines.

use crate::chart::{ACCENT, MUTED, Mark, bar_chart_with_marks_svg};
use crate::i18n::*;
use crate::labels::{
    format_label, key_account_label, market_label, scale_label, score_text, tier_label,
    value_class_label,
};
use crate::wire::MyTiers;
use kehu_engine::classify::Step;
use kehu_engine::{Cases, Cents, KeyAccountTier, Tier, ValueClass};
use leptos_i18n::td_string;

/// What is still needed for a step, rounded up to one decimal so the sentence is true: when the
/// boundary itself is not enough (`strictly_more`), a tenth more.
pub fn more_cases(step: &Step<Cases>) -> String {
    let raw = step.needed.raw().max(0);
    let tenths = if step.strictly_more {
        raw / 100 + 1
    } else {
        (raw + 99) / 100
    };
    Cases::from_raw(tenths * 100).to_string()
}

pub fn range_text(l: Locale, lower: Option<Cases>, upper: Option<Cases>) -> String {
    match (lower, upper) {
        (Some(lo), Some(hi)) => td_string!(
            l,
            portal.range_between,
            lo = lo.to_string(),
            hi = hi.to_string()
        )
        .to_string(),
        (Some(lo), None) => td_string!(l, portal.range_above, lo = lo.to_string()).to_string(),
        (None, Some(hi)) => td_string!(l, portal.range_up_to, hi = hi.to_string()).to_string(),
        (None, None) => String::new(),
    }
}

/// Reasons and next steps in plain words, for the tiers the customer sees.
pub struct Why {
    pub reasons: Vec<(&'static str, String)>,
    pub steps: Vec<(&'static str, String)>,
}

pub fn reasons(l: Locale, t: &MyTiers) -> Why {
    let mut reasons = Vec::new();
    let mut steps = Vec::new();
    if let Some(b) = &t.band {
        reasons.push((
            "band",
            td_string!(
                l,
                portal.why_band,
                volume = b.volume.to_string(),
                months = t.window_months,
                band = b.band,
                range = range_text(l, b.lower, b.upper)
            )
            .to_string(),
        ));
        steps.push((
            "band",
            match &b.next {
                Some(s) => {
                    td_string!(l, portal.up_band, more = more_cases(s), to = s.to).to_string()
                }
                None => td_string!(l, portal.top_band).to_string(),
            },
        ));
    }
    if let Some(g) = &t.grade {
        reasons.push((
            "grade",
            match g.price {
                Some(p) => td_string!(
                    l,
                    portal.why_grade,
                    grade = g.grade,
                    band = g.band,
                    price = p.to_string(),
                    pc = g.price_class
                )
                .to_string(),
                None => td_string!(l, portal.why_grade_no_price, grade = g.grade, band = g.band)
                    .to_string(),
            },
        ));
        if let Some(s) = &g.via_volume {
            steps.push((
                "grade-volume",
                td_string!(l, portal.up_grade_volume, more = more_cases(s), to = s.to).to_string(),
            ));
        }
        if let Some(s) = &g.via_price {
            steps.push((
                "grade-price",
                td_string!(
                    l,
                    portal.up_grade_price,
                    boundary = s.boundary.to_string(),
                    more = s.needed.max(Cents::ZERO).to_string(),
                    to = s.to
                )
                .to_string(),
            ));
        }
        if g.grade == 1 {
            steps.push(("grade", td_string!(l, portal.top_grade).to_string()));
        }
        let count = kehu_engine::GRADES;
        if usize::from(g.grade) == count {
            reasons.push((
                "grade-lowest",
                td_string!(l, portal.grade_lowest, n = g.grade, count = count).to_string(),
            ));
        }
    }
    if let Some(c) = &t.class {
        let k = c.class;
        reasons.push((
            "class",
            td_string!(
                l,
                portal.why_class,
                format = format_label(l, k.format.key()),
                market = market_label(l, k.market.key()),
                scale = scale_label(l, k.scale.key()),
                area = c.area.to_string(),
                medium = c.medium_min.to_string(),
                large = c.large_min.to_string()
            )
            .to_string(),
        ));
        // No advice to enlarge the shop: the scale describes the shop, it is not a target.
    }
    if let Some(v) = &t.value {
        reasons.push((
            "value",
            td_string!(
                l,
                portal.why_value,
                score = score_text(v.score),
                class = value_class_label(l, v.class.key())
            )
            .to_string(),
        ));
        if let Some(s) = &v.next {
            let class = ValueClass::from_index(usize::from(s.to))
                .map_or("", |c| value_class_label(l, c.key()));
            steps.push((
                "value",
                td_string!(
                    l,
                    portal.up_value,
                    more = score_text(s.needed),
                    class = class
                )
                .to_string(),
            ));
        }
    }
    if let Some(w) = &t.tier {
        if w.red_flags.any() {
            reasons.push((
                "tier",
                td_string!(l, portal.why_tier_held, tier = tier_label(l, w.tier.key())).to_string(),
            ));
        } else {
            reasons.push((
                "tier",
                td_string!(l, portal.why_tier, tier = tier_label(l, w.tier.key())).to_string(),
            ));
        }
        if let Some(s) = &w.next {
            let tier = Tier::from_index(usize::from(s.to)).map_or("", |x| tier_label(l, x.key()));
            steps.push((
                "tier",
                td_string!(l, portal.up_tier, more = score_text(s.needed), tier = tier).to_string(),
            ));
        }
    }
    if let Some(k) = t.key_account.as_ref().filter(|k| k.enabled) {
        reasons.push((
            "key-account",
            td_string!(
                l,
                portal.why_key,
                amount = k.monthly_amount.to_string(),
                tier = key_account_label(l, k.tier.key())
            )
            .to_string(),
        ));
        if let Some(s) = &k.next {
            let tier = KeyAccountTier::from_index(usize::from(s.to))
                .map_or("", |x| key_account_label(l, x.key()));
            steps.push((
                "key-account",
                td_string!(
                    l,
                    portal.up_key,
                    more = s.needed.max(Cents::ZERO).to_string(),
                    tier = tier
                )
                .to_string(),
            ));
        }
    }
    Why { reasons, steps }
}

/// Cartons per month with the lines where the current band starts and the next one begins
/// (the band is the window's monthly average in cases; a line at the boundary in cartons shows
/// the owner how far their usual order is from it).
pub fn volume_chart(l: Locale, t: &MyTiers) -> String {
    let labels: Vec<String> = t
        .monthly_cartons
        .iter()
        .map(|(m, _)| m.get(5..).unwrap_or(m).to_string())
        .collect();
    let values: Vec<u32> = t
        .monthly_cartons
        .iter()
        .map(|(_, c)| u32::try_from(*c).unwrap_or(0))
        .collect();
    let cartons = |c: Cases| {
        u32::try_from(c.raw().max(0) * i64::from(t.cartons_per_case) / 1000).unwrap_or(u32::MAX)
    };
    let mut lines = Vec::new();
    if let Some(b) = &t.band {
        if let Some(s) = &b.next {
            lines.push((
                cartons(s.boundary),
                td_string!(
                    l,
                    portal.mark_next,
                    band = s.to,
                    cartons = cartons(s.boundary)
                )
                .to_string(),
                ACCENT,
            ));
        }
        if let Some(lo) = b.lower {
            lines.push((
                cartons(lo),
                td_string!(l, portal.mark_now, band = b.band, cartons = cartons(lo)).to_string(),
                MUTED,
            ));
        }
    }
    let marks: Vec<Mark> = lines
        .iter()
        .map(|(v, text, color)| Mark {
            value: *v,
            label: text,
            color: *color,
        })
        .collect();
    bar_chart_with_marks_svg(
        &labels,
        &values,
        &marks,
        td_string!(l, portal.month),
        td_string!(l, portal.cartons),
        (340, 240),
    )
}
