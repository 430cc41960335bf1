use super::*;

#[test]
fn default_schema_is_the_study_ten_classes() {
    let s = ClassSchema::default();
    assert_eq!(s.len(), 10);
    assert_eq!(s.short(0), "Void");
    assert_eq!(s.short(7), "Ol");
    assert_eq!(s.short(9), "Na");
    assert_eq!(
        s.class(3).unwrap().name,
        "Metal oxides: ilmenite, ulvöspinel, chromite"
    );
    let rare: Vec<_> = s.rare_ids();
    assert_eq!(rare, vec![1, 2, 6, 7, 9]);
    assert_eq!(s.class_of_value(9), Some(9));
    assert_eq!(s.class_of_value(10), None);
}

#[test]
fn extended_schema_splits_other() {
    let s = ClassSchema::extended();
    assert_eq!(s.len(), 11);
    assert_eq!(s.short(9), "Zrn");
    assert_eq!(s.short(10), "Phos");
    assert!(s.class(10).unwrap().rare);
    assert_eq!(&s.classes[..9], &ClassSchema::default().classes[..9]);
}

#[test]
fn mask_values_map_raw_values() {
    let text = r##"
name = "shale"
[[class]]
id = 0
name = "Matrix"
[[class]]
id = 1
name = "Grain"
colour = "#ff8800"
[mask_values]
0 = 0
255 = 1
"##;
    let s = ClassSchema::parse(text, Path::new("x.toml")).unwrap();
    assert_eq!(s.class_of_value(255), Some(1));
    assert_eq!(s.class_of_value(1), None, "mapping replaces identity");
    assert_eq!(s.classes[1].colour, [255, 136, 0]);
    let table = s.value_table();
    assert_eq!(table[255], 1);
    assert_eq!(table[1], OUTSIDE);
}

#[test]
fn gaps_in_ids_are_rejected_with_position() {
    let text = "[[class]]\nid = 0\nname = \"a\"\n[[class]]\nid = 2\nname = \"b\"\n";
    let err = ClassSchema::parse(text, Path::new("c.toml")).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("found id 2 at position 1"), "{msg}");
}

#[test]
fn mask_map_parsing() {
    assert_eq!(
        parse_mask_map("255=5, 0=4").unwrap(),
        vec![(255, 5), (0, 4)]
    );
    assert!(parse_mask_map("255:5").unwrap_err().contains("VALUE=CLASS"));
    let s = ClassSchema::default().with_mask_map(&[(255, 5)]).unwrap();
    assert_eq!(s.class_of_value(255), Some(5));
    assert!(ClassSchema::default().with_mask_map(&[(255, 12)]).is_err());
}
