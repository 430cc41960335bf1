//! `import`: raw SEM images (FEI/Thermo, Zeiss, any PNG/TIFF) into a dataset sample as
//! unlabelled 8-bit tiles with pixel-size files. The only writer into a dataset outside its
//! workspace, and it only adds files: an existing file is never replaced.
//!
//! Per raw file: its pixel size (`--pixel-size`, a sidecar `NAME.txt` in the study's format,
//! the FEI or Zeiss tag, else refused), its data bar cropped (`databar`), tiles of `tile` px
//! with `overlap` px shared by neighbours (the last row and column end at the edge), blank tiles
//! skipped, and the file, the tiles and the crop recorded in the workspace. A file whose content
//! was imported before adds nothing, and never goes into a second sample (`earlier`).
//!
//! Tile `PREFIX-xX_yY` (see [`tile_prefix`]) is the `tile`×`tile` px window whose top-left
//! corner is at column X, row Y of the raw image after its data bar is cropped; its grey
//! levels are the decoded image converted to 8 bits as `dataset::raster` describes. Every
//! tile carries the raw file's pixel size (µm/px): import never rescales.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::dataset::layout::names::sanitize;
use crate::dataset::layout::writer::{self, Role, tile_grid};
use crate::dataset::pixel_size::parse_pixel_size_bytes;
use crate::dataset::raster::databar::{self, DatabarSource, crop_bottom};
use crate::dataset::raster::{DecodeLimits, Grey8, VendorMeta, decode_file, encode_grey8_png};
use crate::dataset::workspace::{ImportSource, ImportTile, Workspace};

mod earlier;
use earlier::check_earlier_imports;

/// What to do about a data bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CropRule {
    /// From the vendor tag, else from the pixels.
    Auto,
    /// This many rows from the bottom.
    /// `--crop-databar N`; N must leave at least one row of the image.
    Rows(u32),
    /// Keep every row: the image has no data bar.
    None,
}

/// How files are imported.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The dataset root, the folder that holds the sample folders.
    pub root: PathBuf,
    /// The sample folder the tiles go into (e.g. `12002`), created if needed; its sanitised name
    /// also leads each tile name.
    pub sample: String,
    /// Tile side in pixels; an image smaller than that gives one smaller tile.
    pub tile: u32,
    /// Pixels shared by neighbouring tiles: tiles start every `tile − overlap` px (at least 1).
    pub overlap: u32,
    /// `--pixel-size` in µm/px: when set it wins over a sidecar file and the vendor tag.
    pub pixel_size: Option<f64>,
    /// How many bottom rows of data bar to drop before tiling.
    pub crop: CropRule,
    /// Keep tiles that the blank rule would skip.
    pub keep_blank: bool,
}

/// What happened to one raw file.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct FileReport {
    /// The raw file as given on the command line.
    pub source: PathBuf,
    /// Size in pixels of the decoded raw image, before the data bar is cropped; 0 when the file
    /// was refused before it was decoded.
    pub width: u32,
    pub height: u32,
    /// µm/px given to every tile; `None` when the file was refused before it was known.
    pub pixel_size: Option<f64>,
    /// `given`, `sidecar`, `FEI metadata`, `Zeiss metadata`.
    pub pixel_size_source: String,
    /// Rows removed from the bottom as data bar.
    pub crop_rows: u32,
    /// Where `crop_rows` came from; `None` when the file was refused before cropping.
    pub crop_source: Option<DatabarSource>,
    /// Tiles written now, tiles found already there (identical), blank tiles skipped.
    pub tiles: usize,
    pub existing: usize,
    pub blank: usize,
    /// The same content was imported into this sample before: nothing added.
    pub already_imported: bool,
    /// Why the file was not imported.
    pub error: Option<String>,
    /// What the user should know that did not stop the import: a multi-page TIFF cut to its first
    /// page, vendor metadata remarks, tiles smaller than asked, an earlier import forgotten.
    pub notes: Vec<String>,
}

/// The rule for a blank tile (epoxy, outside the section, an empty stage): 95 % or more of its
/// pixels within ±6 grey levels of its median.
///
/// `pixels` are one tile's 8-bit grey levels in any order; an empty tile is blank. The
/// median comes from a 256-bin histogram, so the rule costs one pass.
pub fn is_blank(pixels: &[u8]) -> bool {
    let mut hist = [0usize; 256];
    for &v in pixels {
        hist[usize::from(v)] += 1;
    }
    let half = pixels.len() / 2;
    let mut seen = 0;
    let median = hist
        .iter()
        .position(|&n| {
            seen += n;
            seen > half
        })
        .unwrap_or(0);
    let near: usize = hist[median.saturating_sub(6)..=(median + 6).min(255)]
        .iter()
        .sum();
    near * 100 >= pixels.len() * 95
}

/// The name prefix of a raw file's tiles: its stem made safe, with no `-` (the part before the
/// first `-` is the split group, shared by all its tiles), led by the sample name.
pub fn tile_prefix(sample: &str, stem: &str) -> String {
    let s = sanitize(stem).replace('-', "_");
    if s.starts_with(sample) {
        s
    } else {
        format!("{}_{s}", sanitize(sample).replace('-', "_"))
    }
}

/// Imports one raw file.
///
/// Never returns an error: a refused file has [`FileReport::error`] set, so a batch goes on to
/// the next file. Each tile is a PNG in the sample's image folder with a `pixel_size: X` text
/// file of the same stem in its features folder; an existing file with other bytes is never
/// replaced (the file is refused). Blank tiles are skipped unless `keep_blank`.
pub fn import_file(ws: &mut Workspace, opts: &ImportOptions, path: &Path) -> FileReport {
    let mut r = FileReport {
        source: path.to_path_buf(),
        ..FileReport::default()
    };
    if let Err(e) = import_into(ws, opts, path, &mut r) {
        r.error = Some(e);
    }
    r
}

fn import_into(
    ws: &mut Workspace,
    opts: &ImportOptions,
    path: &Path,
    r: &mut FileReport,
) -> Result<(), String> {
    check_regular_file(path)?;
    let fp = file_fingerprint(path)?;
    if !check_earlier_imports(ws, opts, &fp, r)? {
        return Ok(());
    }
    let decoded = decode_file(path, DecodeLimits::default()).map_err(|e| e.to_string())?;
    let vendor = decoded.vendor.clone();
    if decoded.more_pages {
        r.notes
            .push("multi-page TIFF: only the first page was imported".into());
    }
    let grey = decoded.into_grey8();
    (r.width, r.height) = (grey.width, grey.height);
    let (pixel_size, source) = pixel_size(path, opts, vendor.as_ref())?;
    r.pixel_size = Some(pixel_size);
    r.pixel_size_source = source;
    if let Some(v) = &vendor
        && !v.notes.is_empty()
    {
        r.notes
            .push(format!("{} metadata: {}", v.vendor, v.notes.join("; ")));
    }
    let (rows, crop_source) = databar_rows(opts.crop, &grey, vendor.as_ref())?;
    (r.crop_rows, r.crop_source) = (rows, Some(crop_source));
    let img = crop_bottom(grey, rows);
    let stem = path
        .file_stem()
        .map_or_else(|| "image".into(), |s| s.to_string_lossy().into_owned());
    let prefix = tile_prefix(&opts.sample, &stem);
    let tiles = write_tiles(opts, &img, &prefix, pixel_size, r)?;
    let source = import_source(opts, path, fp, r, pixel_size, crop_source);
    ws.record_import(&source, &tiles)
        .map_err(|e| format!("tiles written, but the workspace could not record them: {e}"))
}

/// A FIFO or a device would block or never end: refused before it is opened.
fn check_regular_file(path: &Path) -> Result<(), String> {
    match fs::metadata(path) {
        Ok(m) if !m.is_file() => {
            Err("not a regular file (a folder, FIFO, socket or device): give image files".into())
        }
        Err(e) => Err(format!("cannot read it: {e}")),
        Ok(_) => Ok(()),
    }
}

/// Rows of data bar to crop from the image's bottom under `rule`, and where that number came
/// from; an error when they would leave no row.
fn databar_rows(
    rule: CropRule,
    grey: &Grey8,
    vendor: Option<&VendorMeta>,
) -> Result<(u32, DatabarSource), String> {
    let (rows, crop_source) = match rule {
        CropRule::Auto => databar::auto(grey, vendor),
        CropRule::Rows(n) => (n, DatabarSource::Given),
        CropRule::None => (0, DatabarSource::None),
    };
    if rows >= grey.height {
        return Err(format!(
            "cropping {rows} data-bar rows leaves nothing of its {} rows: pass --crop-databar none or a smaller N",
            grey.height
        ));
    }
    Ok((rows, crop_source))
}

/// The workspace's record of an imported file (content fingerprint `fp`), from its report
/// once its tiles are written.
fn import_source(
    opts: &ImportOptions,
    path: &Path,
    fp: String,
    r: &FileReport,
    pixel_size: f64,
    crop_source: DatabarSource,
) -> ImportSource {
    ImportSource {
        source_fp: fp,
        sample: opts.sample.clone(),
        path: path.display().to_string(),
        width: r.width,
        height: r.height,
        crop_rows: r.crop_rows,
        crop_source: crop_name(crop_source).into(),
        pixel_size,
        pixel_size_source: r.pixel_size_source.clone(),
        tiles: (r.tiles + r.existing) as u32,
        blank: r.blank as u32,
        user: crate::dataset::workspace::current_user(),
        at: crate::clock::now(),
    }
}

fn crop_name(s: DatabarSource) -> &'static str {
    match s {
        DatabarSource::Given => "given",
        DatabarSource::Metadata => "metadata",
        DatabarSource::Detected => "detected",
        DatabarSource::None => "none",
    }
}

/// The pixel size by the documented order, with where it came from.
fn pixel_size(
    path: &Path,
    opts: &ImportOptions,
    vendor: Option<&VendorMeta>,
) -> Result<(f64, String), String> {
    if let Some(p) = opts.pixel_size {
        return Ok((p, "given".into()));
    }
    let sidecar = path.with_extension("txt");
    if sidecar.is_file() {
        let bytes = fs::read(&sidecar).map_err(|e| format!("{}: {e}", sidecar.display()))?;
        let p =
            parse_pixel_size_bytes(&bytes).map_err(|e| format!("{}: {e}", sidecar.display()))?;
        return Ok((p, "sidecar".into()));
    }
    if let Some(v) = vendor
        && let Some(p) = v.pixel_size_um
    {
        return Ok((p, format!("{} metadata", v.vendor)));
    }
    Err(format!(
        "no pixel size: the file has no FEI or Zeiss metadata{} and no '{}' beside it; pass --pixel-size UM_PER_PX or write that file with 'pixel_size: X' (µm per pixel)",
        vendor.map_or(String::new(), |v| format!(
            " with one ({})",
            v.notes.join("; ")
        )),
        sidecar.file_name().unwrap_or_default().to_string_lossy()
    ))
}

/// What to tell when the image (after its data bar) is narrower or lower than `tile` px: its
/// tiles are then cut to the image and come out smaller than asked.
fn small_tile_note(img: &Grey8, tile: u32) -> Option<String> {
    if img.width >= tile && img.height >= tile {
        return None;
    }
    let (w, h) = (tile.min(img.width), tile.min(img.height));
    Some(format!(
        "tiles are {w}×{h} px, smaller than --tile {tile}: the image is {}×{} px after its data bar",
        img.width, img.height
    ))
}

/// Writes the tiles of `img` (PNG + pixel-size file), skipping blank ones and leaving
/// identical existing files; refuses to replace a different one.
fn write_tiles(
    opts: &ImportOptions,
    img: &Grey8,
    prefix: &str,
    pixel_size: f64,
    r: &mut FileReport,
) -> Result<Vec<ImportTile>, String> {
    let mut out = Vec::new();
    if let Some(note) = small_tile_note(img, opts.tile) {
        r.notes.push(note);
    }
    for (x, y, w, h) in tile_grid(img.width, img.height, opts.tile, opts.overlap) {
        let mut px = Vec::with_capacity((w * h) as usize);
        for row in y..y + h {
            let start = (row * img.width + x) as usize;
            px.extend_from_slice(&img.pixels[start..start + w as usize]);
        }
        if !opts.keep_blank && is_blank(&px) {
            r.blank += 1;
            continue;
        }
        let stem = format!("{prefix}-x{x}_y{y}");
        let png = encode_grey8_png(w, h, &px).map_err(|e| e.to_string())?;
        let text = writer::pixel_size_text(pixel_size, None);
        let a = add_file(
            opts,
            &writer::file_path(&opts.sample, Role::Image, &stem),
            &png,
        )?;
        let b = add_file(
            opts,
            &writer::file_path(&opts.sample, Role::Features, &stem),
            text.as_bytes(),
        )?;
        if a && b {
            r.tiles += 1;
        } else {
            r.existing += 1;
        }
        out.push(ImportTile {
            sample: opts.sample.clone(),
            stem,
            x,
            y,
            width: w,
            height: h,
        });
    }
    Ok(out)
}

/// Adds one file under the dataset root; `Ok(false)` when an identical one is there; an
/// error when a different one is (import never replaces a file).
fn add_file(opts: &ImportOptions, rel: &str, bytes: &[u8]) -> Result<bool, String> {
    writer::write_file(&opts.root, rel, bytes, writer::Mode::AddOnly)
        .map(|o| o == writer::Outcome::Written)
        .map_err(|e| e.to_string())
}

/// SHA-256 of a file's bytes, streamed, 16 hex digits.
fn file_fingerprint(path: &Path) -> Result<String, String> {
    // The report names the file already: the error says what went wrong with it.
    let mut f = fs::File::open(path).map_err(|e| format!("cannot open it: {e}"))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| format!("cannot read it: {e}"))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(crate::hashing::short_hex(h))
}

#[cfg(test)]
mod tests;
