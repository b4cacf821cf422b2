//! The demo population: deterministic, and shaped as described.

use super::*;

#[test]
fn same_seed_same_population() {
    let opts = DemoOptions {
        customers: 300,
        seed: 7,
        end_month: "2026-10".into(),
    };
    let a = generate(&opts, 10);
    let b = generate(&opts, 10);
    assert_eq!(a.len(), 300);
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(
            (&x.shop_name, &x.cartons, &x.amounts),
            (&y.shop_name, &y.cartons, &y.amounts)
        );
    }
    // Every format appears, both markets appear, and the tail is heavy: the top shop buys
    // many times the median.
    for (f, ..) in FORMATS {
        assert!(a.iter().any(|s| s.format == *f), "{f:?}");
    }
    assert!(a.iter().any(|s| s.urban) && a.iter().any(|s| !s.urban));
    let mut totals: Vec<i64> = a.iter().map(|s| s.cartons.iter().sum()).collect();
    totals.sort_unstable();
    assert!(
        totals[299] > 5 * totals[150],
        "top {} vs median {}",
        totals[299],
        totals[150]
    );
}
