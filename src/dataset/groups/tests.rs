use super::*;
use crate::dataset::layout::FileRef;

fn item(sample: &str, stem: &str, labelled: bool) -> ItemFiles {
    let file = |dir: &str| FileRef {
        path: format!("{sample}/{dir}/{stem}.tif"),
        fingerprint: "1:1".into(),
    };
    ItemFiles {
        sample: sample.into(),
        stem: stem.into(),
        group: String::new(),
        image: file("Images"),
        mask: labelled.then(|| file("Masks")),
        features: None,
    }
}

fn csv_rule(text: &str) -> Result<GroupRule, GroupError> {
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("groups.csv");
    std::fs::write(&p, text).unwrap();
    GroupRule::csv_file(&p)
}

#[test]
fn the_study_rule_takes_the_name_before_the_first_dash() {
    let g = GroupRule::Prefix;
    let g = g.compile().unwrap();
    assert_eq!(
        g.group("10003", "10003_s01-t02", "x").as_deref(),
        Some("10003/10003_s01")
    );
    assert_eq!(
        g.group("TrainData", "Tile_r1-c1_Chenzh-P7-run1_0007", "x")
            .as_deref(),
        Some("TrainData/Tile_r1")
    );
}

/// The Duvernay names all start `Tile_r1-`: a regex on the tile number splits them, the first
/// capture group naming the group and the whole match standing in without one.
#[test]
fn a_regex_groups_by_its_first_capture_or_whole_match() {
    let by_tens = GroupRule::regex(r"_(\d{3})\d$").unwrap();
    let g = by_tens.compile().unwrap();
    assert_eq!(
        g.group("TrainData", "Tile_r1-c1_Chenzh-P7-run1_0017", "x")
            .as_deref(),
        Some("TrainData/001")
    );
    let whole = GroupRule::regex(r"r\d+-c\d+").unwrap();
    assert_eq!(
        whole
            .compile()
            .unwrap()
            .group("s", "Tile_r1-c12_run1_0000", "x")
            .as_deref(),
        Some("s/r1-c12")
    );
    assert_eq!(g.group("s", "other_name", "x"), None);
}

#[test]
fn a_bad_regex_names_the_pattern() {
    let e = GroupRule::regex("(unclosed").unwrap_err().to_string();
    assert!(
        e.starts_with("--group-by '(unclosed' is not a valid regex"),
        "{e}"
    );
}

/// Unmatched labelled images keep the study's group and are reported with the fix; unmatched
/// unlabelled ones keep it quietly.
#[test]
fn apply_falls_back_to_the_study_rule_and_reports_labelled_misses() {
    let rule = GroupRule::regex(r"_(\d)\d{3}$").unwrap();
    let mut items = vec![
        item("d", "Tile_r1-c1_0001", true),
        item("d", "Tile_r1-c1_1001", true),
        item("d", "odd-name", true),
        item("d", "spare-x", false),
    ];
    let problems = rule.compile().unwrap().apply(&mut items);
    let groups: Vec<&str> = items.iter().map(|i| i.group.as_str()).collect();
    assert_eq!(groups, vec!["d/0", "d/1", "d/odd", "d/spare"]);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].kind, ProblemKind::Ungrouped);
    assert_eq!(problems[0].path, "d/Images/odd-name.tif");
    assert!(
        problems[0].message.contains("as 'd/odd'"),
        "{}",
        problems[0].message
    );
    assert!(problems[0].message.contains("change the regex"));
}

#[test]
fn a_csv_maps_paths_or_stems_to_groups_across_samples() {
    let rule = csv_rule(
        "\u{feff}image,group\r\n# a comment\r\n\r\na/Images/t1.tif,site A\r\n\"t2\",\"site, B\"\r\n.\\b\\Images\\t3.tif,site A\r\n",
    )
    .unwrap();
    let g = rule.compile().unwrap();
    assert_eq!(
        g.group("a", "t1", "a/Images/t1.tif").as_deref(),
        Some("site A")
    );
    assert_eq!(
        g.group("b", "t3", "b/Images/t3.tif").as_deref(),
        Some("site A")
    );
    assert_eq!(
        g.group("a", "t2", "a/Images/t2.tif").as_deref(),
        Some("site, B")
    );
    assert_eq!(g.group("a", "t9", "a/Images/t9.tif"), None);
    assert!(rule.to_string().contains("(3 rows)"), "{rule}");
}

#[test]
fn csv_errors_name_file_line_and_value() {
    let e = |text: &str| csv_rule(text).unwrap_err().to_string();
    let header = e("name,site\nx,1\n");
    assert!(
        header
            .contains("groups.csv', line 1: expected the header 'image,group', found 'name,site'"),
        "{header}"
    );
    let cols = e("image,group\nx,1\ny,2,3\n");
    assert!(
        cols.contains("line 3: expected 2 columns image,group, found 3 in 'y,2,3'"),
        "{cols}"
    );
    let clash = e("image,group\nx,1\n\ny,2\nx,5\n");
    assert!(
        clash.contains("line 5: 'x' is given group '5' here and '1' on line 2"),
        "{clash}"
    );
    let empty = e("image,group\nx,\n");
    assert!(empty.contains("line 2: no group for 'x'"), "{empty}");
    let quote = e("image,group\n\"x,1\n");
    assert!(quote.contains("line 2: a quote is not closed"), "{quote}");
    assert!(e("image,group\n").contains("no rows after the header"));
    let missing = GroupRule::csv_file(Path::new("/nonexistent/g.csv"))
        .unwrap_err()
        .to_string();
    assert!(missing.starts_with("cannot read the groups file '/nonexistent/g.csv'"));
}

#[test]
fn the_rule_round_trips_through_json() {
    let rule = csv_rule("image,group\nx,1\n").unwrap();
    let json = serde_json::to_string(&rule).unwrap();
    assert_eq!(serde_json::from_str::<GroupRule>(&json).unwrap(), rule);
    let re = GroupRule::regex("a(b)").unwrap();
    let json = serde_json::to_string(&re).unwrap();
    assert_eq!(json, r#"{"rule":"regex","pattern":"a(b)"}"#);
}
