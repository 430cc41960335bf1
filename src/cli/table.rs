//! Plain aligned text tables and the few styles the CLI uses. Colours go through `anstream`,
//! which drops them when stdout is not a terminal or `NO_COLOR` is set.

use anstyle::{AnsiColor, Style};

/// Section headings.
pub const HEADING: Style = Style::new().bold();
/// Errors and problem kinds.
pub const ERROR: Style = AnsiColor::Red.on_default().bold();
/// Warnings and flags.
pub const WARN: Style = AnsiColor::Yellow.on_default();

/// Column alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text starts at the column's left; the last column is not padded.
    Left,
    /// Text ends at the column's right (numbers).
    Right,
}

/// A table of text cells, rendered with two spaces between columns.
#[derive(Debug, Default)]
pub struct Table {
    /// Column headers, drawn in the heading style.
    headers: Vec<String>,
    /// One alignment per column.
    aligns: Vec<Align>,
    /// The cells, row by row; a short row leaves its last columns blank, extra cells are ignored.
    rows: Vec<Vec<String>>,
}

impl Table {
    /// Columns from `(header, alignment)` pairs.
    pub fn new(columns: &[(&str, Align)]) -> Self {
        Self {
            headers: columns.iter().map(|(h, _)| (*h).to_string()).collect(),
            aligns: columns.iter().map(|(_, a)| *a).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells are blank.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table as lines, header first, with `indent` spaces before each.
    pub fn render(&self, indent: usize) -> String {
        let widths: Vec<usize> = (0..self.headers.len())
            .map(|i| {
                self.rows
                    .iter()
                    .filter_map(|r| r.get(i))
                    .chain(std::iter::once(&self.headers[i]))
                    .map(|c| visible_len(c))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: &[String], head: bool| {
            let mut s = " ".repeat(indent);
            for (i, w) in widths.iter().enumerate() {
                let cell = cells.get(i).map_or("", String::as_str);
                let pad = w.saturating_sub(visible_len(cell));
                let last = i + 1 == widths.len();
                match self.aligns[i] {
                    Align::Right => {
                        s.push_str(&" ".repeat(pad));
                        s.push_str(cell);
                    }
                    Align::Left if last => s.push_str(cell),
                    Align::Left => {
                        s.push_str(cell);
                        s.push_str(&" ".repeat(pad));
                    }
                }
                if !last {
                    s.push_str("  ");
                }
            }
            let s = s.trim_end().to_string();
            if head {
                format!("{}{s}{}", HEADING.render(), HEADING.render_reset())
            } else {
                s
            }
        };
        let mut out = vec![line(&self.headers, true)];
        out.extend(self.rows.iter().map(|r| line(r, false)));
        out.join("\n")
    }
}

/// Characters a terminal shows: ANSI escape sequences (`ESC [ … m`) take no room.
pub fn visible_len(s: &str) -> usize {
    let mut n = 0;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            n += 1;
        }
    }
    n
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A share as a percentage with one decimal; `-` for zero.
///
/// Shares under 0.05 % (that would print as `0.0`) print as `<0.1`.
pub fn percent(share: f64) -> String {
    if share == 0.0 {
        "-".to_string()
    } else if share < 0.0005 {
        "<0.1".to_string()
    } else {
        format!("{:.1}", share * 100.0)
    }
}

/// `text` in `style`.
///
/// Print it through `anstream`, which drops the escape codes when the output is not a
/// terminal.
pub fn styled(style: Style, text: &str) -> String {
    format!("{}{text}{}", style.render(), style.render_reset())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_columns() {
        let mut t = Table::new(&[
            ("A", Align::Left),
            ("NUM", Align::Right),
            ("Z", Align::Left),
        ]);
        t.row(vec!["long name".into(), "5".into(), "x".into()]);
        t.row(vec!["b".into(), "12345".into()]);
        let s = t.render(2);
        let lines: Vec<&str> = s.lines().collect();
        assert!(lines[0].contains("  A            NUM  Z"), "{s}");
        assert_eq!(lines[1], "  long name      5  x");
        assert_eq!(lines[2], "  b          12345");
    }

    #[test]
    fn escape_codes_take_no_width() {
        assert_eq!(visible_len(&styled(ERROR, "abc")), 3);
        assert_eq!(visible_len("µm–x"), 4);
    }

    #[test]
    fn numbers() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(percent(0.0), "-");
        assert_eq!(percent(0.0001), "<0.1");
        assert_eq!(percent(0.1234), "12.3");
    }
}
