//! Training sets put together from parts: the rows of several images merged into one set,
//! thinned to a number of rows per class, and weighted so that every class counts the same.
//! Used where rows are drawn image by image and kept (the dataset-wide `semcurate assist` and
//! the editor's cache of the dataset's rows) rather than drawn from all features at once.

use super::train::TrainingSet;

impl TrainingSet {
    /// One set of all rows, in the order given; `None` when `sets` is empty. The class slots
    /// are the largest of the parts'; every part must have the same number of features.
    pub fn merge(sets: Vec<TrainingSet>) -> Option<TrainingSet> {
        let mut it = sets.into_iter();
        let mut all = it.next()?;
        for s in it {
            all.rows.extend(s.rows);
            all.labels.extend(s.labels);
            all.weights.extend(s.weights);
            all.n_classes = all.n_classes.max(s.n_classes);
        }
        Some(all)
    }

    /// Keeps at most `cap` rows of each class, evenly spread over the set (every k-th row of
    /// the class, so the same set gives the same rows); the order of the rows is kept.
    pub fn cap_per_class(&mut self, cap: usize) {
        self.cap_classes(|_| cap);
    }

    /// Keeps at most `cap(class)` rows of each class (0 drops the class), evenly spread as
    /// [`Self::cap_per_class`] does.
    pub fn cap_classes(&mut self, cap: impl Fn(usize) -> usize) {
        let nf = self.n_features;
        let mut counts = vec![0usize; self.n_classes];
        for &l in &self.labels {
            counts[usize::from(l)] += 1;
        }
        let caps: Vec<usize> = (0..self.n_classes).map(cap).collect();
        let mut seen = vec![0usize; self.n_classes];
        let mut keep = Vec::with_capacity(self.labels.len());
        for &l in &self.labels {
            let (c, cap) = (usize::from(l), caps[usize::from(l)]);
            // Row k of n is kept when it starts a new 1/cap-th of the class's rows.
            let k = seen[c];
            seen[c] += 1;
            keep.push(counts[c] <= cap || (k * cap) / counts[c] != ((k + 1) * cap) / counts[c]);
        }
        let mut rows = Vec::new();
        let (mut labels, mut weights) = (Vec::new(), Vec::new());
        for (i, &k) in keep.iter().enumerate() {
            if k {
                rows.extend_from_slice(&self.rows[i * nf..(i + 1) * nf]);
                labels.push(self.labels[i]);
                weights.push(self.weights[i]);
            }
        }
        (self.rows, self.labels, self.weights) = (rows, labels, weights);
    }

    /// Rescales weights so that every class present has the same total, and the mean weight
    /// is 1 (scikit-learn's `class_weight="balanced"`, on top of the rows' own weights).
    pub fn balance_classes(&mut self) {
        let mut totals = vec![0.0f64; self.n_classes];
        for (&l, &w) in self.labels.iter().zip(&self.weights) {
            totals[l as usize] += f64::from(w);
        }
        let present = totals.iter().filter(|&&t| t > 0.0).count();
        if present == 0 {
            return;
        }
        let target = self.len() as f64 / present as f64;
        for (l, w) in self.labels.iter().zip(self.weights.iter_mut()) {
            *w = (f64::from(*w) * target / totals[*l as usize]) as f32;
        }
    }
}
