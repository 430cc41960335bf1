//! Grey histograms of sites, for models with per-site input
//! ([`crate::model::config::LevelScope::Site`]).
//!
//! A site is a sample's split group: the tiles of one raw image, or (in the study's naming,
//! `SITE-tile`) the images of one acquisition, which share the detector's gain and offset.
//! Its histogram counts the grey levels of every present, readable image of the group, so
//! every tile of a site is normalised alike whichever phases it happens to hold.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::dataset::image::IndexedImage;
use crate::dataset::load::load_image;
use crate::dataset::raster::GreyHistogram;

/// A site's key: (sample, split group).
type SiteKey = (String, String);

fn key(row: &IndexedImage) -> SiteKey {
    (row.sample.clone(), row.group.clone())
}

/// The histograms of some sites.
#[derive(Debug, Default)]
pub struct Sites {
    by_site: HashMap<SiteKey, Arc<GreyHistogram>>,
}

impl Sites {
    /// Histograms of the sites of `wanted`, each over every present image of `all` in that
    /// site (decoded here; an image that cannot be decoded is left out of its site).
    pub fn gather<'r>(
        root: &Path,
        all: &[IndexedImage],
        wanted: impl IntoIterator<Item = &'r IndexedImage>,
    ) -> Self {
        let keys: HashSet<SiteKey> = wanted.into_iter().map(key).collect();
        let members: Vec<&IndexedImage> = all
            .iter()
            .filter(|r| !r.missing && keys.contains(&key(r)))
            .collect();
        let hists: Vec<(SiteKey, GreyHistogram)> = members
            .par_iter()
            .filter_map(|r| {
                let image = load_image(root, r).ok()?;
                Some((key(r), GreyHistogram::of(&image.pixels)))
            })
            .collect();
        let mut by_site: HashMap<SiteKey, GreyHistogram> = HashMap::new();
        for (k, h) in hists {
            by_site.entry(k).or_default().merge(&h);
        }
        Self {
            by_site: by_site.into_iter().map(|(k, h)| (k, Arc::new(h))).collect(),
        }
    }

    /// The histogram of `row`'s site, if gathered.
    pub fn of(&self, row: &IndexedImage) -> Option<Arc<GreyHistogram>> {
        self.by_site.get(&key(row)).cloned()
    }

    /// Sites gathered.
    pub fn len(&self) -> usize {
        self.by_site.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_site.is_empty()
    }

    /// The histograms as stored (a shard's part keeps those of its sites), sorted by site.
    pub fn to_stored(&self) -> Vec<StoredSite> {
        let mut out: Vec<StoredSite> = self
            .by_site
            .iter()
            .map(|((sample, group), h)| StoredSite {
                sample: sample.clone(),
                group: group.clone(),
                counts: h.counts().to_vec(),
            })
            .collect();
        out.sort_by(|a, b| (&a.sample, &a.group).cmp(&(&b.sample, &b.group)));
        out
    }

    /// Histograms read back from [`Sites::to_stored`]; `None` if a site's counts are not 256
    /// grey levels (a part written by something else).
    pub fn from_stored(stored: Vec<StoredSite>) -> Option<Self> {
        let mut by_site = HashMap::new();
        for s in stored {
            let counts: [u64; 256] = s.counts.try_into().ok()?;
            by_site.insert(
                (s.sample, s.group),
                Arc::new(GreyHistogram::from_counts(counts)),
            );
        }
        Some(Self { by_site })
    }
}

/// The last few sites' histograms, for proposing one image at a time (the TUI's worker):
/// the next image proposed is often a neighbour tile of the same site, whose images need not
/// be decoded again. A site is gathered again when any of its members' image fingerprints
/// changed, or images joined or left it.
#[derive(Debug, Default)]
pub struct SiteCache {
    /// Most recently used last; at most [`SiteCache::KEEP`].
    entries: Vec<(SiteKey, Members, Arc<GreyHistogram>)>,
}

/// A site's present images as (image path, fingerprint), sorted: what its histogram was
/// gathered from.
type Members = Vec<(String, String)>;

impl SiteCache {
    /// Sites kept.
    pub const KEEP: usize = 8;

    /// The histogram of `row`'s site over the present images of `all`, from the cache when
    /// its members are unchanged.
    pub fn get(
        &mut self,
        root: &Path,
        all: &[IndexedImage],
        row: &IndexedImage,
    ) -> Option<Arc<GreyHistogram>> {
        let k = key(row);
        let mut members: Members = all
            .iter()
            .filter(|r| !r.missing && r.sample == k.0 && r.group == k.1)
            .map(|r| (r.image_path.clone(), r.image_fp.clone()))
            .collect();
        members.sort();
        let hit = self
            .entries
            .iter()
            .position(|(ek, m, _)| *ek == k && *m == members);
        if let Some(i) = hit {
            let e = self.entries.remove(i);
            let h = Arc::clone(&e.2);
            self.entries.push(e);
            return Some(h);
        }
        let h = Sites::gather(root, all, [row]).of(row)?;
        self.entries.retain(|(ek, _, _)| *ek != k);
        if self.entries.len() >= Self::KEEP {
            self.entries.remove(0);
        }
        self.entries.push((k, members, Arc::clone(&h)));
        Some(h)
    }
}

/// One site's grey histogram as stored: the counts of grey levels 0–255 over its images.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredSite {
    pub sample: String,
    pub group: String,
    pub counts: Vec<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::image::ImageId;
    use crate::dataset::raster::encode_grey8_png;

    fn row(id: i64, sample: &str, group: &str, missing: bool) -> IndexedImage {
        IndexedImage {
            id: ImageId(id),
            sample: sample.into(),
            stem: format!("{group}-t{id}"),
            group: group.into(),
            image_path: format!("{sample}/{id}.png"),
            mask_path: None,
            features_path: None,
            image_fp: "1:1".into(),
            mask_fp: None,
            features_fp: None,
            format: Some("png".into()),
            width: Some(4),
            height: Some(4),
            bit_depth: Some(8),
            pixel_size: Some(1.0),
            pixel_size_source: None,
            bin: Some(0),
            mask_state: crate::dataset::item::MaskState::None,
            class_counts: None,
            missing,
        }
    }

    /// A site's histogram counts every present image of its group, in its sample only, and
    /// only the sites asked for are gathered.
    #[test]
    fn a_sites_histogram_holds_all_its_images_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let rows = [
            row(1, "a", "a_s01", false),
            row(2, "a", "a_s01", false),
            row(3, "a", "a_s02", false),
            row(4, "b", "a_s01", false),
            row(5, "a", "a_s01", true),
        ];
        for r in &rows {
            let grey = (r.id.0 * 10) as u8;
            let png = encode_grey8_png(4, 4, &[grey; 16]).unwrap();
            let path = dir.path().join(&r.image_path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, png).unwrap();
        }
        let sites = Sites::gather(dir.path(), &rows, [&rows[0], &rows[3]]);
        assert_eq!(sites.len(), 2, "a_s01 of a and of b; a_s02 not asked for");
        let h = sites.of(&rows[1]).unwrap();
        assert_eq!(h.total(), 32, "images 1 and 2, not the missing 5 nor b's 4");
        assert_eq!((h.percentile(1.0), h.percentile(99.0)), (10, 20));
        assert_eq!(sites.of(&rows[3]).unwrap().percentile(50.0), 40);
        assert!(sites.of(&rows[2]).is_none());
        let stored = sites.to_stored();
        assert_eq!(
            stored.iter().map(|s| s.sample.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        let back = Sites::from_stored(stored.clone()).unwrap();
        assert_eq!(back.of(&rows[1]), sites.of(&rows[1]));
        assert_eq!(back.to_stored(), stored);
        let mut short = stored;
        short[0].counts.pop();
        assert!(
            Sites::from_stored(short).is_none(),
            "255 levels are refused"
        );
    }

    /// A site asked for again is served from the cache (the same histogram, not decoded
    /// again) until one of its images changes.
    #[test]
    fn the_cache_serves_a_site_again_until_an_image_changes() {
        let dir = tempfile::tempdir().unwrap();
        let mut rows = vec![row(1, "a", "a_s01", false), row(2, "a", "a_s01", false)];
        let write = |r: &IndexedImage, grey: u8| {
            let png = encode_grey8_png(4, 4, &[grey; 16]).unwrap();
            let path = dir.path().join(&r.image_path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, png).unwrap();
        };
        write(&rows[0], 10);
        write(&rows[1], 20);
        let mut cache = SiteCache::default();
        let first = cache.get(dir.path(), &rows, &rows[0]).unwrap();
        assert_eq!(first.percentile(99.0), 20);
        // A file changed on disk with the same fingerprint: the cached one is served.
        write(&rows[1], 30);
        let again = cache.get(dir.path(), &rows, &rows[1]).unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        rows[1].image_fp = "2:2".into();
        let changed = cache.get(dir.path(), &rows, &rows[1]).unwrap();
        assert_eq!(changed.percentile(99.0), 30);
        assert_eq!(cache.entries.len(), 1, "the stale entry is replaced");
    }
}
