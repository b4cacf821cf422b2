//! The field registry's rules and the performance table's order.

use super::*;

#[test]
fn the_performance_table_pages_the_weakest_first() {
    use super::{Kpis, ManagerKpi};
    let line = |id: i64, name: &str, made: u64, overdue: u64| ManagerKpi {
        manager_id: id,
        name: name.into(),
        visits_required: if made == 99 { 0 } else { 10 },
        visits_made: if made == 99 { 0 } else { made },
        open_overdue: overdue,
        ..ManagerKpi::default()
    };
    let all = Kpis {
        rows: vec![
            line(1, "Wang", 9, 0),
            line(2, "Li", 99, 3),
            line(3, "Zhao", 2, 1),
            line(4, "Chen", 5, 3),
            line(5, "An", 2, 0),
        ],
        ..Kpis::default()
    };
    fn names(k: &Kpis) -> Vec<&str> {
        k.rows.iter().map(|r| r.name.as_str()).collect()
    }
    // Lowest share first, ties by name, no figure (nothing asked) last.
    let k = all.clone().page_in_order("visits", 1, 10);
    assert_eq!(names(&k), ["An", "Zhao", "Chen", "Wang", "Li"]);
    assert_eq!((k.total, k.page, k.pages), (5, 1, 1));
    let k = all.clone().page_in_order("overdue", 1, 10);
    assert_eq!(names(&k), ["Chen", "Li", "Zhao", "An", "Wang"]);
    // Pages of two; past the last is the last; an unknown order is by name.
    let k = all.clone().page_in_order("name", 2, 2);
    assert_eq!(names(&k), ["Li", "Wang"]);
    assert_eq!((k.total, k.page, k.pages), (5, 2, 3));
    let k = all.clone().page_in_order("<script>", 9, 2);
    assert_eq!(names(&k), ["Zhao"]);
    assert_eq!(k.page, 3);
}

#[test]
fn field_values_are_checked_and_normalised_by_kind() {
    let f = |k| field(k).unwrap();
    assert_eq!(
        f("shop_name").parse("  老王便利店 "),
        Ok("老王便利店".into())
    );
    assert!(matches!(
        f("shop_name").parse(" "),
        Err(FieldProblem::Required { .. })
    ));
    assert!(matches!(
        f("phone").parse(&"9".repeat(201)),
        Err(FieldProblem::TooLong { max: 200, .. })
    ));
    // Cooperation is high, medium or low, typed in either language, stored as the key the
    // engine's support indicator reads.
    assert_eq!(f("cooperation").parse("高"), Ok("high".into()));
    assert_eq!(f("cooperation").parse("Medium"), Ok("medium".into()));
    assert_eq!(f("cooperation").parse(""), Ok("".into()));
    assert!(matches!(
        f("cooperation").parse("很好"),
        Err(FieldProblem::NotAChoice { .. })
    ));
    assert_eq!(f("registered_capital").parse("50000"), Ok("50000".into()));
    assert_eq!(f("registered_capital").parse(" 007"), Ok("7".into()));
    assert_eq!(f("registered_capital").parse("+5"), Ok("5".into()));
    assert_eq!(f("registered_capital").parse("0"), Ok("0".into()));
    assert!(matches!(
        f("registered_capital").parse("-5"),
        Err(FieldProblem::NotAWholeNumber { .. })
    ));
    assert!(matches!(
        f("registered_capital").parse("1.5"),
        Err(FieldProblem::NotAWholeNumber { .. })
    ));
    assert_eq!(f("business_area_m2").parse("35.50"), Ok("35.5".into()));
    assert_eq!(
        f("business_area_m2").parse("35.5099999999"),
        Ok("35.5".into()),
        "as a spreadsheet writes it"
    );
    assert_eq!(f("business_area_m2").parse("1.2E+2"), Ok("120".into()));
    assert_eq!(f("registered_capital").parse("5E+4"), Ok("50000".into()));
    assert_eq!(f("registered_capital").parse("50000.0"), Ok("50000".into()));
    assert!(matches!(
        f("business_area_m2").parse("100000.01"),
        Err(FieldProblem::NotANumber { .. })
    ));
    assert!(matches!(
        f("business_area_m2").parse("NaN"),
        Err(FieldProblem::NotANumber { .. })
    ));
    assert_eq!(
        f("licence_expiry_date").parse("2028-02-29"),
        Ok("2028-02-29".into())
    );
    assert!(matches!(
        f("licence_expiry_date").parse("2027-02-29"),
        Err(FieldProblem::NotADate { .. })
    ));
    assert!(matches!(
        f("licence_expiry_date").parse("2027/01/01"),
        Err(FieldProblem::NotADate { .. })
    ));
    assert_eq!(
        f("licence_expiry_date").parse(""),
        Ok("".into()),
        "dates may be unknown"
    );
    assert_eq!(f("monitored").parse("是"), Ok("1".into()));
    assert!(matches!(
        f("monitored").parse("maybe"),
        Err(FieldProblem::NotAFlag { .. })
    ));
    assert_eq!(
        f("business_format").parse("supermarket"),
        Ok("supermarket".into())
    );
    let e = f("market_type").parse("suburban").unwrap_err();
    assert_eq!(e.to_string(), "market_type: must be one of urban, rural");
    assert!(matches!(
        f("classification").parse("1/1"),
        Err(FieldProblem::Computed { .. })
    ));
}

#[test]
fn owners_edit_their_fields_and_admins_every_stored_field() {
    let f = |k| field(k).unwrap();
    assert!(f("phone").editable_by(Role::CustomerManager));
    assert!(!f("phone").editable_by(Role::LicenceOfficer));
    assert!(f("licence_no").editable_by(Role::LicenceOfficer));
    assert!(!f("licence_no").editable_by(Role::CustomerManager));
    assert!(f("licence_no").editable_by(Role::Admin));
    assert!(!f("classification").editable_by(Role::Admin), "computed");
    assert!(!f("phone").editable_by(Role::Customer));
}

#[test]
fn registry_has_unique_keys_and_computed_fields_have_no_owner() {
    let mut keys: Vec<_> = FIELDS.iter().map(|f| f.key).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), FIELDS.len());
    for f in FIELDS {
        assert_eq!(
            f.maintenance == Maintenance::Computed,
            f.owner.is_none(),
            "{}",
            f.key
        );
    }
    for g in FieldGroup::ALL {
        assert!(FIELDS.iter().any(|f| f.group == g), "{g:?} has fields");
    }
}

#[test]
fn a_page_opens_under_the_longest_entry_of_the_access_table() {
    assert_eq!(page_access("/"), Access::Staff);
    assert_eq!(page_access("/customers/5"), Access::Staff);
    assert_eq!(page_access("/lab"), Access::Lab);
    assert_eq!(page_access("/lab/anything"), Access::Lab);
    assert_eq!(
        page_access("/laboratory"),
        Access::Staff,
        "a prefix of the name is not below it"
    );
    assert_eq!(page_access("/my/profile"), Access::Customers);
    assert_eq!(page_access("/account"), Access::Anyone);
    assert_eq!(page_access("/no-such-page"), Access::Staff);
    // The capabilities, role by role.
    for role in Role::ALL {
        assert!(page_access("/login").allows(role));
        assert_eq!(page_access("/my").allows(role), role == Role::Customer);
        assert_eq!(page_access("/").allows(role), role != Role::Customer);
    }
    assert!(page_access("/requests").allows(Role::LicenceOfficer));
    assert!(!page_access("/import").allows(Role::LicenceOfficer));
    assert!(!page_access("/audit").allows(Role::CustomerManager));
}

#[test]
fn a_delta_adds_customers_after_everyone_and_refuses_what_does_not_fit() {
    use kehu_engine::{BusinessFormat, Cents, CustomerFacts, MarketType, Population};
    let facts = |volume: i64| CustomerFacts {
        format: BusinessFormat::Grocery,
        market: MarketType::Urban,
        business_area_m2: Cents::from_int(40),
        monthly_volume: kehu_engine::Cases::from_int(volume),
        avg_price: None,
        monthly_amount: None,
        indicators: Default::default(),
        violations_12m: 0,
        monitored: false,
        service: None,
    };
    let population = |volumes: &[i64]| {
        let mut p = Population::with_capacity(volumes.len());
        for &v in volumes {
            p.push(&facts(v), 0, None, None);
        }
        p.demonstration = vec![false; volumes.len()];
        p
    };
    // Customers 10 and 12; 12 changes and 15 is added.
    let mut snap = Snapshot {
        id_deltas: vec![10, 2],
        route: vec![0, 0],
        routes: vec!["R1".into()],
        managers: vec!["cm".into()],
        route_manager: vec![0],
        population: population(&[5, 6]),
        ..Snapshot::default()
    };
    let delta = SnapshotDelta {
        at: vec![1, 2],
        route: vec![0, 0],
        rows: population(&[7, 9]),
        added: vec![15],
        ..SnapshotDelta::default()
    };
    // Added anywhere but after everyone, or with an id not after the last: refused, unchanged.
    let before = snap.clone();
    for bad in [
        SnapshotDelta {
            at: vec![0, 1],
            ..delta.clone()
        },
        SnapshotDelta {
            added: vec![12],
            ..delta.clone()
        },
        SnapshotDelta {
            added: vec![15, 16],
            ..delta.clone()
        },
    ] {
        assert!(snap.apply(bad).is_err());
        assert_eq!(snap, before);
    }
    snap.apply(delta).unwrap();
    assert_eq!(snap.ids(), vec![10, 12, 15]);
    assert_eq!(snap.route.len(), 3);
    assert_eq!(snap.population, population(&[5, 7, 9]));
    snap.population.check().unwrap();
}

#[test]
fn customers_may_ask_only_about_what_the_shop_owner_decides() {
    for key in CUSTOMER_REQUESTABLE {
        let f = field(key).unwrap_or_else(|| panic!("{key} is not a field"));
        assert!(f.customer_sees(), "{key}: asked about but not shown");
        assert!(f.requestable_by(Role::Customer), "{key}");
    }
    for internal in [
        "licence_no",
        "licence_officer",
        "demonstration",
        "order_batch",
        "route",
        "code",
    ] {
        assert!(
            !field(internal).unwrap().requestable_by(Role::Customer),
            "{internal}"
        );
    }
    // Staff still ask about fields they do not own.
    assert!(
        field("licence_no")
            .unwrap()
            .requestable_by(Role::CustomerManager)
    );
}

#[test]
fn an_audit_note_is_read_back_as_written_and_words_never_pose_as_a_note() {
    let zone = AuditNote::ZoneChanged {
        from: "Asia/Shanghai".into(),
        to: "Asia/Urumqi".into(),
    };
    assert_eq!(AuditNote::read(&zone.stored()), zone);
    // A reason a customer typed that looks like a note stays their words.
    let typed = AuditNote::Text {
        text: zone.stored(),
    };
    assert_eq!(AuditNote::read(&typed.stored()), typed);
    assert_eq!(
        AuditNote::read("2 rows: 0 new customers, 2 updated"),
        AuditNote::Text {
            text: "2 rows: 0 new customers, 2 updated".into()
        }
    );
}
