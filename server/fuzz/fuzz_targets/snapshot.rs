//! The lab's snapshot decoder on any bytes (the browser decodes what the server sends; a proxy
//! or a bug may send anything): it must refuse or decode, never panic; a decoded snapshot must
//! be usable by the engine and encode back to what decodes to the same.
#![no_main]

use app::wire::Snapshot;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = Snapshot::from_bytes(data) else {
        return;
    };
    if let Ok(policy) = serde_json::from_str::<kehu_engine::Policy>(&s.policy_json)
        && policy.validate().is_empty()
    {
        let mut out = kehu_engine::Outcomes::default();
        kehu_engine::classify_all(&policy, &s.population, s.managers.len(), &mut out);
    }
    let _ = s.ids();
});
