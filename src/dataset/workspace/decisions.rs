//! Review decisions: an append-only log (who decided what about which image, and when). The
//! latest entry of an image is its review status; nothing is ever overwritten.

use std::collections::HashMap;

use rusqlite::params;

use super::super::decision::{Decision, DecisionEntry};
use super::super::image::ImageId;
use super::{Workspace, WorkspaceError};

/// The user name recorded with decisions and edits: `$SEMCURATE_USER`, `$USER`, `$LOGNAME`,
/// else the login name of this process's user id (containers and batch jobs often set no
/// `$USER`), else `uid N`, else `unknown`.
pub fn current_user() -> String {
    ["SEMCURATE_USER", "USER", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .or_else(|| {
            let uid = own_uid()?;
            let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
            Some(user_of_uid(&passwd, uid).unwrap_or_else(|| format!("uid {uid}")))
        })
        .unwrap_or_else(|| "unknown".to_string())
}

/// The real user id, from `/proc/self/status` (Linux; no `unsafe` call needed).
fn own_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The name of `uid` in `/etc/passwd` text (`name:x:uid:gid:…`).
fn user_of_uid(passwd: &str, uid: u32) -> Option<String> {
    passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        let id: u32 = f.nth(1)?.parse().ok()?;
        (id == uid && !name.is_empty()).then(|| name.to_string())
    })
}

#[cfg(test)]
mod user_tests {
    use super::*;

    #[test]
    fn uid_lookup_in_passwd() {
        let passwd =
            "root:x:0:0:root:/root:/bin/bash\n# comment\nana:x:1000:1000::/home/ana:/bin/sh\n";
        assert_eq!(user_of_uid(passwd, 1000).as_deref(), Some("ana"));
        assert_eq!(user_of_uid(passwd, 0).as_deref(), Some("root"));
        assert_eq!(user_of_uid(passwd, 7), None);
    }

    #[test]
    fn without_user_variables_the_login_name_is_used() {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "dataset::workspace::decisions::user_tests::child_prints_user",
                "--nocapture",
            ])
            .env_remove("SEMCURATE_USER")
            .env_remove("USER")
            .env_remove("LOGNAME")
            .env("SEMCURATE_TEST_CHILD", "1")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let line = text
            .lines()
            .find_map(|l| l.strip_prefix("user="))
            .unwrap_or("");
        let uid = own_uid().unwrap();
        let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
        let expected = user_of_uid(&passwd, uid).unwrap_or_else(|| format!("uid {uid}"));
        assert_eq!(line, expected, "{text}");
        assert_ne!(line, "unknown");
    }

    #[test]
    fn child_prints_user() {
        if std::env::var_os("SEMCURATE_TEST_CHILD").is_some() {
            println!("user={}", current_user());
        }
    }
}

impl Workspace {
    /// Appends a decision (committed at once).
    pub fn record_decision(&self, e: &DecisionEntry) -> Result<(), WorkspaceError> {
        self.conn.execute(
            "INSERT INTO decisions (image_id, decision, note, user, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![e.image_id, e.decision.as_str(), e.note, e.user, e.at],
        )?;
        Ok(())
    }

    /// The current status of every image that has one (`cleared` images are left out).
    pub fn review_status(&self) -> Result<HashMap<ImageId, DecisionEntry>, WorkspaceError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT d.image_id, d.decision, d.note, d.user, d.at FROM decisions d
             JOIN (SELECT image_id, MAX(id) AS id FROM decisions GROUP BY image_id) last ON last.id = d.id",
        )?;
        let rows = stmt.query_map([], |r| {
            let decision: String = r.get(1)?;
            Ok(DecisionEntry {
                image_id: r.get(0)?,
                decision: Decision::parse(&decision).unwrap_or(Decision::Cleared),
                note: r.get(2)?,
                user: r.get(3)?,
                at: r.get(4)?,
            })
        })?;
        let mut out = HashMap::new();
        for row in rows {
            let e = row?;
            if e.decision != Decision::Cleared {
                out.insert(e.image_id, e);
            }
        }
        Ok(out)
    }

    /// The full history of one image, oldest first.
    pub fn decision_history(
        &self,
        image_id: ImageId,
    ) -> Result<Vec<DecisionEntry>, WorkspaceError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT decision, note, user, at FROM decisions WHERE image_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([image_id], |r| {
            let decision: String = r.get(0)?;
            Ok(DecisionEntry {
                image_id,
                decision: Decision::parse(&decision).unwrap_or(Decision::Cleared),
                note: r.get(1)?,
                user: r.get(2)?,
                at: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::item::{ItemRecord, MaskState};
    use crate::dataset::layout::{FileRef, ItemFiles};

    #[test]
    fn latest_decision_is_the_status_and_history_is_kept() {
        let t = tempfile::tempdir().unwrap();
        let mut ws = Workspace::open(t.path()).unwrap();
        let f = |p: &str| FileRef {
            path: p.into(),
            fingerprint: "1:1".into(),
        };
        let rec = ItemRecord {
            files: ItemFiles {
                sample: "s".into(),
                stem: "a-1".into(),
                group: "s/a".into(),
                image: f("s/input-images/a-1.png"),
                mask: None,
                features: None,
            },
            image: None,
            pixel_size: None,
            pixel_size_source: None,
            mask_state: MaskState::None,
            class_counts: None,
            problems: vec![],
        };
        let tx = ws.transaction().unwrap();
        let id = tx
            .upsert(&rec, &crate::dataset::ScaleBins::single(), 0)
            .unwrap();
        tx.commit().unwrap();
        let e = |d: Decision, at: i64| DecisionEntry {
            image_id: id,
            decision: d,
            note: String::new(),
            user: "ana".into(),
            at,
        };
        ws.record_decision(&e(Decision::Flagged, 10)).unwrap();
        ws.record_decision(&e(Decision::Reviewed, 20)).unwrap();
        assert_eq!(
            ws.review_status().unwrap()[&id].decision,
            Decision::Reviewed
        );
        ws.record_decision(&e(Decision::Cleared, 30)).unwrap();
        assert!(ws.review_status().unwrap().is_empty());
        assert_eq!(ws.decision_history(id).unwrap().len(), 3);
    }
}
