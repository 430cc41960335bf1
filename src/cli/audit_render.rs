//! Text, CSV and Markdown renderings of an [`AuditReport`].
//!
//! Scores print to three places (`0.912`), `n/a` where undefined (a class in neither truth
//! nor prediction, an empty group); shares print as percent with one decimal. Pixel counts are
//! grouped by thousands in text. The text form is for people and may change; the CSV columns
//! and the JSON of `audit --json` (`docs/AUDIT_JSON.md`) are for programs.

use std::fmt::Write as _;

use crate::audit::{AuditReport, GroupMetrics, NamedMetrics};

use super::table::{self, Align, Table, thousands};

/// A score to three decimals, `n/a` when undefined.
fn f3(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_string(), |x| format!("{x:.3}"))
}

/// A 0–1 share as percent with one decimal (`0.1234` → `12.3`).
fn pct(v: f64) -> String {
    format!("{:.1}", v * 100.0)
}

/// The report as terminal tables.
///
/// Sections in order: summary, per class, IoU per scale bin, per sample, per split, the
/// row-normalised confusion matrix, modal abundances with rock types, then absent,
/// underrepresented and at-risk classes.
pub fn text(r: &AuditReport) -> String {
    let mut s = String::new();
    summary_text(&mut s, r);
    let _ = writeln!(s, "\n{}", table::styled(table::HEADING, "Per class"));
    let _ = writeln!(s, "{}", class_table(&r.overall));
    let shorts: Vec<&str> = r.classes.iter().map(|c| c.short.as_str()).collect();
    let sections = [
        (
            "IoU per scale bin",
            "BIN",
            r.bins
                .iter()
                .map(|b| (b.range.clone(), &b.metrics))
                .collect(),
        ),
        ("IoU per sample", "SAMPLE", named(&r.samples)),
        ("IoU per split", "SPLIT", named(&r.splits)),
    ];
    for (heading, title, rows) in sections {
        let _ = writeln!(s, "\n{}", table::styled(table::HEADING, heading));
        let _ = writeln!(s, "{}", groups_table(title, &shorts, rows));
    }
    confusion_text(&mut s, r, &shorts);
    abundance_text(&mut s, r, &shorts);
    risk_text(&mut s, r);
    s
}

/// (name, metrics) rows of named groups (samples or splits), in report order.
fn named(groups: &[NamedMetrics]) -> Vec<(String, &GroupMetrics)> {
    groups
        .iter()
        .map(|g| (g.name.clone(), &g.metrics))
        .collect()
}

/// The heading line (with the labelled images the model did not predict) and the overall
/// scores.
fn summary_text(s: &mut String, r: &AuditReport) {
    let o = &r.overall;
    let _ = writeln!(
        s,
        "{} model {} · split {} · {} images, {} pixels{}",
        table::styled(table::HEADING, "Audit"),
        r.model,
        r.split,
        o.images,
        thousands(o.pixels),
        if r.unpredicted > 0 {
            format!(
                " · {} labelled images not predicted by this model",
                r.unpredicted
            )
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        s,
        "pixel accuracy {} · mean IoU {} · frequency-weighted IoU {}",
        f3(o.pixel_accuracy),
        f3(o.mean_iou),
        f3(o.frequency_weighted_iou)
    );
}

/// The overall per-class table: id, short name, true and predicted pixels, IoU, precision,
/// recall and F1.
fn class_table(o: &GroupMetrics) -> String {
    let mut t = Table::new(&[
        ("ID", Align::Right),
        ("CLASS", Align::Left),
        ("SUPPORT", Align::Right),
        ("PREDICTED", Align::Right),
        ("IoU", Align::Right),
        ("PREC", Align::Right),
        ("RECALL", Align::Right),
        ("F1", Align::Right),
    ]);
    for c in &o.per_class {
        t.row(vec![
            c.id.to_string(),
            c.short.clone(),
            thousands(c.support),
            thousands(c.predicted),
            f3(c.iou),
            f3(c.precision),
            f3(c.recall),
            f3(c.f1),
        ]);
    }
    t.render(2)
}

/// One row per group (named in the `title` column): images, accuracy, mIoU and each class's
/// IoU to two places ("-" where the class is absent).
fn groups_table(title: &str, shorts: &[&str], rows: Vec<(String, &GroupMetrics)>) -> String {
    let mut cols = vec![
        (title, Align::Left),
        ("IMAGES", Align::Right),
        ("ACC", Align::Right),
        ("mIoU", Align::Right),
    ];
    cols.extend(shorts.iter().map(|c| (*c, Align::Right)));
    let mut t = Table::new(&cols);
    for (name, m) in rows {
        let mut row = vec![
            name,
            m.images.to_string(),
            f3(m.pixel_accuracy),
            f3(m.mean_iou),
        ];
        row.extend(
            m.per_class
                .iter()
                .map(|c| c.iou.map_or("-".into(), |v| format!("{v:.2}"))),
        );
        t.row(row);
    }
    t.render(2)
}

/// The normalised confusion matrix in % of each true class; "·" for exactly 0, a row of "-"
/// for a class absent from the truth.
fn confusion_text(s: &mut String, r: &AuditReport, shorts: &[&str]) {
    let _ = writeln!(
        s,
        "\n{}",
        table::styled(
            table::HEADING,
            "Confusion (rows true, columns predicted, % of the true class)"
        )
    );
    let mut cols = vec![("TRUE", Align::Left)];
    cols.extend(shorts.iter().map(|c| (*c, Align::Right)));
    let mut t = Table::new(&cols);
    for (i, row) in r.overall.confusion_normalised.iter().enumerate() {
        let mut cells = vec![shorts[i].to_string()];
        match row {
            Some(v) => cells.extend(
                v.iter()
                    .map(|x| if *x == 0.0 { "·".into() } else { pct(*x) }),
            ),
            None => cells.extend(shorts.iter().map(|_| "-".to_string())),
        }
        t.row(cells);
    }
    let _ = writeln!(s, "{}", t.render(2));
}

/// Per sample, each class's share of true and of predicted pixels (`true→predicted`, %), and
/// the study's rock type from each.
fn abundance_text(s: &mut String, r: &AuditReport, shorts: &[&str]) {
    let _ = writeln!(
        s,
        "\n{}",
        table::styled(
            table::HEADING,
            "Modal abundance per sample, % (true → predicted)"
        )
    );
    let mut cols = vec![("SAMPLE", Align::Left)];
    cols.extend(shorts.iter().map(|c| (*c, Align::Right)));
    cols.push(("ROCK TYPE (true → predicted)", Align::Left));
    let mut t = Table::new(&cols);
    for a in &r.abundances {
        let mut row = vec![a.sample.clone()];
        row.extend(
            a.truth
                .iter()
                .zip(&a.predicted)
                .map(|(t, p)| format!("{}→{}", pct(*t), pct(*p))),
        );
        let rt =
            |v: Option<crate::audit::RockType>| v.map_or("n/a".to_string(), |x| format!("{x:?}"));
        row.push(format!(
            "{} → {}",
            rt(a.rock_type_truth),
            rt(a.rock_type_predicted)
        ));
        t.row(row);
    }
    let _ = writeln!(s, "{}", t.render(2));
}

/// Absent classes, underrepresented ones (share of true pixels under the threshold) and
/// at-risk ones with the reason, under the report's thresholds.
fn risk_text(s: &mut String, r: &AuditReport) {
    let t = r.thresholds;
    if !r.absent.is_empty() {
        let shorts: Vec<&str> = r
            .absent
            .iter()
            .filter_map(|&id| r.classes.get(usize::from(id)).map(|c| c.short.as_str()))
            .collect();
        let _ = writeln!(s, "\nAbsent (no true pixels): {}", shorts.join(", "));
    }
    if r.underrepresented.is_empty() {
        let _ = writeln!(
            s,
            "\nNo class with true pixels is underrepresented (share < {:.0}%).",
            t.rare_share * 100.0
        );
    } else {
        let _ = writeln!(
            s,
            "\nUnderrepresented (share of truth pixels < {:.0}%): {}",
            t.rare_share * 100.0,
            r.underrepresented
                .iter()
                .map(|u| format!("{} {:.2}%", u.short, u.share * 100.0))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if r.at_risk.is_empty() {
        let _ = writeln!(
            s,
            "No class is at risk (IoU < {} overall or in a bin with ≥ {} true px).",
            t.iou, t.min_pixels
        );
        return;
    }
    let _ = writeln!(
        s,
        "{}",
        table::styled(
            table::WARN,
            &format!(
                "At-risk classes (IoU < {} overall or in a bin with ≥ {} true px)",
                t.iou, t.min_pixels
            )
        )
    );
    for a in &r.at_risk {
        let _ = writeln!(s, "  {:<5} {}", a.short, a.reason);
    }
}

/// Long-format CSV: one row per group and class.
///
/// Columns: `group_type` (`overall`, `bin`, `sample`, `split`), `group` (`all`, the bin's
/// range, the sample or split name), class id and short name, IoU, precision, recall, F1 (six
/// decimals, empty where undefined), true and predicted pixels, and the group's images.
pub fn csv(r: &AuditReport) -> String {
    let mut s = String::from(
        "group_type,group,class_id,class,iou,precision,recall,f1,support,predicted,images\n",
    );
    let mut add = |kind: &str, name: &str, m: &GroupMetrics| {
        for c in &m.per_class {
            let f = |v: Option<f64>| v.map_or(String::new(), |x| format!("{x:.6}"));
            let _ = writeln!(
                s,
                "{kind},{},{},{},{},{},{},{},{},{},{}",
                quote(name),
                c.id,
                quote(&c.short),
                f(c.iou),
                f(c.precision),
                f(c.recall),
                f(c.f1),
                c.support,
                c.predicted,
                m.images
            );
        }
    };
    add("overall", "all", &r.overall);
    for b in &r.bins {
        add("bin", &b.range, &b.metrics);
    }
    for g in &r.samples {
        add("sample", &g.name, &g.metrics);
    }
    for g in &r.splits {
        add("split", &g.name, &g.metrics);
    }
    s
}

/// A CSV field, quoted (inner quotes doubled) when it holds a comma, quote or newline.
fn quote(v: &str) -> String {
    if v.contains([',', '"', '\n']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v.to_string()
    }
}

/// Markdown tables: summary, per class, per bin.
pub fn markdown(r: &AuditReport) -> String {
    let mut s = String::new();
    let o = &r.overall;
    let _ = writeln!(s, "# Audit of model `{}` (split {})\n", r.model, r.split);
    let _ = writeln!(
        s,
        "{} images, pixel accuracy {}, mean IoU {}, frequency-weighted IoU {}\n",
        o.images,
        f3(o.pixel_accuracy),
        f3(o.mean_iou),
        f3(o.frequency_weighted_iou)
    );
    let _ = writeln!(
        s,
        "| class | support | IoU | precision | recall | F1 |\n|---|---|---|---|---|---|"
    );
    for c in &o.per_class {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            c.short,
            c.support,
            f3(c.iou),
            f3(c.precision),
            f3(c.recall),
            f3(c.f1)
        );
    }
    markdown_bins(&mut s, r);
    markdown_risks(&mut s, r);
    s
}

/// The per-bin table, ending its last row with a newline.
fn markdown_bins(s: &mut String, r: &AuditReport) {
    let _ = write!(s, "\n| bin | images | accuracy | mIoU |");
    for c in &r.classes {
        let _ = write!(s, " {} |", c.short);
    }
    let _ = write!(s, "\n|---|---|---|---|{}", "---|".repeat(r.classes.len()));
    for b in &r.bins {
        let m = &b.metrics;
        let _ = write!(
            s,
            "\n| {} | {} | {} | {} |",
            b.range,
            m.images,
            f3(m.pixel_accuracy),
            f3(m.mean_iou)
        );
        for c in &m.per_class {
            let _ = write!(s, " {} |", f3(c.iou));
        }
    }
    s.push('\n');
}

/// Bullet lists of the underrepresented classes (share and pixels) and the at-risk ones.
fn markdown_risks(s: &mut String, r: &AuditReport) {
    if !r.underrepresented.is_empty() {
        let _ = writeln!(s, "\nUnderrepresented classes:\n");
        for u in &r.underrepresented {
            let _ = writeln!(
                s,
                "- **{}**: {:.2}% of truth pixels ({} px)",
                u.short,
                u.share * 100.0,
                u.support
            );
        }
    }
    if !r.at_risk.is_empty() {
        let _ = writeln!(s, "\nAt-risk classes:\n");
        for a in &r.at_risk {
            let _ = writeln!(s, "- **{}**: {}", a.short, a.reason);
        }
    }
}
