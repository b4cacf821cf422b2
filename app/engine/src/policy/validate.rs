//! Reading a policy file and validating every rule, each problem named by its field path.

use super::*;

impl Policy {
    /// Reads a policy JSON file and validates it. Parse errors name the line and column.
    pub fn from_json(text: &str) -> Result<Self, Vec<PolicyIssue>> {
        let p: Self = serde_json::from_str(text).map_err(|e| {
            vec![PolicyIssue {
                path: format!("line {}, column {}", e.line(), e.column()),
                problem: Problem::Syntax {
                    message: e.to_string(),
                },
            }]
        })?;
        let issues = p.validate();
        if issues.is_empty() {
            Ok(p)
        } else {
            Err(issues)
        }
    }

    /// Every problem of the policy; empty when it can be used.
    pub fn validate(&self) -> Vec<PolicyIssue> {
        let mut v = Validator::default();
        if self.format != FORMAT {
            v.push("format", Problem::UnsupportedFormat { found: self.format });
        }
        if self.name.trim().is_empty() {
            v.push("name", Problem::Empty);
        } else if self.name.chars().count() > MAX_NAME_CHARS {
            v.push(
                "name",
                Problem::TooLong {
                    max: MAX_NAME_CHARS,
                },
            );
        }
        v.int_range(
            "assessment_window_months",
            i64::from(self.assessment_window_months),
            1,
            12,
        );
        v.int_range(
            "cartons_per_case",
            i64::from(self.cartons_per_case),
            1,
            1000,
        );

        if v.len(
            "scale.per_format",
            self.scale.per_format.len(),
            BusinessFormat::COUNT,
        ) {
            for (i, t) in self.scale.per_format.iter().enumerate() {
                let p = format!("scale.per_format[{i}]");
                v.range(
                    &format!("{p}.large_min_area_m2"),
                    t.large_min_area_m2,
                    c(0),
                    c(1_000_000),
                );
                v.range(
                    &format!("{p}.medium_min_area_m2"),
                    t.medium_min_area_m2,
                    c(0),
                    c(1_000_000),
                );
                if t.medium_min_area_m2 > t.large_min_area_m2 {
                    v.push(
                        &format!("{p}.medium_min_area_m2"),
                        Problem::MediumAboveLarge {
                            medium: t.medium_min_area_m2.to_string(),
                            large: t.large_min_area_m2.to_string(),
                        },
                    );
                }
            }
        }

        v.decreasing(
            "bands.lower_bounds",
            &self.bands.lower_bounds,
            BANDS - 1,
            (Cases::ZERO, Cases::from_int(100_000)),
        );
        if v.len("bands.shares", self.bands.shares.len(), BANDS) {
            for (i, s) in self.bands.shares.iter().enumerate() {
                v.range(&format!("bands.shares[{i}]"), *s, w(0), w(10_000));
            }
            v.sums_to_one("bands.shares", self.bands.shares.iter().copied());
        }

        v.decreasing(
            "grade.price_floors",
            &self.grade.price_floors,
            PRICE_CLASSES - 1,
            (c(0), c(100_000)),
        );
        if v.len("grade.table", self.grade.table.len(), BANDS) {
            let mut shaped = true;
            for (b, row) in self.grade.table.iter().enumerate() {
                shaped &= v.len(&format!("grade.table[{b}]"), row.len(), PRICE_CLASSES);
            }
            if shaped {
                self.validate_grade_table(&mut v);
            }
        }

        let vr = &self.value;
        v.weights("value.weights", &INDICATORS, &vr.weights.as_array());
        let cuts = [vr.cuts.value, vr.cuts.secondary, vr.cuts.potential];
        for (name, cut) in ["value", "secondary", "potential"].iter().zip(cuts) {
            v.range(&format!("value.cuts.{name}"), cut, c(0), c(100));
        }
        if vr.cuts.secondary >= vr.cuts.value {
            v.push(
                "value.cuts.secondary",
                Problem::NotDecreasing {
                    value: vr.cuts.secondary.to_string(),
                    previous: vr.cuts.value.to_string(),
                },
            );
        }
        if vr.cuts.potential >= vr.cuts.secondary {
            v.push(
                "value.cuts.potential",
                Problem::NotDecreasing {
                    value: vr.cuts.potential.to_string(),
                    previous: vr.cuts.secondary.to_string(),
                },
            );
        }
        v.range(
            "value.red_flags.credit_below",
            vr.red_flags.credit_below,
            c(0),
            c(100),
        );

        v.decreasing(
            "key_account.min_monthly_amount_yuan",
            &self.key_account.min_monthly_amount_yuan,
            4,
            (c(0), c(1_000_000_000)),
        );

        let e = &self.expectation;
        v.weights(
            "expectation.expectation_weights",
            &EXPECTATION_DRIVERS,
            &e.expectation_weights.as_array(),
        );
        v.weights(
            "expectation.experience_weights",
            &EXPERIENCE_MEASURES,
            &e.experience_weights.as_array(),
        );
        v.range(
            "expectation.under_served_below",
            e.under_served_below,
            c(-100),
            c(0),
        );
        v.range(
            "expectation.over_served_above",
            e.over_served_above,
            c(0),
            c(100),
        );

        let s = &self.service;
        if v.len(
            "service.visits_per_month",
            s.visits_per_month.len(),
            Tier::COUNT,
        ) {
            for (i, n) in s.visits_per_month.iter().enumerate() {
                v.int_range(
                    &format!("service.visits_per_month[{i}]"),
                    i64::from(*n),
                    0,
                    31,
                );
            }
        }
        if v.len(
            "service.quota_cases_per_band",
            s.quota_cases_per_band.len(),
            BANDS,
        ) {
            for (i, q) in s.quota_cases_per_band.iter().enumerate() {
                v.range(
                    &format!("service.quota_cases_per_band[{i}]"),
                    *q,
                    Cases::ZERO,
                    Cases::from_int(100_000),
                );
            }
        }
        v.int_range(
            "service.manager_capacity_visits_per_month",
            i64::from(s.manager_capacity_visits_per_month),
            1,
            10_000,
        );
        let h = s.complaint_hours;
        for (path, hours) in [
            ("service.complaint_hours.general", h.general),
            ("service.complaint_hours.major_confirm", h.major_confirm),
            ("service.complaint_hours.major", h.major),
        ] {
            v.int_range(path, i64::from(hours), 1, 2_000);
        }
        v.issues
    }

    pub(crate) fn validate_grade_table(&self, v: &mut Validator) {
        let t = &self.grade.table;
        for (b, row) in t.iter().enumerate() {
            for (p, &g) in row.iter().enumerate() {
                let path = format!("grade.table[{b}][{p}]");
                if !(1..=GRADES as u8).contains(&g) {
                    v.int_range(&path, i64::from(g), 1, GRADES as i64);
                    continue;
                }
                // Band b (0-based) has more volume than band b+1: its grade must be at least as good.
                if b + 1 < t.len() && g > t[b + 1][p] {
                    v.push(
                        &path,
                        Problem::GradeWorseWithMoreVolume {
                            band: b as u8 + 1,
                            price_class: p as u8 + 1,
                            grade: g,
                            better_band_grade: t[b + 1][p],
                        },
                    );
                }
                if p + 1 < row.len() && g > row[p + 1] {
                    v.push(
                        &path,
                        Problem::GradeWorseWithHigherPrice {
                            band: b as u8 + 1,
                            price_class: p as u8 + 1,
                            grade: g,
                            better_price_grade: row[p + 1],
                        },
                    );
                }
            }
        }
    }

    /// Band lower bounds as an array (valid policies only).
    pub fn band_bounds(&self) -> [Cases; BANDS - 1] {
        let mut out = [Cases::ZERO; BANDS - 1];
        out.copy_from_slice(&self.bands.lower_bounds[..BANDS - 1]);
        out
    }
}

#[derive(Default)]
pub(crate) struct Validator {
    pub(crate) issues: Vec<PolicyIssue>,
}

impl Validator {
    pub(crate) fn push(&mut self, path: &str, problem: Problem) {
        self.issues.push(PolicyIssue {
            path: path.to_string(),
            problem,
        });
    }

    pub(crate) fn len(&mut self, path: &str, found: usize, expected: usize) -> bool {
        if found != expected {
            self.push(path, Problem::WrongLength { expected, found });
            false
        } else {
            true
        }
    }

    pub(crate) fn int_range(&mut self, path: &str, value: i64, min: i64, max: i64) {
        self.within(path, value, min, max);
    }

    /// `value` at `path` within `min..=max`, or the problem said with the three.
    fn within<T: PartialOrd + std::fmt::Display>(&mut self, path: &str, value: T, min: T, max: T) {
        if value < min || value > max {
            self.push(
                path,
                Problem::OutOfRange {
                    value: value.to_string(),
                    min: min.to_string(),
                    max: max.to_string(),
                },
            );
        }
    }

    pub(crate) fn range<const D: u32>(
        &mut self,
        path: &str,
        value: crate::Fixed<D>,
        min: crate::Fixed<D>,
        max: crate::Fixed<D>,
    ) {
        self.within(path, value, min, max);
    }

    /// `expected` values at `path`, each within `min..=max` and below the one before.
    pub(crate) fn decreasing<const D: u32>(
        &mut self,
        path: &str,
        values: &[crate::Fixed<D>],
        expected: usize,
        (min, max): (crate::Fixed<D>, crate::Fixed<D>),
    ) {
        if !self.len(path, values.len(), expected) {
            return;
        }
        for (i, &x) in values.iter().enumerate() {
            let p = format!("{path}[{i}]");
            self.range(&p, x, min, max);
            if i > 0 && x >= values[i - 1] {
                self.push(
                    &p,
                    Problem::NotDecreasing {
                        value: x.to_string(),
                        previous: values[i - 1].to_string(),
                    },
                );
            }
        }
    }

    /// The weights at `path`, one a name of `names`: each within 0..=1, together 1.
    pub(crate) fn weights(&mut self, path: &str, names: &[&str], weights: &[Weight]) {
        for (name, &weight) in names.iter().zip(weights) {
            self.range(&format!("{path}.{name}"), weight, w(0), w(10_000));
        }
        self.sums_to_one(path, weights.iter().copied());
    }

    pub(crate) fn sums_to_one(&mut self, path: &str, weights: impl Iterator<Item = Weight>) {
        let sum = weights.fold(Weight::ZERO, |a, b| a + b);
        if sum != Weight::from_int(1) {
            self.push(
                path,
                Problem::SumNotOne {
                    sum: sum.to_string(),
                },
            );
        }
    }
}
