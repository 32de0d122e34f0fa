//! The hand-computed numbers of the texture lesson (`lessons/05-texture-features/lesson.md`), checked against the
//! engine.
//!
//! The lesson builds every texture matrix by hand on a 4 × 4 image with grey levels 1 to 3, all pixels in the ROI.
//! Its single-direction GLCM and GLRLM ("right", "down") are not an aggregation the engine reports, so they are
//! checked on the same image with each row (or column) in its own slice: in-plane directions other than the one
//! along x then have no pairs (GLCM, skipped when the per-direction features are averaged), or only runs of length 1
//! (GLRLM, whose emphases are then exactly 1), and the 2.5D direction-merged aggregation (`JJUI`) isolates the
//! direction along x.

use std::ops::ControlFlow;

use radlearn_engine::radiomics::features::{compute, Family, FeatureInput, FeatureSettings, FeatureValue};

/// The lesson's example image, row by row (r1 first); pixel values are the grey levels.
const IMAGE: [[u32; 4]; 4] = [[1, 1, 2, 2], [1, 3, 3, 2], [1, 3, 3, 1], [2, 2, 1, 1]];

const TEXTURE: [Family; 6] = [Family::Glcm, Family::Glrlm, Family::Glszm, Family::Gldzm, Family::Ngtdm, Family::Ngldm];

/// Texture features of a grid of grey levels (x fastest), every voxel in the ROI.
fn texture(dims: [usize; 3], levels: &[u32], alpha: u32) -> Vec<FeatureValue> {
    let intensities: Vec<f32> = levels.iter().map(|&l| l as f32).collect();
    let mask = vec![true; levels.len()];
    let input = FeatureInput::new(dims, [1.0, 1.0, 1.0], &intensities, &mask, levels);
    let settings =
        FeatureSettings { families: TEXTURE.to_vec(), ngldm_alpha: alpha, ..FeatureSettings::default() }.check().expect("valid settings");
    compute(&input, &settings, &mut |_| ControlFlow::Continue(())).expect("features")
}

/// The image as one 4 × 4 slice.
fn slice(image: &[[u32; 4]; 4]) -> Vec<u32> {
    image.iter().flatten().copied().collect()
}

/// The image with each row in its own slice (4 × 1 × 4): the direction along x is the lesson's "right".
fn rows_as_slices(image: &[[u32; 4]; 4]) -> Vec<u32> {
    slice(image)
}

/// The image with each column in its own slice (4 × 1 × 4): the direction along x is the lesson's "down".
fn columns_as_slices(image: &[[u32; 4]; 4]) -> Vec<u32> {
    (0..4).flat_map(|c| (0..4).map(move |r| image[r][c])).collect()
}

fn value(values: &[FeatureValue], code: &str, aggregation: &str) -> f64 {
    values
        .iter()
        .find(|v| v.feature_code == code && v.aggregation_code == Some(aggregation))
        .unwrap_or_else(|| panic!("{code} ({aggregation}) is not computed"))
        .value
}

#[track_caller]
fn assert_close(actual: f64, expected: f64, what: &str) {
    assert!((actual - expected).abs() < 1e-9, "{what}: the lesson says {expected}, the engine computes {actual}");
}

#[test]
fn glcm_right_matches_the_lesson() {
    let v = texture([4, 1, 4], &rows_as_slices(&IMAGE), 0);
    assert_close(value(&v, "ACUI", "JJUI"), 30.0 / 24.0, "contrast");
    assert_close(value(&v, "IB1Z", "JJUI"), 17.0 / 24.0, "inverse difference");
    assert_close(value(&v, "NI2N", "JJUI"), 47.0 / 407.0, "correlation");
    let entropy = 3.0 / 6.0 * 6f64.log2() + 2.0 / 8.0 * 3.0 + 2.0 / 12.0 * 12f64.log2() + 2.0 / 24.0 * 24f64.log2();
    assert_close(value(&v, "TU9B", "JJUI"), entropy, "joint entropy");
    assert_close(value(&v, "GYBY", "JJUI"), 4.0 / 24.0, "joint maximum");
}

#[test]
fn glcm_down_matches_the_quiz() {
    let v = texture([4, 1, 4], &columns_as_slices(&IMAGE), 0);
    assert_close(value(&v, "ACUI", "JJUI"), 1.0, "contrast, direction down");
}

#[test]
fn glcm_aggregations_match_the_lesson() {
    let v = texture([4, 4, 1], &slice(&IMAGE), 0);
    // Right 5/4, down 1, down-right 25/9, up-right 1.
    assert_close(value(&v, "ACUI", "BTW3"), (1.25 + 1.0 + 25.0 / 9.0 + 1.0) / 4.0, "contrast, averaged");
    // (15 + 12 + 25 + 9) squared differences over 42 pairs.
    assert_close(value(&v, "ACUI", "SUJT"), 61.0 / 42.0, "contrast, merged");
}

#[test]
fn rotation_by_90_degrees_keeps_the_aggregated_glcm() {
    // Rotated clockwise: the first row is the first column read from the bottom.
    let rotated: [[u32; 4]; 4] = std::array::from_fn(|r| std::array::from_fn(|c| IMAGE[3 - c][r]));
    let right = texture([4, 1, 4], &rows_as_slices(&rotated), 0);
    assert_close(value(&right, "ACUI", "JJUI"), 1.0, "contrast to the right of the rotated image");
    let (a, b) = (texture([4, 4, 1], &slice(&IMAGE), 0), texture([4, 4, 1], &slice(&rotated), 0));
    for agg in ["BTW3", "SUJT"] {
        assert_close(value(&b, "ACUI", agg), value(&a, "ACUI", agg), agg);
    }
}

#[test]
fn glrlm_matches_the_lesson_and_the_quiz() {
    // JJUI averages the direction along x with three directions of runs of length 1 only (emphases exactly 1).
    let right = texture([4, 1, 4], &rows_as_slices(&IMAGE), 0);
    assert_close(value(&right, "22OV", "JJUI"), (0.55 + 3.0) / 4.0, "short runs emphasis, right");
    assert_close(value(&right, "W4KF", "JJUI"), (2.8 + 3.0) / 4.0, "long runs emphasis, right");
    assert_close(value(&right, "9ZK5", "JJUI"), (10.0 / 16.0 + 3.0) / 4.0, "run percentage, right");
    let down = texture([4, 1, 4], &columns_as_slices(&IMAGE), 0);
    assert_close(value(&down, "W4KF", "JJUI"), (3.0 + 3.0) / 4.0, "long runs emphasis, down");
}

#[test]
fn zone_families_match_the_lesson() {
    let v = texture([4, 4, 1], &slice(&IMAGE), 0);
    // Zones A (1, 4), B (2, 3), C (3, 4), D (1, 3), E (2, 2); distances 1, 1, 2, 1, 1.
    assert_close(value(&v, "5QRC", "8QNN"), (1.0 / 16.0 + 1.0 / 9.0 + 1.0 / 16.0 + 1.0 / 9.0 + 1.0 / 4.0) / 5.0, "SZE");
    assert_close(value(&v, "48P8", "8QNN"), 54.0 / 5.0, "LZE");
    assert_close(value(&v, "P30P", "8QNN"), 5.0 / 16.0, "zone percentage");
    assert_close(value(&v, "0GBI", "8QNN"), 0.85, "small distance emphasis");
    assert_close(value(&v, "MB4I", "8QNN"), 1.6, "large distance emphasis");

    // Quiz "gldzm-touch": r1c2 becomes 3 and joins the core, which then touches the edge: every zone at distance 1.
    let mut touched = IMAGE;
    touched[0][1] = 3;
    let t = texture([4, 4, 1], &slice(&touched), 0);
    assert_close(value(&t, "MB4I", "8QNN"), 1.0, "large distance emphasis, r1c2 = 3");

    // Quiz "glszm-connectivity": the checkerboard has 2 zones of 8 pixels with 8-connectivity.
    let checker: [[u32; 4]; 4] = std::array::from_fn(|r| std::array::from_fn(|c| 1 + ((r + c) % 2) as u32));
    let c = texture([4, 4, 1], &slice(&checker), 0);
    assert_close(value(&c, "P30P", "8QNN"), 2.0 / 16.0, "zone percentage of the checkerboard");
    assert_close(value(&c, "48P8", "8QNN"), 64.0, "LZE of the checkerboard");
}

#[test]
fn ngtdm_matches_the_lesson() {
    let v = texture([4, 4, 1], &slice(&IMAGE), 0);
    assert_close(value(&v, "QCDE", "8QNN"), 0.25, "coarseness");
    // p = (7, 5, 4) / 16, s = (19/3, 11/15, 4).
    let (p, s) = ([7.0 / 16.0, 5.0 / 16.0, 4.0 / 16.0], [19.0 / 3.0, 11.0 / 15.0, 4.0]);
    let mut sum = 0.0;
    for i in 0..3 {
        for j in 0..3 {
            sum += p[i] * p[j] * ((i as f64) - (j as f64)).powi(2);
        }
    }
    let contrast = sum / 6.0 * s.iter().sum::<f64>() / 16.0;
    assert_close(value(&v, "65HE", "8QNN"), contrast, "NGTDM contrast");
}

#[test]
fn ngldm_matches_the_lesson() {
    let v = texture([4, 4, 1], &slice(&IMAGE), 0);
    // alpha = 0: level 1 has k = 2, 3 x5, 4; level 2 has k = 2 x2, 3 x3; level 3 has k = 4 x4.
    assert_close(value(&v, "IMOQ", "8QNN"), 164.0 / 16.0, "high dependence emphasis");
    // alpha = 1 (quiz "ngldm-alpha": r2c2 has k = 5): level 1 k = 3 x2, 4 x5; level 2 k = 4 x2, 6 x3;
    // level 3 k = 5, 6 x2, 7.
    let a = texture([4, 4, 1], &slice(&IMAGE), 1);
    let hde = (2.0 * 9.0 + 5.0 * 16.0 + 2.0 * 16.0 + 3.0 * 36.0 + 25.0 + 2.0 * 36.0 + 49.0) / 16.0;
    assert_close(hde, 24.0, "hand sum");
    assert_close(value(&a, "IMOQ", "8QNN"), hde, "high dependence emphasis, alpha = 1");
}
