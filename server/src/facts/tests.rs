//! The kept facts' columns and months.

use super::*;

#[test]
fn months_shift_across_years() {
    assert_eq!(shift_month("2026-03", -2).as_deref(), Some("2026-01"));
    assert_eq!(shift_month("2026-03", -3).as_deref(), Some("2025-12"));
    assert_eq!(shift_month("2026-12", 1).as_deref(), Some("2027-01"));
    assert_eq!(shift_month("bad", 1), None);
}

#[test]
fn a_chunked_column_copies_only_the_chunk_it_changes() {
    let n = 3 * CHUNK + 7;
    let a: Chunked<u32> = (0..n as u32).collect();
    assert_eq!(a.len(), n);
    assert_eq!(
        a.iter().copied().collect::<Vec<_>>(),
        (0..n as u32).collect::<Vec<_>>()
    );
    let mut b = a.clone();
    b.set(CHUNK + 5, 99);
    assert_eq!((a[CHUNK + 5], b[CHUNK + 5]), ((CHUNK + 5) as u32, 99));
    assert_eq!(b[n - 1], n as u32 - 1);
    // The copy shares every chunk but the changed one.
    let shared = (0..a.chunks.len())
        .filter(|&c| std::sync::Arc::ptr_eq(&a.chunks[c], &b.chunks[c]))
        .count();
    assert_eq!(shared, a.chunks.len() - 1);
    assert_ne!(a, b);
    b.set(CHUNK + 5, (CHUNK + 5) as u32);
    assert_eq!(a, b);
}

#[test]
fn a_search_finds_each_customer_once_and_follows_a_change() {
    let n = 2 * CHUNK + 3;
    // Customer i's text names i, and every tenth "aa" twice (one match per customer).
    let text = |i: usize| {
        let extra = if i.is_multiple_of(10) {
            "aa\u{1f}aa"
        } else {
            "b"
        };
        search_text([&format!("shop {i}"), extra, "", ""])
    };
    let a: SearchColumn = (0..n).map(text).collect();
    assert_eq!(a.len(), n);
    assert_eq!(a.get(CHUNK + 1), text(CHUNK + 1));
    let found = |col: &SearchColumn, needle: &str| {
        let finder = memchr::memmem::Finder::new(needle.as_bytes());
        let mut hits = Vec::new();
        col.matching(&finder, |i| hits.push(i));
        hits
    };
    assert_eq!(found(&a, "aa"), (0..n).step_by(10).collect::<Vec<_>>());
    // A needle in every customer's text: each once, none skipped.
    assert_eq!(found(&a, "shop "), (0..n).collect::<Vec<_>>());
    // "shop 102" and "shop 1020".."shop 1029": the last customer of the first chunk and
    // the first of the next are found across the boundary.
    assert_eq!(
        found(&a, "shop 102"),
        std::iter::once(102).chain(1020..1030).collect::<Vec<_>>()
    );
    let mut b = a.clone();
    b.set(CHUNK, &search_text(["renamed", "", "", ""]));
    assert_eq!(found(&b, "renamed"), vec![CHUNK]);
    assert!(found(&a, "renamed").is_empty());
    assert_eq!(b.get(CHUNK - 1), a.get(CHUNK - 1));
    assert_eq!(b.get(CHUNK + 1), a.get(CHUNK + 1));
    let shared = (0..a.chunks.len())
        .filter(|&c| std::sync::Arc::ptr_eq(&a.chunks[c], &b.chunks[c]))
        .count();
    assert_eq!(shared, a.chunks.len() - 1);
}

/// A browser is told only what changed while the history reaches back to its copy; one patch
/// that changes more customers than the history keeps (a publication that moves most of a
/// province) is forgotten at once: the whole snapshot, packed, is smaller than such a delta.
#[test]
fn a_change_larger_than_the_history_keeps_is_answered_with_the_whole_snapshot() {
    let mut p = load::build(Vec::new(), &Policy::default(), &Default::default(), None);
    let start = p.generation;
    p.record_change(start, 0, vec![3, 1]);
    p.generation = start + 1;
    assert_eq!(p.changed_since(start), Some((vec![1, 3], 0)));
    let (_, most) = KEPT_CHANGES;
    p.record_change(start + 1, 0, (0..=most as u32).collect());
    p.generation = start + 2;
    assert_eq!(p.changed_since(start + 1), None);
    assert_eq!(p.changed_since(start), None);
    assert_eq!(p.changed_since(start + 2), Some((Vec::new(), 0)));
}
