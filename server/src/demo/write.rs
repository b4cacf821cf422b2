//! Writing the demo population into the archive, replacing what was there, and publishing the
//! default policy.

use super::*;

/// The password of every demo account (admin, manager, officer, cm01…, the first customer):
/// for trying kehu out only, printed in the README.
pub const DEMO_PASSWORD: &str = "kehu-demo";

/// Replaces all customers, routes, staff and policies with a fresh demo population and publishes
/// the default policy as version 1.
pub async fn generate_into(pool: &SqlitePool, opts: &DemoOptions) -> anyhow::Result<DemoReport> {
    let routes = if opts.customers < 200 {
        (opts.customers / 10).max(1)
    } else {
        (opts.customers / 100).clamp(2, 500)
    };
    let started = std::time::Instant::now();
    let step =
        |what: &str| tracing::info!("demo: {what} ({:.1} s)", started.elapsed().as_secs_f64());
    let shops = generate(opts, routes);
    let months: Vec<String> = (0..12)
        .filter_map(|k| shift_month(&opts.end_month, k - 11))
        .collect();
    anyhow::ensure!(
        months.len() == 12,
        "end month must look like 2026-10, got {}",
        opts.end_month
    );

    // Every demo account signs in with DEMO_PASSWORD; one hash serves them all (demo only).
    let demo_hash = crate::passwords::hash_password_blocking(DEMO_PASSWORD.to_string()).await?;
    let mut tx = crate::db::write(pool).await?;
    for statement in [
        "DELETE FROM invites",
        "DELETE FROM visit_ratings",
        "DELETE FROM visits",
        "DELETE FROM complaint_steps",
        "DELETE FROM complaints",
        "DELETE FROM disputes",
        "DELETE FROM audit",
        "DELETE FROM reports",
        "DELETE FROM change_requests",
        "DELETE FROM assignments",
        "DELETE FROM policies",
        "DELETE FROM purchases",
        "DELETE FROM users",
        "DELETE FROM customers",
        "DELETE FROM routes",
    ] {
        sqlx::query(statement).execute(&mut *tx).await?;
    }
    // Staff: one user per role, plus one customer manager per route.
    let mut rng = SmallRng::seed_from_u64(opts.seed ^ 0x5eed);
    for (username, name, role) in [
        ("admin", "管理员".to_string(), "admin"),
        (
            "manager",
            format!("{}（营销科）", person(&mut rng)),
            "manager",
        ),
        (
            "officer",
            format!("{}（专管员）", person(&mut rng)),
            "licence_officer",
        ),
    ] {
        sqlx::query(
            "INSERT INTO users (username, display_name, role, password_hash) VALUES (?, ?, ?, ?)",
        )
        .bind(username)
        .bind(name)
        .bind(role)
        .bind(&demo_hash)
        .execute(&mut *tx)
        .await?;
    }
    let urban_routes = routes * 6 / 10;
    let mut route_managers = Vec::with_capacity(routes);
    for r in 0..routes {
        let manager_id: i64 = sqlx::query_scalar(
            "INSERT INTO users (username, display_name, role, password_hash, phone)
             VALUES (?, ?, 'customer_manager', ?, ?) RETURNING id",
        )
        .bind(format!("cm{:02}", r + 1))
        .bind(person(&mut rng))
        .bind(&demo_hash)
        .bind(format!("139{:08}", rng.random_range(0..100_000_000u32)))
        .fetch_one(&mut *tx)
        .await?;
        route_managers.push(manager_id);
        let area = if r < urban_routes {
            URBAN_DISTRICTS[r % URBAN_DISTRICTS.len()]
        } else {
            RURAL_TOWNS[r % RURAL_TOWNS.len()]
        };
        sqlx::query("INSERT INTO routes (id, code, name, manager_id) VALUES (?, ?, ?, ?)")
            .bind(r as i64 + 1)
            .bind(format!("R{:03}", r + 1))
            .bind(format!("{area}{}线", r + 1))
            .bind(manager_id)
            .execute(&mut *tx)
            .await?;
    }
    // Customers: 28 columns a row, 1,000 rows a statement.
    for (chunk_no, chunk) in shops.chunks(1_000).enumerate() {
        let mut qb = QueryBuilder::new(
            "INSERT INTO customers (id, code, shop_name, licence_no, legal_rep, settlement_method, order_cycle,
             delivery_cycle, business_nature, registered_capital, display_form, district, business_area_m2,
             business_format, market_type, route_id, order_frequency, monopoly_licence_no, licence_type,
             issuing_bureau, integrity_level, monitored, demonstration, licence_issue_date, violations_12m,
             late_payments_12m, cooperation, contact_person, phone, address) ",
        );
        qb.push_values(chunk.iter().enumerate(), |mut b, (k, s)| {
            let id = (chunk_no * 1_000 + k + 1) as i64;
            b.push_bind(id)
                .push_bind(&s.code)
                .push_bind(&s.shop_name)
                .push_bind(&s.licence_no)
                .push_bind(&s.legal_rep)
                .push_bind(if id % 3 == 0 {
                    "现金"
                } else {
                    "电子结算"
                })
                .push_bind("每周")
                .push_bind("每周")
                .push_bind(if id % 5 == 0 {
                    "有限责任公司"
                } else {
                    "个体工商户"
                })
                .push_bind(s.capital)
                .push_bind(if s.area > 100.0 { "专柜" } else { "柜台" })
                .push_bind(&s.district)
                .push_bind(s.area)
                .push_bind(s.format.key())
                .push_bind(if s.urban { "urban" } else { "rural" })
                .push_bind(s.route as i64 + 1)
                .push_bind(if s.cartons.iter().all(|&c| c > 0) {
                    "每周一次"
                } else {
                    "不定期"
                })
                .push_bind(&s.licence_no)
                .push_bind("零售")
                .push_bind("市烟草专卖局")
                .push_bind(s.integrity)
                .push_bind(s.monitored)
                .push_bind(s.demonstration)
                .push_bind(&s.issue_date)
                .push_bind(s.violations)
                .push_bind(s.late_payments)
                .push_bind(s.cooperation)
                .push_bind(&s.contact)
                .push_bind(&s.phone)
                .push_bind(&s.address);
        });
        qb.build().execute(&mut *tx).await?;
    }
    step("customers written");
    // Purchases with the logistics figures: 7 columns a row, 4,000 rows a statement.
    let rows = demo_purchases(&shops, opts.seed);
    for chunk in rows.chunks(4_000) {
        let mut qb = QueryBuilder::new(
            "INSERT INTO purchases (customer_id, month, cartons, amount_fen, requested_cartons,
             deliveries, late_deliveries) ",
        );
        qb.push_values(chunk, |mut b, p| {
            b.push_bind(p.customer)
                .push_bind(&months[p.month])
                .push_bind(p.cartons)
                .push_bind(p.amount)
                .push_bind(p.requested)
                .push_bind(p.deliveries)
                .push_bind(p.late);
        });
        qb.build().execute(&mut *tx).await?;
    }
    crate::facts::purchases_changed(&mut tx).await?;
    step("purchases written");
    // Visits, with the customer managers of the shops' routes, and their ratings: bound
    // straight into prepared statements (through sqlx, half a million visits took half a minute).
    // The visits are of the three months up to today (the visit plan and the kept facts read
    // them against today, so a demo made later is not all overdue), or up to the purchases'
    // last month when that is later; none after today.
    let today = crate::time::today();
    let this_month = today.format("%Y-%m").to_string();
    let (visit_end, last_day) = if this_month >= months[11] {
        (this_month, chrono::Datelike::day(&today))
    } else {
        (months[11].clone(), 31)
    };
    let visit_months: Vec<String> = (0..3)
        .filter_map(|k| shift_month(&visit_end, k - 2))
        .collect();
    let visits = demo_visits(&shops, &visit_months, last_day, opts.seed);
    crate::import::with_rusqlite(&mut tx, |db| {
        let numbered: Vec<(i64, &DemoVisit)> = (1..).zip(&visits).collect();
        crate::import::insert_rows(
            db,
            "INSERT INTO visits (id, customer_id, manager_id, visited_on, purpose, findings,
             duration_min, promise)",
            8,
            "",
            &numbered,
            |st, at, (id, v)| {
                let route = shops[v.customer as usize - 1].route;
                st.raw_bind_parameter(at, id)?;
                st.raw_bind_parameter(at + 1, v.customer)?;
                st.raw_bind_parameter(at + 2, route_managers[route])?;
                st.raw_bind_parameter(at + 3, v.day.as_str())?;
                st.raw_bind_parameter(at + 4, v.purpose)?;
                st.raw_bind_parameter(at + 5, v.findings)?;
                st.raw_bind_parameter(at + 6, v.minutes)?;
                st.raw_bind_parameter(at + 7, v.promise)
            },
        )?;
        let rated: Vec<(i64, (i64, &str))> = numbered
            .iter()
            .filter_map(|(id, v)| v.rating.map(|r| (*id, r)))
            .collect();
        crate::import::insert_rows(
            db,
            "INSERT INTO visit_ratings (visit_id, score, comment)",
            3,
            "",
            &rated,
            |st, at, (id, (score, comment))| {
                st.raw_bind_parameter(at, id)?;
                st.raw_bind_parameter(at + 1, score)?;
                st.raw_bind_parameter(at + 2, *comment)
            },
        )
    })
    .await?;
    step("visits written");
    demo_complaints(&mut tx, &shops, &months, opts.seed).await?;
    step("complaints written");
    // The first demo customer can sign in to the self-service portal.
    sqlx::query(
        "INSERT INTO users (username, display_name, role, customer_id, password_hash)
         SELECT code, shop_name, 'customer', id, ? FROM customers WHERE id = 1",
    )
    .bind(&demo_hash)
    .execute(&mut *tx)
    .await?;
    // Everything changed: the purchases counter reloads every kept population anyway.
    sqlx::query("DELETE FROM fact_changes")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    step("committed");
    crate::db::policy::published_changed();
    crate::publish::publish(
        pool,
        &Default::default(),
        &kehu_engine::Policy::default(),
        None,
    )
    .await?;
    step("default policy published");
    Ok(DemoReport {
        customers: shops.len(),
        routes,
        purchases: rows.len(),
        visits: visits.len(),
    })
}
