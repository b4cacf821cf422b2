//! Decoding a file: UTF-8 with or without a byte-order mark, or GB18030 as Chinese Excel saves it.

use super::*;

/// The file's text: UTF-8 (a byte-order mark is dropped) or, failing that, GB18030.
pub fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, ImportProblem> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(body) {
        return Ok(Cow::Borrowed(text));
    }
    let (text, malformed) = encoding_rs::GB18030.decode_without_bom_handling(body);
    if malformed {
        Err(ImportProblem::NotText)
    } else {
        Ok(text)
    }
}

/// The file's text, or why it has none.
pub(crate) fn text_of(bytes: &[u8]) -> Result<Cow<'_, str>, Problems> {
    let mut p = Problems::default();
    match decode(bytes) {
        Ok(t) if t.trim().is_empty() => p.add(1, "", "", ImportProblem::Empty),
        Ok(t) => return Ok(t),
        Err(problem) => p.add(1, "", "", problem),
    }
    Err(p)
}
