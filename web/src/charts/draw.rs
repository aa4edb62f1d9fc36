//! The drawing itself, with plotters' SVG backend. Sizes are in SVG pixels; plotters writes a
//! font of size `s` as `font-size = s / 1.24`, so [`font`] takes the size wanted in the SVG.

use super::{text_width, Axes, Bar, ChartError, Series, BAR_FILL, NO_DATA, SERIES_COLOURS};
use chrono::{Datelike, NaiveDate, Weekday};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// An SVG document and its size.
pub(super) struct Drawn {
    pub svg: String,
    pub width: u32,
    pub height: u32,
}

const INK: RGBColor = RGBColor(0x0b, 0x0c, 0x0c);
const GRID: RGBColor = RGBColor(0xdd, 0xde, 0xdf);
const MARGIN: u32 = 12;
/// Label text and the axes' descriptions, in SVG pixels.
const LABEL_PX: f64 = 13.0;
const TITLE_PX: f64 = 18.0;
/// The height of a bar's row in the bar chart's own units (a bar fills 70 of them).
const ROW: i32 = 100;

/// The x coordinate of day `i` in the daily chart (two units a day, so that the axis can start
/// and end half a day beside the first and last day).
fn day_x(i: usize) -> i32 {
    i32::try_from(i).unwrap_or(i32::MAX / 2).saturating_mul(2)
}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for ChartError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        ChartError::Draw(e.to_string())
    }
}

/// A sans-serif font of `px` SVG pixels.
fn font(px: f64) -> TextStyle<'static> {
    FontDesc::new(FontFamily::SansSerif, px * 1.24, FontStyle::Normal).color(&INK)
}

fn title_font() -> TextStyle<'static> {
    FontDesc::new(FontFamily::SansSerif, TITLE_PX * 1.24, FontStyle::Bold).color(&INK)
}

fn rgb(hex: &str) -> RGBColor {
    let part = |i: usize| {
        hex.get(i..i + 2)
            .and_then(|p| u8::from_str_radix(p, 16).ok())
            .unwrap_or(0)
    };
    RGBColor(part(1), part(3), part(5))
}

/// Draws on a fresh SVG of `width` × `height` and returns it.
fn svg(
    width: u32,
    height: u32,
    paint: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), ChartError>,
) -> Result<Drawn, ChartError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE)?;
        paint(&root)?;
        root.present()?;
    }
    Ok(Drawn { svg, width, height })
}

pub(super) fn empty(title: &str) -> Result<Drawn, ChartError> {
    let width = 640;
    svg(width, 140, |root| {
        let area = root.titled(title, title_font())?;
        let (w, h) = area.dim_in_pixel();
        let middle = Pos::new(HPos::Center, VPos::Center);
        let at = (
            i32::try_from(w / 2).unwrap_or(0),
            i32::try_from(h / 2).unwrap_or(0),
        );
        area.draw(&Text::new(NO_DATA, at, font(16.0).pos(middle)))?;
        Ok(())
    })
}

/// Horizontal bars, `bars[0]` on top, each with its value at its end; `note` under them.
pub(super) fn bars(
    title: &str,
    axes: Axes<'_>,
    bars: &[Bar],
    note: Option<&str>,
) -> Result<Drawn, ChartError> {
    let n = bars.len();
    let rows = u32::try_from(n).unwrap_or(u32::MAX).min(1000);
    let widest = bars
        .iter()
        .map(|b| text_width(&b.label, 13))
        .max()
        .unwrap_or(0);
    let label_area = (widest + 40).clamp(90, 320);
    let width = 800;
    let note_height = if note.is_some() { 28 } else { 0 };
    let height = 40 + 56 + 2 * MARGIN + 28 * rows + note_height;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    // Room right of the longest bar for its value.
    let plot = i64::from(width - label_area - 2 * MARGIN - 16);
    let room = i64::from(text_width(&max.to_string(), 13) + 12);
    let x_end = max.saturating_mul(plot) / (plot - room).max(1) + 1;
    // Rows are ROW units high; row i from the bottom shows bars[n - 1 - i].
    let rows_end = i32::try_from(rows).unwrap_or(1000) * ROW;
    let centres: Vec<i32> = (0..rows_end / ROW).map(|i| i * ROW + ROW / 2).collect();
    let label_of = |y: &i32| {
        let from_bottom = usize::try_from(y / ROW).unwrap_or(usize::MAX);
        n.checked_sub(from_bottom.saturating_add(1))
            .and_then(|i| bars.get(i))
            .map(|b| b.label.clone())
            .unwrap_or_default()
    };
    let fill = rgb(BAR_FILL);
    svg(width, height, |root| {
        let (upper, lower) = root.split_vertically(height - note_height);
        if let Some(note) = note {
            let left = font(LABEL_PX).pos(Pos::new(HPos::Left, VPos::Center));
            lower.draw(&Text::new(
                note,
                (i32::try_from(MARGIN).unwrap_or(0), 8),
                left,
            ))?;
        }
        let mut chart = ChartBuilder::on(&upper)
            .caption(title, title_font())
            .margin(MARGIN)
            .margin_right(MARGIN + 16)
            .x_label_area_size(56)
            .y_label_area_size(label_area)
            .build_cartesian_2d(0i64..x_end, (0i32..rows_end).with_key_points(centres))?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_labels(6)
            .y_labels(n)
            .y_label_formatter(&label_of)
            .x_desc(axes.value)
            .y_desc(axes.category)
            .label_style(font(LABEL_PX))
            .axis_desc_style(font(LABEL_PX))
            .axis_style(INK)
            .bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .draw()?;
        let row = |i: usize| i32::try_from(n - 1 - i).unwrap_or(0) * ROW;
        chart.draw_series(bars.iter().enumerate().map(|(i, b)| {
            Rectangle::new(
                [(0, row(i) + 15), (b.value.max(0), row(i) + 85)],
                fill.filled(),
            )
        }))?;
        let beside = font(LABEL_PX).pos(Pos::new(HPos::Left, VPos::Center));
        chart.draw_series(bars.iter().enumerate().map(|(i, b)| {
            EmptyElement::at((b.value.max(0), row(i) + ROW / 2))
                + Text::new(b.value.to_string(), (6, 0), beside.clone())
        }))?;
        Ok(())
    })
}

/// The points at which the x axis is labelled: every point up to 14; else the first point and
/// each Monday (days) or each first week of a month (weeks), the first point dropped when the
/// next label is nearer than three points.
fn ticks(points: &[NaiveDate], weekly: bool) -> Vec<usize> {
    if points.len() <= 14 {
        return (0..points.len()).collect();
    }
    let mut ticks: Vec<usize> = points
        .iter()
        .enumerate()
        .filter(|(i, d)| {
            *i == 0
                || if weekly {
                    points.get(i - 1).is_some_and(|p| p.month() != d.month())
                } else {
                    d.weekday() == Weekday::Mon
                }
        })
        .map(|(i, _)| i)
        .collect();
    if ticks.get(1).is_some_and(|next| *next < 3) {
        ticks.remove(0);
    }
    ticks
}

/// Runs `$draw` with `$make` bound to a closure from a point to a marker of shape `$kind`
/// (● □ ▲ × ◇ + ■, then again). A macro: each shape is its own element type, and plotters'
/// boxed elements would need a `'static` backend.
macro_rules! with_marker {
    ($kind:expr, $colour:expr, |$make:ident| $draw:expr) => {{
        let solid = $colour.filled();
        let line = $colour.stroke_width(2);
        match $kind % 7 {
            0 => {
                let $make = |at| EmptyElement::at(at) + Circle::new((0, 0), 4, solid);
                $draw;
            }
            1 => {
                let $make = |at| EmptyElement::at(at) + Rectangle::new([(-4, -4), (4, 4)], line);
                $draw;
            }
            2 => {
                let $make = |at| EmptyElement::at(at) + TriangleMarker::new((0, 0), 6, solid);
                $draw;
            }
            3 => {
                let $make = |at| EmptyElement::at(at) + Cross::new((0, 0), 4, line);
                $draw;
            }
            4 => {
                let diamond = [(0, -6), (6, 0), (0, 6), (-6, 0), (0, -6)];
                let $make = |at| EmptyElement::at(at) + PathElement::new(diamond, line);
                $draw;
            }
            5 => {
                let $make = |at| {
                    EmptyElement::at(at)
                        + PathElement::new([(-6, 0), (6, 0)], line)
                        + PathElement::new([(0, -6), (0, 6)], line)
                };
                $draw;
            }
            _ => {
                let $make = |at| EmptyElement::at(at) + Rectangle::new([(-4, -4), (4, 4)], solid);
                $draw;
            }
        }
    }};
}

/// One line a series over the points (days, or weeks labelled with their first day), markers
/// on every point up to 46 and on every k-th beyond (shifted from series to series, so that
/// lines lying on each other still show each marker), and the legend below: marker, name and
/// total.
pub(super) fn daily(
    title: &str,
    axes: Axes<'_>,
    days: &[NaiveDate],
    series: &[Series],
    weekly: bool,
) -> Result<Drawn, ChartError> {
    let n = days.len();
    let width = 900;
    let plot_height = 420;
    let legend_rows = u32::try_from(series.len()).unwrap_or(u32::MAX).min(100);
    let height = plot_height + 16 + 24 * legend_rows;
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    let y_end = max + max / 10 + 1;
    let labelled: Vec<i32> = ticks(days, weekly).into_iter().map(day_x).collect();
    let same_year = days.first().map(|d| d.year()) == days.last().map(|d| d.year());
    let label_of = |x: &i32| {
        if x % 2 != 0 {
            return String::new();
        }
        usize::try_from(x / 2)
            .ok()
            .and_then(|i| days.get(i))
            .map(|d| {
                d.format(if same_year { "%d.%m" } else { "%d.%m.%y" })
                    .to_string()
            })
            .unwrap_or_default()
    };
    let mut x_desc = axes.category.to_owned();
    if weekly {
        x_desc.push_str(": суми за тижні (з понеділка), підпис — перший день тижня");
    }
    if let (true, Some(d)) = (same_year, days.first()) {
        x_desc.push_str(&format!(", {}", d.year()));
    }
    let step = n.div_ceil(46).max(1);
    svg(width, height, |root| {
        let (upper, lower) = root.split_vertically(plot_height);
        let mut chart = ChartBuilder::on(&upper)
            .caption(title, title_font())
            .margin(MARGIN)
            .margin_right(MARGIN + 16)
            .x_label_area_size(56)
            .y_label_area_size(72)
            .build_cartesian_2d((-1i32..day_x(n) - 1).with_key_points(labelled), 0i64..y_end)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .y_labels(6)
            .x_label_formatter(&label_of)
            .x_desc(x_desc)
            .y_desc(axes.value)
            .label_style(font(LABEL_PX))
            .axis_desc_style(font(LABEL_PX))
            .axis_style(INK)
            .bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .draw()?;
        for (s, line) in series.iter().enumerate() {
            let colour = rgb(SERIES_COLOURS[s % SERIES_COLOURS.len()]);
            let points = line.values.iter().enumerate().map(|(i, v)| (day_x(i), *v));
            chart.draw_series(LineSeries::new(points, colour.stroke_width(2)))?;
            let phase = s * step / series.len();
            let marked = line
                .values
                .iter()
                .enumerate()
                .filter(|(i, _)| i % step == phase);
            with_marker!(s, colour, |make| chart
                .draw_series(marked.map(|(i, v)| make((day_x(i), *v))))?);
        }
        legend(&lower, series)
    })
}

fn legend(area: &DrawingArea<SVGBackend<'_>, Shift>, series: &[Series]) -> Result<(), ChartError> {
    let left = 84;
    let name = font(LABEL_PX).pos(Pos::new(HPos::Left, VPos::Center));
    for (s, line) in series.iter().enumerate() {
        let colour = rgb(SERIES_COLOURS[s % SERIES_COLOURS.len()]);
        let y = 12 + 24 * i32::try_from(s).unwrap_or(0);
        area.draw(&PathElement::new(
            vec![(left, y), (left + 36, y)],
            colour.stroke_width(2),
        ))?;
        with_marker!(s, colour, |make| area.draw(&make((left + 18, y)))?);
        let total = line.values.iter().fold(0i64, |t, v| t.saturating_add(*v));
        let text = format!("{} — разом {total}", line.name);
        area.draw(&Text::new(text, (left + 46, y), name.clone()))?;
    }
    Ok(())
}
