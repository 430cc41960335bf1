//! Which of the dataset's rows a live-assist request trains on, besides the image's own
//! labels: the mix a request asks for ([`DatasetMix`]), what a proposal ended up using
//! ([`DatasetUse`]), and the caps and class filters that choose the rows (pure functions of
//! the labels: ids at or above `n_classes`, 255 the unlabelled one, are not counted).

use crate::assist::TrainingSet;

/// Dataset rows kept per class, at most.
pub const PER_CLASS_CAP: usize = 1000;
/// Dataset rows kept in all, at most, with [`DatasetMix::DrawnClasses`] (shared evenly by the
/// classes drawn): on the demo 300 rows scored as 1,000 did (accuracy 0.73 and 0.79 at 1
/// and 2 clicks per class, against 0.75 and 0.78) in about half the time.
pub const DRAWN_CAP: usize = 300;
/// Labelled pixels per class drawn from which the image's labels are enough: with
/// [`DatasetMix::DrawnClasses`] the dataset's rows are used below it only. On the demo a
/// click (a disk of radius 3 inside a grain) is at most 29 pixels, so 1–2 clicks per class
/// are below; there the rows helped, and from 5 clicks (above) they hurt. Chosen on that
/// benchmark (100 let a few 5-click tiles use rows: accuracy 0.872 against 0.881 alone).
pub const FEW_LABELS: usize = 60;
/// Dataset rows kept in all, at most, with [`DatasetMix::AllClasses`] (shared evenly by the
/// classes present). Fit time grows
/// fast with rows that do not separate well: on the demo (10 classes) a 256² tile with 10
/// clicks per class fits in 40 ms alone, 150 ms with 1,000 dataset rows, 230 ms with 2,000 and
/// 590 ms with 6,000 (optimised build, loaded 2-core machine; docs/ASSIST.md), so 1,000 keeps
/// fit + proposal near the 0.25 s goal.
pub const TOTAL_CAP: usize = 1000;

/// Which of the dataset's rows a request trains on, besides the image's own labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DatasetMix {
    /// None: the image's labels alone.
    Off,
    /// Rows of the classes the image's labels show, and of no other class, so the proposal
    /// never holds a class the person has not drawn on this image; and only while the image
    /// has fewer than [`FEW_LABELS`] labelled pixels per class drawn (docs/ASSIST.md "Dataset
    /// rows in the live assist": on the demo rows of every class lowered the tile's mIoU from
    /// 0.64 to 0.27; rows of the drawn classes help at 1–2 clicks per class, hurt from 5).
    #[default]
    DrawnClasses,
    /// Rows of every class, so classes the strokes do not show are proposed too.
    AllClasses,
}

/// What of the dataset a proposal was trained on, besides the image's own labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatasetUse {
    /// The request asked for no dataset rows ([`DatasetMix::Off`]).
    Off,
    /// The dataset's rows are still being gathered: the image's labels alone.
    Loading,
    /// `rows` rows drawn from `images` other labelled images.
    Rows { rows: usize, images: usize },
    /// No other image of the dataset has labelled pixels.
    NoOtherLabels,
    /// Other images have labels, none of the classes drawn on this image.
    NoneOfTheDrawnClasses,
    /// The image has at least [`FEW_LABELS`] labelled pixels per class drawn, enough on its
    /// own ([`DatasetMix::DrawnClasses`]).
    EnoughOwnLabels,
    /// The dataset's labels could not be read (why): the image's labels alone.
    Unavailable(String),
}

/// The classes (ids below `n_classes`) that `labels` show.
pub fn drawn_classes(labels: &[u8], n_classes: usize) -> Vec<bool> {
    class_counts(labels, n_classes)
        .iter()
        .map(|&n| n > 0)
        .collect()
}

/// Labelled pixels of each class (ids below `n_classes`).
pub fn class_counts(labels: &[u8], n_classes: usize) -> Vec<usize> {
    let mut counts = vec![0; n_classes];
    for &l in labels {
        if let Some(n) = counts.get_mut(usize::from(l)) {
            *n += 1;
        }
    }
    counts
}

/// With [`DatasetMix::DrawnClasses`], the classes whose dataset rows a request with `labels`
/// trains on: those drawn, while the image has fewer than [`FEW_LABELS`] labelled pixels per
/// class drawn; `None` from there on.
pub fn classes_wanted(labels: &[u8], n_classes: usize) -> Option<Vec<bool>> {
    let counts = class_counts(labels, n_classes);
    let drawn = counts.iter().filter(|&&n| n > 0).count();
    (counts.iter().sum::<usize>() < FEW_LABELS * drawn)
        .then(|| counts.iter().map(|&n| n > 0).collect())
}

/// The rows of `set` of the classes `drawn` marks (`None`: all), at most `total` shared
/// evenly by the classes kept and at most [`PER_CLASS_CAP`] per class.
pub fn thin(set: &TrainingSet, drawn: Option<&[bool]>, total: usize) -> TrainingSet {
    let kept = |c: usize| drawn.is_none_or(|d| d.get(c).copied().unwrap_or(false));
    let present = (0..set.n_classes)
        .filter(|&c| kept(c) && set.labels.iter().any(|&l| usize::from(l) == c))
        .count();
    let cap = (total / present.max(1)).min(PER_CLASS_CAP);
    let mut set = set.clone();
    set.cap_classes(|c| if kept(c) { cap } else { 0 });
    set
}
