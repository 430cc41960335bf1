//! The dataset's rows for the editor's assist: training rows drawn from every labelled image of
//! the dataset (the pixels `semcurate assist` trains on: [`DatasetLabels`]), so that a stroke
//! on one image is proposed with what the other images teach. Which of them a request uses is
//! its [`DatasetMix`]: by default those of the classes drawn on the image, while it has few
//! labels ([`DRAWN_CAP`], [`FEW_LABELS`]); rows of every class (rare classes the strokes do
//! not show) made the demo's proposals worse.
//!
//! Gathered once per editor run, after the first request, by a thread of its own whose feature
//! filters run in a one-thread pool (so the editor's requests keep the global pool); for each
//! image only rows are kept (at most [`PER_IMAGE_CAP`] per class, drawn as `training_set`
//! draws), never its 49 feature planes. The image being edited is left out when the rows are
//! used, not when they are gathered, so moving to another image needs no new gathering.
//!
//! What is refreshed: an image the editor leaves gives its latest labels (those of its last
//! request) in place of its gathered rows. What is not: labels changed by another process
//! while the editor runs, and images indexed after the gathering started.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::thread::JoinHandle;

use crate::assist::{FeatureSettings, Features, LabelledImage, SamplingSettings, TrainingSet};
use crate::dataset::image::ImageId;
use crate::dataset::workspace::Workspace;
use crate::jobs::assist_labels::DatasetLabels;
use crate::jobs::service::Paths;

/// Rows kept per class from one image of the dataset.
pub const PER_IMAGE_CAP: usize = 300;
mod mix;
pub use mix::{
    DRAWN_CAP, DatasetMix, DatasetUse, FEW_LABELS, PER_CLASS_CAP, TOTAL_CAP, class_counts,
    classes_wanted, drawn_classes, thin,
};

/// Rows per image id, as gathered.
pub type Gathered = BTreeMap<ImageId, TrainingSet>;

/// Rows of several images merged, and how many images they came from.
type Merged = (TrainingSet, usize);

/// The merged rows without one image, and those rows thinned for one set of classes.
struct Cache {
    exclude: ImageId,
    version: u64,
    merged: Option<Merged>,
    /// The classes kept (`None`: all) and the rows thinned to the caps.
    thinned: Option<(Option<Vec<bool>>, Arc<TrainingSet>)>,
}

enum State {
    Idle,
    Loading {
        rx: Receiver<Result<Gathered, String>>,
        cancel: Arc<AtomicBool>,
        handle: Option<JoinHandle<()>>,
    },
    Ready(Gathered),
    Failed(String),
}

/// The worker's cache of dataset rows; see the module documentation.
pub struct DatasetRows {
    state: State,
    /// Rows of images the editor left, from their latest labels (`None`: no label left).
    left: BTreeMap<ImageId, Option<TrainingSet>>,
    /// Bumped whenever the rows change, so the merged set is rebuilt.
    version: u64,
    cache: Option<Cache>,
}

impl Default for DatasetRows {
    fn default() -> Self {
        Self {
            state: State::Idle,
            left: BTreeMap::new(),
            version: 0,
            cache: None,
        }
    }
}

impl DatasetRows {
    /// Rows already gathered (tests, benches).
    pub fn ready(gathered: Gathered) -> Self {
        Self {
            state: State::Ready(gathered),
            left: BTreeMap::new(),
            version: 0,
            cache: None,
        }
    }

    /// Starts gathering the rows of the dataset at `paths`, once; `wake` runs when they are
    /// ready (the worker then answers its latest request again).
    pub fn start(&mut self, paths: &Paths, wake: impl FnOnce() + Send + 'static) {
        let paths = paths.clone();
        self.start_with(move |cancel| gather(&paths, cancel), wake);
    }

    /// Starts `gather` on its own thread, once (a second call does nothing).
    pub fn start_with(
        &mut self,
        gather: impl FnOnce(&AtomicBool) -> Result<Gathered, String> + Send + 'static,
        wake: impl FnOnce() + Send + 'static,
    ) {
        if !matches!(self.state, State::Idle) {
            return;
        }
        let (tx, rx) = mpsc::channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&cancel);
        let spawned = std::thread::Builder::new()
            .name("assist-rows".into())
            .spawn(move || {
                let result = gather(&flag);
                if tx.send(result).is_ok() && !flag.load(Ordering::Relaxed) {
                    wake();
                }
            });
        self.state = match spawned {
            Ok(handle) => State::Loading {
                rx,
                cancel,
                handle: Some(handle),
            },
            Err(e) => State::Failed(format!("cannot start a thread to gather them: {e}")),
        };
    }

    /// Takes the gathered rows if they arrived.
    pub fn poll(&mut self) {
        let State::Loading { rx, .. } = &self.state else {
            return;
        };
        match rx.try_recv() {
            Ok(result) => self.finish(result),
            Err(TryRecvError::Empty) => {}
            Err(TryRecvError::Disconnected) => {
                self.finish(Err("the thread gathering them stopped".into()));
            }
        }
    }

    /// Waits for the gathered rows (tests and benches; the worker only polls).
    pub fn wait(&mut self) {
        let State::Loading { rx, .. } = &self.state else {
            return;
        };
        let result = rx
            .recv()
            .unwrap_or_else(|_| Err("the thread gathering them stopped".into()));
        self.finish(result);
    }

    fn finish(&mut self, result: Result<Gathered, String>) {
        if let State::Loading { handle, .. } = &mut self.state
            && let Some(h) = handle.take()
        {
            let _ = h.join();
        }
        self.state = match result {
            Ok(g) => State::Ready(g),
            Err(why) => State::Failed(why),
        };
        self.version += 1;
    }

    /// The editor left image `id` with these labels: they replace its gathered rows.
    pub fn left(&mut self, id: ImageId, features: &Features, labels: &[u8]) {
        self.left.insert(id, image_rows(features, labels));
        self.version += 1;
    }

    /// The dataset's rows without image `id`, of the classes `drawn` marks (at most
    /// [`DRAWN_CAP`] in all) or of all classes (`None`: at most [`TOTAL_CAP`]), and what
    /// they are.
    pub fn without(
        &mut self,
        id: ImageId,
        drawn: Option<&[bool]>,
    ) -> (Option<Arc<TrainingSet>>, DatasetUse) {
        let gathered = match &self.state {
            State::Idle | State::Loading { .. } => return (None, DatasetUse::Loading),
            State::Failed(why) => return (None, DatasetUse::Unavailable(why.clone())),
            State::Ready(g) => g,
        };
        let fresh = matches!(&self.cache, Some(c) if c.exclude == id && c.version == self.version);
        if !fresh {
            self.cache = Some(Cache {
                exclude: id,
                version: self.version,
                merged: merge_without(gathered, &self.left, id),
                thinned: None,
            });
        }
        let Some(cache) = self.cache.as_mut() else {
            return (None, DatasetUse::NoOtherLabels);
        };
        let Some((all, images)) = &cache.merged else {
            return (None, DatasetUse::NoOtherLabels);
        };
        let same = matches!(&cache.thinned, Some((d, _)) if d.as_deref() == drawn);
        if !same {
            let total = if drawn.is_some() {
                DRAWN_CAP
            } else {
                TOTAL_CAP
            };
            let set = Arc::new(thin(all, drawn, total));
            cache.thinned = Some((drawn.map(<[bool]>::to_vec), set));
        }
        match &cache.thinned {
            Some((_, set)) if !set.is_empty() => (
                Some(Arc::clone(set)),
                DatasetUse::Rows {
                    rows: set.len(),
                    images: *images,
                },
            ),
            _ => (None, DatasetUse::NoneOfTheDrawnClasses),
        }
    }
}

impl Drop for DatasetRows {
    fn drop(&mut self) {
        if let State::Loading { cancel, handle, .. } = &mut self.state {
            cancel.store(true, Ordering::Relaxed);
            if let Some(h) = handle.take() {
                let _ = h.join();
            }
        }
    }
}

/// The rows of every image but `exclude` (those the editor left replacing their gathered
/// ones), and how many images gave rows; `None` when no other image has rows.
pub fn merge_without(
    gathered: &Gathered,
    left: &BTreeMap<ImageId, Option<TrainingSet>>,
    exclude: ImageId,
) -> Option<(TrainingSet, usize)> {
    let ids: BTreeSet<ImageId> = gathered.keys().chain(left.keys()).copied().collect();
    let parts: Vec<TrainingSet> = ids
        .into_iter()
        .filter(|&id| id != exclude)
        .filter_map(|id| match left.get(&id) {
            Some(rows) => rows.clone(),
            None => gathered.get(&id).cloned(),
        })
        .collect();
    let images = parts.len();
    TrainingSet::merge(parts).map(|set| (set, images))
}

/// One image's dataset rows: at most [`PER_IMAGE_CAP`] per class, weight 1, not balanced
/// (classes are balanced once the image's own rows are added); `None` without labels.
pub fn image_rows(features: &Features, labels: &[u8]) -> Option<TrainingSet> {
    let one = [LabelledImage {
        features,
        labels,
        weight: 1.0,
    }];
    let sampling = SamplingSettings {
        per_class_cap: PER_IMAGE_CAP,
        balance_classes: false,
        ..SamplingSettings::default()
    };
    crate::assist::training_set(&one, &sampling).ok()
}

/// Reads the dataset's labels and draws every labelled image's rows; stops early (with the
/// rows so far) when `cancel` is set.
pub fn gather(paths: &Paths, cancel: &AtomicBool) -> Result<Gathered, String> {
    let ws = Workspace::open(&paths.workspace).map_err(|e| {
        format!(
            "cannot open the workspace '{}': {e}",
            paths.workspace.display()
        )
    })?;
    let labels = DatasetLabels::new(&ws, &paths.root, &paths.schema)
        .and_then(|l| Ok((l, ws.images()?)))
        .map_err(|e| {
            format!(
                "cannot read the workspace '{}': {e}",
                paths.workspace.display()
            )
        });
    let (labels, rows) = labels?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .map_err(|e| format!("cannot start a thread to gather them: {e}"))?;
    let mut out = Gathered::new();
    for row in rows.iter().filter(|r| !r.missing) {
        if cancel.load(Ordering::Relaxed) {
            break;
        }
        let Some((classes, image)) = labels.labelled(row) else {
            continue;
        };
        let drawn = pool.install(|| {
            let (w, h) = (image.width as usize, image.height as usize);
            let f = Features::compute(&image.pixels, w, h, &FeatureSettings::default()).ok()?;
            image_rows(&f, &classes)
        });
        if let Some(set) = drawn {
            out.insert(row.id, set);
        }
    }
    Ok(out)
}
