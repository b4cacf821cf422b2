//! Checking rows: the problems found (listed by line and column), the header, each record.

use super::*;

/// Collects bad rows: all counted, the first [`MAX_LISTED_ERRORS`] kept.
#[derive(Default)]
pub(crate) struct Problems {
    pub(crate) listed: Vec<RowError>,
    pub(crate) count: u64,
}

impl Problems {
    /// A problem at `line` and `column` with the cell's `value` (quoted through [`echo`]).
    pub(crate) fn add(&mut self, line: u64, column: &str, value: &str, problem: ImportProblem) {
        self.count += 1;
        if self.listed.len() < MAX_LISTED_ERRORS {
            self.listed
                .push(RowError::new(line, column, &echo(value), problem));
        }
    }
}

pub(crate) fn report(kind: Kind, rows: u64, p: Problems) -> ImportReport {
    ImportReport {
        kind: kind.key().to_string(),
        rows,
        inserted: 0,
        updated: 0,
        ignored_columns: Vec::new(),
        errors: p.listed,
        error_count: p.count,
        committed: false,
    }
}

/// What the checking thread keeps: every bad row, and the good ones on their way to the writer
/// until the first bad row — from then on nothing more is written, as the file will not be
/// imported, but the checking goes on to list every bad row.
pub(crate) struct Check<T> {
    pub(crate) problems: Problems,
    pub(crate) writer: Option<mpsc::Sender<Vec<T>>>,
    pub(crate) batch: Vec<T>,
}

impl<T> Check<T> {
    pub(crate) fn new(writer: Option<mpsc::Sender<Vec<T>>>) -> Self {
        Check {
            problems: Problems::default(),
            writer,
            batch: Vec::new(),
        }
    }

    pub(crate) fn bad(&mut self, line: u64, column: &str, value: &str, problem: ImportProblem) {
        self.problems.add(line, column, value, problem);
        self.writer = None;
        self.batch = Vec::new();
    }

    /// A good row for the writer (dropped after a bad row, and in a dry run).
    pub(crate) fn keep(&mut self, row: T) {
        let Some(writer) = &self.writer else { return };
        self.batch.push(row);
        if self.batch.len() == BATCH_ROWS {
            let full = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH_ROWS));
            if writer.blocking_send(full).is_err() {
                // The writer has given up (a database error, already reported to the caller).
                self.writer = None;
            }
        }
    }

    /// Hands over the last batch; the bad rows.
    pub(crate) fn finish(mut self) -> Problems {
        if let Some(writer) = self.writer.take()
            && !self.batch.is_empty()
        {
            // A closed writer has failed and says so itself.
            let _ = writer.blocking_send(std::mem::take(&mut self.batch));
        }
        self.problems
    }
}

/// Opens an import file of `kind` as every kind starts: its text (UTF-8 with or without BOM, or
/// GB18030) and its header; then `rows` reads on with the reader, the check (good rows to
/// `writer`) and the header's names. A file that cannot be read, or whose header is unusable,
/// is reported as that alone.
pub(crate) fn read_file<T>(
    bytes: &[u8],
    kind: Kind,
    writer: Option<mpsc::Sender<Vec<T>>>,
    rows: impl FnOnce(&mut csv::Reader<&[u8]>, Check<T>, Vec<String>) -> ImportReport,
) -> ImportReport {
    let text = match text_of(bytes) {
        Ok(t) => t,
        Err(p) => return report(kind, 0, p),
    };
    let mut c = Check::new(writer);
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let Some(names) = header(&mut reader, &mut c.problems) else {
        return report(kind, 0, c.finish());
    };
    rows(&mut reader, c, names)
}

/// Reads the header's column names. A name that appears twice is refused (which of the two
/// would count?), as is an empty file.
pub(crate) fn header(reader: &mut csv::Reader<&[u8]>, p: &mut Problems) -> Option<Vec<String>> {
    let names: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_string()).collect(),
        Err(e) => {
            p.add(
                1,
                "",
                "",
                ImportProblem::Header {
                    error: e.to_string(),
                },
            );
            return None;
        }
    };
    let mut twice = false;
    for (i, name) in names.iter().enumerate() {
        if let Some(first) = names[..i].iter().position(|n| n == name)
            && !name.is_empty()
        {
            p.add(
                1,
                name,
                name,
                ImportProblem::ColumnTwice {
                    first: first as u32 + 1,
                    second: i as u32 + 1,
                },
            );
            twice = true;
        }
    }
    (!twice).then_some(names)
}

/// A cell's text as an error message quotes it: at most 40 characters, control characters (a
/// terminal's escape sequences among them) shown as `�`.
pub(crate) fn echo(cell: &str) -> String {
    let mut out: String = cell
        .chars()
        .take(40)
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect();
    if cell.chars().nth(40).is_some() {
        out.push('…');
    }
    out
}

/// The line number of a record (the header is line 1).
pub(crate) fn line_of(record: &csv::StringRecord, fallback: u64) -> u64 {
    record.position().map_or(fallback, |pos| pos.line())
}

/// The rows after the header, read one at a time into `record`; `count` of them so far.
#[derive(Default)]
pub(crate) struct Rows {
    pub(crate) record: csv::StringRecord,
    pub(crate) count: u64,
}

impl Rows {
    /// Reads the next CSV row into `record`: its line, `None` at the end. A row that is not CSV
    /// is counted, listed in `check` and skipped.
    pub(crate) fn next<T>(
        &mut self,
        reader: &mut csv::Reader<&[u8]>,
        check: &mut Check<T>,
    ) -> Option<u64> {
        loop {
            if next_record(reader, &mut self.record, &mut self.count, check)? {
                return Some(line_of(&self.record, self.count + 1));
            }
        }
    }
}

/// Reads the next record into `record`; `None` at the end. A row that is not CSV is counted
/// and listed (`Some(false)`).
pub(crate) fn next_record<T>(
    reader: &mut csv::Reader<&[u8]>,
    record: &mut csv::StringRecord,
    count: &mut u64,
    check: &mut Check<T>,
) -> Option<bool> {
    let fallback = *count + 2;
    *count += 1;
    match reader.read_record(record) {
        Ok(true) => Some(true),
        Ok(false) => {
            *count -= 1;
            None
        }
        Err(e) => {
            check.bad(
                fallback,
                "",
                "",
                ImportProblem::NotCsv {
                    error: e.to_string(),
                },
            );
            if e.is_io_error() { None } else { Some(false) }
        }
    }
}

/// The "header but no rows" error of an otherwise clean file.
pub(crate) fn no_rows(out: &mut ImportReport) {
    out.error_count += 1;
    out.errors
        .push(RowError::new(2, "", "", ImportProblem::NoRows));
}
