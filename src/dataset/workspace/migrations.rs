//! Workspace schema migrations, applied in order; `PRAGMA user_version` counts those applied.
//! Never edit a released migration: add a new one.

use std::path::Path;

use rusqlite::Connection;

use super::{BUSY_TIMEOUT, Workspace, WorkspaceError};

/// The SQL of each migration; migration `k` (from 1) is `MIGRATIONS[k - 1]`, and a database
/// at `user_version = n` has the first `n` applied.
///
/// Tables, by the migration that made them: 1 `meta`, `images` (one row per (sample, stem)),
/// `problems`, `splits` (per split group); 2 `models`, `predictions` (per image and model
/// hash, maps deflated); 3 `audits` (cached per-image audit summaries); 4 `decisions`
/// (append-only); 5 `edit_bases`, `edits` (the append-only journal), `edit_cache`, and
/// `decisions` rebuilt; 6 `exports`, `exported`; 7 `import_sources`, `import_tiles`;
/// 8 `edit_bases` rebuilt to allow a blank base.
pub(super) const MIGRATIONS: &[&str] = &[
    // 1: the index.
    "
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE images (
        id                INTEGER PRIMARY KEY,
        sample            TEXT NOT NULL,
        stem              TEXT NOT NULL,
        grp               TEXT NOT NULL,
        image_path        TEXT NOT NULL,
        mask_path         TEXT,
        features_path     TEXT,
        image_fp          TEXT NOT NULL,
        mask_fp           TEXT,
        features_fp       TEXT,
        format            TEXT,
        width             INTEGER,
        height            INTEGER,
        bit_depth         INTEGER,
        pixel_size        REAL,
        pixel_size_source TEXT,
        bin               INTEGER,
        mask_state        TEXT NOT NULL,
        class_counts      BLOB,
        missing           INTEGER NOT NULL DEFAULT 0,
        indexed_at        INTEGER NOT NULL,
        UNIQUE (sample, stem)
    );
    CREATE INDEX images_grp ON images (grp);
    CREATE TABLE problems (
        id       INTEGER PRIMARY KEY,
        image_id INTEGER REFERENCES images (id) ON DELETE CASCADE,
        path     TEXT NOT NULL,
        kind     TEXT NOT NULL,
        message  TEXT NOT NULL
    );
    CREATE INDEX problems_image ON problems (image_id);
    CREATE TABLE splits (
        grp   TEXT PRIMARY KEY,
        split TEXT NOT NULL CHECK (split IN ('train', 'val', 'test'))
    );
    ",
    // 2: models and their predictions.
    "
    CREATE TABLE models (
        hash     TEXT PRIMARY KEY,
        dir      TEXT NOT NULL,
        config   TEXT NOT NULL,
        added_at INTEGER NOT NULL
    );
    CREATE TABLE predictions (
        image_id     INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
        model        TEXT NOT NULL REFERENCES models (hash),
        image_fp     TEXT NOT NULL,
        width        INTEGER NOT NULL,
        height       INTEGER NOT NULL,
        bin          INTEGER NOT NULL,
        used_bin     INTEGER NOT NULL,
        classes      BLOB NOT NULL,
        margin       BLOB NOT NULL,
        disagreement BLOB,
        mc_passes    INTEGER NOT NULL,
        per_class    TEXT NOT NULL,
        mean_margin  REAL NOT NULL,
        created_at   INTEGER NOT NULL,
        PRIMARY KEY (image_id, model)
    );
    CREATE INDEX predictions_model ON predictions (model);
    ",
    // 3: cached per-image audit summaries (valid while image, mask and prediction are unchanged).
    "
    CREATE TABLE audits (
        image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
        model    TEXT NOT NULL,
        image_fp TEXT NOT NULL,
        mask_fp  TEXT NOT NULL,
        summary  TEXT NOT NULL,
        PRIMARY KEY (image_id, model)
    );
    ",
    // 4: review decisions, append-only; the latest per image is its status.
    "
    CREATE TABLE decisions (
        id       INTEGER PRIMARY KEY,
        image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
        decision TEXT NOT NULL CHECK (decision IN ('reviewed', 'flagged', 'skipped', 'cleared')),
        note     TEXT NOT NULL DEFAULT '',
        user     TEXT NOT NULL,
        at       INTEGER NOT NULL
    );
    CREATE INDEX decisions_image ON decisions (image_id, id);
    ",
    // 5: mask edits. The journal is append-only: one row per finished stroke, undo or redo,
    // replayed on the base (the mask file as it was, or the model's proposal) it was made
    // on; `edit_cache` holds the materialised result of a journal prefix. Review statuses
    // gain corrected / accepted / rejected (the CHECK needs a table rebuild in SQLite).
    "
    CREATE TABLE edit_bases (
        image_id INTEGER PRIMARY KEY REFERENCES images (id) ON DELETE CASCADE,
        source   TEXT NOT NULL CHECK (source IN ('mask', 'proposal')),
        fp       TEXT NOT NULL,
        model    TEXT,
        user     TEXT NOT NULL,
        started  INTEGER NOT NULL
    );
    CREATE TABLE edits (
        image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
        seq      INTEGER NOT NULL,
        op       TEXT NOT NULL CHECK (op IN ('stroke', 'undo', 'redo')),
        tool     TEXT,
        changes  BLOB,
        pixels   INTEGER NOT NULL DEFAULT 0,
        user     TEXT NOT NULL,
        at_ms    INTEGER NOT NULL,
        PRIMARY KEY (image_id, seq)
    );
    CREATE TABLE edit_cache (
        image_id INTEGER PRIMARY KEY REFERENCES images (id) ON DELETE CASCADE,
        upto     INTEGER NOT NULL,
        classes  BLOB NOT NULL
    );
    CREATE TABLE decisions_v5 (
        id       INTEGER PRIMARY KEY,
        image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
        decision TEXT NOT NULL CHECK (decision IN
            ('reviewed', 'flagged', 'skipped', 'cleared', 'corrected', 'accepted', 'rejected')),
        note     TEXT NOT NULL DEFAULT '',
        user     TEXT NOT NULL,
        at       INTEGER NOT NULL
    );
    INSERT INTO decisions_v5 SELECT id, image_id, decision, note, user, at FROM decisions;
    DROP TABLE decisions;
    ALTER TABLE decisions_v5 RENAME TO decisions;
    CREATE INDEX decisions_image ON decisions (image_id, id);
    ",
    // 6: exports. One row per finished export; per image, what its label was when it was
    // last exported (journal length, last decision), so that later corrections count as
    // not yet exported.
    "
    CREATE TABLE exports (
        id          INTEGER PRIMARY KEY,
        out         TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        files       INTEGER NOT NULL,
        user        TEXT NOT NULL,
        at          INTEGER NOT NULL
    );
    CREATE TABLE exported (
        image_id  INTEGER PRIMARY KEY REFERENCES images (id) ON DELETE CASCADE,
        export_id INTEGER NOT NULL REFERENCES exports (id),
        edit_ops  INTEGER NOT NULL,
        mask_fp   TEXT
    );
    ",
    // 7: imports. Per raw file imported (by content fingerprint) and per tile written: where
    // it came from, where in the file, the data-bar crop and the pixel size with its source.
    "
    CREATE TABLE import_sources (
        id          INTEGER PRIMARY KEY,
        source_fp   TEXT NOT NULL,
        sample      TEXT NOT NULL,
        path        TEXT NOT NULL,
        width       INTEGER NOT NULL,
        height      INTEGER NOT NULL,
        crop_rows   INTEGER NOT NULL,
        crop_source TEXT NOT NULL,
        pixel_size  REAL NOT NULL,
        pixel_size_source TEXT NOT NULL,
        tiles       INTEGER NOT NULL,
        blank       INTEGER NOT NULL,
        user        TEXT NOT NULL,
        at          INTEGER NOT NULL,
        UNIQUE (source_fp, sample)
    );
    CREATE TABLE import_tiles (
        sample    TEXT NOT NULL,
        stem      TEXT NOT NULL,
        source_id INTEGER NOT NULL REFERENCES import_sources (id),
        x         INTEGER NOT NULL,
        y         INTEGER NOT NULL,
        width     INTEGER NOT NULL,
        height    INTEGER NOT NULL,
        PRIMARY KEY (sample, stem)
    );
    ",
    // 8: a journal may start from a blank mask (an image with no mask file and no proposal:
    // labelling from nothing). SQLite changes a CHECK only by rebuilding the table.
    "
    CREATE TABLE edit_bases_new (
        image_id INTEGER PRIMARY KEY REFERENCES images (id) ON DELETE CASCADE,
        source   TEXT NOT NULL CHECK (source IN ('mask', 'proposal', 'blank')),
        fp       TEXT NOT NULL,
        model    TEXT,
        user     TEXT NOT NULL,
        started  INTEGER NOT NULL
    );
    INSERT INTO edit_bases_new SELECT image_id, source, fp, model, user, started FROM edit_bases;
    DROP TABLE edit_bases;
    ALTER TABLE edit_bases_new RENAME TO edit_bases;
    ",
];

/// Switches a connection to WAL. Two processes creating a workspace at the same moment both
/// ask for it, and SQLite answers the loser "busy" at once without calling the busy handler
/// (the switch needs an exclusive lock), so the request is retried here for up to
/// [`BUSY_TIMEOUT`].
pub(super) fn set_wal(conn: &Connection) -> rusqlite::Result<()> {
    let started = std::time::Instant::now();
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy
                    && started.elapsed() < BUSY_TIMEOUT =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

impl Workspace {
    /// Applies pending migrations. The version is read and the migrations applied inside one
    /// immediate (write-locked) transaction, so two processes opening a fresh workspace at
    /// once do not both create the tables: the second waits, then finds them there.
    pub(super) fn migrate(&mut self, path: &Path) -> Result<(), WorkspaceError> {
        let known = MIGRATIONS.len() as i64;
        let read_version =
            |c: &Connection| c.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0));
        if read_version(&self.conn)? == known {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let version = read_version(&tx)?;
        if version > known {
            return Err(WorkspaceError::TooNew {
                path: path.to_path_buf(),
                found: version,
                known,
            });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i as i64 + 1)?;
        }
        tx.commit()?;
        Ok(())
    }
}
