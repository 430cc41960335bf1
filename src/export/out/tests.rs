use super::*;

/// A manifest naming one row in sample `s` (files `s/input-images/a.png` and so on).
fn manifest_json(rows: &[&str]) -> String {
    let rows: Vec<serde_json::Value> = rows
        .iter()
        .map(|n| {
            serde_json::json!({
                "name": n, "sample": "s",
                "image": format!("s/input-images/{n}.png"),
                "mask": format!("s/output-images/{n}.png"),
                "features": format!("s/input-features/{n}.txt"),
                "source_image": "", "source_mask": null, "source_features": null,
                "renamed": false, "tile_x": null, "tile_y": null, "raw_image": null, "width": 1,
                "height": 1,
                "pixel_size": 1.0, "pixel_size_source": "", "scale_bin": null,
                "study_unet": "small", "split": "", "rock_type": null, "mask_source": "file",
                "review_status": "", "decided_by": null, "decided_at": null, "edited_by": [],
                "edited_at": null, "changed_pixels": 0, "proposal_model": null,
                "proposal_dice": null, "class_pixels": [1], "image_sha256": "",
                "mask_sha256": ""
            })
        })
        .collect();
    serde_json::json!({
        "format": manifest::FORMAT, "format_version": 1, "semcurate_version": "0",
        "dataset": "/d", "schema": "x", "source_schema": "x", "class_map": [],
        "class_short": ["A"], "bins": [], "tile": null, "only": [], "splits": [],
        "command": "", "fingerprint": rows.len().to_string(), "images": rows
    })
    .to_string()
}

/// Writes an export of `rows` into `dir` (the row files and the meta files).
fn fake_export(dir: &Path, rows: &[&str]) {
    for n in rows {
        for (sub, ext) in [
            ("input-images", "png"),
            ("output-images", "png"),
            ("input-features", "txt"),
        ] {
            let p = dir.join(format!("s/{sub}/{n}.{ext}"));
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, n).unwrap();
        }
    }
    fs::write(dir.join(manifest::MANIFEST_JSON), manifest_json(rows)).unwrap();
    for f in &META_FILES[1..] {
        fs::write(dir.join(f), "meta").unwrap();
    }
}

fn user_files(out: &Path) {
    fs::create_dir_all(out.join(".semcurate/locks")).unwrap();
    fs::write(out.join(".semcurate/index.sqlite"), "db").unwrap();
    fs::write(out.join("NOTES.txt"), "notes").unwrap();
    fs::write(out.join("s/input-images/mine.png"), "a user's image").unwrap();
    fs::create_dir_all(out.join("empty-for-later")).unwrap();
}

fn assert_user_files(out: &Path) {
    assert_eq!(fs::read_to_string(out.join("NOTES.txt")).unwrap(), "notes");
    assert_eq!(
        fs::read_to_string(out.join(".semcurate/index.sqlite")).unwrap(),
        "db"
    );
    assert_eq!(
        fs::read_to_string(out.join("s/input-images/mine.png")).unwrap(),
        "a user's image"
    );
    assert!(out.join(".semcurate/locks").is_dir());
    assert!(out.join("empty-for-later").is_dir());
}

fn replace_with(out: &Path, rows: &[&str]) -> Vec<Kept> {
    let state = check_out(out, "/d", true).unwrap();
    let s = Staging::create(out).unwrap();
    fake_export(&s.dir, rows);
    s.commit(&state).unwrap()
}

#[test]
fn swap_replaces_the_export_and_keeps_what_it_did_not_write() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("exp");
    let s = Staging::create(&out).unwrap();
    fake_export(&s.dir, &["a", "b"]);
    assert!(s.commit(&OutState::Absent).unwrap().is_empty());
    user_files(&out);
    let kept = replace_with(&out, &["c"]);
    // The earlier export's files are gone; the new one's are there.
    assert!(!out.join("s/input-images/a.png").exists());
    assert!(!out.join("s/output-images/b.png").exists());
    assert_eq!(
        fs::read_to_string(out.join("s/input-images/c.png")).unwrap(),
        "c"
    );
    assert_user_files(&out);
    let names: Vec<(&str, usize, bool)> = kept
        .iter()
        .map(|k| (k.name.as_str(), k.files, k.folder))
        .collect();
    assert_eq!(
        names,
        [
            (".semcurate", 1, true),
            ("NOTES.txt", 1, false),
            ("empty-for-later", 0, true),
            ("s", 1, true)
        ]
    );
    // Only OUT is left beside it.
    assert_eq!(fs::read_dir(t.path()).unwrap().count(), 1);
}

#[test]
fn a_user_file_where_the_new_export_writes_is_refused_and_out_is_untouched() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("exp");
    fs::create_dir(&out).unwrap();
    fake_export(&out, &["a"]);
    fs::write(out.join("s/input-images/b.png"), "a user's b").unwrap();
    let state = check_out(&out, "/d", true).unwrap();
    let s = Staging::create(&out).unwrap();
    fake_export(&s.dir, &["a", "b"]);
    let e = s.commit(&state).unwrap_err();
    assert!(
        matches!(&e, ExportError::Clash(p) if p.ends_with("s/input-images/b.png")),
        "{e}"
    );
    assert!(e.to_string().contains("move it out of OUT"), "{e}");
    assert_eq!(
        fs::read_to_string(out.join("s/input-images/b.png")).unwrap(),
        "a user's b"
    );
    assert_eq!(
        fs::read_to_string(out.join("s/input-images/a.png")).unwrap(),
        "a"
    );
    assert_eq!(
        fs::read_dir(t.path()).unwrap().count(),
        1,
        "staging removed"
    );
}

#[test]
fn an_unreadable_earlier_manifest_is_refused_with_force() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("exp");
    fs::create_dir(&out).unwrap();
    fake_export(&out, &["a"]);
    // The head still names the dataset, but a row is not a manifest row.
    let json = manifest_json(&["a"]).replace("\"class_pixels\":[1]", "\"class_pixels\":\"x\"");
    fs::write(out.join(manifest::MANIFEST_JSON), json).unwrap();
    let e = check_out(&out, "/d", true).unwrap_err();
    assert!(
        matches!(&e, ExportError::UnreadableManifest { .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("move that folder aside"), "{e}");
    // Without --force the earlier export is named as such.
    let e = check_out(&out, "/d", false).unwrap_err();
    assert!(matches!(&e, ExportError::EarlierExport(_)), "{e:?}");
}

#[test]
fn the_fallback_gap_is_put_right_by_recover_and_nothing_complete_is_deleted() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("exp");
    fs::create_dir(&out).unwrap();
    fake_export(&out, &["a"]);
    user_files(&out);
    // A killed fallback: OUT moved aside by a dead process, its new staging beside it.
    let aside = t.path().join(".exp.semcurate-export-old-4000000000");
    fs::rename(&out, &aside).unwrap();
    let staged = t.path().join(".exp.semcurate-export-4000000000");
    fs::create_dir(&staged).unwrap();
    fake_export(&staged, &["b"]);
    let r = recover(&out).unwrap().unwrap();
    assert_eq!(r.from, aside);
    assert_eq!(
        fs::read_to_string(out.join("s/input-images/a.png")).unwrap(),
        "a"
    );
    assert_user_files(&out);
    assert_eq!(
        fs::read_dir(t.path()).unwrap().count(),
        1,
        "the dead staging removed"
    );
    assert_eq!(recover(&out).unwrap(), None);
}

#[test]
fn a_file_made_in_out_during_the_swap_is_moved_in_before_the_old_tree_goes() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("exp");
    fs::create_dir(&out).unwrap();
    fake_export(&out, &["b"]);
    // A dead exchange left the old tree (with a late file of a user's) at its staging name.
    let old = t.path().join(".exp.semcurate-export-4000000000@");
    fs::create_dir(&old).unwrap();
    fake_export(&old, &["a"]);
    fs::create_dir_all(old.join(".semcurate")).unwrap();
    fs::write(old.join(".semcurate/index.sqlite-wal"), "late").unwrap();
    assert_eq!(recover(&out).unwrap(), None);
    assert_eq!(
        fs::read_to_string(out.join(".semcurate/index.sqlite-wal")).unwrap(),
        "late"
    );
    assert!(
        !out.join("s/input-images/a.png").exists(),
        "the old export's own files go"
    );
    assert!(!old.exists());
}

#[test]
fn the_fallback_swap_keeps_user_files_like_the_exchange() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("exp");
    fs::create_dir(&out).unwrap();
    fake_export(&out, &["a"]);
    user_files(&out);
    let state = check_out(&out, "/d", true).unwrap();
    let OutState::Replace { owned } = &state else {
        panic!("{state:?}")
    };
    let s = Staging::create(&out).unwrap();
    fake_export(&s.dir, &["c"]);
    carry::link_foreign(&out, &s.dir, owned).unwrap();
    let old = swap::move_aside_then_in(&s.dir, &out).unwrap();
    assert!(swap::retire(&old, &out));
    std::mem::forget(s);
    assert_user_files(&out);
    assert_eq!(
        fs::read_to_string(out.join("s/input-images/c.png")).unwrap(),
        "c"
    );
    assert_eq!(fs::read_dir(t.path()).unwrap().count(), 1);
}

#[test]
fn staging_names_are_recognised() {
    assert!(is_staging(".exp.semcurate-export-12@host"));
    assert!(is_staging(".exp.semcurate-export-old-12@host"));
    assert!(!is_staging("exp"));
}
