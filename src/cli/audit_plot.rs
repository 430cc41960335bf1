//! PNG plots of an audit: the normalised confusion matrix as a heatmap with class names and
//! percentages, IoU per class per scale bin as grouped bars, and modal abundance true against
//! predicted per sample and class as a scatter with the 1:1 line. Drawn with plotters into an
//! RGB buffer (`DejaVu` Sans embedded), encoded with `png`.

use std::path::{Path, PathBuf};
use std::sync::Once;

use anyhow::Context;
use plotters::prelude::*;
use plotters::style::FontStyle;

use plotters::coord::types::RangedCoordf64;

use crate::audit::{AuditReport, BinMetrics};

/// `DejaVu` Sans, compiled in so plots look the same on a machine with no fonts installed.
const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
/// Registers the font with plotters once per process.
static REGISTER: Once = Once::new();

/// Makes the embedded font plotters' `sans-serif`; harmless to call again.
fn register() {
    REGISTER.call_once(|| {
        // The embedded font is a valid TTF; registration fails only for a broken file.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

/// Draws one plot onto a drawing area.
type DrawFn = fn(&Area<'_>, &AuditReport) -> anyhow::Result<()>;

/// Writes `confusion.png`, `iou_per_bin.png` and `abundance.png` into `dir`.
pub fn write_plots(dir: &Path, r: &AuditReport) -> anyhow::Result<Vec<PathBuf>> {
    register();
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create '{}'", dir.display()))?;
    let plots: [(&str, (u32, u32), DrawFn); 3] = [
        ("confusion.png", (980, 860), confusion),
        ("iou_per_bin.png", (1100, 560), iou_per_bin),
        ("abundance.png", (900, 760), abundance),
    ];
    let mut written = Vec::new();
    for (name, (w, h), draw) in plots {
        let mut buf = vec![255u8; (w * h * 3) as usize];
        {
            let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
            root.fill(&WHITE).map_err(|e| anyhow::anyhow!("{e}"))?;
            draw(&root, r)?;
            root.present().map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        let path = dir.join(name);
        crate::fsutil::write_atomic(&path, &encode_rgb(w, h, &buf)?)
            .with_context(|| format!("cannot write '{}'", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// An 8-bit RGB PNG of a `w`×`h` buffer, 3 bytes a pixel, row-major.
fn encode_rgb(w: u32, h: u32, rgb: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(out)
}

/// A whole plot's drawing area on the bitmap backend, in pixels.
type Area<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;

/// A plotters error as an `anyhow` error prefixed `plot:`.
fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("plot: {e}")
}

/// White → deep blue by share.
fn heat(v: f64) -> RGBColor {
    let t = v.clamp(0.0, 1.0).sqrt();
    let lerp = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    RGBColor(lerp(255.0, 8.0), lerp(255.0, 48.0), lerp(255.0, 107.0))
}

/// The embedded sans-serif at `size` px.
fn font(size: u32) -> FontDesc<'static> {
    ("sans-serif", size).into_font()
}

/// Draws `text` with its top-left at `at` (pixels from the image's top-left).
fn write<'s>(
    root: &Area<'_>,
    text: &str,
    at: (i32, i32),
    style: impl Into<TextStyle<'s>>,
) -> anyhow::Result<()> {
    root.draw(&Text::new(text, at, style)).map_err(err)
}

/// Where the heatmap stands, in pixels: its top-left corner and one cell's side.
#[derive(Clone, Copy)]
struct Grid {
    /// Left edge of the first column, px.
    left: i32,
    /// Top edge of the first row, px.
    top: i32,
    /// Side of every cell: 720 px shared among the classes.
    cell: i32,
}

/// `confusion.png`: one row per true class (named with its true pixels), one column per
/// predicted class, each cell's shade its share of the row.
fn confusion(root: &Area<'_>, r: &AuditReport) -> anyhow::Result<()> {
    let n = r.classes.len();
    let grid = Grid {
        left: 150,
        top: 110,
        cell: (720 / n.max(1)) as i32,
    };
    confusion_headers(root, r, grid)?;
    for (i, row) in r.overall.confusion_normalised.iter().enumerate() {
        let y = grid.top + i as i32 * grid.cell;
        let support = r.overall.per_class[i].support;
        let name = format!("{} ({})", r.classes[i].short, compact(support));
        write(root, &name, (20, y + grid.cell / 2 - 8), font(15))?;
        for j in 0..n {
            confusion_cell(root, grid, (i, j), row.as_ref().map(|v| v[j]))?;
        }
    }
    let y = grid.top + n as i32 * grid.cell + 14;
    write(
        root,
        "grey row: class absent from the truth · number after a class: its true pixels",
        (20, y),
        font(14),
    )
}

/// The title, the axis captions and the predicted classes' names over the columns.
fn confusion_headers(root: &Area<'_>, r: &AuditReport, grid: Grid) -> anyhow::Result<()> {
    let title = format!(
        "Confusion matrix, % of each true class · model {} · {} · pixel acc. {:.3}",
        r.model,
        r.split,
        r.overall.pixel_accuracy.unwrap_or(0.0)
    );
    write(root, &title, (20, 20), font(20))?;
    write(root, "predicted class →", (grid.left, 50), font(16))?;
    write(root, "true class ↓", (20, grid.top - 24), font(16))?;
    for (j, c) in r.classes.iter().enumerate() {
        let x = grid.left + j as i32 * grid.cell + 4;
        write(root, &c.short, (x, grid.top - 28), font(15))?;
    }
    Ok(())
}

/// The cell of true class `i` predicted as `j`: `share` of the true class's pixels (0–1),
/// `None` where the class is absent from the truth (grey, "–"); the diagonal is outlined.
fn confusion_cell(
    root: &Area<'_>,
    grid: Grid,
    (i, j): (usize, usize),
    share: Option<f64>,
) -> anyhow::Result<()> {
    let (cell, x, y) = (
        grid.cell,
        grid.left + j as i32 * grid.cell,
        grid.top + i as i32 * grid.cell,
    );
    let corners = [(x, y), (x + cell - 2, y + cell - 2)];
    let fill = share.map_or(RGBColor(235, 235, 235), heat);
    root.draw(&Rectangle::new(corners, fill.filled()))
        .map_err(err)?;
    if i == j {
        root.draw(&Rectangle::new(corners, BLACK.stroke_width(2)))
            .map_err(err)?;
    }
    let label = share.map_or("–".to_string(), |v| {
        if v < 0.0005 {
            String::new()
        } else {
            format!("{:.0}", v * 100.0)
        }
    });
    let colour = if share.unwrap_or(0.0) > 0.45 {
        WHITE
    } else {
        BLACK
    };
    write(
        root,
        &label,
        (x + cell / 2 - 10, y + cell / 2 - 8),
        font(15).color(&colour),
    )
}

/// `950`, `12k`, `3.4M`: a pixel count short enough for a row label.
fn compact(n: u64) -> String {
    match n {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => format!("{:.0}k", n as f64 / 1e3),
        _ => format!("{:.1}M", n as f64 / 1e6),
    }
}

/// Bar colours of the scale bins, in bin order (repeating past six).
const BIN_COLOURS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

/// A chart with f64 axes on the bitmap backend.
type Chart<'a, 'b> =
    ChartContext<'a, BitMapBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// `iou_per_bin.png`: per class a group of bars, one per scale bin, IoU 0–1 up, with a legend
/// naming the bins.
fn iou_per_bin(root: &Area<'_>, r: &AuditReport) -> anyhow::Result<()> {
    let mut chart = iou_axes(root, r)?;
    let k = r.bins.len().max(1) as f64;
    for (b, bin) in r.bins.iter().enumerate() {
        bin_bars(&mut chart, bin, b, k)?;
    }
    legend(&mut chart, SeriesLabelPosition::MiddleRight)
}

/// Classes along x, each over one unit with its name at the middle; IoU 0–1 up.
fn iou_axes<'a, 'b>(root: &'a Area<'b>, r: &AuditReport) -> anyhow::Result<Chart<'a, 'b>> {
    let n = r.classes.len();
    let mut chart = ChartBuilder::on(root)
        .caption(
            format!(
                "IoU per class and scale bin · model {} · {}",
                r.model, r.split
            ),
            ("sans-serif", 20),
        )
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..n as f64, 0.0..1.0)
        .map_err(err)?;
    let shorts: Vec<String> = r.classes.iter().map(|c| c.short.clone()).collect();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n * 2 + 1)
        .x_label_formatter(&|x| {
            let k = x.floor() as usize;
            if (x - x.floor() - 0.5).abs() < 0.01 {
                shorts.get(k).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_desc("IoU")
        .label_style(("sans-serif", 15))
        .draw()
        .map_err(err)?;
    Ok(chart)
}

/// Bin `b`'s bar in each class's group of `k` (the bins' count). An IoU of 0 gets a visible
/// tick; an undefined one (class absent) is written "n/a".
fn bin_bars(chart: &mut Chart<'_, '_>, bin: &BinMetrics, b: usize, k: f64) -> anyhow::Result<()> {
    let colour = BIN_COLOURS[b % BIN_COLOURS.len()];
    let x0 = |c: usize| c as f64 + 0.1 + 0.8 * b as f64 / k;
    let bars = bin
        .metrics
        .per_class
        .iter()
        .enumerate()
        .filter_map(|(c, s)| {
            s.iou.map(|v| {
                Rectangle::new(
                    [(x0(c), 0.0), (x0(c) + 0.8 / k - 0.02, v.max(0.006))],
                    colour.filled(),
                )
            })
        });
    let missing: Vec<(f64, f64)> = bin
        .metrics
        .per_class
        .iter()
        .enumerate()
        .filter(|(_, s)| s.iou.is_none())
        .map(|(c, _)| (x0(c), 0.03))
        .collect();
    chart
        .draw_series(
            missing
                .into_iter()
                .map(|p| Text::new("n/a", p, ("sans-serif", 11).into_font().color(&colour))),
        )
        .map_err(err)?;
    chart
        .draw_series(bars)
        .map_err(err)?
        .label(format!("{} ({} images)", bin.range, bin.metrics.images))
        .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], colour.filled()));
    Ok(())
}

/// Draws the series legend at `position`, boxed on a translucent white background.
fn legend<'a, 'b: 'a>(
    chart: &mut Chart<'a, 'b>,
    position: SeriesLabelPosition,
) -> anyhow::Result<()> {
    chart
        .configure_series_labels()
        .position(position)
        .border_style(BLACK)
        .background_style(WHITE.mix(0.9))
        .label_font(("sans-serif", 14))
        .draw()
        .map_err(err)
}

/// `abundance.png`: each sample's share of each class, true (x) against predicted (y) in %,
/// one colour per class, with the 1:1 line where a perfect model's points would lie.
fn abundance(root: &Area<'_>, r: &AuditReport) -> anyhow::Result<()> {
    let max = r
        .abundances
        .iter()
        .flat_map(|a| a.truth.iter().chain(&a.predicted))
        .fold(0.0f64, |m, v| m.max(*v))
        * 100.0;
    let top = (max * 1.05).max(1.0);
    let mut chart = ChartBuilder::on(root)
        .caption(
            "Modal abundance per sample and class, % of pixels",
            ("sans-serif", 20),
        )
        .margin(16)
        .x_label_area_size(45)
        .y_label_area_size(55)
        .build_cartesian_2d(0.0..top, 0.0..top)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("true (masks)")
        .y_desc("predicted")
        .label_style(("sans-serif", 15))
        .draw()
        .map_err(err)?;
    chart
        .draw_series(LineSeries::new(
            vec![(0.0, 0.0), (top, top)],
            BLACK.mix(0.5),
        ))
        .map_err(err)?;
    for (i, c) in r.classes.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let points: Vec<(f64, f64)> = r
            .abundances
            .iter()
            .map(|a| (a.truth[i] * 100.0, a.predicted[i] * 100.0))
            .collect();
        chart
            .draw_series(
                points
                    .into_iter()
                    .map(|p| Circle::new(p, 5, colour.filled())),
            )
            .map_err(err)?
            .label(c.short.clone())
            .legend(move |(x, y)| Circle::new((x + 6, y), 5, colour.filled()));
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)
}

/// Distinct colours for up to 12 classes (Tableau-like), readable on white.
const PALETTE: [RGBColor; 12] = [
    RGBColor(80, 80, 80),
    RGBColor(214, 39, 40),
    RGBColor(188, 189, 34),
    RGBColor(148, 103, 189),
    RGBColor(44, 160, 44),
    RGBColor(31, 119, 180),
    RGBColor(23, 190, 207),
    RGBColor(255, 127, 14),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(0, 0, 0),
];
