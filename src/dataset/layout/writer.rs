//! Writing the MineralClassifier layout, beside its reader: the one place that spells the
//! sample folders' names, the pixel-size file's text and the tile grid. `synth`, `import` and
//! `export` write through it, so a dataset one of them writes is read back by the scanner
//! above, and by the study's loader, the same way.
//!
//! A sample's files for an image `STEM`:
//! - `SAMPLE/input-images/STEM.png`: 8-bit grey BSE image;
//! - `SAMPLE/output-images/STEM.png`: 8-bit grey mask of class ids;
//! - `SAMPLE/input-features/STEM.txt`: `pixel_size: X` (µm/px), then optional `key: value`
//!   lines (`rock type: …`), which the study's loader ignores.

use std::fs;
use std::io;
use std::path::Path;

use super::{MC_FEATURES, MC_IMAGES, MC_MASKS};

/// One of the three files of an image in the MineralClassifier layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Image,
    Mask,
    Features,
}

impl Role {
    /// The sample's folder for this role.
    pub fn folder(self) -> &'static str {
        match self {
            Self::Image => MC_IMAGES,
            Self::Mask => MC_MASKS,
            Self::Features => MC_FEATURES,
        }
    }

    /// File extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Image | Self::Mask => "png",
            Self::Features => "txt",
        }
    }
}

/// `SAMPLE/FOLDER/STEM.EXT`, `/`-separated: where `role`'s file of image `stem` goes.
pub fn file_path(sample: &str, role: Role, stem: &str) -> String {
    format!("{sample}/{}/{stem}.{}", role.folder(), role.extension())
}

/// The text of a pixel-size file: `pixel_size: X` with X in µm/px written as the shortest
/// decimal that reads back as the same `f64` (`2.1629`, `0.5`, `3.3724`), then
/// `rock type: NAME` when known.
pub fn pixel_size_text(um_per_px: f64, rock_type: Option<&str>) -> String {
    let mut s = format!("pixel_size: {um_per_px}\n");
    if let Some(r) = rock_type {
        s.push_str("rock type: ");
        s.push_str(r);
        s.push('\n');
    }
    s
}

/// Tiles of `tile` px sharing `overlap` px with their neighbours over a `w`×`h` image, as
/// `(x, y, width, height)`; the last tile of a row or column ends at the edge (overlapping its
/// neighbour more). An image smaller than a tile is one tile of its own size.
pub fn tile_grid(w: u32, h: u32, tile: u32, overlap: u32) -> Vec<(u32, u32, u32, u32)> {
    let stride = tile.saturating_sub(overlap).max(1);
    let starts = |n: u32| -> Vec<u32> {
        if n <= tile {
            return vec![0];
        }
        let mut v: Vec<u32> = (0..n)
            .step_by(stride as usize)
            .take_while(|&s| s + tile < n)
            .collect();
        v.push(n - tile);
        v
    };
    let (tw, th) = (tile.min(w), tile.min(h));
    let xs = starts(w);
    starts(h)
        .into_iter()
        .flat_map(|y| xs.iter().map(move |&x| (x, y, tw, th)))
        .collect()
}

/// How a file is put in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Into a fresh folder of ours (an export's staging folder): written directly.
    Fresh,
    /// Written to a temporary name beside it and renamed over it (synth).
    Atomic,
    /// Added to a user's dataset (import): written atomically when absent, left as it is when
    /// identical, refused when a different file is there.
    AddOnly,
}

/// What [`write_file`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Written,
    /// [`Mode::AddOnly`]: an identical file was already there.
    Identical,
}

/// Why [`write_file`] did not write.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("creating '{path}': {source}")]
    Folder {
        path: std::path::PathBuf,
        source: io::Error,
    },
    #[error("writing '{path}': {source}")]
    File {
        path: std::path::PathBuf,
        source: io::Error,
    },
    #[error(
        "'{0}' exists and differs: import never replaces a file; import into another --sample or move it"
    )]
    Differs(std::path::PathBuf),
}

/// Writes `bytes` at `root/rel` (creating its folders) as `mode` says.
pub fn write_file(root: &Path, rel: &str, bytes: &[u8], mode: Mode) -> Result<Outcome, WriteError> {
    let path = root.join(rel);
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|source| WriteError::Folder {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    if mode == Mode::AddOnly && path.exists() {
        return match fs::read(&path) {
            Ok(old) if old == bytes => Ok(Outcome::Identical),
            _ => Err(WriteError::Differs(path)),
        };
    }
    let written = match mode {
        Mode::Fresh => fs::write(&path, bytes),
        Mode::Atomic | Mode::AddOnly => crate::fsutil::write_atomic(&path, bytes),
    };
    written.map_err(|source| WriteError::File { path, source })?;
    Ok(Outcome::Written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_texts_are_the_studys() {
        assert_eq!(
            file_path("10003", Role::Image, "10003_s01-t01"),
            "10003/input-images/10003_s01-t01.png"
        );
        assert_eq!(file_path("a", Role::Mask, "b"), "a/output-images/b.png");
        assert_eq!(
            file_path("a", Role::Features, "b"),
            "a/input-features/b.txt"
        );
        assert_eq!(pixel_size_text(2.1629, None), "pixel_size: 2.1629\n");
        assert_eq!(pixel_size_text(0.5, None), "pixel_size: 0.5\n");
        assert_eq!(
            pixel_size_text(3.3724, Some("mare basalt")),
            "pixel_size: 3.3724\nrock type: mare basalt\n"
        );
        // What is written reads back as the same number.
        for v in [2.1629, 0.1 + 0.2, 1e-6, 1e6, 3.3724e-3] {
            let t = pixel_size_text(v, None);
            assert_eq!(
                crate::dataset::pixel_size::parse_pixel_size(&t),
                Ok(v),
                "{t}"
            );
        }
    }

    #[test]
    fn grid_covers_the_image_and_ends_at_its_edges() {
        assert_eq!(tile_grid(256, 256, 256, 32), vec![(0, 0, 256, 256)]);
        let g = tile_grid(600, 300, 256, 32);
        let xs: Vec<u32> = g.iter().filter(|t| t.1 == 0).map(|t| t.0).collect();
        assert_eq!(xs, [0, 224, 344]);
        assert_eq!(g.iter().map(|t| t.1).max(), Some(44));
        assert_eq!(tile_grid(100, 80, 256, 32), vec![(0, 0, 100, 80)]);
    }

    #[test]
    fn add_only_keeps_an_identical_file_and_refuses_a_different_one() {
        let t = tempfile::tempdir().unwrap();
        let rel = file_path("s", Role::Features, "a");
        let w = |b: &[u8]| write_file(t.path(), &rel, b, Mode::AddOnly);
        assert_eq!(w(b"x").unwrap(), Outcome::Written);
        assert_eq!(w(b"x").unwrap(), Outcome::Identical);
        assert!(matches!(w(b"y"), Err(WriteError::Differs(_))));
        assert_eq!(fs::read(t.path().join(&rel)).unwrap(), b"x");
        assert_eq!(
            write_file(t.path(), &rel, b"z", Mode::Atomic).unwrap(),
            Outcome::Written
        );
        assert_eq!(fs::read(t.path().join(&rel)).unwrap(), b"z");
    }
}
