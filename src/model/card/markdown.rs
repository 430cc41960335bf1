//! `MODEL_CARD.md`: the model card in words. The model (kind, width, dropout, classes, input
//! normalisation, scale bins, command), the data it learnt from (dataset, fingerprint, images
//! and labelled pixels per split, labels from an export or the workspace), the inference time,
//! every training option, and the test split's tables (pixel accuracy, mIoU and IoU per class,
//! all bins then per scale bin) with one line per bin.
//!
//! Scores print with three decimals, `n/a` where undefined; pixel sizes in µm/px, times in s
//! and ms, labelled shares in percent.

use std::fmt::Write as _;

use super::super::config::ModelConfig;
use super::{MetricsCard, ModelCard};

impl ModelCard {
    /// The readable card.
    pub fn markdown(&self, config: &ModelConfig) -> String {
        let mut s = String::from("# Model card\n\n");
        self.write_model(&mut s, config);
        self.write_data(&mut s);
        self.write_labels(&mut s);
        if let Some(ms) = self.ms_per_image {
            let _ = writeln!(
                s,
                "- inference: {ms:.0} ms per 256×256 image on {} (batch 1)",
                self.backend
            );
        }
        let _ = writeln!(s, "- options: {}", options_text(&self.options));
        self.write_tests(&mut s);
        self.write_bins(&mut s);
        s
    }

    /// The network: kind, width, dropout, classes, input, scale bins, command.
    fn write_model(&self, s: &mut String, config: &ModelConfig) {
        let _ = writeln!(
            s,
            "- kind: {:?}, U-Net width b = {}, dropout {}, {} classes ({})",
            config.kind,
            config.unet.width,
            config.unet.dropout,
            config.schema.len(),
            config.schema.name
        );
        let input = match (config.input.percentiles, config.input.wants_site()) {
            (Some([lo, hi]), false) => {
                format!("per image, grey levels between its percentiles {lo} and {hi} to 0–1")
            }
            (Some([lo, hi]), true) => format!(
                "per site, grey levels between percentiles {lo} and {hi} of all the images of the image's site (split group) to 0–1"
            ),
            (None, _) => "absolute grey levels / 255 (the study's)".to_string(),
        };
        let _ = writeln!(s, "- input: {input}");
        let bins = if config.bins.edges().is_empty() {
            "one bin".to_string()
        } else {
            config.bins.to_string()
        };
        let _ = writeln!(s, "- scale bins (µm/px): {bins}");
        let _ = writeln!(s, "- trained with: `{}`", self.command);
    }

    /// The training data: where, how much, on what, how long.
    fn write_data(&self, s: &mut String) {
        let _ = writeln!(
            s,
            "- on: `{}` (data fingerprint `{}`), {} train / {} val / {} test images",
            self.dataset,
            self.data_fingerprint,
            self.images.train,
            self.images.val,
            self.images.test
        );
        let p = &self.labelled_pixels;
        let partial = self
            .test
            .as_ref()
            .and_then(|t| t.labelled_share)
            .filter(|s| *s < 1.0)
            .map_or(String::new(), |s| {
                format!(
                    " (test scored on labelled pixels only: {:.1} % of its pixels)",
                    100.0 * s
                )
            });
        let _ = writeln!(
            s,
            "- labelled pixels: {} train / {} val / {} test{partial}",
            p.train, p.val, p.test
        );
        let _ = writeln!(
            s,
            "- backend {}, {:.0} s of training, semcurate {}",
            self.backend, self.training_seconds, self.semcurate_version
        );
    }

    /// Where the labels came from: an export, workspace corrections.
    fn write_labels(&self, s: &mut String) {
        if let Some(e) = &self.labels.export {
            let _ = writeln!(
                s,
                "- the dataset is export `{}` of `{}`: {} files, {} with corrected masks, {} accepted",
                e.fingerprint, e.source_dataset, e.files, e.corrected, e.accepted
            );
        }
        let l = &self.labels;
        if l.corrected_images + l.accepted_images > 0 || l.corrected_only {
            let only = if l.corrected_only {
                ", trained on these only"
            } else {
                ""
            };
            let _ = writeln!(
                s,
                "- workspace labels: {} corrected and {} accepted images (fingerprint `{}`){only}",
                l.corrected_images,
                l.accepted_images,
                l.corrections_fingerprint.as_deref().unwrap_or("-"),
            );
        }
    }

    /// The test split's tables: all bins, then per scale bin.
    fn write_tests(&self, s: &mut String) {
        if let Some(t) = &self.test {
            let _ = writeln!(
                s,
                "\n## Test split, all bins\n\n{}",
                metrics_table(&[("all", t)])
            );
        }
        let per_bin: Vec<(&str, &MetricsCard)> = self
            .bins
            .iter()
            .filter_map(|b| b.test.as_ref().map(|t| (b.range.as_str(), t)))
            .collect();
        if !per_bin.is_empty() {
            let _ = writeln!(
                s,
                "\n## Test split per scale bin (IoU per class)\n\n{}",
                metrics_table(&per_bin)
            );
        }
    }

    /// One line per bin: its images, best epoch and time, or who serves it.
    fn write_bins(&self, s: &mut String) {
        let _ = writeln!(s, "\n## Bins\n");
        for b in &self.bins {
            let best = b.training.as_ref().map_or("not trained".to_string(), |r| {
                format!("best epoch {}, {:.0} s", r.best_epoch, r.seconds)
            });
            let served = if b.trained {
                String::new()
            } else {
                format!(", served by bin {}", b.served_by)
            };
            let _ = writeln!(
                s,
                "- bin {} ({}): {} train / {} val / {} test images; {best}{served}",
                b.bin, b.range, b.images.train, b.images.val, b.images.test
            );
        }
    }
}

fn fmt(v: Option<f64>) -> String {
    v.map_or("n/a".to_string(), |x| format!("{x:.3}"))
}

fn metrics_table(rows: &[(&str, &MetricsCard)]) -> String {
    let Some((_, first)) = rows.first() else {
        return String::new();
    };
    let mut s = String::from("| | images | pixel acc. | mIoU |");
    for c in &first.per_class {
        let _ = write!(s, " {} |", c.short);
    }
    s.push_str("\n|---|---|---|---|");
    s.push_str(&"---|".repeat(first.per_class.len()));
    for (name, m) in rows {
        let _ = write!(
            s,
            "\n| {name} | {} | {} | {} |",
            m.images,
            fmt(m.pixel_accuracy),
            fmt(m.mean_iou)
        );
        for c in &m.per_class {
            let _ = write!(s, " {} |", fmt(c.iou));
        }
    }
    s.push('\n');
    s
}

/// The training options in words, for the card: every field that changes a run.
fn options_text(o: &crate::model::train::TrainOptions) -> String {
    let or_whole = |v: Option<usize>, whole: &str| v.map_or(whole.to_string(), |n| n.to_string());
    let a = &o.augment;
    format!(
        "epochs {}{}, lr {}{}, batch {}, crop {}, steps/epoch {}, seed {}, class weights {}, \
         Dice weight {}, balanced crops {}, augmentation: turns and flips {}, gain ± {}, \
         offset ± {}, noise σ ≤ {}, blur σ ≤ {} px{}, steps on {}",
        o.epochs,
        o.patience
            .map_or(String::new(), |p| format!(" (early stop after {p})")),
        o.lr,
        if o.cosine { " with cosine decay" } else { "" },
        o.batch,
        or_whole(o.crop, "whole images"),
        or_whole(o.steps_per_epoch, "one pass over the images"),
        o.seed,
        o.class_weights,
        o.dice_weight,
        o.balance,
        a.geometric,
        a.gain,
        a.offset,
        a.noise,
        a.blur,
        if a.gamma > 0.0 {
            format!(", gamma e^±{}", a.gamma)
        } else {
            String::new()
        },
        o.trainer.name()
    )
}

#[cfg(test)]
mod tests;
