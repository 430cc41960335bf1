//! `semcurate import`: raw SEM images into a dataset sample as unlabelled tiles.
//!
//! The one command that writes into a dataset folder, and it only adds files: tile PNGs and
//! pixel-size files under `DATASET/SAMPLE/`, never replacing one with other bytes. Exit codes:
//! 0 imported, 1 some files were refused (each is listed), 2 could not run.

use std::path::PathBuf;

use crate::import::{CropRule, FileReport, ImportOptions, import_file};

use super::Outcome;
use super::common::{DatasetArgs, positive, show};

/// Parses `--crop-databar`: `auto`, `none`, or a number of rows to cut from the bottom.
fn crop_rule(s: &str) -> Result<CropRule, String> {
    match s {
        "auto" => Ok(CropRule::Auto),
        "none" => Ok(CropRule::None),
        n => n
            .parse::<u32>()
            .map(CropRule::Rows)
            .map_err(|_| format!("'{n}' is not auto, none or a number of rows")),
    }
}

/// Import raw BSE images (PNG or TIFF of any size; 8/16-bit, float, palette; the first page
/// of a multi-page TIFF) into DATASET/SAMPLE as unlabelled tiles: 8-bit grey PNGs in
/// input-images/ with `pixel_size: X` files in input-features/, named
/// `SAMPLE_STEM-xX_yY` so that all tiles of one raw image share one split group. Then the
/// dataset is indexed; `semcurate predict` proposes their masks and `semcurate queue
/// --strategy diverse` chooses which to label first.
///
/// Pixel size, in this order: --pixel-size; a sidecar NAME.txt beside the raw file in the
/// study's format; the FEI/Thermo tag (`[Scan] PixelWidth`); the Zeiss tag (Image Pixel Size;
/// else Pixel Size or line 4, scaled by 1024 / width); otherwise the file is refused.
/// Data bar: FEI `[Image] ResolutionY`, else a text band found at the bottom of the image.
/// Blank tiles (95 % of pixels within ±6 grey levels of the median: epoxy, outside the
/// section) are skipped. Import only adds files; a file imported before adds nothing.
#[allow(clippy::doc_markdown)] // the doc is the --help text: no backticks there
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  semcurate import scans/*.tif --into /data/apollo --sample 12002\n  semcurate import mosaic.png --into /data/apollo --sample 15555 --pixel-size 0.8 --tile 256 --overlap 32\n  semcurate import run3/*.tif --into /data/apollo --sample 70017 --crop-databar 64\n\nExit codes: 0 imported, 1 some files were refused (listed), 2 could not run."
)]
pub struct Args {
    /// Raw image files.
    #[arg(required = true)]
    pub raw: Vec<PathBuf>,
    /// Dataset root to add the tiles to.
    #[arg(long, value_name = "DATASET")]
    pub into: PathBuf,
    /// Sample folder to add them to (created if new), e.g. the Apollo sample number.
    #[arg(long, value_name = "NAME")]
    pub sample: String,
    /// Pixel size in µm/px for every file (overrides sidecars and metadata).
    #[arg(long, value_name = "UM_PER_PX", value_parser = positive)]
    pub pixel_size: Option<f64>,
    /// Tile side in pixels.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(16..=8192))]
    pub tile: u32,
    /// Pixels shared by neighbouring tiles.
    #[arg(long, default_value_t = 32)]
    pub overlap: u32,
    /// Data bar rows to cut from the bottom: auto (metadata, else detected), N, or none.
    #[arg(long, default_value = "auto", value_name = "auto|N|none", value_parser = crop_rule)]
    pub crop_databar: CropRule,
    /// Keep blank tiles too.
    #[arg(long)]
    pub keep_blank: bool,
    /// Keep the workspace in DIR instead of DATASET/.semcurate.
    #[arg(long, value_name = "DIR")]
    pub workspace: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    #[arg(long, short)]
    pub quiet: bool,
}

/// Checks the flags and that the dataset folder is writable, takes the workspace's `import`
/// lock, imports each raw file in turn (a refused file does not stop the others), then
/// indexes so the tiles become unlabelled images. Exit 1 when some file was refused.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    check_args(args)?;
    std::fs::create_dir_all(&args.into)
        .map_err(|e| anyhow::anyhow!("cannot create dataset folder '{}': {e}", show(&args.into)))?;
    let dataset = DatasetArgs {
        dataset: args.into.clone(),
        workspace: args.workspace.clone(),
        schema: None,
        mask_map: None,
        pixel_size: None,
        quiet: args.quiet,
    };
    check_writable(&args.into)?;
    let mut ws = dataset.open_workspace()?;
    let _lock = dataset.lock(&ws, "import")?;
    let opts = ImportOptions {
        root: args.into.clone(),
        sample: args.sample.clone(),
        tile: args.tile,
        overlap: args.overlap,
        pixel_size: args.pixel_size,
        crop: args.crop_databar,
        keep_blank: args.keep_blank,
    };
    let mut reports = Vec::new();
    for path in &args.raw {
        let r = import_file(&mut ws, &opts, path);
        if !args.json {
            print_one(&r);
        }
        reports.push(r);
    }
    drop(ws);
    let added: usize = reports.iter().map(|r| r.tiles).sum();
    if added > 0 || reports.iter().any(|r| r.existing > 0) {
        // The new tiles become unlabelled images of the dataset.
        dataset.index(None, false)?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    } else {
        println!(
            "{added} {} added to {}/{}",
            if added == 1 { "tile" } else { "tiles" },
            show(&args.into),
            args.sample
        );
    }
    Ok(if reports.iter().any(|r| r.error.is_some()) {
        Outcome::Problems
    } else {
        Outcome::Clean
    })
}

/// Refuses an overlap not smaller than the tile and a sample name that is not a safe folder
/// name; notes a dataset folder that does not exist yet.
fn check_args(args: &Args) -> anyhow::Result<()> {
    if args.overlap >= args.tile {
        anyhow::bail!(
            "--overlap {} must be smaller than --tile {}",
            args.overlap,
            args.tile
        );
    }
    let safe = crate::dataset::layout::names::sanitize(&args.sample);
    if safe != args.sample || args.sample.starts_with('.') {
        anyhow::bail!(
            "sample name '{}' may hold only letters, digits, '_' and '-': try '{safe}'",
            args.sample
        );
    }
    if !args.into.exists() {
        // Starting a dataset from raw images is allowed; said, so a mistyped path is seen.
        eprintln!(
            "note: '{}' does not exist: creating a new dataset there",
            show(&args.into)
        );
    }
    Ok(())
}

/// Refuses, before any work, a dataset folder that import cannot add files to (a read-only
/// folder or file system): each file would fail alike.
fn check_writable(into: &std::path::Path) -> anyhow::Result<()> {
    let refuse = |why: String| {
        anyhow::anyhow!(
            "cannot add files to the dataset folder '{}': {why}; import writes the tiles there, so it needs write access (--workspace moves only semcurate's own state)",
            show(into)
        )
    };
    if std::fs::metadata(into).is_ok_and(|m| m.permissions().readonly()) {
        return Err(refuse("the folder is read-only".into()));
    }
    let probe = into.join(format!(".semcurate-probe-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|e| refuse(e.to_string()))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// One line per raw file: refused and why, already imported, or its size, pixel size and
/// source, data-bar crop, and tiles added, already there and skipped as blank.
fn print_one(r: &FileReport) {
    let name = show(&r.source);
    if let Some(e) = &r.error {
        println!("{name}: not imported: {e}");
        return;
    }
    if r.already_imported {
        println!("{name}: {}", r.notes.join("; "));
        return;
    }
    let crop = match r.crop_rows {
        0 => "no data bar".to_string(),
        n => format!(
            "data bar of {n} rows cut ({})",
            r.crop_source
                .map(|s| format!("{s:?}").to_lowercase())
                .unwrap_or_default()
        ),
    };
    let tiles = |n: usize| format!("{n} {}", if n == 1 { "tile" } else { "tiles" });
    println!(
        "{name}: {}×{} px, {} µm/px ({}), {crop}; {} added, {} already there, {} blank skipped",
        r.width,
        r.height,
        r.pixel_size.map_or("?".into(), |p| format!("{p}")),
        r.pixel_size_source,
        tiles(r.tiles),
        r.existing,
        r.blank
    );
    for n in &r.notes {
        println!("  note: {n}");
    }
}
