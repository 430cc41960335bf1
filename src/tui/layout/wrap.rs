//! Word wrapping for text the views lay out themselves (so that the state and the views agree
//! on how many rows it takes). Widths are in terminal cells; every character the TUI draws
//! here (ASCII, `·`, `→`, `µ`, `≤`, `…`) is one cell wide.

/// `text` broken into lines of at most `width` cells: greedily at spaces, a word longer than
/// `width` split across lines. Runs of spaces between words collapse to one; no line is
/// empty unless `text` has no words (then one empty line). `width` 0 counts as 1.
pub fn words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in text.split_whitespace() {
        let mut chars: Vec<char> = word.chars().collect();
        if used > 0 && used + 1 + chars.len() <= width {
            line.push(' ');
            line.extend(&chars);
            used += 1 + chars.len();
            continue;
        }
        if used > 0 {
            lines.push(std::mem::take(&mut line));
        }
        while chars.len() > width {
            let rest = chars.split_off(width);
            lines.push(chars.into_iter().collect());
            chars = rest;
        }
        used = chars.len();
        line = chars.into_iter().collect();
    }
    if used > 0 || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::words;

    #[test]
    fn breaks_at_spaces_and_splits_long_words() {
        assert_eq!(words("ab cd ef", 5), ["ab cd", "ef"]);
        assert_eq!(words("  ab   cd ", 80), ["ab cd"]);
        assert_eq!(words("abcdefgh ij", 3), ["abc", "def", "gh", "ij"]);
        assert_eq!(words("", 10), [""]);
        assert_eq!(words("µm → ≤ 0.25", 6), ["µm → ≤", "0.25"]);
        for line in words("one two three four five six seven", 9) {
            assert!(line.chars().count() <= 9, "{line}");
        }
    }
}
