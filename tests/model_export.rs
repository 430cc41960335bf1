//! `semcurate export-model`: the study's own state dict comes back tensor for tensor, and a
//! model exported and converted back predicts the same masks.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use burn::store::{ModuleStore, PytorchStore, SafetensorsStore};
use common::{semcurate, synth_small, tiny_model};
use semcurate::dataset::ClassSchema;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/torch")
        .join(name)
}

/// Every tensor of a store: shape and raw little-endian bytes, by key.
fn tensors(mut store: impl ModuleStore) -> BTreeMap<String, (Vec<usize>, Vec<u8>)> {
    store
        .get_all_tensors()
        .unwrap()
        .iter()
        .map(|(k, t)| {
            (
                k.clone(),
                (t.shape.to_vec(), t.to_bytes().unwrap().to_vec()),
            )
        })
        .collect()
}

fn export(model: &Path, out: &Path) {
    semcurate()
        .arg("export-model")
        .args([model, out])
        .assert()
        .success();
}

#[test]
fn the_study_state_dict_comes_back_with_its_keys_and_values() {
    let t = tempfile::tempdir().unwrap();
    let (model, out) = (t.path().join("model"), t.path().join("out"));
    semcurate()
        .arg("convert-weights")
        .arg(fixture("unet2_w4.pth"))
        .args(["--threshold", "1.8", "--out"])
        .arg(&model)
        .assert()
        .success();
    export(&model, &out);
    // As written by torch.save: Sequential indices 0, 1, 3, 4, 7 kept, not renumbered.
    let mut theirs =
        tensors(PytorchStore::from_file(fixture("unet2_w4.pth")).map_indices_contiguous(false));
    // PyTorch fills num_batches_tracked in on loading; it is not a weight.
    theirs.retain(|k, _| !k.ends_with("num_batches_tracked"));
    let ours = tensors(SafetensorsStore::from_file(out.join("unet2.safetensors")));
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        theirs.keys().collect::<Vec<_>>()
    );
    for (k, v) in &theirs {
        assert_eq!(&ours[k], v, "{k}");
    }
    let small = tensors(SafetensorsStore::from_file(out.join("bin0.safetensors")));
    for (k, v) in &small {
        assert_eq!(&theirs[&format!("small_unet.{k}")], v, "{k}");
    }
    let readme = std::fs::read_to_string(out.join("README.md")).unwrap();
    assert!(
        readme.contains("`unet2.safetensors` | `UNet_2` | bin 0: ≤ 1.8 µm/px; bin 1: > 1.8 µm/px"),
        "{readme}"
    );

    let again = semcurate()
        .arg("export-model")
        .args([&model, &out])
        .output()
        .unwrap();
    assert_eq!(
        again.status.code(),
        Some(2),
        "an earlier export is not replaced"
    );
}

#[test]
fn exported_and_converted_back_a_model_predicts_the_same_masks() {
    let t = tempfile::tempdir().unwrap();
    let (root, model) = (t.path().join("data"), t.path().join("model"));
    let (out, back) = (t.path().join("torch"), t.path().join("back"));
    synth_small(&root);
    tiny_model(&model, ClassSchema::mineralclassifier(), 11, 3.0);
    export(&model, &out);
    semcurate()
        .arg("convert-weights")
        .arg(out.join("unet2.safetensors"))
        .args(["--threshold", "1", "--out"])
        .arg(&back)
        .assert()
        .success();
    let (a, b) = (t.path().join("a"), t.path().join("b"));
    common::predict(&root, &model, Some(&a));
    let p = common::predict(&root, &back, Some(&b));
    assert_eq!(p["predicted"], 10, "{p}");
    let (ta, tb) = (common::tree(&a), common::tree(&b));
    assert_eq!(ta.len(), 10);
    assert_eq!(ta, tb, "every mask the same, byte for byte");
}
