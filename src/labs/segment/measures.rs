//! What the panel measures: the student's mask against the reference (Dice, HD95, volumes) and the statistics and
//! histogram of the region of interest under the chosen discretisation.

use std::sync::Arc;

use leptos::prelude::*;
use radlearn_engine::lab::metrics::{dice, hausdorff95, roi_stats, RoiStats};
use radlearn_engine::radiomics::preprocess::{discretise, BinCount, BinWidth, Discretisation};
use radlearn_engine::LabelMap;

use super::state::SegmentState;
use crate::strings::{segment_ui, sentence};

/// Most histogram bars drawn.
pub(super) const MAX_BINS: u32 = 1000;

/// How the histogram's bins are chosen.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum BinMode {
    Number,
    Size,
}

/// The histogram's discretisation: a number of bins or a bin size.
#[derive(Clone, Copy)]
pub(super) struct BinSettings {
    pub(super) mode: RwSignal<BinMode>,
    pub(super) number: RwSignal<u32>,
    pub(super) size: RwSignal<f64>,
}

/// Dice, HD95 and volumes of the student's mask against the reference.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Comparison {
    pub(super) dice: f64,
    /// `None` when a mask is empty (no surface).
    pub(super) hd95: Option<f64>,
    pub(super) student_ml: f64,
    pub(super) reference_ml: f64,
}

/// Statistics and histogram of the region of interest.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct RoiSummary {
    pub(super) of_student: bool,
    pub(super) stats: RoiStats,
    /// Voxels per bin, the lower edge of the first bin and the bin width; or why there is no histogram.
    pub(super) histogram: Result<(Vec<usize>, f64, f64), String>,
}

/// A label of the reference as a 0/1 mask (holding the reference keeps its address unique for the cache).
#[derive(Clone)]
pub(super) struct BinaryReference {
    from: Arc<LabelMap>,
    label: u8,
    mask: Arc<LabelMap>,
    count: usize,
}

impl SegmentState {
    /// The Dice of the student's mask against the reference's chosen label, computed now: `None` without a reference or
    /// before the first edit.
    pub fn dice_now(self) -> Option<Result<f64, String>> {
        let (reference, _) = self.reference_binary()?;
        let student = self.mask.get_untracked()?;
        Some(dice(&student, &reference).map_err(|e| sentence(&e.to_string())))
    }

    /// The reference's chosen label as a 0/1 mask and its voxel count, made once per reference and label.
    pub(super) fn reference_binary(self) -> Option<(Arc<LabelMap>, usize)> {
        let label = self.reference_label.get_untracked();
        let from = self.reference.get_untracked()?;
        let cached = self.reference_cache.try_with_value(|c| {
            c.as_ref().filter(|c| Arc::ptr_eq(&c.from, &from) && c.label == label).map(|c| (c.mask.clone(), c.count))
        })?;
        if cached.is_some() {
            return cached;
        }
        let mask = LabelMap {
            geometry: from.geometry.clone(),
            data: from.data.iter().map(|&v| u8::from(v == label)).collect(),
            names: Vec::new(),
        };
        let count = mask.count();
        let mask = Arc::new(mask);
        self.reference_cache.try_set_value(Some(BinaryReference { from, label, mask: mask.clone(), count }));
        Some((mask, count))
    }

    pub(super) fn compare(self) -> Option<Result<Comparison, String>> {
        let (reference, nr) = self.reference_binary()?;
        let student = self.mask.get_untracked()?;
        let v = self.volume()?;
        let voxel_ml = v.geometry.spacing.iter().product::<f64>() / 1000.0;
        let ns = self.count.get_untracked();
        Some(dice(&student, &reference).map_err(|e| sentence(&e.to_string())).map(|d| Comparison {
            dice: d,
            hd95: if ns > 0 && nr > 0 { hausdorff95(&student, &reference).ok() } else { None },
            student_ml: ns as f64 * voxel_ml,
            reference_ml: nr as f64 * voxel_ml,
        }))
    }

    pub(super) fn summary(self) -> Option<Result<RoiSummary, String>> {
        let v = self.volume()?;
        // Every tool writes 0 or 1, so the student's mask is its own region of interest, label 1.
        let student = self.mask.get_untracked().filter(|_| self.count.get_untracked() > 0);
        let of_student = student.is_some();
        let roi = match student {
            Some(m) => m,
            None => self.reference_binary().filter(|(_, n)| *n > 0)?.0,
        };
        let stats = match roi_stats(&v, &roi, 1) {
            Ok(s) => s,
            Err(e) => return Some(Err(sentence(&e.to_string()))),
        };
        let values: Vec<f32> = v.data.iter().zip(&roi.data).filter(|(x, &l)| l != 0 && x.is_finite()).map(|(&x, _)| x).collect();
        let ones = vec![1u8; values.len()];
        // The typed number or width is checked here, once; the message says what is wrong with it.
        let method = match self.bins.mode.get_untracked() {
            BinMode::Number => BinCount::new(i64::from(self.bins.number.get_untracked()), MAX_BINS)
                .map(Discretisation::FixedBinNumber)
                .map_err(|e| sentence(&format!("{} {e}", segment_ui().bin_number))),
            BinMode::Size => BinWidth::new(self.bins.size.get_untracked())
                .map(|width| Discretisation::FixedBinSize { width, min: None })
                .map_err(|e| sentence(&format!("{} {e}", segment_ui().bin_size))),
        };
        let histogram = method.and_then(|m| discretise(&values, &ones, m).map_err(|e| sentence(&e.to_string()))).and_then(|d| {
            if d.max_level > MAX_BINS {
                return Err(segment_ui().too_many_bins.to_string());
            }
            let mut counts = vec![0usize; d.max_level as usize];
            for &l in &d.levels {
                if let Some(c) = (l as usize).checked_sub(1).and_then(|k| counts.get_mut(k)) {
                    *c += 1;
                }
            }
            Ok((counts, d.min, d.width))
        });
        Some(Ok(RoiSummary { of_student, stats, histogram }))
    }
}
