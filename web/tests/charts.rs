//! The report charts: well-formed SVG that carries every shown value, label and name as text,
//! one bar per value, one line per series whose points follow the values.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use base64::Engine;
use chrono::NaiveDate;
use dms_db::reports::ReportRow;
use dms_schemas::ActionType;
use dms_web::charts::{self, Axes, Bar, Chart, ChartError, Series};

const AXES: Axes<'static> = Axes {
    category: "Орган реєстрації",
    value: "Кількість",
};

fn parse(chart: &Chart) -> roxmltree::Document<'_> {
    match roxmltree::Document::parse(&chart.svg) {
        Ok(doc) => doc,
        Err(e) => panic!("not XML: {e}\n{}", chart.svg),
    }
}

/// The text of every `<text>`, trimmed; every one is sans-serif.
fn texts(doc: &roxmltree::Document<'_>) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            assert_eq!(n.attribute("font-family"), Some("sans-serif"));
            n.text().unwrap_or_default().trim().to_owned()
        })
        .collect()
}

fn num(n: roxmltree::Node<'_, '_>, attr: &str) -> i64 {
    n.attribute(attr)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no number {attr}"))
}

/// (y, width) of every bar.
fn bar_rects(doc: &roxmltree::Document<'_>) -> Vec<(i64, i64)> {
    doc.descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("fill") == Some(charts::BAR_FILL))
        .map(|n| (num(n, "y"), num(n, "width")))
        .collect()
}

/// The points of every line of `colour` with more than five points (legend samples have two,
/// the diamond and plus markers five and two).
fn lines(doc: &roxmltree::Document<'_>, colour: &str) -> Vec<Vec<(i64, i64)>> {
    doc.descendants()
        .filter(|n| n.has_tag_name("polyline") && n.attribute("stroke") == Some(colour))
        .map(|n| {
            n.attribute("points")
                .unwrap_or_default()
                .split_whitespace()
                .map(|p| {
                    let (x, y) = p.split_once(',').unwrap_or_default();
                    (x.parse().unwrap_or(-1), y.parse().unwrap_or(-1))
                })
                .collect::<Vec<_>>()
        })
        .filter(|points| points.len() > 5)
        .collect()
}

/// `pixels` are `values` to one linear scale, within a pixel's rounding (`up`: larger values
/// give smaller pixels, as y does).
fn assert_scaled(pixels: &[i64], values: &[i64], up: bool) {
    assert_eq!(pixels.len(), values.len());
    let sign = if up { -1.0 } else { 1.0 };
    let (lo, hi) = match (values.iter().min(), values.iter().max()) {
        (Some(lo), Some(hi)) if hi > lo => (*lo, *hi),
        _ => panic!("values need a spread"),
    };
    let at = |v: i64| {
        values
            .iter()
            .position(|x| *x == v)
            .map(|i| pixels[i] as f64)
    };
    let (p_lo, p_hi) = (at(lo).unwrap_or_default(), at(hi).unwrap_or_default());
    let per_unit = (p_hi - p_lo) / (hi - lo) as f64;
    assert!(per_unit * sign > 0.0, "a unit is {per_unit} pixels");
    for (p, v) in pixels.iter().zip(values) {
        let want = p_lo + (v - lo) as f64 * per_unit;
        assert!(
            (*p as f64 - want).abs() <= 1.0,
            "value {v} at {p}, not {want}"
        );
    }
}

/// A line through `values`, left to right.
fn assert_follows(points: &[(i64, i64)], values: &[i64]) {
    assert_eq!(points.len(), values.len());
    assert!(points.windows(2).all(|w| w[1].0 > w[0].0), "x goes right");
    let ys: Vec<i64> = points.iter().map(|p| p.1).collect();
    assert_scaled(&ys, values, true);
}

fn bar(label: &str, value: i64) -> Bar {
    Bar {
        label: label.to_owned(),
        value,
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

#[test]
fn bars_carry_the_title_every_label_and_value_and_one_rect_each() {
    let data = vec![
        bar("Бучанська міська рада", 7),
        bar("Ірпінська міська рада", 12),
        bar("Гостомельська селищна рада", 0),
        bar("12345678", 30),
        bar("Фастівська міська рада", 12),
    ];
    let chart = charts::bars("Подання із запізненням", AXES, &data).expect("drawn");
    let doc = parse(&chart);
    let texts = texts(&doc);
    for want in ["Подання із запізненням", "Орган реєстрації", "Кількість"]
    {
        assert!(texts.iter().any(|t| t == want), "{want} missing");
    }
    for b in &data {
        assert!(texts.contains(&b.label), "{} missing", b.label);
        assert!(texts.contains(&b.value.to_string()), "{} missing", b.value);
        assert!(chart.alt.contains(&format!("{} — {}", b.label, b.value)));
    }
    // Largest on top; widths to scale.
    let mut rects = bar_rects(&doc);
    assert_eq!(rects.len(), data.len());
    rects.sort();
    let widths: Vec<i64> = rects.iter().map(|r| r.1).collect();
    assert_eq!(widths[4], 0);
    assert_scaled(&widths, &[30, 12, 12, 7, 0], false);
    let svg = base64::engine::general_purpose::STANDARD
        .decode(
            chart
                .data_url
                .trim_start_matches("data:image/svg+xml;base64,"),
        )
        .expect("base64");
    assert!(chart.data_url.starts_with("data:image/svg+xml;base64,"));
    assert_eq!(svg, chart.svg.as_bytes());
    assert!(chart.svg.contains(&format!("width=\"{}\"", chart.width)));
}

#[test]
fn many_bars_show_the_largest_and_count_and_sum_the_rest() {
    let data: Vec<Bar> = (0..500)
        .map(|i| bar(&format!("{:08}", 30_000_000 + i), (i * 37) % 101))
        .collect();
    let chart = charts::bars("Прострочені запити", AXES, &data).expect("drawn");
    let doc = parse(&chart);
    assert_eq!(bar_rects(&doc).len(), charts::MAX_BARS);
    let mut sorted = data.clone();
    sorted.sort_by(|a, b| b.value.cmp(&a.value).then_with(|| a.label.cmp(&b.label)));
    let (shown, rest) = sorted.split_at(charts::MAX_BARS);
    let texts = texts(&doc);
    for b in shown {
        assert!(texts.contains(&b.label), "{} missing", b.label);
    }
    assert!(!texts.contains(&rest[0].label));
    let rest_sum: i64 = rest.iter().map(|b| b.value).sum();
    let note = format!(
        "Ще {} з меншими значеннями не показано (разом {rest_sum})",
        rest.len()
    );
    assert!(texts.iter().any(|t| t.starts_with(&note)), "{note} missing");
    assert!(chart.alt.contains(&note));
    assert!(chart.svg.len() < 30_000, "{} bytes", chart.svg.len());
}

#[test]
fn labels_are_escaped_stripped_of_controls_and_cut() {
    let long = "Дмитрівська сільська рада Бучанського району Київської області";
    let data = vec![bar("<ТОВ \"Ромашка\" & 'Ко'>\u{0}\u{7}", 2), bar(long, 1)];
    let chart = charts::bars("Заголовок <&>", AXES, &data).expect("drawn");
    let doc = parse(&chart);
    let texts = texts(&doc);
    assert!(texts.iter().any(|t| t == "Заголовок <&>"));
    assert!(texts.iter().any(|t| t == "<ТОВ \"Ромашка\" & 'Ко'>"));
    let cut = texts
        .iter()
        .find(|t| t.starts_with("Дмитрівська сільська рада"))
        .expect("long label");
    assert!(cut.ends_with('…'));
    assert!(cut.chars().count() <= charts::MAX_LABEL_CHARS);
    assert!(long.starts_with(cut.trim_end_matches('…')));
}

#[test]
fn no_data_draws_the_title_and_says_so() {
    let days = [day(2025, 3, 1), day(2025, 3, 2)];
    let charts = [
        charts::bars("Прострочені запити", AXES, &[]).expect("drawn"),
        charts::daily_series("Обсяги", AXES, &[], &[]).expect("drawn"),
        charts::daily_series("Обсяги", AXES, &days, &[]).expect("drawn"),
    ];
    for chart in &charts {
        let doc = parse(chart);
        let texts = texts(&doc);
        assert!(texts.iter().any(|t| t == charts::NO_DATA));
        assert!(texts
            .iter()
            .any(|t| t == "Прострочені запити" || t == "Обсяги"));
        assert!(chart.alt.ends_with(": немає даних."));
        assert!(bar_rects(&doc).is_empty());
    }
}

fn six_series(days: usize) -> Vec<Series> {
    dms_web::uk::PERSON_ACTIONS
        .iter()
        .enumerate()
        .map(|(s, t)| Series {
            name: dms_web::uk::action_type(t).to_owned(),
            values: (0..days)
                .map(|i| i64::try_from((i * (s + 3) * 7 + s * 11) % 41).unwrap_or(0))
                .collect(),
        })
        .collect()
}

#[test]
fn daily_series_draw_one_line_per_series_through_every_value() {
    let days: Vec<NaiveDate> = day(2025, 3, 1).iter_days().take(30).collect();
    let series = six_series(days.len());
    let axes = Axes {
        category: "День",
        value: "Кількість дій",
    };
    let chart = charts::daily_series("Обсяги за днями", axes, &days, &series).expect("drawn");
    let doc = parse(&chart);
    let texts = texts(&doc);
    for want in [
        "Обсяги за днями",
        "День, 2025",
        "Кількість дій",
        "03.03",
        "24.03",
    ] {
        assert!(texts.iter().any(|t| t == want), "{want} missing");
    }
    // Mondays only (01.03.2025, a Saturday, is too near the first Monday).
    for not in ["01.03", "04.03", "30.03"] {
        assert!(!texts.iter().any(|t| t == not), "{not} labelled");
    }
    for (s, line) in series.iter().enumerate() {
        let total: i64 = line.values.iter().sum();
        let legend = format!("{} — разом {total}", line.name);
        assert!(texts.contains(&legend), "{legend} missing");
        assert!(chart.alt.contains(&format!("{} — {total}", line.name)));
        let drawn = lines(&doc, charts::SERIES_COLOURS[s]);
        assert_eq!(drawn.len(), 1, "series {s}");
        assert_follows(&drawn[0], &line.values);
    }
}

#[test]
fn a_year_of_days_is_drawn_as_weekly_sums_and_stays_small() {
    let days: Vec<NaiveDate> = day(2025, 3, 1).iter_days().take(366).collect();
    let mut series = six_series(days.len());
    series.push(Series {
        name: "Скасування".to_owned(),
        values: vec![1; days.len()],
    });
    let axes = Axes {
        category: "День",
        value: "Кількість дій",
    };
    let chart = charts::daily_series("Обсяги за рік", axes, &days, &series).expect("drawn");
    assert!(chart.svg.len() < 120_000, "{} bytes", chart.svg.len());
    let doc = parse(&chart);
    let texts = texts(&doc);
    assert!(texts.iter().any(|t| t.contains("суми за тижні")));
    for (s, line) in series.iter().enumerate() {
        // 01.03.2025 is a Saturday: a 2-day week, then 52 whole ones.
        let mut weekly = vec![line.values[0] + line.values[1]];
        weekly.extend(line.values[2..366].chunks(7).map(|w| w.iter().sum::<i64>()));
        assert_eq!(weekly.len(), 53);
        assert_eq!(weekly.iter().sum::<i64>(), line.values.iter().sum::<i64>());
        let drawn = lines(&doc, charts::SERIES_COLOURS[s]);
        assert_eq!(drawn.len(), 1, "series {s}");
        assert_follows(&drawn[0], &weekly);
        assert!(texts.iter().any(|t| t.starts_with(&line.name)));
    }
}

#[test]
fn a_series_without_one_value_a_day_is_refused() {
    let days = [day(2025, 3, 1), day(2025, 3, 2)];
    let series = [Series {
        name: "Реєстрація".to_owned(),
        values: vec![1],
    }];
    assert!(matches!(
        charts::daily_series("Обсяги", AXES, &days, &series),
        Err(ChartError::Length {
            values: 1,
            days: 2,
            ..
        })
    ));
}

fn row(body: &str, day: Option<NaiveDate>, action: Option<ActionType>, count: i64) -> ReportRow {
    ReportRow {
        registration_body_edrpou: body.to_owned(),
        day,
        action_type: action,
        count,
    }
}

#[test]
fn report_rows_become_bars_per_body_and_series_per_action_type() {
    let d1 = day(2025, 3, 1);
    let d3 = day(2025, 3, 3);
    let late = [
        row("11111111", Some(d1), None, 2),
        row("22222222", Some(d1), None, 5),
        row("11111111", Some(d3), None, 4),
    ];
    assert_eq!(
        charts::per_body(&late),
        vec![bar("11111111", 6), bar("22222222", 5)]
    );
    let volumes = [
        row("", Some(d1), Some(ActionType::RegistrationOfStay), 3),
        row("", Some(d3), Some(ActionType::RegistrationOfStay), 1),
        row("", Some(d3), Some(ActionType::DeclarationOfResidence), 9),
    ];
    let (days, series) = charts::volumes(&volumes, d1, day(2025, 3, 4));
    assert_eq!(days, d1.iter_days().take(4).collect::<Vec<_>>());
    assert_eq!(
        series,
        vec![
            Series {
                name: "Декларування місця проживання".to_owned(),
                values: vec![0, 0, 9, 0],
            },
            Series {
                name: "Реєстрація місця перебування".to_owned(),
                values: vec![3, 0, 1, 0],
            },
        ]
    );
    let (days, series) = charts::volumes(&[], d1, d3);
    assert_eq!(days.len(), 3);
    assert!(series.is_empty());
}
