//! Tests of `generate` and the config that need the crate's private items.

use super::*;
use crate::progress::NoProgress;

#[test]
fn invalid_configs_are_refused_with_the_setting_named() {
    let cases = [
        (
            SynthConfig {
                samples: 0,
                ..SynthConfig::default()
            },
            "samples",
        ),
        (
            SynthConfig {
                size: 0,
                ..SynthConfig::default()
            },
            "size",
        ),
        (
            SynthConfig {
                pixel_size_min: 0.0,
                ..SynthConfig::default()
            },
            "pixel_size_min",
        ),
        (
            SynthConfig {
                pixel_size_max: 0.01,
                ..SynthConfig::default()
            },
            "pixel_size_max",
        ),
        (
            SynthConfig {
                per_sample: 0,
                ..SynthConfig::default()
            },
            "per_sample",
        ),
    ];
    for (cfg, name) in cases {
        let err = cfg.validate().unwrap_err();
        assert!(err.to_string().contains(name), "{err}");
    }
    assert!(SynthConfig::default().validate().is_ok());
}

#[test]
fn a_non_empty_folder_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keep.txt"), "x").unwrap();
    let cfg = SynthConfig {
        samples: 1,
        per_sample: 1,
        size: 8,
        ..SynthConfig::default()
    };
    let err = generate(dir.path(), &cfg, &NoProgress).unwrap_err();
    assert!(matches!(err, SynthError::NotEmpty { .. }), "{err}");
    assert!(err.to_string().contains("not empty"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn a_missing_folder_is_created_and_the_manifest_names_rock_types() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new").join("set");
    let cfg = SynthConfig {
        samples: 2,
        per_sample: 2,
        unlabelled: 1,
        size: 16,
        ..SynthConfig::default()
    };
    let summary = generate(&out, &cfg, &NoProgress).unwrap();
    assert_eq!((summary.labelled, summary.unlabelled), (4, 1));
    assert_eq!(summary.class_pixels.iter().sum::<u64>(), 4 * 16 * 16);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("synth.json")).unwrap()).unwrap();
    assert_eq!(json["generator_version"], GENERATOR_VERSION);
    assert_eq!(json["samples"][0]["rock_type"], "ilmenite_basalt");
    assert_eq!(json["samples"][1]["rock_type"], "olivine_basalt");
    assert!(json["samples"][0]["modal"]["oxides"].as_f64().unwrap() > 0.07);
    assert_eq!(json["config"]["seed"], 0);
    let leftovers = walkdir::WalkDir::new(&out)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .count();
    assert_eq!(leftovers, 0, "temporary files are renamed into place");
}

#[test]
fn unlabelled_only_samples_get_no_mask_folder() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = SynthConfig {
        samples: 2,
        per_sample: 0,
        unlabelled: 3,
        size: 8,
        ..SynthConfig::default()
    };
    let summary = generate(dir.path(), &cfg, &NoProgress).unwrap();
    assert_eq!((summary.labelled, summary.unlabelled), (0, 3));
    for sample in &summary.samples {
        assert!(dir.path().join(sample).join("input-images").is_dir());
        assert!(!dir.path().join(sample).join("output-images").exists());
    }
}

/// The second instrument's sessions lie in its own ranges, outside the default's where they
/// are meant to (gain, plagioclase grey), and `synth.json` says which instrument it was; the
/// default writes no `imaging` key, so older manifests are unchanged.
#[test]
fn other_imaging_draws_from_its_own_ranges_and_is_recorded() {
    use crate::rng::Rng;
    use crate::synth::tile::{Acquisition, Imaging};
    let r = Imaging::Other.ranges();
    let mut rng = Rng::new(4);
    for _ in 0..200 {
        let a = Acquisition::draw(&mut rng, Imaging::Other);
        assert!((r.gain.0..=r.gain.1).contains(&a.gain), "gain {}", a.gain);
        assert!(a.gain < Imaging::Default.ranges().gain.0);
        let plag = a.offset + a.gain * 0.139;
        assert!((119.0..=161.0).contains(&plag), "plagioclase grey {plag}");
        assert!((r.beam_spot.0..=r.beam_spot.1 + 1e-4).contains(&a.beam_spot));
    }
    let dir = tempfile::tempdir().unwrap();
    for (imaging, key) in [(Imaging::Other, Some("other")), (Imaging::Default, None)] {
        let out = dir.path().join(format!("{imaging:?}"));
        let cfg = SynthConfig {
            samples: 1,
            per_sample: 1,
            size: 8,
            imaging,
            ..SynthConfig::default()
        };
        generate(&out, &cfg, &NoProgress).unwrap();
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("synth.json")).unwrap())
                .unwrap();
        assert_eq!(json["config"]["imaging"].as_str(), key);
    }
}
