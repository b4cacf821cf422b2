//! The import checker on any bytes: the first byte picks the kind (customers or purchases) and
//! whether the rest is sent as it is (any bytes: UTF-8, a BOM, or GB18030 the decoder tries) or
//! read as text and encoded as GB18030 first, as Chinese Excel saves it. It must answer with a
//! report — never panic, hang or allocate without bound — and a report without errors only for
//! a file whose every row checked out.
#![no_main]

use libfuzzer_sys::fuzz_target;
use server::import::{Kind, check_only};

const CUSTOMERS: [(&str, i64); 3] = [("C000001", 1), ("C000002", 2), ("王记", 3)];
const ROUTES: [(&str, i64); 2] = [("R001", 1), ("城东线", 1)];

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    let kind = if choice & 1 == 0 {
        Kind::Customers
    } else {
        Kind::Purchases
    };
    let bytes: Vec<u8> = if choice & 2 == 0 {
        rest.to_vec()
    } else {
        let text = String::from_utf8_lossy(rest);
        encoding_rs::GB18030.encode(&text).0.into_owned()
    };
    let report = check_only(kind, &bytes, &CUSTOMERS, &ROUTES, 202612);
    assert!(report.errors.len() as u64 <= report.error_count);
    assert!(report.errors.len() <= server::import::MAX_LISTED_ERRORS);
    if report.error_count == 0 {
        assert!(report.rows > 0, "a clean report has rows");
    }
});
