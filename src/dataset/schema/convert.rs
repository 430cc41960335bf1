//! From one class schema to another: which target class each source class becomes (for an
//! export in a coarser schema), and a schema written back as `classes.toml`.

use std::fmt::Write as _;

use super::{ClassDef, ClassId, ClassSchema};

/// How each source class id maps into the target schema; `map[source id] = target id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassMap {
    /// Indexed by source class id; one entry per source class.
    pub map: Vec<ClassId>,
}

impl ClassMap {
    /// Whether no id changes.
    pub fn is_identity(&self) -> bool {
        self.map
            .iter()
            .enumerate()
            .all(|(i, &t)| usize::from(t) == i)
    }

    /// The pairs that merge or move, as `(source, target)`.
    pub fn changed(&self) -> Vec<(ClassId, ClassId)> {
        self.map
            .iter()
            .enumerate()
            .filter(|(i, t)| usize::from(**t) != *i)
            .map(|(i, &t)| (i as ClassId, t))
            .collect()
    }
}

fn same_class(a: &ClassDef, b: &ClassDef) -> bool {
    a.short.eq_ignore_ascii_case(&b.short) || a.name.eq_ignore_ascii_case(&b.name)
}

/// The catch-all class of a schema: its name starts with "Other" (the study's class 9).
fn other_class(schema: &ClassSchema) -> Option<&ClassDef> {
    schema
        .classes
        .iter()
        .find(|c| c.name.to_ascii_lowercase().starts_with("other"))
}

/// Maps `source` into `target`: a class goes to the target class of the same short or full
/// name; a class the target lacks goes to the target's "Other" class when the target has one
/// (extended → default sends Zircon and Phosphate to Other = 9). Fails, naming the class, when
/// a class has nowhere to go.
pub fn class_map(source: &ClassSchema, target: &ClassSchema) -> Result<ClassMap, String> {
    let mut map = Vec::with_capacity(source.len());
    for c in &source.classes {
        let to = target
            .classes
            .iter()
            .find(|t| same_class(c, t))
            .or_else(|| other_class(target))
            .ok_or_else(|| {
                format!(
                    "class {} '{}' of schema '{}' has no class of the same name in schema '{}' and that schema has no 'Other' class to take it: export with a schema that has it",
                    c.id, c.name, source.name, target.name
                )
            })?;
        map.push(to.id);
    }
    Ok(ClassMap { map })
}

/// The schema as `classes.toml` text (the format of `schemas/default.toml`), without a
/// mask-value map: exported masks hold class ids.
pub fn to_toml(schema: &ClassSchema) -> String {
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut out = format!("name = {}\n", q(&schema.name));
    if schema.unlabelled != super::DEFAULT_UNLABELLED {
        let _ = writeln!(out, "unlabelled = {}", schema.unlabelled);
    }
    for c in &schema.classes {
        let [r, g, b] = c.colour;
        let _ = write!(
            out,
            "\n[[class]]\nid = {}\nname = {}\nshort = {}\ncolour = \"#{r:02x}{g:02x}{b:02x}\"\n",
            c.id,
            q(&c.name),
            q(&c.short)
        );
        if c.rare {
            out.push_str("rare = true\n");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn extended_collapses_zircon_and_phosphate_into_other() {
        let m = class_map(&ClassSchema::extended(), &ClassSchema::default()).unwrap();
        assert_eq!(m.map, vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9]);
        assert_eq!(m.changed(), vec![(10, 9)]);
        assert!(!m.is_identity());
        assert!(
            class_map(&ClassSchema::default(), &ClassSchema::default())
                .unwrap()
                .is_identity()
        );
    }

    #[test]
    fn default_cannot_split_other_without_a_catch_all() {
        let e = class_map(&ClassSchema::default(), &ClassSchema::extended()).unwrap_err();
        assert!(e.contains("class 9 'Other"), "{e}");
    }

    #[test]
    fn toml_round_trips() {
        for s in [ClassSchema::default(), ClassSchema::extended()] {
            let back = ClassSchema::parse(&to_toml(&s), Path::new("x")).unwrap();
            assert_eq!(back, s);
        }
    }
}
