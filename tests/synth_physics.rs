#![allow(clippy::unwrap_used)]
//! The synthetic generator measured like real data: grey-level overlaps between phases, small
//! bright grains vanishing at coarse pixel sizes, determinism, the on-disk layout, and the
//! study's rock-type rule recovered from the written masks.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use semcurate::dataset::pixel_size::parse_pixel_size;
use semcurate::dataset::raster::{DecodeLimits, read_grey8};
use semcurate::progress::{NoProgress, Progress};
use semcurate::synth::{
    Acquisition, Focus, RockType, SynthConfig, SynthSummary, TileSpec, generate, render_tile,
    sample_rock,
};

const VOID: u8 = 0;
const PYROXENE: u8 = 4;
const PLAGIOCLASE: u8 = 5;
const SILICA: u8 = 6;
const OLIVINE: u8 = 7;
const OXIDE: u8 = 3;

fn quantile(sorted: &[u8], q: f64) -> f64 {
    f64::from(sorted[((sorted.len() - 1) as f64 * q).round() as usize])
}

/// Fraction of the `probe` class's pixels whose grey lies within the 5–95 % grey range of the
/// `reference` class's pixels, or `None` when either has fewer than 50 pixels.
fn overlap(grey: &[u8], mask: &[u8], probe: u8, reference: u8) -> Option<f64> {
    let pick = |c: u8| -> Vec<u8> {
        let mut v: Vec<u8> = grey
            .iter()
            .zip(mask)
            .filter(|(_, m)| **m == c)
            .map(|(g, _)| *g)
            .collect();
        v.sort_unstable();
        v
    };
    let (probe, reference) = (pick(probe), pick(reference));
    if probe.len() < 50 || reference.len() < 50 {
        return None;
    }
    let (lo, hi) = (quantile(&reference, 0.05), quantile(&reference, 0.95));
    let inside = probe
        .iter()
        .filter(|&&g| f64::from(g) >= lo && f64::from(g) <= hi)
        .count();
    Some(inside as f64 / probe.len() as f64)
}

/// Mean overlap over tiles of sample `sample` centred on `focus`, at 0.2–5 µm/px, with
/// sessions drawn as the generator draws them (noise, gain, saturation vary).
fn mean_overlap(sample: usize, focus: Focus, probe: u8, reference: u8) -> (f64, usize) {
    let (_, rock) = sample_rock(sample);
    let mut values = Vec::new();
    for i in 0..24u64 {
        let pixel_size = 0.2 * 25f64.powf(i as f64 / 23.0);
        let mut spec = TileSpec::new(100 + i, 128, pixel_size, rock.clone());
        spec.acquisition = Acquisition::from_seed(i);
        spec.focus = Some(focus);
        let tile = render_tile(&spec);
        values.extend(overlap(&tile.image.pixels, &tile.mask, probe, reference));
    }
    let n = values.len();
    (values.iter().sum::<f64>() / n.max(1) as f64, n)
}

#[test]
fn olivine_and_glass_hide_at_the_grey_of_their_neighbours_but_ilmenite_does_not() {
    let (ol_px, n1) = mean_overlap(1, Focus::Olivine, OLIVINE, PYROXENE);
    let (si_pl, n2) = mean_overlap(2, Focus::Silica, SILICA, PLAGIOCLASE);
    let (ox_pl, n3) = mean_overlap(0, Focus::Oxide, OXIDE, PLAGIOCLASE);
    println!("olivine in pyroxene range {ol_px:.3} ({n1} images)");
    println!("silica/glass in plagioclase range {si_pl:.3} ({n2} images)");
    println!("ilmenite in plagioclase range {ox_pl:.3} ({n3} images)");
    assert!(
        n1 >= 8 && n2 >= 8 && n3 >= 8,
        "too few images with both classes"
    );
    assert!(ol_px > 0.5, "olivine should sit at pyroxene grey: {ol_px}");
    assert!(si_pl > 0.4, "glass should sit at plagioclase grey: {si_pl}");
    assert!(
        ox_pl < 0.1,
        "control: ilmenite is far brighter than plagioclase: {ox_pl}"
    );
}

const BRIGHT_SMALL: [u8; 3] = [1, 2, 9];

/// Share of Fe-metal, troilite and zircon/phosphate pixels and their mean grey contrast
/// against the image median in units of η (grey difference / gain), pooled over tiles.
#[derive(Debug, Default)]
struct Bright {
    pixels: usize,
    total: usize,
    contrast_sum: f64,
}

impl Bright {
    fn add(&mut self, grey: &[u8], mask: &[u8], gain: f64) {
        let mut sorted = grey.to_vec();
        sorted.sort_unstable();
        let median = quantile(&sorted, 0.5);
        for (&g, &m) in grey.iter().zip(mask) {
            if BRIGHT_SMALL.contains(&m) {
                self.pixels += 1;
                self.contrast_sum += (f64::from(g) - median) / gain;
            }
        }
        self.total += grey.len();
    }

    fn share(&self) -> f64 {
        self.pixels as f64 / self.total as f64
    }

    fn contrast(&self) -> f64 {
        self.contrast_sum / self.pixels.max(1) as f64
    }
}

#[test]
fn small_bright_grains_shrink_and_fade_at_coarse_pixel_sizes() {
    // The same 96 µm fields imaged at 0.5 µm/px (192 px) and at 12 µm/px (8 px): same rock,
    // same session, same grains; only the pixel size differs.
    let (_, rock) = sample_rock(0);
    let mut acquisition = Acquisition::typical();
    acquisition.shot_noise = 0.0;
    acquisition.detector_noise = 0.0;
    acquisition.line_jitter = 0.0;
    let (mut fine, mut coarse) = (Bright::default(), Bright::default());
    for seed in 0..40 {
        for (size, pixel_size, tally) in [(192, 0.5, &mut fine), (8, 12.0, &mut coarse)] {
            let mut spec = TileSpec::new(seed, size, pixel_size, rock.clone());
            spec.acquisition = acquisition.clone();
            spec.focus = Some(Focus::Mesostasis);
            let tile = render_tile(&spec);
            tally.add(&tile.image.pixels, &tile.mask, acquisition.gain);
        }
    }
    println!(
        "fine 0.5 µm/px: share {:.4}, contrast {:.4} η; coarse 12 µm/px: share {:.4}, contrast {:.4} η",
        fine.share(),
        fine.contrast(),
        coarse.share(),
        coarse.contrast()
    );
    assert!(
        fine.pixels > 500,
        "the fine fields must show accessories: {fine:?}"
    );
    assert!(
        coarse.share() < 0.5 * fine.share(),
        "share must shrink: {fine:?} vs {coarse:?}"
    );
    assert!(
        coarse.contrast() < 0.75 * fine.contrast(),
        "contrast must fade: {fine:?} vs {coarse:?}"
    );
}

#[test]
fn small_bright_grains_are_rarer_in_coarse_random_fields() {
    // Random fields of the same ilmenite basalt: 0.2–1 µm/px against 5–20 µm/px.
    let (_, rock) = sample_rock(0);
    let (mut fine, mut coarse) = (Bright::default(), Bright::default());
    for i in 0..30u64 {
        let t = i as f64 / 29.0;
        for (pixel_size, tally) in [
            (0.2 * 5f64.powf(t), &mut fine),
            (5.0 * 4f64.powf(t), &mut coarse),
        ] {
            let mut spec = TileSpec::new(500 + i, 96, pixel_size, rock.clone());
            spec.focus = None;
            let tile = render_tile(&spec);
            tally.add(&tile.image.pixels, &tile.mask, spec.acquisition.gain);
        }
    }
    println!(
        "random fields: fine share {:.4}, coarse share {:.4}",
        fine.share(),
        coarse.share()
    );
    assert!(
        coarse.share() < 0.5 * fine.share(),
        "{fine:?} vs {coarse:?}"
    );
}

fn files_under(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(root).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_same_seed_writes_the_same_bytes_and_another_seed_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = SynthConfig {
        samples: 2,
        per_sample: 5,
        unlabelled: 2,
        seed: 7,
        size: 48,
        ..SynthConfig::default()
    };
    let run = |name: &str, seed: u64| {
        let out = dir.path().join(name);
        generate(
            &out,
            &SynthConfig {
                seed,
                ..cfg.clone()
            },
            &NoProgress,
        )
        .unwrap();
        files_under(&out)
    };
    let (a, b, c) = (run("a", 7), run("b", 7), run("c", 8));
    assert_eq!(
        a.len(),
        2 * (5 * 3 + 2) + 1,
        "files: {:?}",
        a.keys().collect::<Vec<_>>()
    );
    assert!(a == b, "same seed, different bytes");
    let images = |m: &BTreeMap<PathBuf, Vec<u8>>| -> Vec<Vec<u8>> {
        m.iter()
            .filter(|(p, _)| p.to_string_lossy().contains("input-images"))
            .map(|(_, v)| v.clone())
            .collect()
    };
    let (ia, ic) = (images(&a), images(&c));
    let same = ia.iter().filter(|img| ic.contains(img)).count();
    assert_eq!(same, 0, "another seed must give other images");
}

/// Counts progress calls, to check that `generate` reports one unit per image.
#[derive(Default)]
struct Count(std::sync::atomic::AtomicU64, std::sync::atomic::AtomicU64);

impl Progress for Count {
    fn begin(&self, stage: &str, total: u64) {
        assert_eq!(stage, "synth");
        self.0.store(total, std::sync::atomic::Ordering::SeqCst);
    }
    fn advance(&self, n: u64) {
        self.1.fetch_add(n, std::sync::atomic::Ordering::SeqCst);
    }
}

/// One 4 × 25 dataset (extended schema, 6 unlabelled images) shared by the tests below.
fn dataset() -> &'static (PathBuf, SynthSummary, u64, u64) {
    static DATA: OnceLock<(PathBuf, SynthSummary, u64, u64)> = OnceLock::new();
    DATA.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("synth_physics_4x25");
        if out.exists() {
            std::fs::remove_dir_all(&out).unwrap();
        }
        let cfg = SynthConfig {
            unlabelled: 6,
            seed: 2024,
            extended_schema: true,
            ..SynthConfig::default()
        };
        let progress = Count::default();
        let summary = generate(&out, &cfg, &progress).unwrap();
        let (total, done) = (progress.0.into_inner(), progress.1.into_inner());
        (out, summary, total, done)
    })
}

fn read_png(path: &Path) -> Vec<u8> {
    read_grey8(path, DecodeLimits::default()).unwrap().0.pixels
}

fn stems(dir: &Path, ext: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Checks one sample folder of the shared dataset (25 labelled, `unlabelled` more images) and
/// returns its mask pixels per class.
fn check_sample(dir: &Path, sample: &str, unlabelled: usize) -> [u64; 11] {
    let images = stems(&dir.join("input-images"), "png");
    let masks = stems(&dir.join("output-images"), "png");
    let features = stems(&dir.join("input-features"), "txt");
    let counts = (images.len(), masks.len(), features.len());
    assert_eq!(counts, (25 + unlabelled, 25, 25 + unlabelled), "{sample}");
    assert_eq!(images, features);
    assert!(masks.iter().all(|m| images.contains(m)));
    for name in &images {
        assert!(
            name.starts_with(&format!("{sample}_s")) && name.contains("-t"),
            "{name}"
        );
        let text = std::fs::read_to_string(dir.join("input-features").join(format!("{name}.txt")));
        let text = text.unwrap();
        let px = parse_pixel_size(&text).unwrap();
        assert!((0.02..=20.0).contains(&px), "{name}: {px}");
        // The layout's one format: the shortest decimal of a value drawn with 4 decimals.
        assert_eq!(text, format!("pixel_size: {px}\n"));
        assert!(
            ((px * 1e4).round() / 1e4 - px).abs() < 1e-12,
            "{name}: {px}"
        );
    }
    let mut class_pixels = [0u64; 11];
    for name in &masks {
        let mask = read_png(&dir.join("output-images").join(format!("{name}.png")));
        assert_eq!(mask.len(), 256 * 256);
        for &c in &mask {
            assert!(c < 11, "{name}: class {c}");
            class_pixels[usize::from(c)] += 1;
        }
    }
    class_pixels
}

#[test]
fn generate_writes_the_mineralclassifier_layout() {
    let (root, summary, total, done) = dataset();
    assert_eq!((summary.labelled, summary.unlabelled), (100, 6));
    assert_eq!((*total, *done), (106, 106), "one progress unit per image");
    assert_eq!(summary.samples, ["10003", "12002", "12021", "70017"]);
    let schema = std::fs::read_to_string(root.join("classes.toml")).unwrap();
    assert_eq!(schema, include_str!("../schemas/extended.toml"));
    let json = std::fs::read_to_string(root.join("synth.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["config"]["seed"], 2024);
    let mut class_pixels = [0u64; 11];
    for (k, sample) in summary.samples.iter().enumerate() {
        let counts = check_sample(&root.join(sample), sample, if k < 2 { 2 } else { 1 });
        class_pixels
            .iter_mut()
            .zip(counts)
            .for_each(|(a, b)| *a += b);
    }
    assert_eq!(summary.class_pixels, class_pixels);
    println!("class pixels of the 4 × 25 dataset: {class_pixels:?}");
    let absent: Vec<usize> = (0..11).filter(|&c| class_pixels[c] == 0).collect();
    assert!(
        absent.is_empty(),
        "classes absent from 100 images: {absent:?}"
    );
    let share = |c: usize| class_pixels[c] as f64 / class_pixels.iter().sum::<u64>() as f64;
    assert!(
        share(4) + share(5) > 0.5,
        "pyroxene and plagioclase dominate"
    );
    for rare in [1, 2, 6, 9, 10] {
        assert!(
            share(rare) < 0.03,
            "class {rare} should be rare: {}",
            share(rare)
        );
    }
    assert!(
        share(9) < share(2) && share(10) < share(2),
        "zircon and phosphate rarest"
    );
}

#[test]
fn every_sample_keeps_its_rock_type_by_the_study_rule() {
    let (root, summary, _, _) = dataset();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("synth.json")).unwrap()).unwrap();
    for (k, sample) in summary.samples.iter().enumerate() {
        let mut counts = [0u64; 11];
        let dir = root.join(sample).join("output-images");
        for name in stems(&dir, "png") {
            for c in read_png(&dir.join(format!("{name}.png"))) {
                counts[usize::from(c)] += 1;
            }
        }
        let rock: u64 = counts.iter().sum::<u64>() - counts[usize::from(VOID)];
        let olivine = counts[usize::from(OLIVINE)] as f64 / rock as f64;
        let opaques = (counts[1] + counts[2] + counts[3]) as f64 / rock as f64;
        // The rule, written out here rather than taken from the crate.
        let measured = if olivine > 0.05 {
            "olivine_basalt"
        } else if opaques > 0.07 {
            "ilmenite_basalt"
        } else {
            "pigeonite_basalt"
        };
        println!(
            "{sample}: olivine {:.1} %, opaques {:.1} % → {measured}",
            100.0 * olivine,
            100.0 * opaques
        );
        assert_eq!(json["samples"][k]["rock_type"], measured, "{sample}");
        assert_eq!(RockType::from_abundances(olivine, opaques).name(), measured);
    }
}

#[test]
fn unlabelled_images_have_no_mask_and_the_default_schema_folds_phosphate_into_other() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("set");
    let cfg = SynthConfig {
        samples: 3,
        per_sample: 4,
        unlabelled: 4,
        seed: 3,
        size: 64,
        ..SynthConfig::default()
    };
    let summary = generate(&out, &cfg, &NoProgress).unwrap();
    assert_eq!(summary.class_pixels.len(), 10);
    assert!(!out.join("classes.toml").exists());
    let mut unlabelled = 0;
    for sample in &summary.samples {
        let images = stems(&out.join(sample).join("input-images"), "png");
        let masks = stems(&out.join(sample).join("output-images"), "png");
        unlabelled += images.len() - masks.len();
        for name in &masks {
            let mask = read_png(
                &out.join(sample)
                    .join("output-images")
                    .join(format!("{name}.png")),
            );
            assert!(
                mask.iter().all(|&c| c < 10),
                "{name}: default masks use ids 0–9"
            );
        }
        // Unlabelled images are sites of their own.
        let site = |n: &String| n.split('-').next().unwrap().to_string();
        for name in images.iter().filter(|n| !masks.contains(n)) {
            assert!(
                masks.iter().all(|m| site(m) != site(name)),
                "{name} shares a site with a labelled image"
            );
        }
    }
    assert_eq!(unlabelled, 4);
}
