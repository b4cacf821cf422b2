//! Policy JSON from anywhere (a file for `kehu policy check`, the lab's draft): parsing and
//! validation must answer with the problems, never panic; a policy that validates must classify
//! a small population without panicking, and round-trip through JSON unchanged.
#![no_main]

use kehu_engine::{CustomerFacts, Policy, Population, classify_all};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(policy) = Policy::from_json(text) else {
        return;
    };
    let mut pop = Population::with_capacity(4);
    for v in [0u32, 20_000, 150_000, u32::MAX / 2] {
        let f = CustomerFacts {
            monthly_volume: kehu_engine::Cases::from_raw(i64::from(v)),
            ..CustomerFacts::default()
        };
        pop.push(&f, 0, Some(1), None);
    }
    let mut out = kehu_engine::Outcomes::default();
    classify_all(&policy, &pop, 1, &mut out);
    let again = Policy::from_json(&serde_json::to_string(&policy).unwrap()).unwrap();
    assert_eq!(again, policy);
});
