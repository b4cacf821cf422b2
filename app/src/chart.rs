//! Charts drawn with plotters into SVG strings, usable on the server and in the browser.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One set of bars: a name for the legend (empty: no legend), values and a colour.
pub struct Series<'a> {
    pub name: &'a str,
    pub values: &'a [u32],
    pub color: RGBColor,
}

/// The brand colour (bars of "now" / "after").
pub const PRIMARY: RGBColor = RGBColor(15, 92, 77);
/// Muted grey for "before".
pub const MUTED: RGBColor = RGBColor(154, 165, 177);

/// A vertical bar chart of `values` labelled by `labels`, as an SVG document.
/// Returns an empty string if plotters reports a drawing error (the page then shows the table).
pub fn bar_chart_svg(
    labels: &[String],
    values: &[u32],
    x_desc: &str,
    y_desc: &str,
    size: (u32, u32),
) -> String {
    bar_chart_with_marks_svg(labels, values, &[], x_desc, y_desc, size)
}

/// What `draw` draws, as an SVG document; "" on a drawing error (the page then shows its table).
fn svg_of(
    draw: impl for<'s> FnOnce(&'s mut String) -> Result<(), Box<dyn std::error::Error + 's>>,
) -> String {
    let mut svg = String::new();
    let drawn = draw(&mut svg).is_ok();
    if drawn { svg } else { String::new() }
}

/// A horizontal reference line across a bar chart (e.g. where the next band starts).
pub struct Mark<'a> {
    pub value: u32,
    pub label: &'a str,
    pub color: RGBColor,
}

/// Amber for "the next step" lines.
pub const ACCENT: RGBColor = RGBColor(180, 83, 9);

/// Bars of `values` with horizontal reference lines, as an SVG document ("" on a drawing error).
pub fn bar_chart_with_marks_svg(
    labels: &[String],
    values: &[u32],
    marks: &[Mark],
    x_desc: &str,
    y_desc: &str,
    size: (u32, u32),
) -> String {
    let series = [Series {
        name: "",
        values,
        color: PRIMARY,
    }];
    svg_of(|svg| draw_bars(svg, labels, &series, marks, x_desc, y_desc, size))
}

/// A customer's band at each publication (oldest first), as a line with points; band 1 at the
/// top. "" on a drawing error.
pub fn band_history_svg(labels: &[String], bands: &[u8], y_desc: &str, size: (u32, u32)) -> String {
    svg_of(|svg| draw_band_history(svg, labels, bands, y_desc, size))
}

fn draw_band_history<'a>(
    svg: &'a mut String,
    labels: &[String],
    bands: &[u8],
    y_desc: &str,
    size: (u32, u32),
) -> Result<(), Box<dyn std::error::Error + 'a>> {
    let root = SVGBackend::with_string(svg, size).into_drawing_area();
    root.fill(&WHITE)?;
    let n = labels.len().max(1);
    // Band 1 is best: plot 9 − band so better is higher, and label the axis with the band.
    let mut chart = ChartBuilder::on(&root)
        .margin(8)
        .x_label_area_size(30)
        .y_label_area_size(40)
        .build_cartesian_2d(0f64..n as f64, 0.5f64..8.5f64)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(8)
        .y_label_formatter(&|v| format!("{}", 9 - v.round() as i32))
        .y_desc(y_desc)
        .bold_line_style(RGBColor(230, 233, 236))
        .axis_desc_style(("sans-serif", 14))
        .label_style(("sans-serif", 13))
        .draw()?;
    slot_labels(&mut chart, &root, labels, 0.5)?;
    let points: Vec<(f64, f64)> = bands
        .iter()
        .enumerate()
        .map(|(i, &b)| (i as f64 + 0.5, f64::from(9 - b.clamp(1, 8))))
        .collect();
    chart.draw_series(std::iter::once(PathElement::new(
        points.clone(),
        PRIMARY.stroke_width(2),
    )))?;
    chart.draw_series(points.iter().map(|&p| Circle::new(p, 5, PRIMARY.filled())))?;
    root.present()?;
    Ok(())
}

/// Each label centred under its slot (`0.5`, `1.5`, … along x), at `bottom` on the y axis.
fn slot_labels<'a, Y>(
    chart: &mut ChartContext<
        'a,
        SVGBackend<'a>,
        Cartesian2d<plotters::coord::types::RangedCoordf64, Y>,
    >,
    root: &DrawingArea<SVGBackend<'a>, plotters::coord::Shift>,
    labels: &[String],
    bottom: Y::ValueType,
) -> Result<(), DrawingAreaErrorKind<std::io::Error>>
where
    Y: Ranged,
    Y::ValueType: Clone,
{
    let style = ("sans-serif", 13)
        .into_font()
        .into_text_style(root)
        .pos(Pos::new(HPos::Center, VPos::Top));
    chart.draw_series(labels.iter().enumerate().map(|(i, l)| {
        EmptyElement::at((i as f64 + 0.5, bottom.clone()))
            + Text::new(l.clone(), (0, 6), style.clone())
    }))?;
    Ok(())
}

/// Bars side by side per label, one per series (e.g. before / after), with a legend when the
/// series are named.
pub fn grouped_bar_chart_svg(
    labels: &[String],
    series: &[Series],
    x_desc: &str,
    y_desc: &str,
    size: (u32, u32),
) -> String {
    svg_of(|svg| draw_bars(svg, labels, series, &[], x_desc, y_desc, size))
}

fn draw_bars<'a>(
    svg: &'a mut String,
    labels: &[String],
    series: &[Series],
    marks: &[Mark],
    x_desc: &str,
    y_desc: &str,
    size: (u32, u32),
) -> Result<(), Box<dyn std::error::Error + 'a>> {
    let root = SVGBackend::with_string(svg, size).into_drawing_area();
    root.fill(&WHITE)?;
    let n = labels.len().max(1);
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .chain(marks.iter().map(|m| m.value))
        .max()
        .unwrap_or(0)
        .max(1);
    // Head-room above the tallest bar for its value label and the legend (named series and
    // reference lines, a line each).
    let rows = series.iter().filter(|s| !s.name.is_empty()).count() + marks.len();
    let legend = rows > 0;
    let room = if legend {
        max * (rows as u32 + 1) / 6
    } else {
        0
    };
    let top = max + room + max / 8 + 1;
    let mut chart = ChartBuilder::on(&root)
        .margin(8)
        .x_label_area_size(34)
        .y_label_area_size(48)
        .build_cartesian_2d(0f64..n as f64, 0u32..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .bold_line_style(RGBColor(230, 233, 236))
        .y_labels(5)
        .x_desc(x_desc)
        .y_desc(y_desc)
        .axis_desc_style(("sans-serif", 14))
        .label_style(("sans-serif", 13))
        .draw()?;
    slot_labels(&mut chart, &root, labels, 0)?;
    let k = series.len().max(1) as f64;
    let width = 0.8 / k;
    let value_style = ("sans-serif", 13)
        .into_font()
        .into_text_style(&root)
        .pos(Pos::new(HPos::Center, VPos::Bottom));
    for (j, s) in series.iter().enumerate() {
        let x0 = |i: usize| i as f64 + 0.1 + width * j as f64;
        let drawn = chart.draw_series(s.values.iter().enumerate().map(|(i, &v)| {
            Rectangle::new([(x0(i), 0), (x0(i) + width * 0.92, v)], s.color.filled())
        }))?;
        if !s.name.is_empty() {
            let color = s.color;
            drawn.label(s.name).legend(move |(x, y)| {
                Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled())
            });
        }
        // A value over its bar where it fits (the tables beside the charts hold every number).
        let bar_px = f64::from(size.0.saturating_sub(64)) / n as f64 * width;
        let fits = |v: u32| v.to_string().len() as f64 * 8.0 <= bar_px + 6.0;
        chart.draw_series(s.values.iter().enumerate().filter(|(_, v)| fits(**v)).map(
            |(i, &v)| {
                Text::new(
                    v.to_string(),
                    (x0(i) + width * 0.46, v),
                    value_style.clone(),
                )
            },
        ))?;
    }
    // Reference lines are named in the legend (on its white box), not over the bars.
    for m in marks {
        let color = m.color;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, m.value), (n as f64, m.value)],
                color.stroke_width(2),
            )))?
            .label(m.label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 14, y)], color.stroke_width(2))
            });
    }
    if legend {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(RGBColor(230, 233, 236))
            .label_font(("sans-serif", 13))
            .draw()?;
    }
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_history_has_a_point_per_publication_with_band_1_on_top() {
        let labels: Vec<String> = ["v1", "v2", "v3"].map(String::from).to_vec();
        let svg = band_history_svg(&labels, &[3, 2, 2], "band", (400, 200));
        let flat = svg.replace('\n', "");
        assert_eq!(svg.matches("<circle").count(), 3, "{svg}");
        assert!(
            flat.contains(">v3<") && flat.contains(">1<") && flat.contains(">8<"),
            "{svg}"
        );
    }

    #[test]
    fn reference_lines_are_drawn_with_their_labels_and_raise_the_scale() {
        let labels: Vec<String> = (1..=3).map(|m| format!("M{m}")).collect();
        let svg = bar_chart_with_marks_svg(
            &labels,
            &[100, 120, 90],
            &[Mark {
                value: 500,
                label: "band 2 above 500",
                color: ACCENT,
            }],
            "month",
            "cartons",
            (480, 260),
        );
        let flat = svg.replace('\n', "");
        assert!(flat.contains(">band 2 above 500<"), "{svg}");
        assert!(
            svg.contains("#B45309"),
            "the line in the accent colour: {svg}"
        );
        assert_eq!(svg.matches("fill=\"#0F5C4D\"").count(), 3, "{svg}");
    }

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
        // One filled rectangle in the bar colour per value.
        assert_eq!(svg.matches("fill=\"#0F5C4D\"").count(), 8, "{svg}");
        assert!(!svg.contains("#9AA5B1"), "no legend or second series");
    }

    #[test]
    fn grouped_chart_draws_both_series_and_names_them() {
        let labels: Vec<String> = ["core", "general", "problem"].map(String::from).to_vec();
        let svg = grouped_bar_chart_svg(
            &labels,
            &[
                Series {
                    name: "before",
                    values: &[10, 70, 20],
                    color: MUTED,
                },
                Series {
                    name: "after",
                    values: &[12, 66, 22],
                    color: PRIMARY,
                },
            ],
            "tier",
            "customers",
            (480, 260),
        );
        let flat = svg.replace('\n', "");
        // Three bars each plus one legend swatch each.
        assert_eq!(svg.matches("fill=\"#9AA5B1\"").count(), 4, "{svg}");
        assert_eq!(svg.matches("fill=\"#0F5C4D\"").count(), 4, "{svg}");
        for text in [">before<", ">after<", ">general<", ">66<", ">70<"] {
            assert!(flat.contains(text), "{text} missing: {svg}");
        }
    }
}
