use super::*;

fn image(dims: [usize; 3], data: Vec<f32>) -> Volume {
    Volume::new(Geometry::new(dims, [1.0; 3]), data).unwrap()
}

#[test]
fn limit_to_ball_keeps_voxels_within_the_radius_in_mm() {
    // 5 x 1 x 1 voxels of 2 mm: from voxel 2, voxels 1 and 3 are 2 mm away, 0 and 4 are 4 mm away.
    let mut m = LabelMap::new(Geometry::new([5, 1, 1], [2.0, 1.0, 1.0]), vec![1; 5]).unwrap();
    assert_eq!(limit_to_ball(&mut m, [2, 0, 0], 3.0), Ok(2));
    assert_eq!(m.data, vec![0, 1, 1, 1, 0]);
    assert_eq!(limit_to_ball(&mut m, [2, 0, 0], f64::INFINITY), Ok(0));
    assert!(limit_to_ball(&mut m, [5, 0, 0], 1.0).is_err());
    assert!(limit_to_ball(&mut m, [2, 0, 0], f64::NAN).is_err());
    assert_eq!(m.data, vec![0, 1, 1, 1, 0]);
}

#[test]
fn threshold_is_inclusive_and_skips_nan() {
    let v = image([6, 1, 1], vec![0.0, 1.0, 2.0, 3.0, f32::NAN, f32::INFINITY]);
    assert_eq!(threshold(&v, 1.0, 2.0).data, vec![0, 1, 1, 0, 0, 0]);
    assert_eq!(threshold(&v, 2.0, f32::INFINITY).data, vec![0, 0, 1, 1, 0, 1]);
    assert_eq!(threshold(&v, 2.0, 1.0).count(), 0);
    assert_eq!(threshold(&v, f32::NAN, 5.0).count(), 0);
    assert_eq!(threshold(&v, 0.0, 3.0).geometry, v.geometry);
}

#[test]
fn otsu_splits_a_two_valued_image_half_way() {
    // Half the voxels at 0, half at 100: every boundary between the two occupied bins (0 and 255) gives the same
    // classes, so the threshold is the middle of the gap, (100/256 + 255 * 100/256) / 2 = 50.
    let mut data = vec![0.0f32; 64];
    data[32..].fill(100.0);
    let v = image([4, 4, 4], data);
    assert_eq!(otsu_threshold(&v, None, OTSU_BINS).unwrap(), Some(50.0));
    // With a 10 % minority of bright voxels the gap is the same.
    let mut data = vec![0.0f32; 100];
    data[..10].fill(100.0);
    assert_eq!(otsu_values(&data, 256), Some(50.0));
}

#[test]
fn otsu_by_hand_on_four_bins() {
    // Values 0, 0, 0, 1, 4, 4 in 4 bins of width 1 over [0, 4]: counts 3, 1, 0, 2 at levels 0, 1, 2, 3.
    // Boundary after bin 0: w0 = 3, w1 = 3, m0 = 0, m1 = (1 + 6) / 3 = 7/3, w0 w1 (m0 - m1)^2 = 9 * 49/9 = 49.
    // After bin 1: w0 = 4, w1 = 2, m0 = 1/4, m1 = 3, 8 * (11/4)^2 = 60.5: the best. After bin 2: the same
    // classes (bin 2 is empty), so the threshold is the middle of the gap between edges 2 and 3: 2.5.
    let values = [0.0, 0.0, 0.0, 1.0, 4.0, 4.0];
    assert_eq!(otsu_values(&values, 4), Some(2.5));
    // Non-finite values are ignored.
    let with_junk = [0.0, f32::NAN, 0.0, 0.0, f32::INFINITY, 1.0, 4.0, f32::NEG_INFINITY, 4.0];
    assert_eq!(otsu_values(&with_junk, 4), Some(2.5));
    // Nothing to separate.
    assert_eq!(otsu_values(&[3.0, 3.0, f32::NAN], 256), None);
    assert_eq!(otsu_values(&[], 256), None);
    assert_eq!(otsu_values(&values, 1), None);
}

#[test]
fn otsu_inside_a_mask_and_errors() {
    // Three populations: 0, 10 and 1000. Inside the mask only 0 and 10 are seen, so the threshold falls between them.
    let data: Vec<f32> = (0..30).map(|i| [0.0, 10.0, 1000.0][i / 10]).collect();
    let v = image([30, 1, 1], data);
    let m = LabelMap::new(v.geometry.clone(), (0..30).map(|i| u8::from(i < 20)).collect()).unwrap();
    assert_eq!(otsu_threshold(&v, Some(&m), 256).unwrap(), Some(5.0));
    let t = otsu_threshold(&v, None, 256).unwrap().unwrap();
    assert!(t > 10.0 && t < 1000.0, "{t}");
    let other = LabelMap::empty(Geometry::new([30, 1, 1], [2.0, 1.0, 1.0]));
    assert!(matches!(otsu_threshold(&v, Some(&other), 256), Err(SegmentError::GridMismatch { .. })));
    assert!(matches!(otsu_threshold(&v, None, 1), Err(SegmentError::InvalidParameter { .. })));
    let mut bad = v.clone();
    bad.data.pop();
    assert!(matches!(otsu_threshold(&bad, None, 256), Err(SegmentError::BadData { len: 29, .. })));
    assert_eq!(otsu_threshold(&v, Some(&LabelMap::empty(v.geometry.clone())), 256).unwrap(), None);
}

/// A 7 x 5 x 1 image: a bright wall at x = 3 splits two plateaus, 10 on the left, 12 on the right.
fn walled() -> Volume {
    let data = (0..35).map(|i| match i % 7 {
        3 => 100.0,
        x if x < 3 => 10.0,
        _ => 12.0,
    });
    image([7, 5, 1], data.collect())
}

#[test]
fn region_growing_stops_at_a_boundary() {
    let v = walled();
    let left = region_grow(&v, [0, 0, 0], 5.0, Connectivity::Faces, None).unwrap();
    let expect: Vec<u8> = (0..35).map(|i| u8::from(i % 7 < 3)).collect();
    assert_eq!(left.data, expect);
    // The right plateau is within the tolerance of the seed but cannot be reached through the wall.
    assert_eq!(left.count(), 15);
    // The rule is inclusive: the wall, 100 - 10 = 90 above the seed, joins with a tolerance of 90, not 89.99.
    assert_eq!(region_grow(&v, [0, 0, 0], 90.0, Connectivity::Faces, None).unwrap().count(), 35);
    assert_eq!(region_grow(&v, [0, 0, 0], 89.99, Connectivity::Faces, None).unwrap().count(), 15);
    // From the right: the wall is 88 above 12.
    let right = region_grow(&v, [6, 4, 0], 0.0, Connectivity::Corners, None).unwrap();
    assert_eq!(right.data, (0..35).map(|i| u8::from(i % 7 > 3)).collect::<Vec<u8>>());
    // A restriction limits the growth to its voxels.
    let rows01 = LabelMap::new(v.geometry.clone(), (0..35).map(|i| u8::from(i < 14)).collect()).unwrap();
    let r = region_grow(&v, [0, 0, 0], 5.0, Connectivity::Faces, Some(&rows01)).unwrap();
    assert_eq!(r.data, (0..35).map(|i| u8::from(i < 14 && i % 7 < 3)).collect::<Vec<u8>>());
}

#[test]
fn region_growing_depends_on_connectivity_and_skips_nan() {
    // A diagonal line of 5s on 0s, with a NaN next to the seed.
    let mut data = vec![0.0f32; 16];
    for k in 0..4 {
        data[k * 5] = 5.0;
    }
    data[1] = f32::NAN;
    let v = image([4, 4, 1], data);
    assert_eq!(region_grow(&v, [0, 0, 0], 0.5, Connectivity::Faces, None).unwrap().count(), 1);
    let diag = region_grow(&v, [0, 0, 0], 0.5, Connectivity::Edges, None).unwrap();
    assert_eq!(diag.count(), 4);
    assert_eq!(diag.data[15], 1);
    // Infinite tolerance: all finite voxels (15), never the NaN.
    let all = region_grow(&v, [0, 0, 0], f32::INFINITY, Connectivity::Faces, None).unwrap();
    assert_eq!(all.count(), 15);
    assert_eq!(all.data[1], 0);
}

#[test]
fn region_growing_errors() {
    let v = walled();
    let grow = |seed, tol, r: Option<&LabelMap>| region_grow(&v, seed, tol, Connectivity::Faces, r);
    assert_eq!(grow([7, 0, 0], 1.0, None), Err(SegmentError::OutsideGrid { what: "seed", voxel: [7, 0, 0], dims: [7, 5, 1] }));
    assert!(matches!(grow([0, 0, usize::MAX], 1.0, None), Err(SegmentError::OutsideGrid { .. })));
    assert!(matches!(grow([0, 0, 0], -1.0, None), Err(SegmentError::InvalidParameter { .. })));
    assert!(matches!(grow([0, 0, 0], f32::NAN, None), Err(SegmentError::InvalidParameter { .. })));
    let empty = LabelMap::empty(v.geometry.clone());
    assert_eq!(grow([0, 0, 0], 1.0, Some(&empty)), Err(SegmentError::SeedOutsideRestriction { seed: [0, 0, 0] }));
    let shifted = LabelMap { geometry: Geometry { origin: [0.0, 0.0, 5.0], ..v.geometry.clone() }, ..empty.clone() };
    let err = grow([0, 0, 0], 1.0, Some(&shifted)).unwrap_err();
    assert!(matches!(err, SegmentError::GridMismatch { .. }));
    assert!(err.to_string().contains("first voxel at [0.0, 0.0, 5.0] mm"), "{err}");
    let short = LabelMap { data: vec![1; 3], ..empty };
    assert!(matches!(grow([0, 0, 0], 1.0, Some(&short)), Err(SegmentError::BadData { .. })));
    let mut nan = v.clone();
    nan.data[0] = f32::NAN;
    assert_eq!(region_grow(&nan, [0, 0, 0], 1.0, Connectivity::Faces, None), Err(SegmentError::NonFiniteSeed { seed: [0, 0, 0] }));
    let huge = Volume { geometry: Geometry::new([usize::MAX, 2, 2], [1.0; 3]), data: vec![0.0; 4], meta: Default::default() };
    assert!(matches!(region_grow(&huge, [0, 0, 0], 1.0, Connectivity::Faces, None), Err(SegmentError::BadData { .. })));
    assert!(!SegmentError::NonFiniteSeed { seed: [1, 2, 3] }.to_string().is_empty());
}

#[test]
fn brush_disk_is_round_in_millimetres() {
    // Spacing 1 x 2 x 5 mm. Axial (x, y), radius 2 mm: dx^2 + (2 dy)^2 <= 4 holds for dy = 0, dx in -2..=2 (5
    // voxels) and dy = +-1, dx = 0 (2): 7. Radius 3 mm: dy = 0, dx in -3..=3 (7) and dy = +-1, dx^2 <= 5, dx in
    // -2..=2 (2 x 5): 17.
    let g = Geometry::new([11, 11, 11], [1.0, 2.0, 5.0]);
    let count = |r: f64, normal_axis: usize| {
        let mut m = LabelMap::empty(g.clone());
        let n = paint(&mut m, [5, 5, 5], r, 3, normal_axis).unwrap();
        assert_eq!(n, m.count());
        n
    };
    assert_eq!(count(2.0, 2), 7);
    assert_eq!(count(3.0, 2), 17);
    // Coronal (x, z): z steps are 5 mm, so only the row dz = 0: 5. Sagittal (y, z): dy in -1..=1: 3.
    assert_eq!(count(2.0, 1), 5);
    assert_eq!(count(2.0, 0), 3);
    // Below half a voxel the brush still paints its centre.
    assert_eq!(count(0.0, 2), 1);
    // Every painted voxel is in the slice of the centre.
    let mut m = LabelMap::empty(g.clone());
    paint(&mut m, [5, 5, 5], 6.0, 1, 1).unwrap();
    assert!(m.data.iter().enumerate().all(|(i, &l)| l == 0 || (i / 11) % 11 == 5));
    assert_eq!(m.data[5 + 11 * (5 + 11 * 5)], 1);
}

#[test]
fn brush_clips_erases_and_refuses_bad_input() {
    let g = Geometry::new([11, 11, 3], [1.0, 2.0, 5.0]);
    let mut m = LabelMap::empty(g.clone());
    // A quarter disk in the corner, radius 3 mm: dy = 0, dx in 0..=3 (4) and dy = 1, dx in 0..=2 (3).
    assert_eq!(paint(&mut m, [0, 0, 1], 3.0, 2, 2).unwrap(), 7);
    assert_eq!(paint(&mut m, [0, 0, 1], 3.0, 2, 2).unwrap(), 0);
    assert!(m.data.iter().all(|&l| l == 0 || l == 2));
    // Erase is painting with 0.
    assert_eq!(paint(&mut m, [1, 0, 1], 1.0, 0, 2).unwrap(), 3);
    assert_eq!(m.count(), 4);
    // A huge radius fills the slice and no more.
    assert_eq!(paint(&mut m, [5, 5, 2], 1e300, 1, 2).unwrap(), 121);
    let before = m.clone();
    assert!(matches!(paint(&mut m, [11, 0, 0], 1.0, 1, 2), Err(SegmentError::OutsideGrid { .. })));
    assert!(matches!(paint(&mut m, [0, 0, 0], -1.0, 1, 2), Err(SegmentError::InvalidParameter { .. })));
    assert!(matches!(paint(&mut m, [0, 0, 0], f64::NAN, 1, 2), Err(SegmentError::InvalidParameter { .. })));
    assert!(matches!(paint(&mut m, [0, 0, 0], f64::INFINITY, 1, 2), Err(SegmentError::InvalidParameter { .. })));
    assert_eq!(m, before);
    let mut bad = LabelMap { geometry: Geometry::new([11, 11, 3], [0.0, 1.0, 1.0]), ..m.clone() };
    assert!(matches!(paint(&mut bad, [0, 0, 0], 1.0, 1, 2), Err(SegmentError::BadGeometry { .. })));
    m.data.truncate(10);
    assert!(matches!(paint(&mut m, [0, 0, 0], 1.0, 1, 2), Err(SegmentError::BadData { .. })));
}

#[test]
fn undo_and_redo_round_trip_exactly() {
    let g = Geometry::new([16, 16, 4], [1.0, 1.0, 2.0]);
    let mut m = LabelMap::empty(g);
    let mut h = History::default();
    let mut states = vec![m.data.clone()];
    for (k, c) in [[3usize, 3, 1], [5, 4, 1], [9, 9, 2], [4, 4, 1]].into_iter().enumerate() {
        let before = m.data.clone();
        paint(&mut m, c, 3.0, (k % 3) as u8 + 1, 2).unwrap();
        assert_eq!(h.record(&before, &m.data).unwrap(), Recorded::Recorded);
        states.push(m.data.clone());
    }
    // A scattered edit (every third voxel of the first slice) is stored as a dense span.
    let mut scattered = m.data.clone();
    for v in scattered.iter_mut().take(256).step_by(3) {
        *v = 7;
    }
    assert_eq!(h.apply(&mut m, scattered).unwrap(), Recorded::Recorded);
    states.push(m.data.clone());
    assert_eq!(h.steps(), (5, 0));
    for k in (0..5).rev() {
        assert!(h.undo(&mut m));
        assert_eq!(m.data, states[k], "undo to state {k}");
    }
    assert!(!h.undo(&mut m));
    for state in &states[1..] {
        assert!(h.redo(&mut m));
        assert_eq!(&m.data, state);
    }
    assert!(!h.redo(&mut m));
    // A new edit clears the redo steps.
    assert!(h.undo(&mut m) && h.undo(&mut m));
    assert_eq!(h.steps(), (3, 2));
    let before = m.data.clone();
    paint(&mut m, [12, 12, 3], 2.0, 9, 2).unwrap();
    assert_eq!(h.record(&before, &m.data).unwrap(), Recorded::Recorded);
    assert_eq!(h.steps(), (4, 0));
    assert!(!h.can_redo() && !h.redo(&mut m));
    // An edit that changes nothing is not a step and keeps the redo steps.
    assert!(h.undo(&mut m));
    assert_eq!(h.record(&m.data.clone(), &m.data).unwrap(), Recorded::Unchanged);
    assert_eq!(h.steps(), (3, 1));
    assert!(h.record(&[0, 1], &[0]).is_err());
    assert!(h.apply(&mut m, vec![0; 3]).is_err());
    assert_eq!(h.steps(), (3, 1));
}

#[test]
fn history_is_compact_and_bounded() {
    let g = Geometry::new([512, 512, 60], [0.7, 0.7, 2.5]);
    let mut m = LabelMap::empty(g);
    let mut h = History::default();
    let before = m.data.clone();
    let n = paint(&mut m, [256, 256, 30], 10.0, 1, 2).unwrap();
    assert!(n > 500, "{n}");
    h.record(&before, &m.data).unwrap();
    // About 29 rows of changed voxels: a few hundred bytes, not the 15 MB of the mask.
    assert!(h.memory_bytes() < 1000, "{}", h.memory_bytes());
    // Depth limit: 3 steps kept of 5.
    let mut small = History::new(3, 1 << 20);
    let mut m = LabelMap::empty(Geometry::new([8, 1, 1], [1.0; 3]));
    for k in 0..5 {
        let mut next = m.data.clone();
        next[k] = 1;
        assert_eq!(small.apply(&mut m, next).unwrap(), Recorded::Recorded);
    }
    assert_eq!(small.steps(), (3, 0));
    assert!(small.undo(&mut m) && small.undo(&mut m) && small.undo(&mut m) && !small.undo(&mut m));
    assert_eq!(m.data, vec![1, 1, 0, 0, 0, 0, 0, 0]);
    // Memory bound: an edit larger than the bound is applied but cannot be undone, and older steps go.
    let mut tiny = History::new(50, 100);
    assert_eq!(tiny.apply(&mut m, vec![2; 8]).unwrap(), Recorded::Recorded);
    let scattered: Vec<u8> = (0..8).map(|i| if i % 2 == 0 { 3 } else { 2 }).collect();
    let mut big = LabelMap::empty(Geometry::new([300, 1, 1], [1.0; 3]));
    // 150 scattered changes: a span of 600 bytes, more than the bound.
    assert_eq!(tiny.apply(&mut big, (0..300).map(|i| (i % 2) as u8).collect()).unwrap(), Recorded::Dropped);
    assert_eq!(big.count(), 150);
    assert_eq!(tiny.steps(), (0, 0));
    assert_eq!(tiny.memory_bytes(), 0);
    assert_eq!(tiny.apply(&mut m, scattered).unwrap(), Recorded::Recorded);
    let mut off = History::new(0, 1 << 20);
    assert_eq!(off.apply(&mut m, vec![0; 8]).unwrap(), Recorded::Dropped);
    assert!(!off.can_undo());
}

#[test]
fn a_stale_history_is_never_applied() {
    let mut m = LabelMap::empty(Geometry::new([6, 1, 1], [1.0; 3]));
    let mut h = History::default();
    h.apply(&mut m, vec![1, 1, 1, 0, 0, 0]).unwrap();
    // The mask is changed behind the history's back, on a voxel the step changed.
    m.data[1] = 5;
    let changed = m.clone();
    assert!(!h.undo(&mut m));
    assert_eq!(m, changed);
    assert!(!h.can_undo());
    // A change elsewhere does not block undo.
    h.apply(&mut m, vec![1, 5, 1, 2, 0, 0]).unwrap();
    m.data[5] = 4;
    assert!(h.undo(&mut m));
    assert_eq!(m.data, vec![1, 5, 1, 0, 0, 4]);
    // A mask of another size.
    let mut other = LabelMap::empty(Geometry::new([3, 1, 1], [1.0; 3]));
    assert!(!h.redo(&mut other));
    assert_eq!(other.data, vec![0; 3]);
}
