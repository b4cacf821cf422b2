//! `kehu classify`: columns, numbers as spreadsheets write them, bad rows named, the output.

use super::*;

const HEADER: &str = "customer_id,monthly_volume_cases,avg_price_per_carton,contribution,support,credit,growth,influence";

fn classify_text(csv: &str) -> Result<String, CliError> {
    let input = read_input(csv.as_bytes())?;
    let mut out = Outcomes::default();
    classify_all(
        &Policy::default(),
        &input.population,
        input.managers,
        &mut out,
    );
    let mut buf = Vec::new();
    write_output(&input, &out, &mut buf).unwrap();
    Ok(String::from_utf8(buf).unwrap())
}

#[test]
fn classifies_rows_with_columns_in_any_order_and_extra_columns() {
    let csv = "influence,extra,customer_id,growth,credit,support,contribution,avg_price_per_carton,monthly_volume_cases,current_band\n\
               75,x,A1,75,75,75,75,200,20,1\n\
               0,y,\"B,2\",0,0,0,0,,20.001,\n";
    let out = classify_text(csv).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "customer_id,band,grade,class_code,value_score,value_class,tier,key_account,gap_class"
    );
    assert_eq!(lines[1], "A1,2,3,GRO-U-S,75,value,core,none,unknown");
    assert_eq!(lines[2], "\"B,2\",1,5,GRO-U-S,0,low,problem,none,unknown");
}

#[test]
fn bad_rows_name_the_line_and_column() {
    let err = |csv: &str| classify_text(csv).unwrap_err();
    let e = err(&format!(
        "{HEADER}\nA,1,100,50,50,50,50,50\nB,abc,100,50,50,50,50,50\n"
    ));
    assert_eq!(e.code, 2);
    assert_eq!(
        e.message,
        "line 3, column monthly_volume_cases: not a number (\"abc\")"
    );
    let e = err(&format!("{HEADER}\nA,1,100,50,50,150,50,50\n"));
    assert_eq!(e.message, "line 2, column credit: 150 is above 100");
    let e = err(&format!("{HEADER}\nA,1,100,50,50,50\n"));
    assert_eq!(e.message, "line 2: has 6 fields, the header has 8");
    let e = err("customer_id,monthly_volume_cases\nA,1\n");
    assert!(
        e.message
            .starts_with("line 1: missing columns avg_price_per_carton, contribution"),
        "{}",
        e.message
    );
    let e = err(&format!(
        "{HEADER},current_band\nA,1,100,50,50,50,50,50,9\n"
    ));
    assert_eq!(
        e.message,
        "line 2, column current_band: \"9\" is not a band 1–8"
    );
    let e = err(&format!("{HEADER}\n,1,100,50,50,50,50,50\n"));
    assert_eq!(e.message, "line 2, column customer_id: empty");
}

#[test]
fn numbers_as_spreadsheets_write_them_are_taken_and_decisions_stay_exact() {
    // Default bands: band 1 lies above 20 cases, band 2 up to and including 20.
    let out = classify_text(&format!(
        "{HEADER}\n\
         on_bound,20.000000000,210,80,75,90,60,70\n\
         just_above,20.0000000001,210,80,75,90,60,70\n\
         average,12.3333333333333,2.1E+2,80,75,90,60,70\n\
         exponent,2E+1,210,8E+1,75,90,60,70\n"
    ))
    .unwrap();
    let band = |id: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("{id},")))
            .and_then(|l| l.split(',').nth(1))
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(
        band("on_bound"),
        "2",
        "equal to a bound: the band it closes"
    );
    assert_eq!(band("just_above"), "1", "just above a bound: above it");
    assert_eq!(band("exponent"), "2");
    assert!(out.lines().any(|l| l.starts_with("average,")), "{out}");
    // A price just below a floor (130 yuan by default) stays below it, whatever the
    // decimals: prices round down, volumes up.
    let input = read_input(
        format!("{HEADER}\nA,12.3333333,129.9999999,50,50,50,50,50\nB,10,130,50,50,50,50,50\n")
            .as_bytes(),
    )
    .unwrap();
    assert_eq!(input.population.price, vec![12_999, 13_000]);
    assert_eq!(input.population.volume[0], 12_334);
    let rules = kehu_engine::Rules::new(&Policy::default(), None);
    let classes: Vec<u8> = (0..2)
        .map(|i| {
            kehu_engine::classify(&rules, &input.population.facts(i))
                .explanation
                .grade
                .price_class
        })
        .collect();
    assert_eq!(
        classes[0],
        classes[1] + 1,
        "129.9999999 is in the class below 130"
    );
    // Whole-number columns take 3, 3.0 and 3E0, and refuse a fraction.
    let csv = format!("{HEADER},violations_12m\nA,10,150,50,50,50,50,50,3E0\n");
    assert!(classify_text(&csv).is_ok());
    let e = classify_text(&format!(
        "{HEADER},violations_12m\nA,10,150,50,50,50,50,50,2.5\n"
    ))
    .unwrap_err();
    assert!(e.message.contains("violations_12m"), "{}", e.message);
}

#[test]
fn a_column_given_twice_is_refused() {
    let e = classify_text(&format!(
        "{HEADER},monthly_volume_cases\nA,10,150,50,50,50,50,50,11\n"
    ))
    .unwrap_err();
    assert_eq!(
        e.message,
        "line 1, column monthly_volume_cases: appears twice (columns 2 and 9); keep one"
    );
}

#[test]
fn ids_that_excel_would_run_are_written_as_text() {
    let out = classify_text(&format!(
        "{HEADER}\n=1+2,10,150,50,50,50,50,50\n-5,10,150,50,50,50,50,50\n"
    ))
    .unwrap();
    assert!(out.contains("\n'=1+2,"), "{out}");
    assert!(out.contains("\n-5,"), "a number stays a number: {out}");
}

#[test]
fn cuts_fall_between_records_never_inside_quotes() {
    let data = b"h\n\"a\nb\",1\nc,2\n\"d\n\ne\",3\nf,4\n";
    for parts in 1..6 {
        let ranges = split_records(data, 2, parts);
        assert_eq!(ranges.first().unwrap().0, 2);
        assert_eq!(ranges.last().unwrap().1, data.len());
        for w in ranges.windows(2) {
            assert_eq!(w[0].1, w[1].0, "contiguous");
        }
        let cuts: Vec<usize> = ranges.iter().map(|r| r.0).skip(1).collect();
        for c in cuts {
            assert!(
                [10, 14, 23, data.len()].contains(&c),
                "cut at {c} with {parts} parts is not a record start"
            );
        }
    }
}

#[test]
fn large_inputs_parsed_in_parallel_equal_one_pass_and_report_the_right_line() {
    // About 6 MB, so the parallel path runs; managers first seen in the second half too.
    let rows = 120_000;
    let mut csv = format!("{HEADER},customer_manager\n");
    for i in 0..rows {
        let manager = if i < rows / 2 { i % 3 } else { 3 + i % 2 };
        csv.push_str(&format!(
            "C{i:07},{}.{:03},{}.5,{},50,60,70,80,cm{manager}\n",
            i % 40,
            i % 1000,
            100 + i % 200,
            i % 101
        ));
    }
    assert!(csv.len() > 4 << 20);
    let input = read_input(csv.as_bytes()).unwrap();
    assert_eq!(input.population.len(), rows);
    assert_eq!(input.managers, 5);
    assert_eq!(input.id(0), "C0000000");
    assert_eq!(input.id(rows - 1), format!("C{:07}", rows - 1));
    // cm0, cm1, cm2 first seen in rows 0–2; cm3 and cm4 in the second half.
    assert_eq!(&input.population.manager[..3], &[0, 1, 2]);
    assert_eq!(
        input.population.manager[rows - 2..],
        [3 + (rows as u32 - 2) % 2, 3 + (rows as u32 - 1) % 2]
    );
    assert_eq!(
        input.population.volume[rows - 1],
        ((rows - 1) % 40 * 1000 + (rows - 1) % 1000) as u32
    );
    // A bad value near the end: the line counts the header and every row before it.
    let bad = csv.replacen("C0119990,30", "C0119990,x", 1);
    let Err(e) = read_input(bad.as_bytes()) else {
        panic!("a bad row was accepted")
    };
    assert_eq!(
        e.message,
        "line 119992, column monthly_volume_cases: not a number (\"x.990\")"
    );
}

#[test]
fn a_bad_row_leaves_no_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.csv");
    let output = dir.path().join("out.csv");
    std::fs::write(
        &input,
        format!("{HEADER}\nA,1,100,50,50,50,50,50\nB,-1,100,50,50,50,50,50\n"),
    )
    .unwrap();
    let e = run(&input, None, Some(&output)).unwrap_err();
    assert_eq!(
        e.message,
        "line 3, column monthly_volume_cases: -1 is below 0"
    );
    assert!(!output.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file left either"
    );
    std::fs::write(
        &input,
        format!("\u{feff}{HEADER},current_band\nA,1,100,50,50,50,50,50,7\n"),
    )
    .unwrap();
    let (summary, _) = run(&input, None, Some(&output)).unwrap();
    assert_eq!(
        summary.band_transitions[7][7], 1,
        "a BOM before the header is ignored; band 7 → 8"
    );
    assert!(std::fs::read_to_string(&output).unwrap().contains("A,8,"));
}
