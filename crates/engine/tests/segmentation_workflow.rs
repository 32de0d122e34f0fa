//! The segmentation workflow of the Image Lab, click by click, on the shipped IBSI CT phantom (a lung tumour whose
//! GTV, label 1, a clinician drew): the same engine calls the browser makes, so a student who follows these steps in
//! the lab gets these numbers.
//!
//! 1. Open the CT phantom and go to axial slice 28 (z = 27), through the middle of the tumour.
//! 2. Threshold range -400 … 250 HU: soft tissue and the tumour, without the air of the lung or bone.
//! 3. Region growing from a seed clicked in the tumour, inside the threshold range, 6-connected, at most 45 mm from
//!    the seed. The tumour touches the chest wall and the mediastinum, so without the distance limit the region leaks
//!    into the whole body (checked below).
//! 4. Fill holes.
//!
//! The Dice coefficient against the GTV is then about 0.8 (printed), for any of several seeds and ranges.

use radlearn_engine::image::mask::{fill_holes, Connectivity};
use radlearn_engine::io::error::LoadOptions;
use radlearn_engine::io::nifti::{self, WriteType};
use radlearn_engine::lab::metrics::{dice, hausdorff95, roi_stats};
use radlearn_engine::lab::segment::{limit_to_ball, paint, region_grow, threshold, History, Recorded};
use radlearn_engine::{io::load, LabelMap, Volume};

fn phantom() -> (Volume, LabelMap) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/ibsi-ct-phantom/nifti");
    let opts = LoadOptions::default();
    let read = |p: &str| std::fs::read(format!("{dir}/{p}")).expect("the phantom is in the repository");
    let image = load::load(&read("image/phantom.nii.gz"), "phantom.nii.gz", &opts).expect("the phantom loads");
    let mask = load::load(&read("mask/mask.nii.gz"), "mask.nii.gz", &opts).expect("the GTV loads");
    let gtv = radlearn_engine::image::mask::labels_from_volume(&mask, &[]).expect("a label image");
    (image, gtv)
}

/// Steps 2 to 4: threshold, region growing limited to `limit_mm` from the seed (None: no limit), fill holes.
fn segment(image: &Volume, seed: [usize; 3], range: (f32, f32), limit_mm: Option<f64>) -> LabelMap {
    let mut allowed = threshold(image, range.0, range.1);
    if let Some(r) = limit_mm {
        limit_to_ball(&mut allowed, seed, r).expect("the seed is inside the image");
    }
    let grown = region_grow(image, seed, f32::INFINITY, Connectivity::Faces, Some(&allowed)).expect("the seed is in the range");
    fill_holes(&grown, false)
}

#[test]
fn threshold_and_region_growing_reach_a_dice_of_0_7_against_the_gtv() {
    let (image, gtv) = phantom();
    assert_eq!(image.geometry.dims, [204, 201, 60]);
    let mask = segment(&image, [102, 98, 27], (-400.0, 250.0), Some(45.0));
    let d = dice(&mask, &gtv).expect("same grid");
    let hd95 = hausdorff95(&mask, &gtv).expect("neither mask is empty");
    let voxel_ml = image.geometry.spacing.iter().product::<f64>() / 1000.0;
    println!(
        "documented workflow: Dice {d:.3}, HD95 {hd95:.1} mm, student {:.1} mL, GTV {:.1} mL",
        mask.count() as f64 * voxel_ml,
        gtv.count() as f64 * voxel_ml
    );
    assert!(d >= 0.7, "Dice {d}");
    assert!(hd95 < 20.0, "HD95 {hd95} mm");
}

#[test]
fn the_workflow_is_robust_to_the_seed_the_range_and_the_limit() {
    let (image, gtv) = phantom();
    for seed in [[102, 98, 27], [95, 95, 27], [100, 90, 30]] {
        for range in [(-400.0, 250.0), (-300.0, 250.0), (-200.0, 200.0)] {
            for limit in [45.0, 50.0] {
                let d = dice(&segment(&image, seed, range, Some(limit)), &gtv).expect("same grid");
                println!("seed {seed:?}, range {range:?}, limit {limit} mm: Dice {d:.3}");
                assert!(d >= 0.7, "seed {seed:?}, range {range:?}, limit {limit} mm: Dice {d}");
            }
        }
    }
}

#[test]
fn without_the_distance_limit_the_region_leaks_into_the_body() {
    let (image, gtv) = phantom();
    let mask = segment(&image, [102, 98, 27], (-400.0, 250.0), None);
    let d = dice(&mask, &gtv).expect("same grid");
    println!("no distance limit: Dice {d:.3}, {} voxels against {} in the GTV", mask.count(), gtv.count());
    assert!(d < 0.3, "Dice {d}");
    assert!(mask.count() > 5 * gtv.count());
}

#[test]
fn a_brush_stroke_is_one_undo_step_and_the_mask_exports_as_nifti() {
    let (image, gtv) = phantom();
    let mut mask = segment(&image, [102, 98, 27], (-400.0, 250.0), Some(45.0));
    let mut history = History::default();
    let count = mask.count();
    // A stroke of the brush (5 mm) in the axial slice z = 27, in three dabs: one step.
    let before = mask.data.clone();
    for x in [40, 45, 50] {
        paint(&mut mask, [x, 60, 27], 5.0, 1, 2).expect("inside the image");
    }
    assert_eq!(history.record(&before, &mask.data), Ok(Recorded::Recorded));
    let painted = mask.count();
    assert!(painted > count);
    assert!(history.undo(&mut mask));
    assert_eq!(mask.count(), count);
    assert!(history.redo(&mut mask));
    assert_eq!(mask.count(), painted);
    assert!(history.undo(&mut mask));

    // ROI statistics of the student's tumour: soft tissue on average.
    let stats = roi_stats(&image, &mask, 1).expect("the mask is not empty");
    assert_eq!(stats.voxels, count);
    assert!((-150.0..100.0).contains(&stats.mean), "mean {}", stats.mean);

    // Export as NIfTI, read it back.
    let bytes = nifti::write(&mask.to_volume(), WriteType::U8, false).expect("a writable grid");
    assert_eq!(&bytes[344..348], b"n+1\0");
    let back = radlearn_engine::image::mask::labels_from_volume(
        &load::load(&bytes, "student.nii", &LoadOptions::default()).expect("readable"),
        &[],
    )
    .expect("a label image");
    assert_eq!(back.data, mask.data);
    assert!(dice(&back, &gtv).expect("same grid") >= 0.7);
}
