//! The schema file's TOML form (`classes.toml`) and the checks that turn its classes and
//! mask values into a schema's.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::{ClassDef, ClassId, SchemaError, fallback_colour, parse_hex_colour};

/// A whole `classes.toml`; unknown keys are refused so a typo is not silently ignored.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SchemaFile {
    /// `name = "…"`: the schema's human name.
    pub(super) name: Option<String>,
    /// The `[[class]]` tables, in id order.
    #[serde(rename = "class")]
    pub(super) classes: Vec<ClassFileEntry>,
    /// `[mask_values]`: raw pixel value (as a TOML key, so text) → class id.
    #[serde(default)]
    pub(super) mask_values: BTreeMap<String, u16>,
    /// The raw value of unlabelled pixels (default 255).
    pub(super) unlabelled: Option<u16>,
}

/// One `[[class]]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ClassFileEntry {
    /// The mask value of the class; must equal the table's position (0, 1, 2, …).
    id: u16,
    /// Full name, e.g. "Metallic Fe: kamacite, martensite".
    name: String,
    /// Short name for tables; the full name when absent.
    short: Option<String>,
    /// Display colour as `#rrggbb`; a fallback colour by position when absent.
    colour: Option<String>,
    /// Underrepresented in typical datasets (queues and audits put it first); false by default.
    #[serde(default)]
    rare: bool,
}

/// A [`SchemaError::Invalid`] naming the schema file.
pub(super) fn invalid(path: &Path, message: String) -> SchemaError {
    SchemaError::Invalid {
        path: path.to_path_buf(),
        message,
    }
}

/// The classes of a schema file, whose ids must be 0, 1, 2, … in file order; a class without
/// a colour gets the fallback one for its position, without a short name its name.
pub(super) fn class_defs(
    entries: Vec<ClassFileEntry>,
    path: &Path,
) -> Result<Vec<ClassDef>, SchemaError> {
    let count = entries.len();
    let mut classes = Vec::with_capacity(count);
    for (position, entry) in entries.into_iter().enumerate() {
        if usize::from(entry.id) != position {
            return Err(SchemaError::Ids {
                path: path.to_path_buf(),
                count,
                found: entry.id,
                position,
            });
        }
        let colour = match &entry.colour {
            Some(hex) => parse_hex_colour(hex).ok_or_else(|| {
                invalid(
                    path,
                    format!("class {} colour '{hex}' is not '#rrggbb'", entry.id),
                )
            })?,
            None => fallback_colour(position),
        };
        let short = entry.short.unwrap_or_else(|| entry.name.clone());
        classes.push(ClassDef {
            id: position as ClassId,
            name: entry.name,
            short,
            colour,
            rare: entry.rare,
        });
    }
    Ok(classes)
}

/// `[mask_values]`: raw pixel value (a decimal key, 0..65535) → class id, each below `count`.
pub(super) fn mask_values(
    raw: BTreeMap<String, u16>,
    count: usize,
    path: &Path,
) -> Result<BTreeMap<u16, ClassId>, SchemaError> {
    let mut mask_values = BTreeMap::new();
    for (raw, class) in raw {
        let value: u16 = raw.trim().parse().map_err(|_| {
            invalid(
                path,
                format!("[mask_values] key '{raw}' is not a pixel value 0..65535"),
            )
        })?;
        if usize::from(class) >= count {
            return Err(invalid(
                path,
                format!(
                    "[mask_values] maps {value} to class {class}, but the schema has classes 0..{}",
                    count - 1
                ),
            ));
        }
        mask_values.insert(value, class as ClassId);
    }
    Ok(mask_values)
}
