use super::*;

#[test]
fn csv_quotes_what_needs_quoting() {
    assert_eq!(field("a,b"), "\"a,b\"");
    assert_eq!(field("say \"x\""), "\"say \"\"x\"\"\"");
    assert_eq!(field("plain"), "plain");
}
