use super::*;

const T0: i64 = 1_795_400_000;

fn spec(quantity: Quantity) -> ChartSpec<'static> {
    ChartSpec {
        title: "offset",
        quantity,
        from: Timestamp::from_secs_nanos(T0, 0),
        to: Timestamp::from_secs_nanos(T0 + 3600, 0),
        max_gap: Duration::from_secs(150),
    }
}

fn sample(minute: i64, value: Option<f64>) -> Sample {
    Sample {
        at: Timestamp::from_secs_nanos(T0 + 60 * minute, 0),
        value,
    }
}

/// The `(x, y)` pairs of every polyline.
fn polylines(svg: &str) -> Vec<Vec<(f64, f64)>> {
    svg.split("<polyline class=\"line\" points=\"")
        .skip(1)
        .map(|rest| {
            rest.split('"')
                .next()
                .unwrap_or_default()
                .split_whitespace()
                .map(|pair| {
                    let (x, y) = pair.split_once(',').expect("x,y");
                    (x.parse().expect("x"), y.parse().expect("y"))
                })
                .collect()
        })
        .collect()
}

#[test]
fn values_scale_into_the_plot_with_units_and_labels() {
    let samples: Vec<Sample> = (0..=60)
        .map(|m| sample(m, Some(10_000.0 + 1000.0 * m as f64)))
        .collect();
    let svg = render(&spec(Quantity::Offset), &samples);
    assert!(svg.starts_with("<svg class=\"chart\""), "{svg}");
    assert!(svg.ends_with("</svg>"));
    assert!(
        svg.contains("offset (µs)"),
        "70 µs at most is shown in µs: {svg}"
    );
    assert!(
        svg.contains("min 10.0 µs · max 70.0 µs · 61 points"),
        "{svg}"
    );
    let lines = polylines(&svg);
    assert_eq!(lines.len(), 1, "{svg}");
    let line = &lines[0];
    let (first, last) = (line[0], line[line.len() - 1]);
    assert!(
        (first.0 - LEFT).abs() < 0.1,
        "the period's start is the left edge: {first:?}"
    );
    assert!(
        (last.0 - (WIDTH - RIGHT)).abs() < 0.1,
        "its end the right edge: {last:?}"
    );
    assert!(
        first.1 > last.1,
        "larger values are higher up: {first:?} {last:?}"
    );
    for (x, y) in line {
        assert!((LEFT..=WIDTH - RIGHT).contains(x), "x {x}");
        assert!((TOP..=HEIGHT - BOTTOM).contains(y), "y {y}");
    }
    assert!(!svg.contains("class=\"zero\""), "no zero line above zero");
}

#[test]
fn no_samples_or_no_values_say_so() {
    let svg = render(&spec(Quantity::Offset), &[]);
    assert!(svg.contains("no reports in this period"), "{svg}");
    assert!(!svg.contains("polyline") && !svg.contains("circle"));
    let svg = render(&spec(Quantity::Offset), &[sample(3, None), sample(4, None)]);
    assert!(svg.contains("no value in the reports"), "{svg}");
    assert!(svg.ends_with("</svg>"));
}

#[test]
fn a_single_point_is_a_dot_on_a_flat_axis() {
    let svg = render(&spec(Quantity::Frequency), &[sample(30, Some(-12.5))]);
    assert_eq!(svg.matches("<circle").count(), 1, "{svg}");
    assert!(!svg.contains("polyline"));
    assert!(svg.contains("frequency") || svg.contains("(ppb)"), "{svg}");
    assert!(svg.contains("min -12.5 ppb · max -12.5 ppb"), "{svg}");
    assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
}

#[test]
fn negative_offsets_get_a_zero_line_between_the_labels() {
    let samples = [
        sample(0, Some(-250.0)),
        sample(1, Some(400.0)),
        sample(2, Some(-100.0)),
    ];
    let svg = render(&spec(Quantity::Offset), &samples);
    assert!(svg.contains("class=\"zero\""), "{svg}");
    assert!(svg.contains("min -250 ns · max 400 ns"), "{svg}");
    assert!(
        svg.contains(">-282<"),
        "the lower axis label, with room: {svg}"
    );
    let line = &polylines(&svg)[0];
    assert!(line[1].1 < line[0].1, "400 is above -250: {line:?}");
}

#[test]
fn gaps_and_missing_values_break_the_line() {
    let samples = [
        sample(0, Some(1.0)),
        sample(1, Some(2.0)),
        sample(10, Some(3.0)),
        sample(11, Some(4.0)),
        sample(12, None),
        sample(13, Some(5.0)),
    ];
    let svg = render(&spec(Quantity::Offset), &samples);
    assert_eq!(polylines(&svg).len(), 2, "{svg}");
    assert_eq!(
        svg.matches("<circle").count(),
        1,
        "the lone point after the gap"
    );
}

#[test]
fn many_points_keep_their_envelope_in_few_columns() {
    let samples: Vec<Sample> = (0..20_000)
        .map(|i| Sample {
            at: Timestamp::from_secs_nanos(T0 + i * 3600 / 20_000, 0),
            value: Some(if i == 7_777 { 1e6 } else { (i % 7) as f64 }),
        })
        .collect();
    let mut wide = spec(Quantity::Offset);
    wide.max_gap = Duration::from_secs(10);
    let svg = render(&wide, &samples);
    let line = &polylines(&svg)[0];
    assert!(
        line.len() <= 2 * 560,
        "reduced to pixel columns: {}",
        line.len()
    );
    let top = line.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    assert!(top < TOP + 10.0, "the spike survives the reduction: {top}");
    assert!(svg.contains("offset (ms)"), "{}", &svg[..400]);
}

#[test]
fn the_title_is_escaped() {
    let mut hostile = spec(Quantity::Offset);
    hostile.title = "<script>x</script>";
    let svg = render(&hostile, &[]);
    assert!(!svg.contains("<script>"), "{svg}");
    assert!(svg.contains("&lt;script&gt;"));
}
