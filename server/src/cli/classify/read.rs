//! Reading the customers CSV: the columns by name, every cell checked and rounded the way that
//! keeps its comparisons exact, large files parsed on every core.

use super::*;

pub(crate) const REQUIRED: [&str; 8] = [
    "customer_id",
    "monthly_volume_cases",
    "avg_price_per_carton",
    "contribution",
    "support",
    "credit",
    "growth",
    "influence",
];
pub(crate) const OPTIONAL: [&str; 11] = [
    "business_format",
    "market_type",
    "business_area_m2",
    "violations_12m",
    "monitored",
    "current_band",
    "current_tier",
    "monthly_amount_yuan",
    "expectation",
    "experience",
    "customer_manager",
];

/// Column positions by name; `None` for an absent optional column.
pub(crate) struct Columns {
    pub(crate) required: [usize; 8],
    pub(crate) optional: [Option<usize>; 11],
    /// Number of columns in the header; every row must have as many.
    pub(crate) width: usize,
}

impl Columns {
    pub(crate) fn from_header(header: &csv::ByteRecord) -> Result<Self, CliError> {
        let names: Vec<String> = header
            .iter()
            .map(|h| {
                String::from_utf8_lossy(h)
                    .trim()
                    .trim_start_matches('\u{feff}')
                    .to_ascii_lowercase()
            })
            .collect();
        if let Some((later, name)) = names
            .iter()
            .enumerate()
            .find(|(i, n)| !n.is_empty() && names[..*i].contains(n))
        {
            let first = names.iter().position(|n| n == name).unwrap_or_default();
            return Err(CliError::input(format!(
                "line 1, column {name}: appears twice (columns {} and {}); keep one",
                first + 1,
                later + 1
            )));
        }
        let find = |name: &str| names.iter().position(|h| h == name);
        let mut required = [0; 8];
        let missing: Vec<&str> = REQUIRED
            .iter()
            .copied()
            .filter(|n| find(n).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(CliError::input(format!(
                "line 1: missing column{} {} (the header needs {})",
                if missing.len() > 1 { "s" } else { "" },
                missing.join(", "),
                REQUIRED.join(", ")
            )));
        }
        for (slot, name) in required.iter_mut().zip(REQUIRED) {
            *slot = find(name).unwrap_or_default();
        }
        let optional = OPTIONAL.map(find);
        Ok(Self {
            required,
            optional,
            width: names.len(),
        })
    }
}

/// Reads a field as text, or explains why it can't be.
pub(crate) fn text<'r>(
    rec: &'r csv::ByteRecord,
    col: usize,
    line: u64,
    name: &str,
) -> Result<&'r str, CliError> {
    let raw = rec.get(col).unwrap_or_default().trim_ascii();
    std::str::from_utf8(raw)
        .map_err(|_| CliError::input(format!("line {line}, column {name}: not valid UTF-8 text")))
}

/// A number of a column as a spreadsheet writes it (any decimals, `1.2E+3`), kept to `D`
/// decimals rounded as `rounding` says (see "Numbers in files" in app/README.md: each column
/// rounds the way that keeps its comparisons exact), within `min..=max`.
pub(crate) fn decimal<const D: u32>(
    rec: &csv::ByteRecord,
    col: usize,
    line: u64,
    name: &str,
    rounding: Rounding,
    min: i64,
    max: Option<i64>,
) -> Result<kehu_engine::Fixed<D>, CliError> {
    let raw = rec.get(col).unwrap_or_default();
    let v = kehu_engine::Fixed::<D>::parse_spreadsheet_bytes(raw, rounding).map_err(|e| {
        let t = String::from_utf8_lossy(raw);
        CliError::input(format!(
            "line {line}, column {name}: {e} (\"{}\")",
            t.trim()
        ))
    })?;
    let lo = kehu_engine::Fixed::<D>::from_int(min);
    if v < lo {
        return Err(CliError::input(format!(
            "line {line}, column {name}: {v} is below {lo}"
        )));
    }
    if let Some(max) = max {
        let hi = kehu_engine::Fixed::<D>::from_int(max);
        if v > hi {
            return Err(CliError::input(format!(
                "line {line}, column {name}: {v} is above {hi}"
            )));
        }
    }
    Ok(v)
}

/// A whole number as a spreadsheet may write it (`3`, `3.0`, `3E0`); `None` for a fraction.
pub(crate) fn whole(t: &str) -> Option<i64> {
    kehu_engine::Fixed::<0>::parse_spreadsheet(t, Rounding::Exact)
        .ok()
        .map(kehu_engine::Fixed::raw)
}

pub(crate) fn flag(t: &str) -> Option<bool> {
    match t.to_ascii_lowercase().as_str() {
        "" | "0" | "false" | "no" | "n" | "否" => Some(false),
        "1" | "true" | "yes" | "y" | "是" => Some(true),
        _ => None,
    }
}

pub(crate) fn format_of(t: &str) -> Option<BusinessFormat> {
    BusinessFormat::from_key(t).or(match t {
        "食杂店" => Some(BusinessFormat::Grocery),
        "便利店" => Some(BusinessFormat::Convenience),
        "超市" => Some(BusinessFormat::Supermarket),
        "商场" => Some(BusinessFormat::DepartmentStore),
        "烟酒商店" => Some(BusinessFormat::TobaccoLiquor),
        "娱乐服务类" => Some(BusinessFormat::Entertainment),
        "其他" => Some(BusinessFormat::Other),
        _ => None,
    })
}

pub(crate) fn market_of(t: &str) -> Option<MarketType> {
    MarketType::from_key(t).or(match t {
        "城镇" => Some(MarketType::Urban),
        "乡村" => Some(MarketType::Rural),
        _ => None,
    })
}

/// The parsed input: ids in one buffer (no allocation per customer) and the population.
pub struct Input {
    pub(crate) ids: String,
    pub(crate) id_ends: Vec<u32>,
    pub population: Population,
    pub managers: usize,
}

impl Input {
    pub(crate) fn id(&self, i: usize) -> &str {
        let start = if i == 0 {
            0
        } else {
            self.id_ends[i - 1] as usize
        };
        &self.ids[start..self.id_ends[i] as usize]
    }
}

/// Parses a customers CSV (see server/README.md, "kehu classify", for the columns). Large
/// inputs are split at record boundaries and parsed on every core; the parts are joined in file
/// order, so the result (and the first error reported) is the same as reading it front to back.
pub fn read_input(data: &[u8]) -> Result<Input, CliError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(data);
    let header = rdr
        .byte_headers()
        .map_err(|e| CliError::input(format!("line 1: cannot read the header: {e}")))?;
    let cols = Columns::from_header(header)?;
    let body_start = rdr.position().byte() as usize;
    let threads = if data.len() < (4 << 20) {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
    };
    let chunks = split_records(data, body_start, threads);
    let parts: Vec<Result<Part, CliError>> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|&(start, end)| {
                let cols = &cols;
                s.spawn(move || {
                    // Line numbers continue from the newlines before the chunk.
                    let before = data[..start].iter().filter(|&&b| b == b'\n').count();
                    parse_part(cols, &data[start..end], 1 + before as u64)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a CSV parsing thread panicked"))
            .collect()
    });
    let mut input = Input {
        ids: String::new(),
        id_ends: Vec::new(),
        population: Population::default(),
        managers: 0,
    };
    let mut managers: Vec<String> = Vec::new();
    let mut index: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    for part in parts {
        let mut part = part?;
        let map: Vec<u32> = part
            .managers
            .drain(..)
            .map(|name| {
                let next = managers.len() as u32;
                *index.entry(name).or_insert_with_key(|name| {
                    managers.push(name.clone());
                    next
                })
            })
            .collect();
        if input.id_ends.is_empty() {
            // The first part is the base: its columns were reserved for more rows than it has.
            std::mem::swap(&mut input.ids, &mut part.ids);
            std::mem::swap(&mut input.id_ends, &mut part.id_ends);
            std::mem::swap(&mut input.population, &mut part.population);
            continue;
        }
        let offset = input.ids.len() as u32;
        input.ids.push_str(&part.ids);
        input
            .id_ends
            .extend(part.id_ends.iter().map(|e| e + offset));
        input.population.append(&mut part.population, &map);
    }
    input.managers = managers.len();
    Ok(input)
}

/// `parts` byte ranges of `data[start..]` that each hold whole records: every cut is just after
/// a newline outside quotes (an even number of `"` since `start`; CSV quotes always pair up).
pub(crate) fn split_records(data: &[u8], start: usize, parts: usize) -> Vec<(usize, usize)> {
    let len = data.len() - start;
    let mut ranges = Vec::with_capacity(parts);
    let mut from = start;
    let mut quotes_even = true;
    let mut scanned = start;
    for k in 1..parts {
        let target = (start + len * k / parts).max(from);
        // Track quote parity from `scanned` up to the target, then look for a newline.
        for &b in &data[scanned..target] {
            if b == b'"' {
                quotes_even = !quotes_even;
            }
        }
        let mut cut = None;
        for (i, &b) in data[target..].iter().enumerate() {
            match b {
                b'"' => quotes_even = !quotes_even,
                b'\n' if quotes_even => {
                    cut = Some(target + i + 1);
                    break;
                }
                _ => {}
            }
        }
        let Some(cut) = cut else { break };
        scanned = cut;
        ranges.push((from, cut));
        from = cut;
    }
    ranges.push((from, data.len()));
    ranges
}

/// Customers parsed from one run of whole records; managers numbered locally in order of
/// first appearance.
pub(crate) struct Part {
    pub(crate) ids: String,
    pub(crate) id_ends: Vec<u32>,
    pub(crate) population: Population,
    pub(crate) managers: Vec<String>,
}

pub(crate) fn parse_part(cols: &Columns, data: &[u8], first_line: u64) -> Result<Part, CliError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(data);
    // Rows are at least ~30 bytes (eight required columns): reserve once, grow rarely.
    let rows = data.len() / 30 + 16;
    let mut part = Part {
        ids: String::with_capacity(rows * 8),
        id_ends: Vec::with_capacity(rows),
        population: Population::with_capacity(rows),
        managers: Vec::new(),
    };
    let mut managers: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    let mut rec = csv::ByteRecord::new();
    let opt = |k: usize| cols.optional[k];
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = first_line + e.position().map_or(1, |p| p.line()) - 1;
                return Err(CliError::input(format!("line {line}: {}", csv_reason(&e))));
            }
        }
        let line = first_line + rec.position().map_or(0, |p| p.line()) - 1;
        if rec.len() != cols.width {
            return Err(CliError::input(format!(
                "line {line}: has {} fields, the header has {}",
                rec.len(),
                cols.width
            )));
        }
        let r = &cols.required;
        let id = text(&rec, r[0], line, "customer_id")?;
        if id.is_empty() {
            return Err(CliError::input(format!(
                "line {line}, column customer_id: empty"
            )));
        }
        // Bands close at their upper bound: a volume rounds up, so one just above a bound stays
        // above it. Prices, areas, amounts and indicators are compared "at least": they round down.
        let volume: Cases = decimal(
            &rec,
            r[1],
            line,
            "monthly_volume_cases",
            Up,
            0,
            Some(4_000_000),
        )?;
        let price_text = text(&rec, r[2], line, "avg_price_per_carton")?;
        let avg_price = if price_text.is_empty() {
            None
        } else {
            Some(decimal::<2>(
                &rec,
                r[2],
                line,
                "avg_price_per_carton",
                Down,
                0,
                Some(40_000_000),
            )?)
        };
        let mut ind = [Cents::ZERO; 5];
        for (k, slot) in ind.iter_mut().enumerate() {
            *slot = decimal(&rec, r[3 + k], line, REQUIRED[3 + k], Down, 0, Some(100))?;
        }
        let mut f = CustomerFacts {
            monthly_volume: volume,
            avg_price,
            indicators: Indicators::from_array(ind),
            ..CustomerFacts::default()
        };
        if let Some(c) = opt(0) {
            let t = text(&rec, c, line, "business_format")?;
            if !t.is_empty() {
                f.format = format_of(t).ok_or_else(|| {
                    CliError::input(format!(
                        "line {line}, column business_format: unknown format \"{t}\" (grocery, convenience, supermarket, department_store, tobacco_liquor, entertainment, other)"
                    ))
                })?;
            }
        }
        if let Some(c) = opt(1) {
            let t = text(&rec, c, line, "market_type")?;
            if !t.is_empty() {
                f.market = market_of(t).ok_or_else(|| {
                    CliError::input(format!(
                        "line {line}, column market_type: \"{t}\" is not urban or rural"
                    ))
                })?;
            }
        }
        if let Some(c) = opt(2)
            && !text(&rec, c, line, "business_area_m2")?.is_empty()
        {
            f.business_area_m2 =
                decimal(&rec, c, line, "business_area_m2", Down, 0, Some(40_000_000))?;
        }
        if let Some(c) = opt(3) {
            let t = text(&rec, c, line, "violations_12m")?;
            if !t.is_empty() {
                f.violations_12m = whole(t)
                    .and_then(|n| u16::try_from(n).ok())
                    .ok_or_else(|| {
                        CliError::input(format!(
                            "line {line}, column violations_12m: \"{t}\" is not a whole number 0–65535"
                        ))
                    })?;
            }
        }
        if let Some(c) = opt(4) {
            let t = text(&rec, c, line, "monitored")?;
            f.monitored = flag(t).ok_or_else(|| {
                CliError::input(format!(
                    "line {line}, column monitored: \"{t}\" is not yes/no (1/0)"
                ))
            })?;
        }
        let prev_band = match opt(5) {
            Some(c) => {
                let t = text(&rec, c, line, "current_band")?;
                if t.is_empty() {
                    None
                } else {
                    Some(
                        whole(t)
                            .and_then(|n| u8::try_from(n).ok())
                            .filter(|b| (1..=BANDS as u8).contains(b))
                            .ok_or_else(|| {
                                CliError::input(format!(
                                    "line {line}, column current_band: \"{t}\" is not a band 1–8"
                                ))
                            })?,
                    )
                }
            }
            None => None,
        };
        let prev_tier = match opt(6) {
            Some(c) => {
                let t = text(&rec, c, line, "current_tier")?;
                if t.is_empty() {
                    None
                } else {
                    Some(Tier::from_key(t).ok_or_else(|| {
                        CliError::input(format!("line {line}, column current_tier: \"{t}\" is not core, general or problem"))
                    })?)
                }
            }
            None => None,
        };
        if let Some(c) = opt(7)
            && !text(&rec, c, line, "monthly_amount_yuan")?.is_empty()
        {
            f.monthly_amount = Some(decimal(
                &rec,
                c,
                line,
                "monthly_amount_yuan",
                Down,
                0,
                Some(100_000_000_000),
            )?);
        }
        if let (Some(ce), Some(cx)) = (opt(8), opt(9))
            && !text(&rec, ce, line, "expectation")?.is_empty()
        {
            let e: Cents = decimal(&rec, ce, line, "expectation", Down, 0, Some(100))?;
            let x: Cents = decimal(&rec, cx, line, "experience", Down, 0, Some(100))?;
            // One overall score each: every driver/measure at that score, so the weighted score equals it.
            f.service = Some(ServiceInputs::all([e; 6], [x; 5]));
        }
        let manager = match opt(10) {
            Some(c) => {
                let t = text(&rec, c, line, "customer_manager")?;
                if t.is_empty() {
                    NO_MANAGER
                } else {
                    match managers.get(t) {
                        Some(&m) => m,
                        None => {
                            let m = part.managers.len() as u32;
                            managers.insert(t.to_string(), m);
                            part.managers.push(t.to_string());
                            m
                        }
                    }
                }
            }
            None => NO_MANAGER,
        };
        part.ids.push_str(id);
        part.id_ends.push(part.ids.len() as u32);
        part.population.push(&f, manager, prev_band, prev_tier);
    }
    Ok(part)
}

pub(crate) fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("has {len} fields, the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8 text".into(),
        _ => e.to_string(),
    }
}
