//! The groups file: a CSV with the header `image,group` and one row per image. Fields may be
//! quoted (`"a,b"`, `""` for a quote); blank lines and lines starting with `#` are skipped.
//! Every error names the file, the line and the value.

use std::collections::BTreeMap;

use super::GroupError;

/// Image key (path relative to the root with `/`, or stem) → group.
///
/// A UTF-8 byte-order mark and Windows line ends are accepted; the header's case is not
/// checked. Backslashes in image keys become `/` and a leading `./` is dropped. The same image
/// twice with the same group is fine, with different groups an error; a file with no data row
/// is an error. `file` only names the file in messages.
pub(super) fn parse(text: &str, file: &str) -> Result<BTreeMap<String, String>, GroupError> {
    let err = |line: usize, message: String| GroupError::Csv {
        file: file.to_string(),
        line,
        message,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    let Some((n, header)) = rows.next() else {
        return Err(err(
            1,
            "the file is empty: write the header 'image,group' and one row per image".into(),
        ));
    };
    let head = fields(header).map_err(|m| err(n, m))?;
    if head.len() != 2
        || !head[0].eq_ignore_ascii_case("image")
        || !head[1].eq_ignore_ascii_case("group")
    {
        return Err(err(
            n,
            format!("expected the header 'image,group', found '{header}'"),
        ));
    }
    let mut out: BTreeMap<String, (String, usize)> = BTreeMap::new();
    for (n, line) in rows {
        let (image, group) = row(line).map_err(|m| err(n, m))?;
        if let Some((first, at)) = out.get(&image)
            && *first != group
        {
            return Err(err(
                n,
                format!(
                    "'{image}' is given group '{group}' here and '{first}' on line {at}: keep one"
                ),
            ));
        }
        out.entry(image).or_insert((group, n));
    }
    if out.is_empty() {
        return Err(err(
            n,
            "no rows after the header: add one 'image,group' row per image".into(),
        ));
    }
    Ok(out.into_iter().map(|(k, (g, _))| (k, g)).collect())
}

/// One data row: the image key (normalised) and the group.
///
/// Exactly two fields, both non-empty.
fn row(line: &str) -> Result<(String, String), String> {
    let f = fields(line)?;
    if f.len() != 2 {
        return Err(format!(
            "expected 2 columns image,group, found {} in '{line}'",
            f.len()
        ));
    }
    let image = f[0].replace('\\', "/");
    let image = image.trim_start_matches("./").to_string();
    if image.is_empty() {
        return Err(format!("no image in '{line}'"));
    }
    if f[1].is_empty() {
        return Err(format!("no group for '{image}' in '{line}'"));
    }
    Ok((image, f[1].clone()))
}

/// The comma-separated fields of a line, trimmed, with CSV quoting undone.
///
/// A field starting with `"` (after blanks) is quoted until the closing `"`; an unclosed quote
/// is an error.
fn fields(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if field.trim().is_empty() => {
                field.clear();
                quoted = true;
            }
            (',', false) => out.push(std::mem::take(&mut field).trim().to_string()),
            _ => field.push(c),
        }
    }
    if quoted {
        return Err(format!("a quote is not closed in '{line}'"));
    }
    out.push(field.trim().to_string());
    Ok(out)
}
