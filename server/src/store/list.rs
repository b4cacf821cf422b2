//! The customer list behind the storage port: its filters over the kept facts, the page read
//! from the archive, the CSV export, the dashboard's counts, filter options and labels. Each takes
//! the store (`s`) for its pool and kept facts.

use super::*;
use crate::db::customer_list as stored;
use app::i18n::Locale;
use app::labels::{field_label, tier_label, value_class_label, value_label};
use app::wire::FieldKind;

/// The customers of `q`'s page among those in `scope` matching its filters, in id order: how
/// many match, and the ids of the page (the page clamped to the last one). The search matches
/// a substring of the shop name, code, licence number or phone, ASCII letters in any case —
/// what `LIKE '%…%'` did.
pub(crate) fn list_page(
    loaded: &crate::facts::LoadedPopulation,
    scope: Scope,
    q: &CustomerQuery,
) -> (u64, Vec<i64>) {
    let text = q.q.trim().to_ascii_lowercase();
    if text.contains(crate::facts::SEARCH_SEPARATOR) {
        return (0, Vec::new());
    }
    let finder = memchr::memmem::Finder::new(text.as_bytes());
    // A filter naming no known format or market matches nobody, as in SQL.
    let code = |key: &str, index: Option<usize>| match key.is_empty() {
        true => Ok(None),
        false => index.map(|i| Some(i as u8)).ok_or(()),
    };
    let (Ok(format), Ok(market)) = (
        code(
            &q.format,
            kehu_engine::BusinessFormat::from_key(&q.format).map(|f| f.index()),
        ),
        code(
            &q.market,
            kehu_engine::MarketType::from_key(&q.market).map(|m| m.index()),
        ),
    ) else {
        return (0, Vec::new());
    };
    let pop = &loaded.population;
    // The filters besides the scope (which picks the customers looked at) and the search (done
    // where the scope is everyone by a pass over the search chunks).
    let members = loaded.scope_members(scope);
    let search_each = !text.is_empty() && members.is_some();
    let matches = |i: usize| {
        format.is_none_or(|f| pop.format[i] == f)
            && market.is_none_or(|m| pop.market[i] == m)
            && q.route.is_none_or(|r| loaded.routes[i] == Some(r))
            && q.band.is_none_or(|b| pop.prev_band[i] == b)
            && (!search_each || finder.find(loaded.search.get(i).as_bytes()).is_some())
    };
    let size = PAGE_SIZE as usize;
    let n = loaded.ids.len();
    let unfiltered = text.is_empty()
        && format.is_none()
        && market.is_none()
        && q.route.is_none()
        && q.band.is_none();
    if unfiltered && members.is_none() {
        // Everyone: the page is a slice.
        let pages = n.div_ceil(size).max(1);
        let page = (q.page.max(1) as usize).min(pages);
        let from = ((page - 1) * size).min(n);
        return (n as u64, loaded.ids[from..(from + size).min(n)].to_vec());
    }
    // Everyone, filtered without a search: the filters as one bit per customer, a pass over
    // each filtered column (the page is the set bits from its first; no list of every match).
    if members.is_none() && text.is_empty() && q.route.is_none() {
        let mut mask = ByteMask::all(n);
        if let Some(f) = format {
            mask.keep_equal(&pop.format, f);
        }
        if let Some(m) = market {
            mask.keep_equal(&pop.market, m);
        }
        if let Some(b) = q.band {
            mask.keep_equal(&pop.prev_band, b);
        }
        let total = mask.count();
        let pages = total.div_ceil(size).max(1);
        let page = (q.page.max(1) as usize).min(pages);
        let ids = mask
            .ones()
            .skip((page - 1) * size)
            .take(size)
            .map(|i| loaded.ids[i])
            .collect();
        return (total as u64, ids);
    }
    // Every match's index, in order (at most one per customer), then the asked page of them, or
    // the last page for a page past the end.
    let mut hits: Vec<u32> = Vec::new();
    match &members {
        Some(members) => hits.extend(members.iter().copied().filter(|&i| matches(i as usize))),
        None if !text.is_empty() => loaded.search.matching(&finder, |i| {
            if matches(i) {
                hits.push(i as u32)
            }
        }),
        None => {
            hits.reserve(n);
            hits.extend((0..n as u32).filter(|&i| matches(i as usize)));
        }
    }
    let total = hits.len();
    let pages = total.div_ceil(size).max(1);
    let page = (q.page.max(1) as usize).min(pages);
    let from = ((page - 1) * size).min(total);
    let ids = hits[from..(from + size).min(total)]
        .iter()
        .map(|&i| loaded.ids[i as usize])
        .collect();
    (total as u64, ids)
}

/// Which of `n` customers pass the filters so far, one bit each, 64 to a word.
pub(crate) struct ByteMask {
    pub(crate) words: Vec<u64>,
    pub(crate) n: usize,
}

impl ByteMask {
    pub(crate) fn all(n: usize) -> Self {
        let mut words = vec![u64::MAX; n.div_ceil(64)];
        if !n.is_multiple_of(64)
            && let Some(last) = words.last_mut()
        {
            *last = (1u64 << (n % 64)) - 1;
        }
        ByteMask { words, n }
    }

    /// Keeps the customers whose `column` value is `value` (the column has one byte each).
    pub(crate) fn keep_equal(&mut self, column: &[u8], value: u8) {
        debug_assert_eq!(column.len(), self.n);
        for (word, bytes) in self.words.iter_mut().zip(column.chunks(64)) {
            // A fixed-size loop of compares the compiler turns into vector instructions.
            let mut bits = 0u64;
            for (k, &b) in bytes.iter().enumerate() {
                bits |= u64::from(b == value) << k;
            }
            *word &= bits;
        }
    }

    pub(crate) fn count(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The customers kept, in order.
    pub(crate) fn ones(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(w, &word)| {
            let mut rest = word;
            std::iter::from_fn(move || {
                (rest != 0).then(|| {
                    let k = rest.trailing_zeros() as usize;
                    rest &= rest - 1;
                    w * 64 + k
                })
            })
        })
    }
}

/// One archive field's value, as shown and exported, from a row of [`archive_columns`] and the
/// customer's current (band, grade, class number).
pub(crate) fn field_value(
    key: &str,
    row: &sqlx::sqlite::SqliteRow,
    class: Option<(i64, i64, i64)>,
) -> Result<String, sqlx::Error> {
    Ok(match key {
        "route" => row.try_get("route_name")?,
        "customer_manager" => row.try_get("manager_name")?,
        "compliance_record" => row.try_get::<i64, _>("violations_12m")?.to_string(),
        "classification" => class
            .map(|(band, grade, class)| format!("{band}/{grade}/{}", class_code(class)))
            .unwrap_or_default(),
        "outlet_scale" => class
            .map(|(_, _, class)| {
                class_code(class)
                    .rsplit('-')
                    .next()
                    .unwrap_or("")
                    .to_string()
            })
            .unwrap_or_default(),
        key => row.try_get::<Option<String>, _>(key)?.unwrap_or_default(),
    })
}

impl SqliteStore {
    /// The filtered customer list in the caller's scope as CSV for Excel: UTF-8 with a byte-order
    /// mark, a header, every archive field, then the current classification. The header and the
    /// choices are field keys and codes, or — `words` — names in that language (客户编码,
    /// 便利店, 是), which the import reads back as well.
    pub async fn export_csv(
        &self,
        scope: Scope,
        q: &CustomerQuery,
        words: Option<Locale>,
    ) -> anyhow::Result<Vec<u8>> {
        let mut out = csv::Writer::from_writer(Vec::from("\u{feff}".as_bytes()));
        let extra = [
            "band",
            "grade",
            "tier",
            "value_class",
            "monthly_volume_cases",
        ];
        match words {
            None => out.write_record(FIELDS.iter().map(|f| f.key).chain(extra))?,
            Some(l) => out.write_record(
                FIELDS
                    .iter()
                    .map(|f| field_label(l, f.key))
                    .chain(extra.iter().map(|k| extra_label(l, k))),
            )?,
        }
        let said = |kind: FieldKind, v: String| match words {
            Some(l) if !v.is_empty() => value_label(l, kind, &v),
            _ => v,
        };
        let mut record = Vec::with_capacity(FIELDS.len() + extra.len());
        stored::export(&self.pool, scope, q, |row| {
            let band: Option<i64> = row.try_get("band")?;
            let grade: Option<i64> = row.try_get("grade")?;
            let class_number: Option<i64> = row.try_get("class_number")?;
            let class = band
                .zip(grade)
                .zip(class_number)
                .map(|((b, g), c)| (b, g, c));
            record.clear();
            for f in FIELDS {
                record.push(said(f.kind, field_value(f.key, row, class)?));
            }
            record.push(band.map(|b| b.to_string()).unwrap_or_default());
            record.push(grade.map(|g| g.to_string()).unwrap_or_default());
            let tier = row
                .try_get::<Option<String>, _>("tier")?
                .unwrap_or_default();
            let value = row
                .try_get::<Option<String>, _>("value_class")?
                .unwrap_or_default();
            match words {
                Some(l) if !tier.is_empty() => record.push(tier_label(l, &tier).to_string()),
                _ => record.push(tier),
            }
            match words {
                Some(l) if !value.is_empty() => {
                    record.push(value_class_label(l, &value).to_string())
                }
                _ => record.push(value),
            }
            record.push(
                row.try_get::<Option<i64>, _>("volume")?
                    .map(|v| Cases::from_raw(v).to_string())
                    .unwrap_or_default(),
            );
            out.write_record(
                record
                    .iter()
                    .map(|c| crate::spreadsheet::cell(c).into_owned()),
            )?;
            Ok(())
        })
        .await?;
        out.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
    }
}

/// The name of an export's classification column in language `l`.
fn extra_label(l: Locale, key: &str) -> &'static str {
    use leptos_i18n::td_string;
    match key {
        "band" => td_string!(l, portal.band),
        "grade" => td_string!(l, portal.grade),
        "tier" => td_string!(l, portal.tier),
        "value_class" => td_string!(l, portal.value),
        _ => td_string!(l, customers.export_volume),
    }
}

pub async fn customer_labels(
    s: &SqliteStore,
    scope: Scope,
    ids: &[i64],
) -> Result<Vec<CustomerLabel>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = stored::labels(&s.pool, scope, ids).await?;
    Ok(ids
        .iter()
        .filter_map(|id| rows.iter().find(|r| r.0 == *id))
        .map(|(id, code, name)| CustomerLabel {
            id: *id,
            code: code.clone(),
            name: name.clone(),
        })
        .collect())
}

pub async fn dashboard(s: &SqliteStore, scope: Scope) -> Result<Dashboard, AppError> {
    let pool = &s.pool;
    let (routes, managers) = stored::routes_and_managers(pool, scope).await?;
    let current = current_policy(pool).await?;
    let mut band_counts = vec![0u32; 8];
    let mut tier_counts = vec![0u32; 3];
    let mut avg_volume = "—".to_string();
    let mut quota_total = "—".to_string();
    // The customers in scope and their published assignments, from the kept facts (each
    // customer's latest assignment is the one under the policy in force).
    let loaded = s
        .facts
        .load(
            pool,
            current.as_ref().map_or(&Policy::default(), |(_, p)| p),
        )
        .await?;
    let customers = (0..loaded.ids.len())
        .filter(|&i| loaded.in_scope(i, scope))
        .count();
    if let Some((_, policy)) = &current {
        let (mut sum, mut n) = (0i64, 0i64);
        for i in 0..loaded.ids.len() {
            if !loaded.in_scope(i, scope) {
                continue;
            }
            let band = usize::from(loaded.population.prev_band[i]);
            if let Some(slot) = band.checked_sub(1).and_then(|b| band_counts.get_mut(b)) {
                *slot += 1;
            }
            if let Some(t) = loaded.assigned_tier(i) {
                tier_counts[t.index()] += 1;
            }
            if let Some(v) = loaded.assigned_volume[i] {
                sum = sum.saturating_add(v);
                n += 1;
            }
        }
        if n > 0 {
            // Mean in cases, shown with one decimal.
            avg_volume = Cases::from_raw((sum / n + 50) / 100 * 100).to_string();
        }
        let total = band_counts
            .iter()
            .zip(&policy.service.quota_cases_per_band)
            .fold(Cases::ZERO, |acc, (&count, q)| {
                acc + Cases::from_raw(i64::from(count) * q.raw())
            });
        quota_total = total.to_string();
    }
    Ok(Dashboard {
        customers: customers as u64,
        routes: routes as u64,
        managers: managers as u64,
        avg_volume,
        quota_total,
        policy: current.map(|(p, _)| p),
        band_counts,
        tier_counts,
        band_charts: Vec::new(),
    })
}

pub async fn customers(
    s: &SqliteStore,
    scope: Scope,
    q: &CustomerQuery,
) -> Result<CustomerPage, AppError> {
    // Filtered, counted and paged in the kept facts (a pass over memory, about a millisecond
    // at 100,000 customers, where SQL read every customer for a band or a search); only the
    // page's rows are read from the archive.
    let policy = crate::db::policy::published_or_default(&s.pool).await?;
    let loaded = s.facts.load(&s.pool, &policy).await?;
    let (total, ids) = list_page(&loaded, scope, q);
    let pages = ((total as u32).div_ceil(PAGE_SIZE)).max(1);
    let page = q.page.clamp(1, pages);
    let rows = stored::rows(&s.pool, &ids).await?;
    let rows = rows
        .iter()
        .map(|r| -> Result<CustomerRow, sqlx::Error> {
            Ok(CustomerRow {
                id: r.try_get("id")?,
                code: r.try_get("code")?,
                shop_name: r.try_get("shop_name")?,
                business_format: r.try_get("business_format")?,
                market_type: r.try_get("market_type")?,
                district: r.try_get("district")?,
                route: r.try_get("route")?,
                manager: r.try_get("manager")?,
                band: r.try_get::<Option<i64>, _>("band")?.map(|b| b as u8),
                grade: r.try_get::<Option<i64>, _>("grade")?.map(|g| g as u8),
                tier: r.try_get("tier")?,
                monthly_volume: r
                    .try_get::<Option<i64>, _>("monthly_volume_milli")?
                    .map(|v| Cases::from_raw(v).to_string()),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CustomerPage {
        rows,
        total,
        page,
        pages,
    })
}

pub async fn filter_options(s: &SqliteStore, scope: Scope) -> Result<FilterOptions, AppError> {
    let routes = stored::routes(&s.pool, scope).await?;
    Ok(FilterOptions {
        routes: routes
            .into_iter()
            .map(|(id, name)| RouteOption { id, name })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_mask_keeps_exactly_the_equal_values_in_order() {
        for n in [0, 1, 63, 64, 65, 200] {
            let a: Vec<u8> = (0..n).map(|i| (i % 3) as u8).collect();
            let b: Vec<u8> = (0..n).map(|i| (i % 5) as u8).collect();
            let mut mask = ByteMask::all(n);
            assert_eq!(mask.count(), n, "everyone at first ({n})");
            mask.keep_equal(&a, 1);
            mask.keep_equal(&b, 2);
            let expected: Vec<usize> = (0..n).filter(|&i| a[i] == 1 && b[i] == 2).collect();
            assert_eq!(mask.ones().collect::<Vec<_>>(), expected, "{n}");
            assert_eq!(mask.count(), expected.len(), "{n}");
        }
    }
}
