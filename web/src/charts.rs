//! Charts for the staff reports (late submissions, daily volumes, overdue verification requests),
//! drawn on the server as SVG by `plotters` (its SVG backend only: no system fonts, no raster
//! images). A page shows a chart next to the report's table as
//! `<img src="{{ chart.data_url }}" alt="{{ chart.alt }}" width=… height=…>`: a `data:` image, so
//! the page's Content-Security-Policy (images from 'self' and `data:` only, no inline script or
//! style) holds, and the SVG inside an `<img>` can run nothing.
//!
//! Readable without colour: every bar carries its value as text; every line has its own marker
//! shape, and the legend under the chart shows the shape, the name and the period's total.
//! Text stays text in the SVG (`font-family="sans-serif"`), so Cyrillic is drawn by the viewer's
//! own fonts. The table beside the chart stays the full record; a chart shows at most
//! [`MAX_BARS`] bars (the rest counted and summed in a note under the chart, so that one huge
//! "others" bar does not flatten the scale), labels cut to [`MAX_LABEL_CHARS`] characters, and
//! a period longer than [`MAX_DAILY_POINTS`] days as weekly sums.
//!
//! No data gives a chart all the same (never `None`): its title and "Немає даних", so a page
//! needs no second branch.

mod draw;

use base64::Engine;
use chrono::NaiveDate;
use dms_db::reports::ReportRow;
use std::collections::BTreeMap;

/// The most bars one chart shows; the smaller rest is counted and summed in a note under it.
pub const MAX_BARS: usize = 20;
/// The longest period drawn day by day; a longer one is drawn as sums per week (from Monday).
pub const MAX_DAILY_POINTS: usize = 92;
/// The longest bar label, in characters (a longer one is cut and ends with "…").
pub const MAX_LABEL_CHARS: usize = 32;
/// The longest series name in a legend, in characters.
pub const MAX_NAME_CHARS: usize = 64;
/// What an empty chart says.
pub const NO_DATA: &str = "Немає даних";
/// The fill of every bar (GOV.UK blue).
pub const BAR_FILL: &str = "#1D70B8";
/// The colours of the daily series, in order (Okabe–Ito, told apart by colour-blind readers
/// too); the marker shapes go in the same order: ● □ ▲ × ◇ + ■.
pub const SERIES_COLOURS: [&str; 7] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#0B0C0C",
];

/// One bar: a category (a registration body's EDRPOU code or name) and its count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub label: String,
    pub value: i64,
}

/// One line of a daily chart: its name and one value a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub name: String,
    pub values: Vec<i64>,
}

/// What the axes say: the categories (bars) or days (lines), and the counted values.
#[derive(Debug, Clone, Copy)]
pub struct Axes<'a> {
    pub category: &'a str,
    pub value: &'a str,
}

/// A drawn chart.
#[derive(Debug, Clone)]
pub struct Chart {
    /// The SVG document.
    pub svg: String,
    /// `data:image/svg+xml;base64,…` of [`Chart::svg`], for an `<img src>`.
    pub data_url: String,
    /// A text summary of what the chart shows, for the `<img alt>`.
    pub alt: String,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug)]
pub enum ChartError {
    /// A series has not one value a day.
    Length {
        series: String,
        values: usize,
        days: usize,
    },
    /// plotters failed to draw (not expected: the SVG is written to a string).
    Draw(String),
}

impl std::fmt::Display for ChartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChartError::Length {
                series,
                values,
                days,
            } => write!(f, "series {series:?} has {values} values for {days} days"),
            ChartError::Draw(e) => write!(f, "chart could not be drawn: {e}"),
        }
    }
}

impl std::error::Error for ChartError {}

impl From<ChartError> for crate::error::WebError {
    fn from(e: ChartError) -> Self {
        tracing::error!(error.message = %e, "a chart could not be drawn");
        crate::error::WebError::Internal
    }
}

impl Chart {
    fn new(drawn: draw::Drawn, alt: String) -> Chart {
        let data_url = format!(
            "data:image/svg+xml;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(drawn.svg.as_bytes())
        );
        Chart {
            svg: drawn.svg,
            data_url,
            alt,
            width: drawn.width,
            height: drawn.height,
        }
    }
}

/// A horizontal bar chart, the largest bar on top (ties by label), each bar labelled with its
/// value. More than [`MAX_BARS`] bars: the largest `MAX_BARS`, and a note under the chart with
/// the number and sum of the others. Negative values are drawn as empty bars (their label keeps
/// the value).
pub fn bars(title: &str, axes: Axes<'_>, bars: &[Bar]) -> Result<Chart, ChartError> {
    if bars.is_empty() {
        return empty(title);
    }
    let (shown, rest) = top(bars);
    let note = rest.map(|(n, sum)| {
        format!("Ще {n} з меншими значеннями не показано (разом {sum}); усі — у таблиці.")
    });
    let drawn = draw::bars(&clean(title, TITLE_CHARS), axes, &shown, note.as_deref())?;
    let items: Vec<String> = shown
        .iter()
        .map(|b| format!("{} — {}", b.label, b.value))
        .collect();
    let mut alt = format!(
        "{title}. Стовпчикова діаграма ({} — {}): {}.",
        axes.category,
        axes.value.to_lowercase(),
        items.join("; ")
    );
    if let Some(note) = note {
        alt.push(' ');
        alt.push_str(&note);
    }
    Ok(Chart::new(drawn, alt))
}

/// A line chart with one value a day per series (`days` in order, one after another), each line
/// with its own marker shape. More than [`MAX_DAILY_POINTS`] days: one point a week (Monday to
/// Sunday, the first and last weeks perhaps partial) with the week's sum, labelled with its
/// first day. Values are counts: the value axis starts at 0. No days or no series: the empty
/// chart.
pub fn daily_series(
    title: &str,
    axes: Axes<'_>,
    days: &[NaiveDate],
    series: &[Series],
) -> Result<Chart, ChartError> {
    if let Some(s) = series.iter().find(|s| s.values.len() != days.len()) {
        return Err(ChartError::Length {
            series: s.name.clone(),
            values: s.values.len(),
            days: days.len(),
        });
    }
    let (Some(first), Some(last)) = (days.first(), days.last()) else {
        return empty(title);
    };
    if series.is_empty() {
        return empty(title);
    }
    let named: Vec<Series> = series
        .iter()
        .map(|s| Series {
            name: clean(&s.name, MAX_NAME_CHARS),
            values: s.values.clone(),
        })
        .collect();
    let drawn = if days.len() > MAX_DAILY_POINTS {
        let (weeks, sums) = weekly(days, &named);
        draw::daily(&clean(title, TITLE_CHARS), axes, &weeks, &sums, true)?
    } else {
        draw::daily(&clean(title, TITLE_CHARS), axes, days, &named, false)?
    };
    let totals: Vec<String> = named
        .iter()
        .map(|s| format!("{} — {}", s.name, total(&s.values)))
        .collect();
    let mut alt = format!(
        "{title}. Лінійна діаграма за {} дн.{}, {} – {}. Разом: {}.",
        days.len(),
        if days.len() > MAX_DAILY_POINTS {
            " (суми за тижні)"
        } else {
            ""
        },
        first.format("%d.%m.%Y"),
        last.format("%d.%m.%Y"),
        totals.join("; ")
    );
    let peak = named
        .iter()
        .flat_map(|s| s.values.iter().enumerate().map(move |(i, v)| (*v, i, s)))
        .max_by_key(|(v, i, _)| (*v, std::cmp::Reverse(*i)));
    if let Some((v, i, s)) = peak {
        if let Some(day) = days.get(i) {
            alt.push_str(&format!(
                " Найбільше за день: {v} ({}, {}).",
                s.name,
                day.format("%d.%m.%Y")
            ));
        }
    }
    Ok(Chart::new(drawn, alt))
}

/// The chart with only its title and "Немає даних".
pub fn empty(title: &str) -> Result<Chart, ChartError> {
    let drawn = draw::empty(&clean(title, TITLE_CHARS))?;
    Ok(Chart::new(drawn, format!("{title}: немає даних.")))
}

/// Report rows per registration body (EDRPOU code), summed over days: the late-submissions
/// and overdue-requests reports as bars.
pub fn per_body(rows: &[ReportRow]) -> Vec<Bar> {
    let mut sums: BTreeMap<&str, i64> = BTreeMap::new();
    for r in rows {
        let sum = sums.entry(r.registration_body_edrpou.as_str()).or_default();
        *sum = sum.saturating_add(r.count);
    }
    sums.into_iter()
        .map(|(label, value)| Bar {
            label: label.to_owned(),
            value,
        })
        .collect()
}

/// The daily-volumes report as series: every day from `from` to `to` (widened to any row's day
/// outside it), one series per action type that occurs, in the order of `ActionType::ALL`,
/// named in Ukrainian; a day without rows counts 0. Rows without a day or type are left out.
pub fn volumes(
    rows: &[ReportRow],
    from: NaiveDate,
    to: NaiveDate,
) -> (Vec<NaiveDate>, Vec<Series>) {
    let dated = rows
        .iter()
        .filter_map(|r| Some((r.day?, r.action_type?, r.count)));
    let first = dated
        .clone()
        .map(|(d, _, _)| d)
        .min()
        .map_or(from, |d| d.min(from));
    let last = dated
        .clone()
        .map(|(d, _, _)| d)
        .max()
        .map_or(to, |d| d.max(to));
    let days: Vec<NaiveDate> = first.iter_days().take_while(|d| *d <= last).collect();
    let series = dms_schemas::ActionType::ALL
        .iter()
        .filter(|t| dated.clone().any(|(_, at, _)| at == **t))
        .map(|t| {
            let mut values = vec![0i64; days.len()];
            for (day, _, count) in dated.clone().filter(|(_, at, _)| at == t) {
                let i = usize::try_from((day - first).num_days()).unwrap_or(0);
                if let Some(v) = values.get_mut(i) {
                    *v = v.saturating_add(count);
                }
            }
            Series {
                name: crate::uk::action_type(t.as_str()).to_owned(),
                values,
            }
        })
        .collect();
    (days, series)
}

/// The bars as drawn: largest first, at most [`MAX_BARS`], labels cleaned and cut; and the
/// number and sum of those left out.
fn top(bars: &[Bar]) -> (Vec<Bar>, Option<(usize, i64)>) {
    let mut sorted: Vec<&Bar> = bars.iter().collect();
    sorted.sort_by(|a, b| b.value.cmp(&a.value).then_with(|| a.label.cmp(&b.label)));
    let (head, rest) = sorted.split_at(sorted.len().min(MAX_BARS));
    let shown = head
        .iter()
        .map(|b| Bar {
            label: clean(&b.label, MAX_LABEL_CHARS),
            value: b.value,
        })
        .collect();
    let rest = (!rest.is_empty()).then(|| {
        let values = rest.iter().map(|b| b.value).collect::<Vec<_>>();
        (rest.len(), total(&values))
    });
    (shown, rest)
}

/// Sums per week (Monday to Sunday) of days given in order: the first day of each week present,
/// and the series summed likewise.
fn weekly(days: &[NaiveDate], series: &[Series]) -> (Vec<NaiveDate>, Vec<Series>) {
    let mut starts: Vec<NaiveDate> = Vec::new();
    let mut week_of: Vec<usize> = Vec::with_capacity(days.len());
    let mut current = None;
    for d in days {
        let monday = d.week(chrono::Weekday::Mon).first_day();
        if current != Some(monday) {
            current = Some(monday);
            starts.push(*d);
        }
        week_of.push(starts.len() - 1);
    }
    let sums = series
        .iter()
        .map(|s| {
            let mut values = vec![0i64; starts.len()];
            for (w, v) in week_of.iter().zip(&s.values) {
                if let Some(sum) = values.get_mut(*w) {
                    *sum = sum.saturating_add(*v);
                }
            }
            Series {
                name: s.name.clone(),
                values,
            }
        })
        .collect();
    (starts, sums)
}

fn total(values: &[i64]) -> i64 {
    values.iter().fold(0i64, |sum, v| sum.saturating_add(*v))
}

/// The longest title, in characters.
const TITLE_CHARS: usize = 90;

/// Control characters dropped (XML cannot carry most of them), spaces trimmed, at most `max`
/// characters (a longer text ends with "…"); an empty text becomes "—".
fn clean(text: &str, max: usize) -> String {
    let text: String = text.chars().filter(|c| !c.is_control()).collect();
    let text = text.trim();
    if text.is_empty() {
        return "—".to_owned();
    }
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

/// The width of a text in pixels at `px` font size, roughly (plotters' own estimate counts
/// bytes, which doubles Cyrillic).
fn text_width(text: &str, px: u32) -> u32 {
    let chars = u32::try_from(text.chars().count()).unwrap_or(u32::MAX);
    chars.saturating_mul(px).saturating_mul(6) / 10
}
