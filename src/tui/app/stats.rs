//! Per-class figures of the shown image for the side panel: pixels in the mask and in the
//! prediction, and IoU where both exist.

use crate::metrics::Confusion;

/// Area and IoU of one class in the shown image.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ClassStat {
    pub truth_px: u64,
    pub pred_px: u64,
    pub iou: Option<f64>,
}

/// Per-class truth and predicted pixels and IoU of one image.
pub fn class_stats(mask: Option<&[u8]>, pred: Option<&[u8]>, classes: usize) -> Vec<ClassStat> {
    let mut out = vec![ClassStat::default(); classes];
    match (mask, pred) {
        (Some(m), Some(p)) if m.len() == p.len() => {
            let mut conf = Confusion::new(classes);
            conf.add_masks(m, p);
            for (c, s) in out.iter_mut().enumerate() {
                *s = ClassStat {
                    truth_px: conf.support(c),
                    pred_px: conf.predicted(c),
                    iou: conf.iou(c),
                };
            }
        }
        _ => {
            for &v in mask.unwrap_or_default() {
                if let Some(s) = out.get_mut(usize::from(v)) {
                    s.truth_px += 1;
                }
            }
            for &v in pred.unwrap_or_default() {
                if let Some(s) = out.get_mut(usize::from(v)) {
                    s.pred_px += 1;
                }
            }
        }
    }
    out
}
