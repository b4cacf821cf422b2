//! Writing the classified CSV and the summary (counts per band and tier, the transition matrix).

use super::*;

/// Writes the tiers CSV. Rows are formatted on every core in blocks and written in order.
pub fn write_output(input: &Input, out: &Outcomes, w: impl Write) -> std::io::Result<()> {
    let codes: Vec<String> = (1..=42u8)
        .map(|n| {
            CharacteristicClass::from_number(n)
                .map(|c| c.code())
                .unwrap_or_default()
        })
        .collect();
    let mut w = BufWriter::with_capacity(1 << 20, w);
    w.write_all(
        b"customer_id,band,grade,class_code,value_score,value_class,tier,key_account,gap_class\n",
    )?;
    let n = out.len();
    let threads = if n < 100_000 {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |t| t.get().min(8))
    };
    // Blocks of 64k rows, taken in turn by each thread; written back in row order.
    const BLOCK: usize = 1 << 16;
    let blocks = n.div_ceil(BLOCK);
    for first in (0..blocks).step_by(threads.max(1)) {
        let formatted: Vec<Vec<u8>> = std::thread::scope(|s| {
            let handles: Vec<_> = (first..(first + threads).min(blocks))
                .map(|b| {
                    let codes = &codes;
                    s.spawn(move || {
                        format_rows(input, out, codes, b * BLOCK..((b + 1) * BLOCK).min(n))
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a CSV formatting thread panicked"))
                .collect()
        });
        for block in formatted {
            w.write_all(&block)?;
        }
    }
    w.flush()
}

/// Formats rows `range` of the output; numbers are written without going through `fmt`.
pub(crate) fn format_rows(
    input: &Input,
    out: &Outcomes,
    codes: &[String],
    range: std::ops::Range<usize>,
) -> Vec<u8> {
    let mut buf = Vec::with_capacity(range.len() * 64);
    let mut num = [0u8; 24];
    for i in range {
        let id = crate::spreadsheet::cell(input.id(i));
        if id.contains([',', '"', '\n', '\r']) {
            buf.push(b'"');
            buf.extend_from_slice(id.replace('"', "\"\"").as_bytes());
            buf.push(b'"');
        } else {
            buf.extend_from_slice(id.as_bytes());
        }
        for small in [out.band[i], out.grade[i]] {
            buf.push(b',');
            buf.extend_from_slice(
                kehu_engine::Fixed::<0>::from_int(small.into()).to_ascii(&mut num),
            );
        }
        let fields: [&[u8]; 6] = [
            codes[usize::from(out.class[i] - 1)].as_bytes(),
            kehu_engine::Score::from_raw(out.value_score[i]).to_ascii(&mut num),
            ValueClass::ALL[usize::from(out.value_class[i])]
                .key()
                .as_bytes(),
            Tier::ALL[usize::from(out.tier[i])].key().as_bytes(),
            KeyAccountTier::ALL[usize::from(out.key_account[i])]
                .key()
                .as_bytes(),
            GapClass::ALL[usize::from(out.gap_class[i])]
                .key()
                .as_bytes(),
        ];
        for f in fields {
            buf.push(b',');
            buf.extend_from_slice(f);
        }
        buf.push(b'\n');
    }
    buf
}

/// The summary for people: counts per band and tier, and the band transition matrix when the
/// input carried current bands.
pub fn summary_text(s: &Summary, t: Timings) -> String {
    let mut t = format!(
        "classified {} customers in {} ms (read {} ms, classify {} ms, write {} ms)\n",
        s.customers,
        (t.read + t.classify + t.write).as_millis(),
        t.read.as_millis(),
        t.classify.as_millis(),
        t.write.as_millis()
    );
    t.push_str("band      ");
    for b in 1..=BANDS {
        t.push_str(&format!("{b:>8}"));
    }
    t.push_str("\ncustomers ");
    for c in &s.band_counts {
        t.push_str(&format!("{c:>8}"));
    }
    t.push_str(&format!(
        "\ntiers: core {}, general {}, problem {}\n",
        s.tier_counts[0], s.tier_counts[1], s.tier_counts[2]
    ));
    if s.band_transitions
        .iter()
        .skip(1)
        .any(|row| row.iter().any(|&n| n > 0))
    {
        t.push_str(&format!(
            "movers: {}\ntransitions (rows: current band, columns: new band)\n",
            s.movers
        ));
        for (prev, row) in s.band_transitions.iter().enumerate().skip(1) {
            t.push_str(&format!("{prev:>9} "));
            for n in row {
                t.push_str(&format!("{n:>8}"));
            }
            t.push('\n');
        }
    }
    t
}
