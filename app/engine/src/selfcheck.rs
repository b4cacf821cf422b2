//! A deterministic sample of random policies and customers, classified and digested. The native
//! test and the browser (wasm, through the e2e suite) must produce the same digest: the proof
//! that the what-if lab and the server classify alike.

use crate::batch::{Outcomes, Population, classify_all, digest};
use crate::classify::{CustomerFacts, Indicators, ServiceInputs};
use crate::fixed::{Cases, Cents, Weight};
use crate::model::{BusinessFormat, MarketType, Tier};
use crate::policy::{BandMode, Policy};

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn population(rng: &mut XorShift, n: usize) -> Population {
    let mut pop = Population::with_capacity(n);
    for _ in 0..n {
        let points = |r: &mut XorShift| Cents::from_raw(r.below(10_001) as i64);
        let f = CustomerFacts {
            format: BusinessFormat::ALL[rng.below(7) as usize],
            market: if rng.below(2) == 0 {
                MarketType::Urban
            } else {
                MarketType::Rural
            },
            business_area_m2: Cents::from_raw(rng.below(300_000) as i64),
            monthly_volume: Cases::from_raw(rng.below(40_000) as i64),
            avg_price: (rng.below(10) != 0)
                .then(|| Cents::from_raw(5_000 + rng.below(40_000) as i64)),
            monthly_amount: (rng.below(4) == 0)
                .then(|| Cents::from_raw(rng.below(100_000_000) as i64)),
            indicators: Indicators::from_array([
                points(rng),
                points(rng),
                points(rng),
                points(rng),
                points(rng),
            ]),
            violations_12m: rng.below(4) as u16,
            monitored: rng.below(40) == 0,
            // One score in five not recorded.
            service: (rng.below(3) != 0).then(|| ServiceInputs {
                expectation: std::array::from_fn(|_| (rng.below(5) != 0).then(|| points(rng))),
                experience: std::array::from_fn(|_| (rng.below(5) != 0).then(|| points(rng))),
            }),
        };
        let prev_band = (rng.below(5) != 0).then(|| 1 + rng.below(8) as u8);
        pop.push(
            &f,
            rng.below(30) as u32,
            prev_band,
            Some(Tier::ALL[rng.below(3) as usize]),
        );
    }
    pop
}

fn policy(rng: &mut XorShift, k: u64) -> Policy {
    let mut p = if k.is_multiple_of(2) {
        Policy::default()
    } else {
        Policy::key_account_preset()
    };
    if k % 3 == 1 {
        p.bands.mode = BandMode::Shares;
    }
    // Random strictly decreasing bounds.
    let mut b = 40_000i64;
    for slot in p.bands.lower_bounds.iter_mut() {
        b -= 1 + rng.below(5_000) as i64;
        *slot = Cases::from_raw(b.max(0));
    }
    // Random weights summing to exactly 1.
    let raw: [u64; 5] = std::array::from_fn(|_| 1 + rng.below(100));
    let total: u64 = raw.iter().sum();
    let mut bp: [i64; 5] = raw.map(|x| (x * 10_000 / total) as i64);
    bp[0] += 10_000 - bp.iter().sum::<i64>();
    let w = &mut p.value.weights;
    [w.contribution, w.support, w.credit, w.growth, w.influence] = bp.map(Weight::from_raw);
    p
}

/// Digest (hex) of classifying 20,000 random customers under 6 random policies.
pub fn sample_digest() -> String {
    let mut rng = XorShift(0x6B65_6875_2026_1123);
    let pop = population(&mut rng, 20_000);
    let mut out = Outcomes::default();
    let mut all: u64 = 0;
    for k in 0..6 {
        let p = policy(&mut rng, k);
        debug_assert!(p.validate().is_empty(), "{:?}", p.validate());
        let s = classify_all(&p, &pop, 30, &mut out);
        all = all.rotate_left(7) ^ digest(&out) ^ u64::from(s.movers) ^ (s.visits_total << 20);
    }
    format!("{all:016x}")
}

#[cfg(test)]
mod tests {
    /// The same value is checked in the browser by `end2end/tests/engine.spec.ts`.
    pub const GOLDEN: &str = include_str!("../selfcheck-digest.txt");

    #[test]
    fn native_digest_matches_the_golden_value() {
        assert_eq!(super::sample_digest(), GOLDEN.trim());
    }
}
