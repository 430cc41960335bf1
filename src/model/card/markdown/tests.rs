use super::*;
use crate::model::train::TrainOptions;

#[test]
fn the_options_line_says_every_setting_in_words() {
    let o = TrainOptions {
        crop: Some(96),
        steps_per_epoch: Some(50),
        cosine: true,
        patience: Some(8),
        balance: 1.0,
        ..TrainOptions::default()
    };
    let text = options_text(&o);
    assert!(!text.contains("Some("), "{text}");
    for part in [
        "epochs 10 (early stop after 8)",
        "lr 0.001 with cosine decay",
        "crop 96",
        "steps/epoch 50",
        "balanced crops 1",
        "gain ± 0.2",
        "steps on engine",
    ] {
        assert!(text.contains(part), "{part}: {text}");
    }
    let whole = options_text(&TrainOptions::default());
    assert!(whole.contains("crop whole images") && whole.contains("steps/epoch one pass"));
}
