//! Re-reads every file of a staged export and compares it with what the manifest says was
//! meant: decoded pixels (by SHA-256), sizes, class counts, mask values inside the schema,
//! the pixel-size file's text, and names unique over the whole export.

use std::collections::HashSet;
use std::path::Path;

use rayon::prelude::*;

use crate::dataset::raster::{DecodeLimits, PixelKind, Samples, decode_file};

use super::manifest::{Manifest, ManifestRow};
use super::write::sha256_hex;
use crate::dataset::layout::writer::pixel_size_text;

/// Checks a staged export; the first problem found per file, at most 20.
///
/// Runs the file checks in parallel (rayon). An empty list means every file decoded as 8-bit
/// grey of the manifest's size with the pixels the manifest hashed, every mask value is a
/// target class id or the target's unlabelled value, and every pixel-size file says exactly
/// what the row does. `dir` is the staging folder, paths in the manifest relative to it.
pub fn verify(dir: &Path, m: &Manifest, progress: &dyn crate::progress::Progress) -> Vec<String> {
    let mut problems = Vec::new();
    let mut names = HashSet::new();
    for r in &m.images {
        if !names.insert(r.name.as_str()) {
            problems.push(format!("name '{}' is used twice", r.name));
        }
    }
    progress.begin("verify", m.images.len() as u64);
    let found: Vec<String> = m
        .images
        .par_iter()
        .filter_map(|r| {
            let p = check_row(dir, r, m.class_short.len(), m.unlabelled_value).err();
            progress.advance(1);
            p
        })
        .collect();
    progress.end();
    problems.extend(found);
    problems.truncate(20);
    problems
}

fn grey(dir: &Path, rel: &str, r: &ManifestRow) -> Result<Vec<u8>, String> {
    let d =
        decode_file(&dir.join(rel), DecodeLimits::default()).map_err(|e| format!("{rel}: {e}"))?;
    if (d.width, d.height) != (r.width, r.height) {
        return Err(format!(
            "{rel}: {}×{} px, the manifest says {}×{}",
            d.width, d.height, r.width, r.height
        ));
    }
    match d.samples {
        Samples::U8(v) if d.kind == PixelKind::Grey => Ok(v),
        _ => Err(format!("{rel}: not 8-bit grey")),
    }
}

fn check_row(
    dir: &Path,
    r: &ManifestRow,
    classes: usize,
    unlabelled: Option<u16>,
) -> Result<(), String> {
    let img = grey(dir, &r.image, r)?;
    if sha256_hex(&img) != r.image_sha256 {
        return Err(format!("{}: pixels differ from what was meant", r.image));
    }
    let mask = grey(dir, &r.mask, r)?;
    if sha256_hex(&mask) != r.mask_sha256 {
        return Err(format!("{}: pixels differ from what was meant", r.mask));
    }
    let mut counts = vec![0u64; classes];
    let mut none = 0u64;
    for &c in &mask {
        match counts.get_mut(usize::from(c)) {
            Some(n) => *n += 1,
            None if unlabelled == Some(u16::from(c)) => none += 1,
            None => return Err(format!("{}: value {c} is outside the schema", r.mask)),
        }
    }
    if counts != r.class_pixels || none != r.unlabelled_pixels {
        return Err(format!("{}: class counts differ from the manifest", r.mask));
    }
    let text = std::fs::read_to_string(dir.join(&r.features))
        .map_err(|e| format!("{}: {e}", r.features))?;
    if text != pixel_size_text(r.pixel_size, r.rock_type.as_deref()) {
        return Err(format!("{}: text differs from what was meant", r.features));
    }
    Ok(())
}
