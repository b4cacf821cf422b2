//! Cells of the CSV files kehu writes, made safe to open in a spreadsheet.
//!
//! Excel, WPS and LibreOffice run a cell that starts with `=`, `+`, `-` or `@` (and, after a
//! tab or carriage return, whatever follows) as a formula: a shop name `=HYPERLINK(…)` typed
//! into kehu would run on the manager's computer when the export is opened. As OWASP advises,
//! such a cell is written with a leading apostrophe, which spreadsheets show as text; numbers
//! (`-3.5`, `+7`, `1.2E+3`) are left as they are. kehu's imports take the apostrophe off again,
//! so an exported list imports back unchanged.

use std::borrow::Cow;

/// Whether a spreadsheet would take a cell starting so for a formula.
fn formula_start(s: &str) -> bool {
    matches!(
        s.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// A plain number such as `-3.5`, `+7` or `1.2E+3`.
fn plain_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    let mut n = digits(&mut i);
    if b.get(i) == Some(&b'.') {
        i += 1;
        n += digits(&mut i);
    }
    if n == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// `value` as a cell a spreadsheet shows as text: a leading apostrophe when it would otherwise
/// run as a formula.
pub fn cell(value: &str) -> Cow<'_, str> {
    if formula_start(value) && !plain_number(value) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// A cell read back from a file kehu wrote: the apostrophe [`cell`] added is taken off.
pub fn uncell(value: &str) -> &str {
    match value.strip_prefix('\'') {
        Some(rest) if formula_start(rest) && !plain_number(rest) => rest,
        _ => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_numbers_stay_numbers() {
        for (typed, written) in [
            ("=1+2", "'=1+2"),
            (
                "=HYPERLINK(\"http://evil.example\",\"点我\")",
                "'=HYPERLINK(\"http://evil.example\",\"点我\")",
            ),
            ("+86 138 0000 0000", "'+86 138 0000 0000"),
            ("-", "'-"),
            ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("王记烟酒", "王记烟酒"),
            ("-3.5", "-3.5"),
            ("+7", "+7"),
            ("1.2E+3", "1.2E+3"),
            ("-1e-9", "-1e-9"),
            ("", ""),
        ] {
            assert_eq!(cell(typed), written, "{typed:?}");
            assert_eq!(uncell(&cell(typed)), typed, "{typed:?} round trip");
        }
    }

    #[test]
    fn an_apostrophe_someone_typed_is_kept() {
        assert_eq!(uncell("'s Gravenhage"), "'s Gravenhage");
        assert_eq!(uncell("'-3.5"), "'-3.5");
    }
}
