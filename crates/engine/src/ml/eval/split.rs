//! Seeded stratified splits: k folds, or one train/test split.

use super::*;

pub(super) fn class_counts(y: &[bool]) -> (usize, usize) {
    let pos = y.iter().filter(|&&v| v).count();
    (pos, y.len() - pos)
}

/// Shuffles `v` in place (Fisher–Yates) with 64-bit draws.
pub(super) fn shuffle(v: &mut [usize], rng: &mut Xoshiro256PlusPlus) {
    for i in (1..v.len()).rev() {
        let j = draw_below(rng, i + 1);
        v.swap(i, j);
    }
}

/// Stratified folds: the fold index of each case. The cases of each class are shuffled with `seed` and dealt out
/// in turn, the negatives continuing where the positives stopped, so fold sizes differ by at most one and each
/// class is spread as evenly as it can be.
pub fn stratified_folds(y: &[bool], folds: usize, seed: u64) -> Result<Vec<usize>, MlError> {
    if folds < 2 {
        return Err(MlError::Options(format!("cross-validation needs at least 2 folds, but was asked for {folds}")));
    }
    let (pos, neg) = class_counts(y);
    for (class, have) in [("positive", pos), ("negative", neg)] {
        if have < folds {
            return Err(MlError::TooFewCases { class: class.into(), have, need: folds, purpose: format!("{folds}-fold cross-validation") });
        }
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut fold_of = vec![0; y.len()];
    let mut next = 0;
    for class in [true, false] {
        let mut idx: Vec<usize> = (0..y.len()).filter(|&i| y[i] == class).collect();
        shuffle(&mut idx, &mut rng);
        for i in idx {
            fold_of[i] = next % folds;
            next += 1;
        }
    }
    Ok(fold_of)
}

/// A stratified split: `(train, test)` case indices, each sorted. Each class gives `round(test_fraction × its
/// size)` cases to the test set, at least one and leaving at least one for training.
pub fn train_test_split(y: &[bool], test_fraction: f64, seed: u64) -> Result<(Vec<usize>, Vec<usize>), MlError> {
    if !(test_fraction > 0.0 && test_fraction < 1.0) {
        return Err(MlError::Options(format!("the test fraction should be between 0 and 1, but is {test_fraction}")));
    }
    let (pos, neg) = class_counts(y);
    for (class, have) in [("positive", pos), ("negative", neg)] {
        if have < 2 {
            return Err(MlError::TooFewCases { class: class.into(), have, need: 2, purpose: "a train/test split".into() });
        }
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for class in [true, false] {
        let mut idx: Vec<usize> = (0..y.len()).filter(|&i| y[i] == class).collect();
        shuffle(&mut idx, &mut rng);
        let k = ((idx.len() as f64 * test_fraction).round() as usize).clamp(1, idx.len() - 1);
        test.extend_from_slice(&idx[..k]);
        train.extend_from_slice(&idx[k..]);
    }
    train.sort_unstable();
    test.sort_unstable();
    Ok((train, test))
}
