//! SVG figures of the evaluation: PR curves, ROC curves, reliability
//! diagrams and score histograms.
//!
//! Every function draws one 800×600 SVG file with
//! [plotters](https://docs.rs/plotters)' SVG backend and returns
//! [`PlotError`] (carrying the path and plotters' message) on failure.
//! Text is written as SVG `<text>` elements in the `sans-serif` family and
//! rendered by whatever displays the SVG (no font is embedded, and none is
//! needed at build time); plotters only *estimates* text widths to lay out
//! legends and labels.
//!
//! Non-finite points in curves are skipped rather than drawn.
//!
//! ```
//! use redflag::eval::{average_precision, plot, precision_recall_curve};
//!
//! let scores = [0.1, 0.4, 0.35, 0.8];
//! let positive = [false, false, true, true];
//! let curve = precision_recall_curve(&scores, &positive).unwrap();
//! let ap = average_precision(&scores, &positive).unwrap();
//! let path = std::env::temp_dir().join("redflag_doc_pr.svg");
//! plot::pr_curves(&path, "Precision–recall", &[("appeal", &curve, ap)]).unwrap();
//! let svg = std::fs::read_to_string(&path).unwrap();
//! assert!(svg.contains("appeal (AP 0.83)"));
//! # std::fs::remove_file(&path).ok();
//! ```

use std::error::Error;
use std::path::{Path, PathBuf};

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::metrics::{bin_index, PrCurve, Reliability, RocCurve};

/// Width and height of every figure, in pixels.
pub const SIZE: (u32, u32) = (800, 600);

/// Number of equal-width bins on `[0, 1]` in [`score_histograms`].
pub const HISTOGRAM_BINS: usize = 20;

const FONT: &str = "sans-serif";
const TITLE_SIZE: u32 = 26;
const AXIS_DESC_SIZE: u32 = 20;
const TICK_SIZE: u32 = 16;
const LEGEND_SIZE: u32 = 17;

/// Colour-blind-friendly categorical palette (Okabe–Ito, black left out),
/// reused cyclically.
const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(230, 159, 0),   // orange
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(240, 228, 66),  // yellow
];

const GREY: RGBColor = RGBColor(120, 120, 120);
const THRESHOLD_RED: RGBColor = RGBColor(200, 0, 0);

fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Failure to draw or write a figure.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// plotters failed (most often: the file could not be written).
    #[error("cannot draw {}: {message}", path.display())]
    Draw {
        /// The figure's path.
        path: PathBuf,
        /// plotters' error message.
        message: String,
    },
}

type DrawResult = Result<(), Box<dyn Error>>;

fn finish(path: &Path, result: DrawResult) -> Result<(), PlotError> {
    result.map_err(|e| PlotError::Draw {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// A short dashed line for a legend entry of a dashed series.
fn dashed_key(
    x: i32,
    y: i32,
    c: RGBColor,
) -> DashedPathElement<std::vec::IntoIter<(i32, i32)>, i32> {
    DashedPathElement::new(vec![(x, y), (x + 24, y)], 6, 3, c.stroke_width(2))
}

fn finite_point(p: &(f64, f64)) -> bool {
    p.0.is_finite() && p.1.is_finite()
}

/// A unit-square chart with the standard styling.
fn unit_chart<'a, DB: DrawingBackend + 'a>(
    area: &'a DrawingArea<DB, Shift>,
    title: &str,
    x_desc: &str,
    y_desc: &str,
) -> Result<ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>, Box<dyn Error + 'a>>
where
    DB::ErrorType: 'static,
{
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, TITLE_SIZE))
        .margin(20)
        .x_label_area_size(60)
        .y_label_area_size(75)
        .build_cartesian_2d(-0.01f64..1.01f64, -0.01f64..1.01f64)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_labels(11)
        .y_labels(11)
        .x_label_formatter(&|v| format!("{v:.1}"))
        .y_label_formatter(&|v| format!("{v:.1}"))
        .axis_desc_style((FONT, AXIS_DESC_SIZE))
        .label_style((FONT, TICK_SIZE))
        .bold_line_style(RGBColor(225, 225, 225))
        .light_line_style(RGBColor(245, 245, 245))
        .draw()?;
    Ok(chart)
}

/// Precision–recall curves, one line per class, on `[0, 1]²` (x Recall,
/// y Precision), with the legend "class (AP 0.93)".
///
/// Each curve is drawn as a step function (like scikit-learn's
/// `PrecisionRecallDisplay`): between two recalls the precision shown is
/// that of the point with the larger recall, so the area under each line
/// is exactly its average precision.
pub fn pr_curves(
    path: &Path,
    title: &str,
    curves: &[(&str, &PrCurve, f64)],
) -> Result<(), PlotError> {
    finish(path, draw_pr(path, title, curves))
}

fn draw_pr(path: &Path, title: &str, curves: &[(&str, &PrCurve, f64)]) -> DrawResult {
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    {
        let mut chart =
            unit_chart(&root, title, "Recall", "Precision").map_err(|e| e.to_string())?;
        for (i, &(name, curve, ap)) in curves.iter().enumerate() {
            let c = colour(i);
            chart
                .draw_series(LineSeries::new(pr_steps(curve), c.stroke_width(3)))?
                .label(format!("{name} (AP {ap:.2})"))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(3))
                });
        }
        if !curves.is_empty() {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerLeft)
                .margin(12)
                .legend_area_size(32)
                .label_font((FONT, LEGEND_SIZE))
                .background_style(WHITE.mix(0.9))
                .border_style(GREY)
                .draw()?;
        }
    }
    root.present()?;
    Ok(())
}

/// The step path of a PR curve, in curve order (recall decreasing).
fn pr_steps(curve: &PrCurve) -> Vec<(f64, f64)> {
    let pts: Vec<(f64, f64)> = curve
        .recall
        .iter()
        .zip(&curve.precision)
        .map(|(&r, &p)| (r, p))
        .filter(finite_point)
        .collect();
    let mut path = Vec::with_capacity(pts.len() * 2);
    for w in pts.windows(2) {
        path.push(w[0]);
        path.push((w[1].0, w[0].1));
    }
    if let Some(&last) = pts.last() {
        path.push(last);
    }
    path
}

/// ROC curves, one line per class, on `[0, 1]²` (x False positive rate,
/// y True positive rate), with the legend "class (AUC 0.91)" and the
/// dashed chance diagonal.
pub fn roc_curves(
    path: &Path,
    title: &str,
    curves: &[(&str, &RocCurve, f64)],
) -> Result<(), PlotError> {
    finish(path, draw_roc(path, title, curves))
}

fn draw_roc(path: &Path, title: &str, curves: &[(&str, &RocCurve, f64)]) -> DrawResult {
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    {
        let mut chart = unit_chart(&root, title, "False positive rate", "True positive rate")
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(DashedLineSeries::new(
                vec![(0.0, 0.0), (1.0, 1.0)],
                8,
                6,
                GREY.stroke_width(2),
            ))?
            .label("chance (AUC 0.50)")
            .legend(|(x, y)| dashed_key(x, y, GREY));
        for (i, &(name, curve, auc)) in curves.iter().enumerate() {
            let c = colour(i);
            let pts: Vec<(f64, f64)> = curve
                .fpr
                .iter()
                .zip(&curve.tpr)
                .map(|(&x, &y)| (x, y))
                .filter(finite_point)
                .collect();
            chart
                .draw_series(LineSeries::new(pts, c.stroke_width(3)))?
                .label(format!("{name} (AUC {auc:.2})"))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(3))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .margin(12)
            .legend_area_size(32)
            .label_font((FONT, LEGEND_SIZE))
            .background_style(WHITE.mix(0.9))
            .border_style(GREY)
            .draw()?;
    }
    root.present()?;
    Ok(())
}

/// Reliability diagram: the top panel shows, per bin, the accuracy as a
/// bar spanning the bin, the bin's mean confidence against its accuracy as
/// a dot, and the dashed diagonal of perfect calibration (a key line under
/// the title explains the marks); the ECE is appended to the title. The
/// bottom panel shows the number of items per bin as bars, each labelled
/// with its count (so nearly empty bins, whose accuracy is noisy, are
/// visible). Empty bins are left blank.
pub fn reliability_diagram(path: &Path, title: &str, rel: &Reliability) -> Result<(), PlotError> {
    finish(path, draw_reliability(path, title, rel))
}

fn draw_reliability(path: &Path, title: &str, rel: &Reliability) -> DrawResult {
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let full_title = format!("{title} (ECE {:.3})", rel.ece);
    let body = root.titled(&full_title, (FONT, TITLE_SIZE))?;
    // A key line instead of a legend: any legend box inside the plot would
    // hide some bin's bar or dot.
    let body = body.titled(
        "bars: accuracy per bin  ·  dots: mean confidence vs accuracy  ·  dashed: perfect calibration",
        (FONT, 15).into_font().color(&RGBColor(80, 80, 80)),
    )?;
    let (top, bottom) = body.split_vertically(355);
    let bins: Vec<_> = rel
        .bins
        .iter()
        .filter(|b| b.count > 0 && b.lower.is_finite() && b.upper.is_finite())
        .collect();
    {
        let mut chart = ChartBuilder::on(&top)
            .margin_left(20)
            .margin_right(20)
            .margin_top(10)
            .x_label_area_size(35)
            .y_label_area_size(75)
            .build_cartesian_2d(0f64..1f64, 0f64..1.02f64)?;
        chart
            .configure_mesh()
            .y_desc("Accuracy")
            .x_labels(11)
            .y_labels(6)
            .x_label_formatter(&|v| format!("{v:.1}"))
            .y_label_formatter(&|v| format!("{v:.1}"))
            .axis_desc_style((FONT, AXIS_DESC_SIZE))
            .label_style((FONT, TICK_SIZE))
            .bold_line_style(RGBColor(225, 225, 225))
            .light_line_style(RGBColor(245, 245, 245))
            .draw()?;
        let bar = PALETTE[0];
        chart.draw_series(bins.iter().map(|b| {
            Rectangle::new(
                [(b.lower, 0.0), (b.upper, b.accuracy)],
                bar.mix(0.45).filled(),
            )
        }))?;
        chart.draw_series(bins.iter().map(|b| {
            Rectangle::new([(b.lower, 0.0), (b.upper, b.accuracy)], bar.stroke_width(1))
        }))?;
        chart.draw_series(DashedLineSeries::new(
            vec![(0.0, 0.0), (1.0, 1.0)],
            8,
            6,
            GREY.stroke_width(2),
        ))?;
        let dot = PALETTE[1];
        chart.draw_series(
            bins.iter()
                .filter(|b| b.mean_confidence.is_finite() && b.accuracy.is_finite())
                .map(|b| Circle::new((b.mean_confidence, b.accuracy), 5, dot.filled())),
        )?;
    }
    {
        let max_count = bins.iter().map(|b| b.count).max().unwrap_or(0).max(1) as f64;
        let mut chart = ChartBuilder::on(&bottom)
            .margin_left(20)
            .margin_right(20)
            .margin_bottom(10)
            .x_label_area_size(55)
            .y_label_area_size(75)
            .build_cartesian_2d(0f64..1f64, 0f64..max_count * 1.25)?;
        chart
            .configure_mesh()
            .x_desc("Confidence")
            .y_desc("Count")
            .x_labels(11)
            .y_labels(4)
            .x_label_formatter(&|v| format!("{v:.1}"))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .axis_desc_style((FONT, AXIS_DESC_SIZE))
            .label_style((FONT, TICK_SIZE))
            .bold_line_style(RGBColor(225, 225, 225))
            .light_line_style(WHITE)
            .draw()?;
        chart.draw_series(bins.iter().map(|b| {
            Rectangle::new(
                [(b.lower, 0.0), (b.upper, b.count as f64)],
                GREY.mix(0.6).filled(),
            )
        }))?;
        let label_style =
            TextStyle::from((FONT, 14).into_font()).pos(Pos::new(HPos::Center, VPos::Bottom));
        chart.draw_series(bins.iter().map(|b| {
            Text::new(
                b.count.to_string(),
                ((b.lower + b.upper) / 2.0, b.count as f64),
                label_style.clone(),
            )
        }))?;
    }
    root.present()?;
    Ok(())
}

/// Score histograms of one class's score, one per true label.
///
/// `groups` pairs a true label with the scores for `class` of the posts
/// having that label. Each label's scores are binned into
/// [`HISTOGRAM_BINS`] equal-width bins on `[0, 1]` (bin `i` is
/// `[i/20, (i+1)/20)`, the last closed; NaN or out-of-range scores are
/// left out) and **normalised per label**: the y value is the fraction of
/// that label's posts falling in the bin. Labels are very unbalanced in
/// redflag's data (benign dominates), so raw counts would flatten the
/// small harmful classes; per-label fractions make the shapes comparable,
/// and each label's post count is given in the legend. Histograms are
/// overlaid as step outlines over a light fill; the y axis leaves the top
/// ~30 % free for the legend. `threshold`, when given,
/// is drawn as a dashed vertical line (the review threshold).
pub fn score_histograms(
    path: &Path,
    title: &str,
    class: &str,
    groups: &[(&str, &[f64])],
    threshold: Option<f64>,
) -> Result<(), PlotError> {
    finish(path, draw_histograms(path, title, class, groups, threshold))
}

/// Per-label bin fractions and the number of scores binned.
fn histogram_fractions(scores: &[f64]) -> (Vec<f64>, usize) {
    let mut counts = [0usize; HISTOGRAM_BINS];
    let mut n = 0usize;
    for &s in scores {
        if let Some(b) = bin_index(s, HISTOGRAM_BINS) {
            counts[b] += 1;
            n += 1;
        }
    }
    let fractions = counts
        .iter()
        .map(|&c| if n == 0 { 0.0 } else { c as f64 / n as f64 })
        .collect();
    (fractions, n)
}

fn draw_histograms(
    path: &Path,
    title: &str,
    class: &str,
    groups: &[(&str, &[f64])],
    threshold: Option<f64>,
) -> DrawResult {
    let hists: Vec<(&str, Vec<f64>, usize)> = groups
        .iter()
        .map(|&(label, scores)| {
            let (f, n) = histogram_fractions(scores);
            (label, f, n)
        })
        .collect();
    let max_fraction = hists
        .iter()
        .flat_map(|(_, f, _)| f.iter().copied())
        .fold(0.0f64, f64::max);
    // Keep the top ~30 % of the plot free of bars for the legend.
    let y_max = if max_fraction > 0.0 {
        max_fraction / 0.7
    } else {
        1.0
    };
    let width = 1.0 / HISTOGRAM_BINS as f64;

    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    {
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, TITLE_SIZE))
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(75)
            .build_cartesian_2d(0f64..1f64, 0f64..y_max)?;
        chart
            .configure_mesh()
            .x_desc(format!("Score for {class}"))
            .y_desc("Fraction of the label's posts")
            .x_labels(11)
            .y_labels(8)
            .x_label_formatter(&|v| format!("{v:.1}"))
            .y_label_formatter(&|v| format!("{v:.2}"))
            .axis_desc_style((FONT, AXIS_DESC_SIZE))
            .label_style((FONT, TICK_SIZE))
            .bold_line_style(RGBColor(225, 225, 225))
            .light_line_style(WHITE)
            .draw()?;
        for (i, (label, fractions, n)) in hists.iter().enumerate() {
            let c = colour(i);
            chart.draw_series(fractions.iter().enumerate().filter(|(_, &f)| f > 0.0).map(
                |(b, &f)| {
                    let x0 = b as f64 * width;
                    Rectangle::new([(x0, 0.0), (x0 + width, f)], c.mix(0.12).filled())
                },
            ))?;
            let mut outline = vec![(0.0, 0.0)];
            for (b, &f) in fractions.iter().enumerate() {
                outline.push((b as f64 * width, f));
                outline.push(((b + 1) as f64 * width, f));
            }
            outline.push((1.0, 0.0));
            chart
                .draw_series(LineSeries::new(outline, c.stroke_width(3)))?
                .label(format!("{label} (n={n})"))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(3))
                });
        }
        if let Some(t) = threshold.filter(|t| (0.0..=1.0).contains(t)) {
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(t, 0.0), (t, y_max)],
                    10,
                    6,
                    THRESHOLD_RED.stroke_width(2),
                ))?
                .label(format!("review threshold {t:.2}"))
                .legend(|(x, y)| dashed_key(x, y, THRESHOLD_RED));
        }
        if !hists.is_empty() || threshold.is_some() {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperMiddle)
                .margin(10)
                .legend_area_size(32)
                .label_font((FONT, LEGEND_SIZE))
                .background_style(WHITE)
                .border_style(GREY)
                .draw()?;
        }
    }
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::metrics::{
        average_precision, precision_recall_curve, reliability, roc_auc, roc_curve,
    };

    fn tmp(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("redflag_plot_test_{}_{name}", std::process::id()))
    }

    #[test]
    fn pr_steps_follow_sklearn_steps_post() {
        // Curve of the sklearn example: R [1, 1, .5, .5, 0], P [.5, 2/3, .5, 1, 1].
        let c =
            precision_recall_curve(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]).unwrap();
        let s = pr_steps(&c);
        // Area under the step path (x decreasing) equals AP = 5/6.
        let area: f64 = s.windows(2).map(|w| (w[0].0 - w[1].0) * w[0].1).sum();
        assert!((area - 5.0 / 6.0).abs() < 1e-12);
        assert_eq!(s.first(), Some(&(1.0, 0.5)));
        assert_eq!(s.last(), Some(&(0.0, 1.0)));
    }

    #[test]
    fn histogram_fractions_sum_to_one_and_skip_bad_scores() {
        let (f, n) = histogram_fractions(&[0.0, 0.05, 0.5, 1.0, f64::NAN, 1.5, -0.1]);
        assert_eq!(n, 4);
        assert_eq!(f.len(), HISTOGRAM_BINS);
        assert_eq!((f[0], f[1], f[10], f[19]), (0.25, 0.25, 0.25, 0.25));
        let (f, n) = histogram_fractions(&[]);
        assert_eq!(n, 0);
        assert!(f.iter().all(|&v| v == 0.0));
    }

    #[test]
    fn all_plots_write_svg_files() {
        let s = [0.1, 0.4, 0.35, 0.8, 0.8, 0.2];
        let y = [false, false, true, true, false, true];
        let pr = precision_recall_curve(&s, &y).unwrap();
        let ap = average_precision(&s, &y).unwrap();
        let roc = roc_curve(&s, &y).unwrap();
        let auc = roc_auc(&s, &y).unwrap();
        let rel = reliability(&s, &y, 10).unwrap();

        let p = tmp("pr.svg");
        pr_curves(&p, "PR", &[("appeal", &pr, ap), ("propaganda", &pr, ap)]).unwrap();
        let svg = std::fs::read_to_string(&p).unwrap();
        assert!(
            svg.starts_with("<svg")
                && svg.contains("Recall")
                && svg.contains(&format!("appeal (AP {ap:.2})"))
        );

        let p = tmp("roc.svg");
        roc_curves(&p, "ROC", &[("appeal", &roc, auc)]).unwrap();
        let svg = std::fs::read_to_string(&p).unwrap();
        assert!(
            svg.contains("False positive rate") && svg.contains(&format!("appeal (AUC {auc:.2})"))
        );

        let p = tmp("rel.svg");
        reliability_diagram(&p, "Calibration", &rel).unwrap();
        let svg = std::fs::read_to_string(&p).unwrap();
        assert!(svg.contains(&format!("Calibration (ECE {:.3})", rel.ece)));

        let p = tmp("hist.svg");
        let pos: Vec<f64> = s
            .iter()
            .zip(&y)
            .filter(|(_, &t)| t)
            .map(|(&v, _)| v)
            .collect();
        let neg: Vec<f64> = s
            .iter()
            .zip(&y)
            .filter(|(_, &t)| !t)
            .map(|(&v, _)| v)
            .collect();
        score_histograms(
            &p,
            "Scores",
            "appeal",
            &[("appeal", &pos), ("benign", &neg)],
            Some(0.3),
        )
        .unwrap();
        let svg = std::fs::read_to_string(&p).unwrap();
        assert!(svg.contains("review threshold 0.30") && svg.contains("appeal (n=3)"));

        for f in ["pr.svg", "roc.svg", "rel.svg", "hist.svg"] {
            std::fs::remove_file(tmp(f)).ok();
        }
    }

    #[test]
    fn degenerate_inputs_still_draw() {
        let p = tmp("empty.svg");
        pr_curves(&p, "", &[]).unwrap();
        roc_curves(&p, "", &[]).unwrap();
        score_histograms(&p, "", "appeal", &[], None).unwrap();
        score_histograms(&p, "", "appeal", &[("benign", &[f64::NAN])], Some(f64::NAN)).unwrap();
        let empty = Reliability {
            bins: vec![],
            ece: 0.0,
        };
        reliability_diagram(&p, "", &empty).unwrap();
        let weird = PrCurve {
            thresholds: vec![0.5],
            precision: vec![f64::NAN, 1.0],
            recall: vec![1.0],
        };
        pr_curves(&p, "", &[("x", &weird, f64::NAN)]).unwrap();
        // Markup characters in names are escaped.
        roc_curves(&p, "a <b> & c", &[]).unwrap();
        let svg = std::fs::read_to_string(&p).unwrap();
        assert!(svg.contains("a &lt;b&gt; &amp; c"));
        std::fs::remove_file(&p).ok();
    }

    #[test]
    fn unwritable_path_is_an_error_with_the_path() {
        let p = Path::new("/nonexistent-dir-redflag/x.svg");
        let err = pr_curves(p, "t", &[]).unwrap_err();
        let PlotError::Draw { path, message } = &err;
        assert_eq!(path, p);
        assert!(!message.is_empty());
        assert!(err.to_string().contains("/nonexistent-dir-redflag/x.svg"));
    }
}
