//! Decision trees with leaf fractions as scores, and the random forest's bagging loop.

use super::*;

/// A linfa decision tree with the fraction of positive training cases in each leaf (linfa's trees only predict the
/// majority class; a score needs the fraction, as scikit-learn's `predict_proba`). Leaves are named by their path
/// from the root (`false` = left).
#[derive(Debug, Clone)]
pub(super) struct ScoredTree {
    pub(super) tree: DecisionTree<f64, bool>,
    pub(super) leaf_fraction: HashMap<Vec<bool>, f64>,
    /// The fraction of positive training cases, for a leaf that no training case reached.
    pub(super) prior: f64,
    /// Impurity importance of each feature (sums to 1, or all 0 for a tree without splits).
    pub(super) importance: Vec<f64>,
    /// The power of two each feature was divided by before fitting (see [`ScoredTree::fit`]).
    pub(super) scales: Vec<f64>,
}

impl ScoredTree {
    pub(super) fn fit(x: ArrayView2<f64>, y: &[bool], max_depth: usize, min_leaf: usize) -> Result<ScoredTree, MlError> {
        // Positive cases weigh a little more, so that a leaf with as many positive as negative cases always
        // predicts positive: linfa breaks such ties in HashMap order, which changes from run to run, and the pruned
        // tree (so the leaf fractions) would change with it.
        let weights: Array1<f32> = y.iter().map(|&v| if v { 1.001 } else { 1.0 }).collect();
        // linfa-trees takes values closer than 1e-5 for equal, whatever their scale, so a feature measured in tiny
        // units could never be split on: a feature whose values are all below 1 in size is multiplied by a power
        // of two (exact, and a tree only compares values) that brings its largest into [1, 2).
        let scales: Vec<f64> = x
            .columns()
            .into_iter()
            .map(|c| {
                let max_abs = c.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
                if max_abs < 1.0 && max_abs > 0.0 {
                    2f64.powi(max_abs.log2().floor() as i32)
                } else {
                    1.0
                }
            })
            .collect();
        let scaled = Array2::from_shape_fn(x.raw_dim(), |(i, j)| x[[i, j]] / scales[j]);
        let ds = linfa::Dataset::new(scaled, Array1::from(y.to_vec())).with_weights(weights);
        let tree = DecisionTree::params()
            .split_quality(SplitQuality::Gini)
            .max_depth(Some(max_depth))
            .min_weight_leaf(min_leaf as f32)
            .min_weight_split((2 * min_leaf) as f32)
            .fit(&ds)
            .map_err(|e| MlError::Fit { model: "Decision tree", message: e.to_string() })?;
        let mut counts: HashMap<Vec<bool>, (usize, usize)> = HashMap::new();
        // Impurity importance as scikit-learn's: each split's impurity decrease weighted by the share of training
        // cases that reach it, summed per feature, normalised to 1. (linfa's own importance averages the decreases
        // over a feature's nodes without their sizes, which favours features split on deep in the tree.)
        let mut importance = vec![0.0; x.ncols()];
        let share = 1.0 / y.len().max(1) as f64;
        for (row, &yi) in x.rows().into_iter().zip(y) {
            let path = leaf_path(tree.root_node(), row, &scales, &mut |feature, decrease| {
                if let Some(v) = importance.get_mut(feature) {
                    *v += decrease * share;
                }
            });
            let c = counts.entry(path).or_default();
            c.0 += yi as usize;
            c.1 += 1;
        }
        let total: f64 = importance.iter().sum();
        if total > 0.0 {
            importance.iter_mut().for_each(|v| *v /= total);
        }
        let leaf_fraction = counts.into_iter().map(|(k, (pos, n))| (k, pos as f64 / n as f64)).collect();
        let prior = y.iter().filter(|&&v| v).count() as f64 / y.len().max(1) as f64;
        Ok(ScoredTree { tree, leaf_fraction, prior, importance, scales })
    }

    pub(super) fn score(&self, row: ArrayView1<f64>) -> f64 {
        self.leaf_fraction.get(&leaf_path(self.tree.root_node(), row, &self.scales, &mut |_, _| {})).copied().unwrap_or(self.prior)
    }
}

/// The path to the leaf that `row` falls in (its features divided by `scales`, as the tree was fitted); the same
/// rule as linfa's prediction (left when below the split).
/// `visit(feature, impurity decrease)` is called at each split on the way.
pub(super) fn leaf_path(root: &TreeNode<f64, bool>, row: ArrayView1<f64>, scales: &[f64], visit: &mut dyn FnMut(usize, f64)) -> Vec<bool> {
    let mut node = root;
    let mut path = Vec::new();
    while !node.is_leaf() {
        let (feature, split, decrease) = node.split();
        visit(feature, decrease);
        let right = row.get(feature).is_some_and(|&v| v / scales.get(feature).copied().unwrap_or(1.0) >= split);
        let children = node.children();
        match children.get(right as usize).and_then(|c| c.as_deref()) {
            Some(next) => node = next,
            None => break,
        }
        path.push(right);
    }
    path
}

/// Draws an index below `n` from 64-bit numbers, so that native and wasm32 builds draw the same (rand's `usize`
/// ranges differ between 32- and 64-bit targets).
pub(crate) fn draw_below(rng: &mut Xoshiro256PlusPlus, n: usize) -> usize {
    rng.gen_range(0..n as u64) as usize
}

/// The random forest's bagging loop, written here rather than with linfa-ensemble: its sampling draws `usize`
/// indices (different numbers on wasm32) and it does not tell which cases each tree saw, which the leaf fractions
/// need. Each tree: a bootstrap sample of the cases, √p features chosen without replacement, a linfa-trees CART.
pub(super) fn fit_forest(x: ArrayView2<f64>, y: &[bool], trees: usize, max_depth: usize, seed: u64) -> Result<Inner, MlError> {
    let (n, p) = x.dim();
    let m = ((p as f64).sqrt().round() as usize).clamp(1, p);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut forest = Vec::with_capacity(trees);
    let mut features: Vec<usize> = (0..p).collect();
    for _ in 0..trees {
        let rows: Vec<usize> = (0..n).map(|_| draw_below(&mut rng, n)).collect();
        for i in 0..m {
            let j = i + draw_below(&mut rng, p - i);
            features.swap(i, j);
        }
        let mut cols = features[..m].to_vec();
        cols.sort_unstable();
        let xs = x.select(Axis(0), &rows).select(Axis(1), &cols);
        let ys: Vec<bool> = rows.iter().map(|&r| y[r]).collect();
        forest.push((ScoredTree::fit(xs.view(), &ys, max_depth, 1)?, cols));
    }
    Ok(Inner::Forest(forest))
}
