use super::*;
use std::fs;

#[test]
fn mask_keys() {
    assert_eq!(
        mask_key("Tile_r1-c1_Chenzh-P7-run1_MASK_0011"),
        "Tile_r1-c1_Chenzh-P7-run1_0011"
    );
    assert_eq!(mask_key("a_mask"), "a");
    assert_eq!(mask_key("10003_s01-t02"), "10003_s01-t02");
}

fn touch(p: &Path) {
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, b"x").unwrap();
}

#[test]
fn pairs_skips_and_reports() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    touch(&r.join("10003/input-images/10003_a-1.png"));
    touch(&r.join("10003/input-images/10003_a-2.PNG"));
    touch(&r.join("10003/input-images/Thumbs.db"));
    touch(&r.join("10003/input-images/.DS_Store"));
    touch(&r.join("10003/input-images/.ipynb_checkpoints/10003_a-1-checkpoint.png"));
    touch(&r.join("10003/output-images/10003_a-1.png"));
    touch(&r.join("10003/output-images/10003_zz-9.png"));
    touch(&r.join("10003/input-features/10003_a-1.txt"));
    touch(&r.join(".semcurate/index.sqlite"));
    touch(&r.join("README.md"));
    let s = scan(r).unwrap();
    assert_eq!(
        s.samples,
        vec![SampleInfo {
            name: "10003".into(),
            layout: LayoutKind::MineralClassifier
        }]
    );
    assert_eq!(s.items.len(), 2);
    let a1 = &s.items[0];
    assert_eq!(a1.stem, "10003_a-1");
    assert_eq!(a1.group, "10003/10003_a");
    assert_eq!(
        a1.mask.as_ref().unwrap().path,
        "10003/output-images/10003_a-1.png"
    );
    assert_eq!(
        a1.features.as_ref().unwrap().path,
        "10003/input-features/10003_a-1.txt"
    );
    assert!(s.items[1].mask.is_none());
    assert_eq!(
        s.skipped,
        SkipCounts {
            hidden_dirs: 2,
            hidden_files: 1,
            other_files: 1,
            other_dirs: 0
        }
    );
    assert_eq!(s.problems.len(), 1);
    assert_eq!(s.problems[0].kind, ProblemKind::OrphanMask);
    assert_eq!(s.problems[0].path, "10003/output-images/10003_zz-9.png");
}

#[test]
fn a_sample_folder_given_directly_and_images_masks_layout() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path().join("shale");
    touch(&r.join("images/T_0001.tif"));
    touch(&r.join("masks/T_MASK_0001.tif"));
    touch(&r.join("unlabelled/T_0009.tif"));
    touch(&r.join("unlabelled/..."));
    let s = scan(&r).unwrap();
    assert_eq!(s.samples[0].name, "shale");
    assert_eq!(s.samples[0].layout, LayoutKind::ImagesMasks);
    assert_eq!(s.items.len(), 2);
    assert_eq!(
        s.items[0].mask.as_ref().unwrap().path,
        "masks/T_MASK_0001.tif"
    );
    assert_eq!(s.skipped.hidden_files, 1);
}

#[test]
fn empty_root_is_an_error() {
    let t = tempfile::tempdir().unwrap();
    assert!(matches!(scan(t.path()), Err(LayoutError::NoSamples(_))));
    assert!(matches!(
        scan(&t.path().join("nope")),
        Err(LayoutError::Missing(_))
    ));
}

/// A file name with a byte that is not UTF-8 cannot be kept as a text path: it is a named
/// problem saying to rename it, not an image that later "does not exist". Names with spaces
/// and very long names are ordinary images.
#[test]
fn a_non_utf8_file_name_is_a_problem_with_the_fix() {
    use std::os::unix::ffi::OsStrExt;
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    let dir = r.join("10003/input-images");
    touch(&dir.join("a name with spaces-1.png"));
    touch(&dir.join(format!("{}-2.png", "x".repeat(200))));
    touch(&dir.join(std::ffi::OsStr::from_bytes(b"bad\xffbyte-3.png")));
    touch(&r.join(std::ffi::OsStr::from_bytes(
        b"70\xfe17/input-images/70017_s1-1.png",
    )));
    let s = scan(r).unwrap();
    assert_eq!(s.items.len(), 2);
    assert_eq!(s.problems.len(), 2);
    assert_eq!(s.problems[1].path, "70\u{fffd}17");
    assert!(
        s.problems[1]
            .message
            .contains("folder name is not valid UTF-8")
    );
    let p = &s.problems[0];
    assert_eq!(p.kind, ProblemKind::Unlistable);
    assert_eq!(p.path, "10003/input-images/bad\u{fffd}byte-3.png");
    assert!(p.message.contains("not valid UTF-8") && p.message.contains("rename it"));
}

/// The Duvernay shale set ships `TrainData/Images` and `TrainData/Masks`; a MineralClassifier
/// copy may come as `Input-Images/`. Folder names match in any case and the paths stored are
/// the names on disk, so the files can be read back on a case-sensitive file system.
#[test]
fn folder_names_match_in_any_case_and_keep_their_spelling() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    touch(&r.join("TrainData/Images/Tile_r1-c1_0001.tif"));
    touch(&r.join("TrainData/MASKS/Tile_r1-c1_MASK_0001.tif"));
    touch(&r.join("TrainData/Unlabelled/Tile_r9-c1_0002.tif"));
    touch(&r.join("10003/Input-Images/10003_a-1.png"));
    touch(&r.join("10003/OUTPUT-IMAGES/10003_a-1.png"));
    touch(&r.join("10003/Input-Features/10003_a-1.txt"));
    let s = scan(r).unwrap();
    let layouts: Vec<(&str, LayoutKind)> = s
        .samples
        .iter()
        .map(|x| (x.name.as_str(), x.layout))
        .collect();
    assert_eq!(
        layouts,
        vec![
            ("10003", LayoutKind::MineralClassifier),
            ("TrainData", LayoutKind::ImagesMasks)
        ]
    );
    let paths: Vec<(&str, Option<&str>, Option<&str>)> = s
        .items
        .iter()
        .map(|i| {
            (
                i.image.path.as_str(),
                i.mask.as_ref().map(|m| m.path.as_str()),
                i.features.as_ref().map(|f| f.path.as_str()),
            )
        })
        .collect();
    assert_eq!(
        paths,
        vec![
            (
                "10003/Input-Images/10003_a-1.png",
                Some("10003/OUTPUT-IMAGES/10003_a-1.png"),
                Some("10003/Input-Features/10003_a-1.txt")
            ),
            (
                "TrainData/Images/Tile_r1-c1_0001.tif",
                Some("TrainData/MASKS/Tile_r1-c1_MASK_0001.tif"),
                None
            ),
            ("TrainData/Unlabelled/Tile_r9-c1_0002.tif", None, None),
        ]
    );
    assert!(is_data_folder("Output-Images") && !is_data_folder("TrainData"));
}
