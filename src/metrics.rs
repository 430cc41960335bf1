//! Pure segmentation metrics: the pixel confusion matrix and what follows from it.
//!
//! IoU is the study's: for class c, |truth = c ∧ pred = c| / |truth = c ∨ pred = c| over pixel
//! sets. A class absent from both truth and prediction has no IoU (`None`), never 0 or 1;
//! means are taken over the classes that have a value.

pub mod grey_odd;
pub mod image_audit;
pub mod representation;

use serde::{Deserialize, Serialize};

/// Pixel counts by (true class, predicted class); rows are true classes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confusion {
    classes: usize,
    /// Row-major `classes × classes`.
    counts: Vec<u64>,
}

impl Confusion {
    /// An empty matrix for `classes` classes.
    pub fn new(classes: usize) -> Self {
        Self {
            classes,
            counts: vec![0; classes * classes],
        }
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Adds one pixel.
    pub fn add(&mut self, truth: u8, pred: u8) {
        let (t, p) = (usize::from(truth), usize::from(pred));
        if t < self.classes && p < self.classes {
            self.counts[t * self.classes + p] += 1;
        }
    }

    /// Removes one pixel added before (a relabelled mask pixel leaves its old cell).
    pub fn remove(&mut self, truth: u8, pred: u8) {
        let (t, p) = (usize::from(truth), usize::from(pred));
        if t < self.classes && p < self.classes {
            let c = &mut self.counts[t * self.classes + p];
            *c = c.saturating_sub(1);
        }
    }

    /// Adds two masks pixel by pixel; ids outside the classes (e.g. 255 = unlabelled) are skipped.
    pub fn add_masks(&mut self, truth: &[u8], pred: &[u8]) {
        for (&t, &p) in truth.iter().zip(pred) {
            self.add(t, p);
        }
    }

    /// Adds another matrix of the same size.
    pub fn merge(&mut self, other: &Self) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
    }

    /// Pixels of true class `t` predicted as `p`.
    pub fn get(&self, t: usize, p: usize) -> u64 {
        self.counts[t * self.classes + p]
    }

    /// Rows as vectors (true class id → counts per predicted class id).
    pub fn rows(&self) -> Vec<Vec<u64>> {
        self.counts
            .chunks(self.classes.max(1))
            .map(<[u64]>::to_vec)
            .collect()
    }

    /// All pixels counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Pixels on the diagonal.
    pub fn correct(&self) -> u64 {
        (0..self.classes).map(|c| self.get(c, c)).sum()
    }

    /// Pixels whose true class is `c`.
    pub fn support(&self, c: usize) -> u64 {
        (0..self.classes).map(|p| self.get(c, p)).sum()
    }

    /// Pixels predicted as `c`.
    pub fn predicted(&self, c: usize) -> u64 {
        (0..self.classes).map(|t| self.get(t, c)).sum()
    }

    /// Correct pixels / all pixels; `None` when empty.
    pub fn pixel_accuracy(&self) -> Option<f64> {
        ratio(self.correct(), self.total())
    }

    /// Intersection over union of class `c`; `None` when the class is in neither truth nor prediction.
    pub fn iou(&self, c: usize) -> Option<f64> {
        let tp = self.get(c, c);
        ratio(tp, self.support(c) + self.predicted(c) - tp)
    }

    /// TP / predicted; `None` when nothing is predicted as `c`.
    pub fn precision(&self, c: usize) -> Option<f64> {
        ratio(self.get(c, c), self.predicted(c))
    }

    /// TP / support; `None` when the class is not in the truth.
    pub fn recall(&self, c: usize) -> Option<f64> {
        ratio(self.get(c, c), self.support(c))
    }

    /// Harmonic mean of precision and recall; `None` when the class is in neither.
    pub fn f1(&self, c: usize) -> Option<f64> {
        let tp = self.get(c, c);
        ratio(2 * tp, self.support(c) + self.predicted(c))
    }

    /// Mean Dice (F1) over the classes present in truth or prediction: how far two label
    /// maps of one image agree, each class counting alike.
    pub fn mean_dice(&self) -> Option<f64> {
        let v: Vec<f64> = (0..self.classes).filter_map(|c| self.f1(c)).collect();
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    }

    /// Mean of the defined per-class IoUs; `None` when no class has one.
    pub fn mean_iou(&self) -> Option<f64> {
        let v: Vec<f64> = (0..self.classes).filter_map(|c| self.iou(c)).collect();
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    }

    /// IoU weighted by each class's share of true pixels.
    pub fn frequency_weighted_iou(&self) -> Option<f64> {
        let total = self.total();
        if total == 0 {
            return None;
        }
        let s: f64 = (0..self.classes)
            .filter_map(|c| self.iou(c).map(|iou| iou * self.support(c) as f64))
            .sum();
        Some(s / total as f64)
    }

    /// Row-normalised matrix (each true class sums to 1); rows of absent classes are `None`.
    pub fn normalised_by_truth(&self) -> Vec<Option<Vec<f64>>> {
        (0..self.classes)
            .map(|t| {
                let s = self.support(t);
                (s > 0).then(|| {
                    (0..self.classes)
                        .map(|p| self.get(t, p) as f64 / s as f64)
                        .collect()
                })
            })
            .collect()
    }
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn approx(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-12)
    }

    #[test]
    fn hand_computed_three_classes() {
        // truth: 0 0 0 1 1 2 ; pred: 0 0 1 1 2 2 ; class 3 absent from both.
        let mut m = Confusion::new(4);
        m.add_masks(&[0, 0, 0, 1, 1, 2], &[0, 0, 1, 1, 2, 2]);
        assert_eq!(m.total(), 6);
        assert!(approx(m.pixel_accuracy(), 4.0 / 6.0));
        assert!(approx(m.iou(0), 2.0 / 3.0));
        assert!(approx(m.iou(1), 1.0 / 3.0));
        assert!(approx(m.iou(2), 1.0 / 2.0));
        assert_eq!(m.iou(3), None, "absent from truth and prediction");
        assert!(approx(m.precision(1), 0.5));
        assert!(approx(m.recall(1), 0.5));
        assert!(approx(m.f1(2), 2.0 / 3.0));
        assert!(approx(m.mean_iou(), (2.0 / 3.0 + 1.0 / 3.0 + 0.5) / 3.0));
        assert!(approx(
            m.frequency_weighted_iou(),
            (3.0 * 2.0 / 3.0 + 2.0 / 3.0 + 0.5) / 6.0
        ));
        assert_eq!(m.normalised_by_truth()[3], None);
        assert_eq!(m.rows()[0], vec![2, 1, 0, 0]);
    }

    #[test]
    fn predicted_but_absent_class_has_iou_zero() {
        let mut m = Confusion::new(2);
        m.add_masks(&[0, 0], &[0, 1]);
        assert!(approx(m.iou(1), 0.0));
        assert_eq!(m.recall(1), None);
        assert!(approx(m.precision(1), 0.0));
    }

    #[test]
    fn empty_and_unlabelled() {
        let mut m = Confusion::new(3);
        assert_eq!(m.pixel_accuracy(), None);
        assert_eq!(m.mean_iou(), None);
        m.add_masks(&[255, 255], &[0, 1]);
        assert_eq!(m.total(), 0, "pixels outside the schema are not counted");
        let mut n = Confusion::new(3);
        n.add(1, 1);
        m.merge(&n);
        assert_eq!(m.get(1, 1), 1);
    }
}
