use super::*;

fn ws_with_image() -> (tempfile::TempDir, Workspace, ImageId) {
    let t = tempfile::tempdir().unwrap();
    let ws = Workspace::open(t.path()).unwrap();
    ws.conn
        .execute(
            "INSERT INTO images (sample, stem, grp, image_path, image_fp, mask_state, indexed_at)
             VALUES ('s', 'a', 'a', 's/input-images/a.png', 'fp', 'valid', 0)",
            [],
        )
        .unwrap();
    let id = ImageId(ws.conn.last_insert_rowid());
    (t, ws, id)
}

fn row(op: EditOp, pixels: u32) -> EditRow {
    EditRow {
        seq: 0,
        op,
        tool: (op == EditOp::Stroke).then(|| "brush".into()),
        changes: vec![1, 2, 3],
        pixels,
        user: "ana".into(),
        at_ms: 1_700_000_000_000,
    }
}

#[test]
fn the_journal_is_appended_in_order_with_its_base_once() {
    let (_t, mut ws, id) = ws_with_image();
    let base = EditBase {
        source: BaseSource::Mask,
        fp: "maskfp".into(),
        model: None,
        user: "ana".into(),
        started: 5,
    };
    assert_eq!(
        ws.append_edit(id, &base, &row(EditOp::Stroke, 3)).unwrap(),
        1
    );
    let other = EditBase {
        fp: "changed".into(),
        ..base.clone()
    };
    // A later call does not replace the base the journal was made on.
    assert_eq!(
        ws.append_edit(id, &other, &row(EditOp::Undo, 0)).unwrap(),
        2
    );
    assert_eq!(ws.edit_base(id).unwrap(), Some(base));
    let rows = ws.edits(id).unwrap();
    assert_eq!(
        rows.iter().map(|r| (r.seq, r.op)).collect::<Vec<_>>(),
        vec![(1, EditOp::Stroke), (2, EditOp::Undo)]
    );
    assert_eq!(rows[0].changes, vec![1, 2, 3]);
    assert_eq!(ws.edit_counts().unwrap()[&id].ops, 2);
    let mut rows = ws.edits(id).unwrap();
    rows[1].at_ms = rows[0].at_ms + 30_000;
    rows.push(EditRow {
        at_ms: rows[1].at_ms + 3_600_000,
        user: "ben".into(),
        tool: Some("grey_fill".into()),
        ..rows[0].clone()
    });
    let p = provenance(&ws.edit_base(id).unwrap().unwrap(), &rows).unwrap();
    assert_eq!(p.users, vec!["ana", "ben"]);
    assert_eq!(p.tools, vec!["brush", "grey_fill"]);
    assert!(
        (p.active_seconds - 30.0).abs() < 1e-9,
        "the hour-long pause is not editing"
    );
    assert_eq!((p.ops, p.ended_ms - p.started_ms), (3, 3_630_000));
    ws.put_edit_cache(id, 2, &[9, 9]).unwrap();
    assert_eq!(ws.edit_cache(id).unwrap(), Some((2, vec![9, 9])));
}

#[test]
fn old_decisions_survive_the_migration_and_new_statuses_are_accepted() {
    let (_t, ws, id) = ws_with_image();
    for d in ["reviewed", "corrected", "accepted", "rejected"] {
        ws.conn
            .execute(
                "INSERT INTO decisions (image_id, decision, user, at) VALUES (?1, ?2, 'ana', 1)",
                params![id, d],
            )
            .unwrap();
    }
    assert!(
        ws.conn
            .execute(
                "INSERT INTO decisions (image_id, decision, user, at) VALUES (?1, 'bogus', 'ana', 1)",
                [id],
            )
            .is_err()
    );
}
