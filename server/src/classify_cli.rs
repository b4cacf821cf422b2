//! `kehu classify`: customers CSV in, tiers CSV out, through the same engine as the browser.
//!
//! Bad input stops the run with `line N, column X: reason` (exit code 2) and leaves no output
//! file behind: output goes to a temporary file renamed into place only on success.

use kehu_engine::Rounding::{self, Down, Up};
use kehu_engine::batch::NO_MANAGER;
use kehu_engine::{
    BANDS, BusinessFormat, Cases, Cents, CharacteristicClass, CustomerFacts, GapClass, Indicators,
    KeyAccountTier, MarketType, Outcomes, Policy, Population, ServiceInputs, Summary, Tier,
    ValueClass, classify_all,
};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A failure with the exit code the command line should return.
#[derive(Debug)]
pub struct CliError {
    pub code: i32,
    pub message: String,
}

impl CliError {
    fn input(message: String) -> Self {
        Self { code: 2, message }
    }
    fn io(what: &str, e: impl std::fmt::Display) -> Self {
        Self {
            code: 1,
            message: format!("{what}: {e}"),
        }
    }
}

const REQUIRED: [&str; 8] = [
    "customer_id",
    "monthly_volume_cases",
    "avg_price_per_carton",
    "contribution",
    "support",
    "credit",
    "growth",
    "influence",
];
const OPTIONAL: [&str; 11] = [
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
struct Columns {
    required: [usize; 8],
    optional: [Option<usize>; 11],
    /// Number of columns in the header; every row must have as many.
    width: usize,
}

impl Columns {
    fn from_header(header: &csv::ByteRecord) -> Result<Self, CliError> {
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
fn text<'r>(
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
fn decimal<const D: u32>(
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
fn whole(t: &str) -> Option<i64> {
    kehu_engine::Fixed::<0>::parse_spreadsheet(t, Rounding::Exact)
        .ok()
        .map(kehu_engine::Fixed::raw)
}

fn flag(t: &str) -> Option<bool> {
    match t.to_ascii_lowercase().as_str() {
        "" | "0" | "false" | "no" | "n" | "否" => Some(false),
        "1" | "true" | "yes" | "y" | "是" => Some(true),
        _ => None,
    }
}

fn format_of(t: &str) -> Option<BusinessFormat> {
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

fn market_of(t: &str) -> Option<MarketType> {
    MarketType::from_key(t).or(match t {
        "城镇" => Some(MarketType::Urban),
        "乡村" => Some(MarketType::Rural),
        _ => None,
    })
}

/// The parsed input: ids in one buffer (no allocation per customer) and the population.
pub struct Input {
    ids: String,
    id_ends: Vec<u32>,
    pub population: Population,
    pub managers: usize,
}

impl Input {
    fn id(&self, i: usize) -> &str {
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
fn split_records(data: &[u8], start: usize, parts: usize) -> Vec<(usize, usize)> {
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
struct Part {
    ids: String,
    id_ends: Vec<u32>,
    population: Population,
    managers: Vec<String>,
}

fn parse_part(cols: &Columns, data: &[u8], first_line: u64) -> Result<Part, CliError> {
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

fn csv_reason(e: &csv::Error) -> String {
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

/// Writes the tiers CSV. Rows are formatted on every core in blocks and written in order.
pub fn write_output(input: &Input, out: &Outcomes, w: impl Write) -> std::io::Result<()> {
    let codes: Vec<String> = (1..=42u8)
        .map(|n| {
            CharacteristicClass::from_number(n)
                .map(|c| c.code())
                .unwrap_or_default()
        })
        .collect();
    let mut w = BufWriter::with_capacity(1 << 20, w);
    w.write_all(
        b"customer_id,band,grade,class_code,value_score,value_class,tier,key_account,gap_class\n",
    )?;
    let n = out.len();
    let threads = if n < 100_000 {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |t| t.get().min(8))
    };
    // Blocks of 64k rows, taken in turn by each thread; written back in row order.
    const BLOCK: usize = 1 << 16;
    let blocks = n.div_ceil(BLOCK);
    for first in (0..blocks).step_by(threads.max(1)) {
        let formatted: Vec<Vec<u8>> = std::thread::scope(|s| {
            let handles: Vec<_> = (first..(first + threads).min(blocks))
                .map(|b| {
                    let codes = &codes;
                    s.spawn(move || {
                        format_rows(input, out, codes, b * BLOCK..((b + 1) * BLOCK).min(n))
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a CSV formatting thread panicked"))
                .collect()
        });
        for block in formatted {
            w.write_all(&block)?;
        }
    }
    w.flush()
}

/// Formats rows `range` of the output; numbers are written without going through `fmt`.
fn format_rows(
    input: &Input,
    out: &Outcomes,
    codes: &[String],
    range: std::ops::Range<usize>,
) -> Vec<u8> {
    let mut buf = Vec::with_capacity(range.len() * 64);
    let mut num = [0u8; 24];
    for i in range {
        let id = crate::spreadsheet::cell(input.id(i));
        if id.contains([',', '"', '\n', '\r']) {
            buf.push(b'"');
            buf.extend_from_slice(id.replace('"', "\"\"").as_bytes());
            buf.push(b'"');
        } else {
            buf.extend_from_slice(id.as_bytes());
        }
        for small in [out.band[i], out.grade[i]] {
            buf.push(b',');
            buf.extend_from_slice(
                kehu_engine::Fixed::<0>::from_int(small.into()).to_ascii(&mut num),
            );
        }
        let fields: [&[u8]; 6] = [
            codes[usize::from(out.class[i] - 1)].as_bytes(),
            kehu_engine::Score::from_raw(out.value_score[i]).to_ascii(&mut num),
            ValueClass::ALL[usize::from(out.value_class[i])]
                .key()
                .as_bytes(),
            Tier::ALL[usize::from(out.tier[i])].key().as_bytes(),
            KeyAccountTier::ALL[usize::from(out.key_account[i])]
                .key()
                .as_bytes(),
            GapClass::ALL[usize::from(out.gap_class[i])]
                .key()
                .as_bytes(),
        ];
        for f in fields {
            buf.push(b',');
            buf.extend_from_slice(f);
        }
        buf.push(b'\n');
    }
    buf
}

/// Reads a policy file, or the default policy.
pub fn load_policy(path: Option<&Path>) -> Result<Policy, CliError> {
    match path {
        None => Ok(Policy::default()),
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| CliError::io(&format!("cannot read {}", p.display()), e))?;
            Policy::from_json(&text).map_err(|issues| {
                let lines: Vec<String> = issues.iter().map(|i| format!("  {i}")).collect();
                CliError::input(format!(
                    "{}: the policy is invalid:\n{}",
                    p.display(),
                    lines.join("\n")
                ))
            })
        }
    }
}

/// Wall-clock time of each phase of a run.
#[derive(Clone, Copy, Debug, Default)]
pub struct Timings {
    pub read: Duration,
    pub classify: Duration,
    pub write: Duration,
}

/// The whole command. Returns the summary (printed to stderr by the caller).
pub fn run(
    input: &Path,
    policy: Option<&Path>,
    output: Option<&Path>,
) -> Result<(Summary, Timings), CliError> {
    let started = Instant::now();
    let policy = load_policy(policy)?;
    let data = std::fs::read(input)
        .map_err(|e| CliError::io(&format!("cannot read {}", input.display()), e))?;
    let parsed = read_input(&data)?;
    drop(data);
    let mut timings = Timings {
        read: started.elapsed(),
        ..Timings::default()
    };
    let started = Instant::now();
    let mut out = Outcomes::default();
    let summary = classify_all(&policy, &parsed.population, parsed.managers, &mut out);
    timings.classify = started.elapsed();
    let started = Instant::now();
    match output {
        None => {
            let stdout = std::io::stdout();
            write_output(&parsed, &out, stdout.lock())
                .map_err(|e| CliError::io("cannot write to stdout", e))?;
        }
        Some(path) => {
            let tmp = temp_path(path);
            let result = std::fs::File::create(&tmp)
                .and_then(|f| write_output(&parsed, &out, f))
                .and_then(|()| std::fs::rename(&tmp, path));
            if let Err(e) = result {
                let _ = std::fs::remove_file(&tmp);
                return Err(CliError::io(&format!("cannot write {}", path.display()), e));
            }
        }
    }
    timings.write = started.elapsed();
    Ok((summary, timings))
}

fn temp_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(".tmp-{}", std::process::id()));
    path.with_file_name(name)
}

/// The summary for people: counts per band and tier, and the band transition matrix when the
/// input carried current bands.
pub fn summary_text(s: &Summary, t: Timings) -> String {
    let mut t = format!(
        "classified {} customers in {} ms (read {} ms, classify {} ms, write {} ms)\n",
        s.customers,
        (t.read + t.classify + t.write).as_millis(),
        t.read.as_millis(),
        t.classify.as_millis(),
        t.write.as_millis()
    );
    t.push_str("band      ");
    for b in 1..=BANDS {
        t.push_str(&format!("{b:>8}"));
    }
    t.push_str("\ncustomers ");
    for c in &s.band_counts {
        t.push_str(&format!("{c:>8}"));
    }
    t.push_str(&format!(
        "\ntiers: core {}, general {}, problem {}\n",
        s.tier_counts[0], s.tier_counts[1], s.tier_counts[2]
    ));
    if s.band_transitions
        .iter()
        .skip(1)
        .any(|row| row.iter().any(|&n| n > 0))
    {
        t.push_str(&format!(
            "movers: {}\ntransitions (rows: current band, columns: new band)\n",
            s.movers
        ));
        for (prev, row) in s.band_transitions.iter().enumerate().skip(1) {
            t.push_str(&format!("{prev:>9} "));
            for n in row {
                t.push_str(&format!("{n:>8}"));
            }
            t.push('\n');
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "customer_id,monthly_volume_cases,avg_price_per_carton,contribution,support,credit,growth,influence";

    fn classify_text(csv: &str) -> Result<String, CliError> {
        let input = read_input(csv.as_bytes())?;
        let mut out = Outcomes::default();
        classify_all(
            &Policy::default(),
            &input.population,
            input.managers,
            &mut out,
        );
        let mut buf = Vec::new();
        write_output(&input, &out, &mut buf).unwrap();
        Ok(String::from_utf8(buf).unwrap())
    }

    #[test]
    fn classifies_rows_with_columns_in_any_order_and_extra_columns() {
        let csv = "influence,extra,customer_id,growth,credit,support,contribution,avg_price_per_carton,monthly_volume_cases,current_band\n\
                   75,x,A1,75,75,75,75,200,20,1\n\
                   0,y,\"B,2\",0,0,0,0,,20.001,\n";
        let out = classify_text(csv).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0],
            "customer_id,band,grade,class_code,value_score,value_class,tier,key_account,gap_class"
        );
        assert_eq!(lines[1], "A1,2,3,GRO-U-S,75,value,core,none,unknown");
        assert_eq!(lines[2], "\"B,2\",1,5,GRO-U-S,0,low,problem,none,unknown");
    }

    #[test]
    fn bad_rows_name_the_line_and_column() {
        let err = |csv: &str| classify_text(csv).unwrap_err();
        let e = err(&format!(
            "{HEADER}\nA,1,100,50,50,50,50,50\nB,abc,100,50,50,50,50,50\n"
        ));
        assert_eq!(e.code, 2);
        assert_eq!(
            e.message,
            "line 3, column monthly_volume_cases: not a number (\"abc\")"
        );
        let e = err(&format!("{HEADER}\nA,1,100,50,50,150,50,50\n"));
        assert_eq!(e.message, "line 2, column credit: 150 is above 100");
        let e = err(&format!("{HEADER}\nA,1,100,50,50,50\n"));
        assert_eq!(e.message, "line 2: has 6 fields, the header has 8");
        let e = err("customer_id,monthly_volume_cases\nA,1\n");
        assert!(
            e.message
                .starts_with("line 1: missing columns avg_price_per_carton, contribution"),
            "{}",
            e.message
        );
        let e = err(&format!(
            "{HEADER},current_band\nA,1,100,50,50,50,50,50,9\n"
        ));
        assert_eq!(
            e.message,
            "line 2, column current_band: \"9\" is not a band 1–8"
        );
        let e = err(&format!("{HEADER}\n,1,100,50,50,50,50,50\n"));
        assert_eq!(e.message, "line 2, column customer_id: empty");
    }

    #[test]
    fn numbers_as_spreadsheets_write_them_are_taken_and_decisions_stay_exact() {
        // Default bands: band 1 lies above 20 cases, band 2 up to and including 20.
        let out = classify_text(&format!(
            "{HEADER}\n\
             on_bound,20.000000000,210,80,75,90,60,70\n\
             just_above,20.0000000001,210,80,75,90,60,70\n\
             average,12.3333333333333,2.1E+2,80,75,90,60,70\n\
             exponent,2E+1,210,8E+1,75,90,60,70\n"
        ))
        .unwrap();
        let band = |id: &str| {
            out.lines()
                .find(|l| l.starts_with(&format!("{id},")))
                .and_then(|l| l.split(',').nth(1))
                .unwrap_or_default()
                .to_string()
        };
        assert_eq!(
            band("on_bound"),
            "2",
            "equal to a bound: the band it closes"
        );
        assert_eq!(band("just_above"), "1", "just above a bound: above it");
        assert_eq!(band("exponent"), "2");
        assert!(out.lines().any(|l| l.starts_with("average,")), "{out}");
        // A price just below a floor (130 yuan by default) stays below it, whatever the
        // decimals: prices round down, volumes up.
        let input = read_input(
            format!("{HEADER}\nA,12.3333333,129.9999999,50,50,50,50,50\nB,10,130,50,50,50,50,50\n")
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(input.population.price, vec![12_999, 13_000]);
        assert_eq!(input.population.volume[0], 12_334);
        let rules = kehu_engine::Rules::new(&Policy::default(), None);
        let classes: Vec<u8> = (0..2)
            .map(|i| {
                kehu_engine::classify(&rules, &input.population.facts(i))
                    .explanation
                    .grade
                    .price_class
            })
            .collect();
        assert_eq!(
            classes[0],
            classes[1] + 1,
            "129.9999999 is in the class below 130"
        );
        // Whole-number columns take 3, 3.0 and 3E0, and refuse a fraction.
        let csv = format!("{HEADER},violations_12m\nA,10,150,50,50,50,50,50,3E0\n");
        assert!(classify_text(&csv).is_ok());
        let e = classify_text(&format!(
            "{HEADER},violations_12m\nA,10,150,50,50,50,50,50,2.5\n"
        ))
        .unwrap_err();
        assert!(e.message.contains("violations_12m"), "{}", e.message);
    }

    #[test]
    fn a_column_given_twice_is_refused() {
        let e = classify_text(&format!(
            "{HEADER},monthly_volume_cases\nA,10,150,50,50,50,50,50,11\n"
        ))
        .unwrap_err();
        assert_eq!(
            e.message,
            "line 1, column monthly_volume_cases: appears twice (columns 2 and 9); keep one"
        );
    }

    #[test]
    fn ids_that_excel_would_run_are_written_as_text() {
        let out = classify_text(&format!(
            "{HEADER}\n=1+2,10,150,50,50,50,50,50\n-5,10,150,50,50,50,50,50\n"
        ))
        .unwrap();
        assert!(out.contains("\n'=1+2,"), "{out}");
        assert!(out.contains("\n-5,"), "a number stays a number: {out}");
    }

    #[test]
    fn cuts_fall_between_records_never_inside_quotes() {
        let data = b"h\n\"a\nb\",1\nc,2\n\"d\n\ne\",3\nf,4\n";
        for parts in 1..6 {
            let ranges = split_records(data, 2, parts);
            assert_eq!(ranges.first().unwrap().0, 2);
            assert_eq!(ranges.last().unwrap().1, data.len());
            for w in ranges.windows(2) {
                assert_eq!(w[0].1, w[1].0, "contiguous");
            }
            let cuts: Vec<usize> = ranges.iter().map(|r| r.0).skip(1).collect();
            for c in cuts {
                assert!(
                    [10, 14, 23, data.len()].contains(&c),
                    "cut at {c} with {parts} parts is not a record start"
                );
            }
        }
    }

    #[test]
    fn large_inputs_parsed_in_parallel_equal_one_pass_and_report_the_right_line() {
        // About 6 MB, so the parallel path runs; managers first seen in the second half too.
        let rows = 120_000;
        let mut csv = format!("{HEADER},customer_manager\n");
        for i in 0..rows {
            let manager = if i < rows / 2 { i % 3 } else { 3 + i % 2 };
            csv.push_str(&format!(
                "C{i:07},{}.{:03},{}.5,{},50,60,70,80,cm{manager}\n",
                i % 40,
                i % 1000,
                100 + i % 200,
                i % 101
            ));
        }
        assert!(csv.len() > 4 << 20);
        let input = read_input(csv.as_bytes()).unwrap();
        assert_eq!(input.population.len(), rows);
        assert_eq!(input.managers, 5);
        assert_eq!(input.id(0), "C0000000");
        assert_eq!(input.id(rows - 1), format!("C{:07}", rows - 1));
        // cm0, cm1, cm2 first seen in rows 0–2; cm3 and cm4 in the second half.
        assert_eq!(&input.population.manager[..3], &[0, 1, 2]);
        assert_eq!(
            input.population.manager[rows - 2..],
            [3 + (rows as u32 - 2) % 2, 3 + (rows as u32 - 1) % 2]
        );
        assert_eq!(
            input.population.volume[rows - 1],
            ((rows - 1) % 40 * 1000 + (rows - 1) % 1000) as u32
        );
        // A bad value near the end: the line counts the header and every row before it.
        let bad = csv.replacen("C0119990,30", "C0119990,x", 1);
        let Err(e) = read_input(bad.as_bytes()) else {
            panic!("a bad row was accepted")
        };
        assert_eq!(
            e.message,
            "line 119992, column monthly_volume_cases: not a number (\"x.990\")"
        );
    }

    #[test]
    fn a_bad_row_leaves_no_output_file() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.csv");
        let output = dir.path().join("out.csv");
        std::fs::write(
            &input,
            format!("{HEADER}\nA,1,100,50,50,50,50,50\nB,-1,100,50,50,50,50,50\n"),
        )
        .unwrap();
        let e = run(&input, None, Some(&output)).unwrap_err();
        assert_eq!(
            e.message,
            "line 3, column monthly_volume_cases: -1 is below 0"
        );
        assert!(!output.exists());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left either"
        );
        std::fs::write(
            &input,
            format!("\u{feff}{HEADER},current_band\nA,1,100,50,50,50,50,50,7\n"),
        )
        .unwrap();
        let (summary, _) = run(&input, None, Some(&output)).unwrap();
        assert_eq!(
            summary.band_transitions[7][7], 1,
            "a BOM before the header is ignored; band 7 → 8"
        );
        assert!(std::fs::read_to_string(&output).unwrap().contains("A,8,"));
    }
}
