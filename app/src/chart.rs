//! Charts drawn with plotters into SVG strings, usable on the server and in the browser.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// A vertical bar chart of `values` labelled by `labels`, as an SVG document.
/// Returns an empty string if plotters reports a drawing error (the page then shows the table).
pub fn bar_chart_svg(
    labels: &[String],
    values: &[u32],
    x_desc: &str,
    y_desc: &str,
    size: (u32, u32),
) -> String {
    let mut svg = String::new();
    let drawn = draw_bars(&mut svg, labels, values, x_desc, y_desc, size);
    if drawn.is_err() { String::new() } else { svg }
}

fn draw_bars(
    svg: &mut String,
    labels: &[String],
    values: &[u32],
    x_desc: &str,
    y_desc: &str,
    size: (u32, u32),
) -> Result<(), String> {
    draw_bars_inner(svg, labels, values, x_desc, y_desc, size).map_err(|e| e.to_string())
}

fn draw_bars_inner<'a>(
    svg: &'a mut String,
    labels: &[String],
    values: &[u32],
    x_desc: &str,
    y_desc: &str,
    size: (u32, u32),
) -> Result<(), Box<dyn std::error::Error + 'a>> {
    let root = SVGBackend::with_string(svg, size).into_drawing_area();
    root.fill(&WHITE)?;
    let n = values.len().max(1) as u32;
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    // Head-room above the tallest bar for its value label.
    let top = max + max / 8 + 1;
    let mut chart = ChartBuilder::on(&root)
        .margin(8)
        .x_label_area_size(34)
        .y_label_area_size(44)
        // A segmented range includes its end: n bars are segments 0..=n-1.
        .build_cartesian_2d((0u32..n - 1).into_segmented(), 0u32..top)?;
    let label_of = |v: &SegmentValue<u32>| match v {
        SegmentValue::CenterOf(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
        _ => String::new(),
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .bold_line_style(RGBColor(230, 233, 236))
        .y_labels(5)
        .x_labels(labels.len())
        .x_label_formatter(&label_of)
        .x_desc(x_desc)
        .y_desc(y_desc)
        .axis_desc_style(("sans-serif", 13))
        .label_style(("sans-serif", 12))
        .draw()?;
    let bar = RGBColor(15, 92, 77);
    chart.draw_series(
        Histogram::vertical(&chart)
            .style(bar.filled())
            .margin(6)
            .data(values.iter().enumerate().map(|(i, &v)| (i as u32, v))),
    )?;
    chart.draw_series(values.iter().enumerate().map(|(i, &v)| {
        let style = ("sans-serif", 11)
            .into_font()
            .into_text_style(&root)
            .pos(Pos::new(HPos::Center, VPos::Bottom));
        Text::new(v.to_string(), (SegmentValue::CenterOf(i as u32), v), style)
    }))?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_chart_has_one_bar_per_value_and_the_labels() {
        let labels: Vec<String> = (1..=8).map(|b| format!("B{b}")).collect();
        let svg = bar_chart_svg(
            &labels,
            &[5, 10, 0, 3, 8, 1, 0, 2],
            "band",
            "customers",
            (480, 260),
        );
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("B8"));
        let flat = svg.replace('\n', "");
        assert!(
            flat.contains(">10<"),
            "value label of the tallest bar: {svg}"
        );
        // One filled rectangle in the bar colour per value; the two zeros have no height.
        assert_eq!(svg.matches("fill=\"#0F5C4D\"").count(), 8, "{svg}");
        assert_eq!(
            svg.matches("height=\"0\" opacity=\"1\" fill=\"#0F5C4D\"")
                .count(),
            2,
            "{svg}"
        );
    }
}
