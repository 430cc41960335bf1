//! Per-class figures of the shown image for the side panel: pixels in the mask and in the
//! prediction, and IoU where both exist. Kept as counts that a mask edit updates pixel by
//! pixel, so the panel follows a stroke without recounting the image.

use crate::metrics::Confusion;

/// Area and IoU of one class in the shown image.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ClassStat {
    /// Pixels of the class in the current mask (edits included); unlabelled pixels are in no
    /// class.
    pub truth_px: u64,
    /// Pixels the prediction gives the class.
    pub pred_px: u64,
    /// IoU of mask against prediction; `None` without both, or when the class is in neither.
    pub iou: Option<f64>,
}

/// Counts of the shown image: the (mask, prediction) confusion when both exist, else the
/// class areas of whichever exists.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageCounts {
    /// The schema's class count: ids at or above it are not counted.
    classes: usize,
    /// Mask against prediction, when both exist and have the same size.
    conf: Option<Confusion>,
    /// Class areas of the mask when there is no confusion to read them from.
    truth: Vec<u64>,
    /// Class areas of the prediction, likewise.
    pred: Vec<u64>,
}

impl ImageCounts {
    /// Counts for one image: `mask` and `pred` are class ids per pixel, row-major, of the same
    /// image.
    pub fn new(mask: Option<&[u8]>, pred: Option<&[u8]>, classes: usize) -> Self {
        let mut out = Self {
            classes,
            conf: None,
            truth: vec![0; classes],
            pred: vec![0; classes],
        };
        match (mask, pred) {
            (Some(m), Some(p)) if m.len() == p.len() => {
                let mut conf = Confusion::new(classes);
                conf.add_masks(m, p);
                out.conf = Some(conf);
            }
            _ => {
                count(&mut out.truth, mask.unwrap_or_default());
                count(&mut out.pred, pred.unwrap_or_default());
            }
        }
        out
    }

    /// A mask pixel changed from `old` to `new`; `pred` is the predicted class there.
    pub fn relabel(&mut self, old: u8, new: u8, pred: Option<u8>) {
        if let (Some(conf), Some(p)) = (&mut self.conf, pred) {
            conf.remove(old, p);
            conf.add(new, p);
        } else {
            if let Some(n) = self.truth.get_mut(usize::from(old)) {
                *n = n.saturating_sub(1);
            }
            if let Some(n) = self.truth.get_mut(usize::from(new)) {
                *n += 1;
            }
        }
    }

    /// Per-class areas and IoU.
    pub fn stats(&self) -> Vec<ClassStat> {
        (0..self.classes)
            .map(|c| match &self.conf {
                Some(conf) => ClassStat {
                    truth_px: conf.support(c),
                    pred_px: conf.predicted(c),
                    iou: conf.iou(c),
                },
                None => ClassStat {
                    truth_px: self.truth[c],
                    pred_px: self.pred[c],
                    iou: None,
                },
            })
            .collect()
    }

    /// Mean Dice between the mask and the prediction (the model's proposal), when both exist.
    pub fn dice(&self) -> Option<f64> {
        self.conf.as_ref().and_then(Confusion::mean_dice)
    }
}

/// Adds one to `into[id]` for every id of `ids` that indexes it (unlabelled ones do not).
fn count(into: &mut [u64], ids: &[u8]) {
    for &v in ids {
        if let Some(n) = into.get_mut(usize::from(v)) {
            *n += 1;
        }
    }
}

/// Per-class truth and predicted pixels and IoU of one image.
#[cfg(test)]
pub fn class_stats(mask: Option<&[u8]>, pred: Option<&[u8]>, classes: usize) -> Vec<ClassStat> {
    ImageCounts::new(mask, pred, classes).stats()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relabelling_pixels_updates_counts_like_a_recount() {
        let mask = vec![0u8, 0, 1, 1, 2, 2];
        let pred = vec![0u8, 1, 1, 1, 2, 0];
        let mut c = ImageCounts::new(Some(&mask), Some(&pred), 3);
        let mut edited = mask.clone();
        for (i, new) in [(1usize, 1u8), (5, 0), (2, 2)] {
            c.relabel(edited[i], new, Some(pred[i]));
            edited[i] = new;
        }
        assert_eq!(c, ImageCounts::new(Some(&edited), Some(&pred), 3));
        assert_eq!(c.stats(), class_stats(Some(&edited), Some(&pred), 3));
        // Edited to agree with the prediction everywhere: Dice 1.
        let mut all = ImageCounts::new(Some(&mask), Some(&pred), 3);
        for i in 0..6 {
            all.relabel(mask[i], pred[i], Some(pred[i]));
        }
        assert_eq!(all.dice(), Some(1.0));
        // Without a prediction only areas.
        let mut t = ImageCounts::new(Some(&mask), None, 3);
        t.relabel(0, 2, None);
        assert_eq!(t.stats()[2].truth_px, 3);
        assert_eq!(t.dice(), None);
    }
}
