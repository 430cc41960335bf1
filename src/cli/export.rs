//! `semcurate export`: the dataset's current labels, corrections included, in the
//! MineralClassifier layout with a manifest, for retraining.
//!
//! Exit codes: 0 exported, 1 exported but some images were left out (each listed with why),
//! 2 could not run (OUT refused, nothing to export, verification failed: OUT unchanged).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;

use crate::dataset::ClassSchema;
use crate::dataset::split::Split;
use crate::export::write::Only;
use crate::export::{ExportOptions, ExportReport, run as export};

use super::Outcome;
use super::common::{DatasetArgs, MaskMap, mask_map, show};
use super::progress::CliProgress;

/// Export labelled images with their current masks (the mask files with the corrections made
/// in semcurate, and proposals a person accepted) into OUT in the study's layout:
/// OUT/SAMPLE/{input-images,output-images,input-features}/NAME.png|.txt, 8-bit grey PNGs,
/// masks of class ids, `pixel_size: X` files, plus manifest.csv / manifest.json (where every
/// mask came from), classes.toml and EXPORT.md. Names are made to follow the study's rules
/// (unique over the export, one dot, group before the first '-') and renames are recorded.
///
/// The export is written beside OUT, read back and checked, then swapped in whole: OUT holds
/// the old export or the new one, never a mix. Rejected images are never exported.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  semcurate export datasets/demo /tmp/demo-export\n  semcurate export /data/apollo /data/apollo-v2 --only corrected,accepted --split train,val\n  semcurate export /data/apollo-ext /tmp/x --schema default --tile 256 --force\n\nExit codes: 0 exported, 1 exported but some images were left out (listed), 2 could not run."
)]
pub struct Args {
    /// Dataset root (a folder of sample folders) or one sample folder.
    pub dataset: PathBuf,
    /// Folder to write: new, empty, or an earlier export of this dataset (with --force).
    pub out: PathBuf,
    /// Which images: any of original, corrected, accepted [default: every labelled image,
    /// with corrected masks where they exist, and accepted proposals].
    #[arg(long, value_name = "KIND,..", value_delimiter = ',', value_parser = ["original", "corrected", "accepted"])]
    pub only: Vec<String>,
    /// Class schema of the written masks: 'default', 'extended' or a classes.toml path
    /// [default: the dataset's]. A coarser schema merges classes into Other (extended →
    /// default: zircon and phosphate → 9), recorded in the manifest.
    #[arg(long, value_name = "NAME|FILE")]
    pub schema: Option<String>,
    /// Schema the dataset's masks are read with [default: DATASET/classes.toml, else the
    /// study's 10 classes].
    #[arg(long, value_name = "NAME|FILE")]
    pub source_schema: Option<String>,
    /// Cut images into N×N tiles (the study trains on 256² tiles); smaller images are skipped.
    /// N is a multiple of 8 from 16 to 8192. Without tiles, each image is cut at its right
    /// and bottom edges to a multiple of 8 px (at most 7 px, recorded in the manifest).
    #[arg(long, value_name = "N", value_parser = tile_size)]
    pub tile: Option<u32>,
    /// Only these splits [default: all images, with a split or not].
    #[arg(long, value_name = "SPLIT,..", value_delimiter = ',', value_parser = ["train", "val", "test"])]
    pub split: Vec<String>,
    /// Write partially labelled masks too, their unlabelled pixels as the schema's
    /// `unlabelled` value (255 by default; recorded in the manifest and EXPORT.md). The study's
    /// loader has no ignore value, so by default partial masks are skipped and counted.
    #[arg(long)]
    pub partial: bool,
    /// Replace OUT when it holds an earlier export of this dataset.
    #[arg(long)]
    pub force: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Keep the workspace in DIR instead of DATASET/.semcurate.
    #[arg(long, value_name = "DIR")]
    pub workspace: Option<PathBuf>,
    /// Map raw mask values to class ids, e.g. '0=4,255=5'.
    #[arg(long, value_name = "VALUE=CLASS,..", value_parser = mask_map)]
    pub mask_map: Option<MaskMap>,
    /// Pixel size in µm/px for images that have none (no input-features file, no metadata).
    #[arg(long, value_name = "UM_PER_PX", value_parser = super::common::positive)]
    pub pixel_size: Option<f64>,
    /// No progress output on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

/// A `--tile` size: a multiple of 8 (the study's U-Net pools three times) in 16..=8192.
fn tile_size(s: &str) -> Result<u32, String> {
    let n: u32 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a whole number of pixels"))?;
    if !(16..=8192).contains(&n) || !n.is_multiple_of(crate::export::write::SIZE_MULTIPLE) {
        return Err(format!(
            "{n} px: tiles are 16 to 8192 px and a multiple of 8 (the study's U-Net pools three times), e.g. 256"
        ));
    }
    Ok(n)
}

impl Args {
    /// The dataset flags as the shared [`DatasetArgs`]; masks are read with `--source-schema`.
    fn dataset_args(&self) -> DatasetArgs {
        DatasetArgs {
            dataset: self.dataset.clone(),
            workspace: self.workspace.clone(),
            schema: self.source_schema.clone(),
            mask_map: self.mask_map.clone(),
            pixel_size: self.pixel_size,
            quiet: self.quiet,
        }
    }

    /// The command in a canonical form: only what shapes the output, in a fixed order, so the
    /// same export made twice (say once with `--force`) records the same command.
    fn canonical_command(&self) -> String {
        let mut c = format!(
            "semcurate export {} {}",
            show(&self.dataset),
            show(&self.out)
        );
        let mut push = |flag: &str, v: Option<String>| {
            if let Some(v) = v {
                let _ = write!(c, " --{flag} {v}");
            }
        };
        push("only", (!self.only.is_empty()).then(|| self.only.join(",")));
        push("schema", self.schema.clone());
        push("source-schema", self.source_schema.clone());
        push("tile", self.tile.map(|t| t.to_string()));
        push(
            "split",
            (!self.split.is_empty()).then(|| self.split.join(",")),
        );
        push("workspace", self.workspace.as_ref().map(|w| show(w)));
        push("pixel-size", self.pixel_size.map(|p| p.to_string()));
        push(
            "mask-map",
            self.mask_map.as_ref().map(|m| {
                m.0.iter()
                    .map(|(v, c)| format!("{v}={c}"))
                    .collect::<Vec<_>>()
                    .join(",")
            }),
        );
        if self.partial {
            c.push_str(" --partial");
        }
        c
    }

    /// `--only` as flags; empty means every review state.
    fn only(&self) -> Only {
        if self.only.is_empty() {
            return Only::ALL;
        }
        let has = |k: &str| self.only.iter().any(|o| o == k);
        Only {
            original: has("original"),
            corrected: has("corrected"),
            accepted: has("accepted"),
        }
    }
}

/// Indexes, takes the workspace's `export` lock, gives new labelled groups a split, and
/// exports into OUT (masks mapped into `--schema` when given); exit 1 when some image was left
/// out for a problem with its files.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let dataset = args.dataset_args();
    dataset.check_output(&args.out)?;
    let (mut ws, source, _) = dataset.index(None, false)?;
    let _lock = dataset.lock(&ws, "export")?;
    // Images labelled in the editor since the last index (corrected or accepted proposals)
    // get a split like any other labelled group.
    crate::dataset::index::assign_new_splits(&mut ws)?;
    let target = match &args.schema {
        Some(spec) => ClassSchema::by_name_or_path(spec)?,
        None => source.clone(),
    };
    let splits: Option<BTreeSet<Split>> = (!args.split.is_empty())
        .then(|| args.split.iter().filter_map(|s| Split::parse(s)).collect());
    let opts = ExportOptions {
        root: args.dataset.clone(),
        out: args.out.clone(),
        source,
        target,
        only: args.only(),
        splits,
        tile: args.tile,
        partial: args.partial,
        force: args.force,
        command: args.canonical_command(),
    };
    let progress = CliProgress::new(args.quiet);
    let report = export(&mut ws, &opts, &progress)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_text(&report);
    }
    Ok(if report.left_out.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Problems
    })
}

/// `n one` or `n many`.
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The summary, an earlier export put back, what OUT kept, a note on mixed image sizes, then
/// the images not exported and why.
fn print_text(r: &ExportReport) {
    print_summary(r);
    if let Some(from) = &r.recovered {
        println!(
            "put back first: the earlier export that a killed run had left at {}",
            show(from)
        );
    }
    print_kept(&r.kept);
    if r.sizes > 1 {
        println!(
            "note: {} different image sizes: the study's loader can batch them only one at a time; --tile 256 makes them all 256×256",
            r.sizes
        );
    }
    print_not_exported(r);
}

/// What was written where, from which label sources, and the export's fingerprint.
fn print_summary(r: &ExportReport) {
    let sources: Vec<String> = r
        .by_source
        .iter()
        .map(|(k, &n)| match k.as_str() {
            "file" => format!("{n} as in the mask files"),
            "proposal" => plural(n, "accepted proposal", "accepted proposals"),
            other => format!("{n} {other}"),
        })
        .collect();
    println!(
        "exported {} as {} into {} in {:.1} s ({}{}){}",
        plural(r.images, "image", "images"),
        plural(r.files, "file", "files"),
        show(&r.out),
        r.seconds,
        if r.files == r.images { "" } else { "files: " },
        sources.join(", "),
        if r.replaced {
            "; the earlier export was replaced"
        } else {
            ""
        }
    );
    println!("fingerprint {}", r.fingerprint);
}

/// The images not exported: counts of those not selected and of those skipped, then each
/// image left out with its problem.
fn print_not_exported(r: &ExportReport) {
    let n = r.not_selected;
    let not: Vec<String> = [
        (n.rejected, "rejected"),
        (n.unlabelled, "unlabelled"),
        (n.other_splits, "in other splits or none (--split)"),
        (n.not_in_only, "not selected by --only"),
    ]
    .iter()
    .filter(|(k, _)| *k > 0)
    .map(|(k, what)| format!("{k} {what}"))
    .collect();
    if !not.is_empty() {
        println!("not exported: {}", not.join(", "));
    }
    for (why, n) in &r.skipped {
        println!("skipped {n}: {why}");
    }
    if !r.left_out.is_empty() {
        println!(
            "left out {} with problems:",
            plural(r.left_out.len(), "image", "images")
        );
        for l in &r.left_out {
            println!("  {}: {}", l.image, l.reason);
        }
    }
}

/// What OUT held that the earlier export had not written, and so was kept.
fn print_kept(kept: &[crate::export::out::Kept]) {
    if kept.is_empty() {
        return;
    }
    let names: Vec<String> = kept
        .iter()
        .map(|k| match (k.folder, k.files) {
            (false, _) => k.name.clone(),
            (true, 1) => format!("{}/ (1 file)", k.name),
            (true, n) => format!("{}/ ({n} files)", k.name),
        })
        .collect();
    println!(
        "kept, as not written by the earlier export: {}",
        names.join(", ")
    );
}
