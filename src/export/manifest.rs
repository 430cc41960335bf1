//! What an export holds, file by file: `manifest.csv` and `manifest.json` (the same rows),
//! `classes.toml` and `EXPORT.md`. Rows are sorted by name and carry no time of export, so the
//! same input gives the same bytes.

use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// `format` of `manifest.json`.
pub const FORMAT: &str = "semcurate-export";
/// `format_version` written into `manifest.json`.
pub const FORMAT_VERSION: u32 = 1;
/// File name of the JSON manifest at the export's root.
pub const MANIFEST_JSON: &str = "manifest.json";
/// File name of the CSV manifest at the export's root: the same rows, one per file set.
pub const MANIFEST_CSV: &str = "manifest.csv";

/// One exported image (or tile).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestRow {
    /// File stem in the export (`NAME.png`, `NAME.txt`).
    pub name: String,
    /// The sample folder in the export (the source sample's name, sanitised).
    pub sample: String,
    /// Paths inside the export.
    pub image: String,
    /// The mask PNG (8-bit class ids in the target schema).
    pub mask: String,
    /// The pixel-size text file (`pixel_size: X`, then `rock type: NAME` when known).
    pub features: String,
    /// Paths in the source dataset, relative to its root.
    pub source_image: String,
    /// The source mask file; `None` when the image has none (its label is an accepted or
    /// corrected proposal, or was drawn from blank).
    pub source_mask: Option<String>,
    /// The source pixel-size file; `None` when the source image has none.
    pub source_features: Option<String>,
    /// The exported file name differs from the source image's (tiles, `.tif` and `.PNG`
    /// sources included).
    pub renamed: bool,
    /// Top-left corner (px) of the exported file in the source image when `--tile` cut it;
    /// for a tile made by `import`, in its raw image (`raw_image`), the export's own cut
    /// added.
    pub tile_x: Option<u32>,
    pub tile_y: Option<u32>,
    /// The raw image (path as imported) a tile made by `import` was cut from.
    #[serde(default)]
    pub raw_image: Option<String>,
    /// Size in pixels of the exported file (after any cut or tiling).
    pub width: u32,
    pub height: u32,
    /// Pixels of the source image cut at its right and bottom edges so that width and height
    /// are multiples of 8 (`size_rule`); 0 for tiles.
    #[serde(default)]
    pub cut_right: u32,
    #[serde(default)]
    pub cut_bottom: u32,
    /// µm/px as written in the pixel-size file.
    pub pixel_size: f64,
    /// Where the source image's pixel size came from (`features`, `metadata`, `default`).
    pub pixel_size_source: String,
    /// Scale bin under the workspace's bins.
    pub scale_bin: Option<u32>,
    /// `large` when the pixel size is above 1.8 µm/px, else `small`: the study's routing.
    pub study_unet: String,
    /// train / val / test, empty without one.
    pub split: String,
    /// Rock type as written in the pixel-size file, when the source states one.
    pub rock_type: Option<String>,
    /// `file`, `corrected` or `proposal`.
    pub mask_source: String,
    /// The latest review decision, empty without one.
    pub review_status: String,
    /// Who made the latest review decision.
    pub decided_by: Option<String>,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub decided_at: Option<String>,
    /// Who corrected the mask, in order.
    pub edited_by: Vec<String>,
    /// When the last correction ended, UTC `YYYY-MM-DD HH:MM:SS`.
    pub edited_at: Option<String>,
    /// Pixels of the source image whose class was changed by hand.
    pub changed_pixels: u64,
    /// The hash of the model whose proposal stands for the image (`semcurate predict`).
    pub proposal_model: Option<String>,
    /// Mean Dice between that proposal and the exported mask over the classes in either.
    pub proposal_dice: Option<f64>,
    /// Pixels per target class id.
    pub class_pixels: Vec<u64>,
    /// Pixels of the mask holding the manifest's `unlabelled_value` (`--partial` only).
    #[serde(default)]
    pub unlabelled_pixels: u64,
    /// SHA-256 of the decoded pixel bytes, row-major.
    pub image_sha256: String,
    /// SHA-256 of the decoded mask bytes (target class ids), row-major.
    pub mask_sha256: String,
}

/// `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT`]: how readers tell a semcurate manifest from another JSON file.
    pub format: String,
    /// [`FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// Version of semcurate that wrote the export.
    pub semcurate_version: String,
    /// The source dataset's root, canonical.
    pub dataset: String,
    /// Class schema of the masks, and how the source classes were mapped into it.
    pub schema: String,
    /// Name of the schema the dataset's masks were read with.
    pub source_schema: String,
    /// `(source id, target id)` for every class whose id changed; empty when none did.
    pub class_map: Vec<(u8, u8)>,
    /// Short names of the target classes, indexed by class id (`class_pixels` follows it).
    pub class_short: Vec<String>,
    /// The workspace's scale-bin edges (µm/px), empty when none were stored.
    pub bins: Vec<f64>,
    /// `--tile N` in pixels, `None` for whole images.
    pub tile: Option<u32>,
    /// How image sizes were made trainable by the study's U-Net (`export::write::SIZE_RULE`).
    #[serde(default)]
    pub size_rule: String,
    /// With `--partial`: the mask value of unlabelled pixels, which the study's loader does
    /// not know (train with an ignore index). `None`: every mask is complete.
    #[serde(default)]
    pub unlabelled_value: Option<u16>,
    /// The review states exported (`original`, `corrected`, `accepted`).
    pub only: Vec<String>,
    /// The splits asked for with `--split`; empty means all (and images without one).
    pub splits: Vec<String>,
    /// The command line that made the export.
    pub command: String,
    /// SHA-256 over names, pixel sizes and pixel hashes of all rows.
    pub fingerprint: String,
    /// One row per written file set, sorted by name.
    pub images: Vec<ManifestRow>,
}

/// The source dataset named by an earlier export's manifest in `out`. Streams the file and
/// skips the rows, so a 64,000-row manifest costs no memory.
pub fn read_dataset_of(out: &Path) -> Option<String> {
    #[derive(Deserialize)]
    struct Head {
        format: String,
        dataset: String,
    }
    let file = std::fs::File::open(out.join(MANIFEST_JSON)).ok()?;
    let head: Head = serde_json::from_reader(std::io::BufReader::new(file)).ok()?;
    (head.format == FORMAT).then_some(head.dataset)
}

/// Reads a manifest (for training on an export and for checks).
pub fn read(out: &Path) -> Result<Manifest, String> {
    let path = out.join(MANIFEST_JSON);
    let file = std::fs::File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let m: Manifest = serde_json::from_reader(std::io::BufReader::new(file))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if m.format != FORMAT {
        return Err(format!(
            "{} is not a semcurate export manifest",
            path.display()
        ));
    }
    Ok(m)
}

/// The fingerprint of an export's rows.
pub fn fingerprint(rows: &[ManifestRow]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for r in rows {
        h.update(r.name.as_bytes());
        h.update([0]);
        h.update(r.pixel_size.to_bits().to_le_bytes());
        h.update(r.image_sha256.as_bytes());
        h.update(r.mask_sha256.as_bytes());
    }
    crate::hashing::short_hex(h)
}

/// A CSV field, quoted when it needs to be.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn opt<T: ToString>(v: Option<&T>) -> String {
    v.map_or_else(String::new, ToString::to_string)
}

/// A `manifest.csv` column: its header and the row's field, unquoted.
type CsvColumn = (&'static str, fn(&ManifestRow) -> String);

/// The fixed columns of `manifest.csv`, in order. The class pixel counts (`px_SHORT`) and the
/// two hashes follow them.
const CSV_COLUMNS: &[CsvColumn] = &[
    ("name", |r| r.name.clone()),
    ("sample", |r| r.sample.clone()),
    ("image", |r| r.image.clone()),
    ("mask", |r| r.mask.clone()),
    ("features", |r| r.features.clone()),
    ("source_image", |r| r.source_image.clone()),
    ("source_mask", |r| opt(r.source_mask.as_ref())),
    ("source_features", |r| opt(r.source_features.as_ref())),
    ("renamed", |r| r.renamed.to_string()),
    ("tile_x", |r| opt(r.tile_x.as_ref())),
    ("tile_y", |r| opt(r.tile_y.as_ref())),
    ("raw_image", |r| opt(r.raw_image.as_ref())),
    ("width", |r| r.width.to_string()),
    ("height", |r| r.height.to_string()),
    ("cut_right", |r| r.cut_right.to_string()),
    ("cut_bottom", |r| r.cut_bottom.to_string()),
    ("pixel_size", |r| r.pixel_size.to_string()),
    ("pixel_size_source", |r| r.pixel_size_source.clone()),
    ("scale_bin", |r| opt(r.scale_bin.as_ref())),
    ("study_unet", |r| r.study_unet.clone()),
    ("split", |r| r.split.clone()),
    ("rock_type", |r| opt(r.rock_type.as_ref())),
    ("mask_source", |r| r.mask_source.clone()),
    ("review_status", |r| r.review_status.clone()),
    ("decided_by", |r| opt(r.decided_by.as_ref())),
    ("decided_at", |r| opt(r.decided_at.as_ref())),
    ("edited_by", |r| r.edited_by.join(";")),
    ("edited_at", |r| opt(r.edited_at.as_ref())),
    ("changed_pixels", |r| r.changed_pixels.to_string()),
    ("proposal_model", |r| opt(r.proposal_model.as_ref())),
    ("proposal_dice", |r| {
        r.proposal_dice
            .map_or_else(String::new, |d| format!("{d:.6}"))
    }),
];

/// `manifest.csv`: one row per file, class pixel counts as `px_SHORT` columns; streamed, so a
/// 64,000-tile export does not hold its text in memory.
pub fn write_csv(m: &Manifest, w: &mut impl std::io::Write) -> std::io::Result<()> {
    let mut head: Vec<String> = CSV_COLUMNS.iter().map(|(h, _)| (*h).to_string()).collect();
    head.extend(m.class_short.iter().map(|s| format!("px_{s}")));
    head.extend(["image_sha256".into(), "mask_sha256".into()]);
    write_record(w, &head)?;
    for r in &m.images {
        let mut f: Vec<String> = CSV_COLUMNS.iter().map(|(_, value)| value(r)).collect();
        f.extend(r.class_pixels.iter().map(ToString::to_string));
        f.extend([r.image_sha256.clone(), r.mask_sha256.clone()]);
        write_record(w, &f)?;
    }
    Ok(())
}

/// One CSV line: the fields quoted where needed, joined by commas, ended by `\n`.
fn write_record(w: &mut impl std::io::Write, fields: &[String]) -> std::io::Result<()> {
    writeln!(
        w,
        "{}",
        fields
            .iter()
            .map(|x| field(x))
            .collect::<Vec<_>>()
            .join(",")
    )
}

/// Counts of rows by a key, sorted.
fn counts<'a>(keys: impl Iterator<Item = &'a str>) -> Vec<(String, usize)> {
    let mut m = std::collections::BTreeMap::<String, usize>::new();
    for k in keys {
        *m.entry(if k.is_empty() {
            "none".into()
        } else {
            k.into()
        })
        .or_default() += 1;
    }
    m.into_iter().collect()
}

/// `EXPORT.md`: what, from where, how many, and the command.
pub fn readme(m: &Manifest, left_out: usize) -> String {
    let mut s = String::from("# semcurate export\n\n");
    let _ = writeln!(
        s,
        "Labelled BSE images from `{}` in the MineralClassifier layout \
         (`SAMPLE/input-images`, `output-images`, `input-features`), for retraining.\n",
        m.dataset
    );
    counts_lines(&mut s, m);
    class_lines(&mut s, m);
    size_lines(&mut s, m, left_out);
    let _ = writeln!(s, "- fingerprint `{}`\n", m.fingerprint);
    let _ = writeln!(
        s,
        "Each row of `manifest.csv` / `manifest.json` gives the source files, pixel size, scale \
         bin, split, review status, who corrected the mask and when, pixels per class, and \
         `proposal_model`: the model whose prediction stands for the image (the one a \
         correction started from, else the latest with a current prediction), with \
         `proposal_dice`, the mean over the classes present in either of the Dice between that \
         prediction and the exported mask. `image_sha256` and `mask_sha256` hash the decoded \
         pixels (row-major bytes), not the PNG files.\n"
    );
    let _ = writeln!(
        s,
        "Made with semcurate {} by:\n\n```\n{}\n```",
        m.semcurate_version, m.command
    );
    s
}

/// A row's value to count rows by.
type RowKey = fn(&ManifestRow) -> &str;

/// The readme's counts: images, samples and tiling, then images by mask source, review
/// status, split and study U-Net.
fn counts_lines(s: &mut String, m: &Manifest) {
    let samples = counts(m.images.iter().map(|r| r.sample.as_str()));
    let _ = writeln!(
        s,
        "- {} images in {} samples{}",
        m.images.len(),
        samples.len(),
        m.tile
            .map_or(String::new(), |t| format!(", cut into {t}×{t} tiles"))
    );
    let by: [(&str, RowKey); 4] = [
        ("mask source", |r| r.mask_source.as_str()),
        ("review status", |r| r.review_status.as_str()),
        ("split", |r| r.split.as_str()),
        ("study U-Net", |r| r.study_unet.as_str()),
    ];
    for (title, key) in by {
        let c = counts(m.images.iter().map(key));
        let list: Vec<String> = c.iter().map(|(k, n)| format!("{k} {n}")).collect();
        let _ = writeln!(s, "- {title}: {}", list.join(", "));
    }
}

/// The readme's class lines: the schema, how source classes were mapped, and partial masks.
fn class_lines(s: &mut String, m: &Manifest) {
    let _ = writeln!(s, "- class schema: `{}` (see `classes.toml`)", m.schema);
    if m.class_map.is_empty() {
        let _ = writeln!(s, "- masks hold the source class ids unchanged");
    } else {
        let moved: Vec<String> = m
            .class_map
            .iter()
            .map(|(a, b)| format!("{a} → {b}"))
            .collect();
        let _ = writeln!(
            s,
            "- classes mapped from `{}`: {}",
            m.source_schema,
            moved.join(", ")
        );
    }
    if let Some(v) = m.unlabelled_value {
        let partial = m.images.iter().filter(|r| r.unlabelled_pixels > 0).count();
        let _ = writeln!(
            s,
            "- partial masks (`--partial`): {partial} masks hold unlabelled pixels of value {v}; the study's loader reads {v} as a class id, so train with a loss that ignores it (PyTorch `CrossEntropyLoss(ignore_index={v})`, or `semcurate train`)"
        );
    }
}

/// The readme's file lines: the size rule and images cut by it, images renamed (whole
/// images only, not tiles), and images left out.
fn size_lines(s: &mut String, m: &Manifest, left_out: usize) {
    let cut = m
        .images
        .iter()
        .filter(|r| r.cut_right > 0 || r.cut_bottom > 0)
        .count();
    let _ = writeln!(
        s,
        "- sizes: {}; {cut} images were cut",
        if m.size_rule.is_empty() {
            "as the source"
        } else {
            &m.size_rule
        }
    );
    let renamed = m
        .images
        .iter()
        .filter(|r| r.renamed && r.tile_x.is_none())
        .count();
    let _ = writeln!(
        s,
        "- {renamed} images renamed to follow the study's file-name rules (see `source_image` in the manifest)"
    );
    if left_out > 0 {
        let _ = writeln!(s, "- {left_out} images left out (listed by the command)");
    }
}

#[cfg(test)]
mod tests;
