//! `radlearn model`: the Model Lab's evaluation of a feature table, from the command line (cross-validation and
//! PCA), with the same engine functions the browser calls.

use std::fmt::Write as _;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};

use radlearn_engine::ml::eval::{cross_validate, CvOptions, CvReport};
use radlearn_engine::ml::model::{scale_gamma, Kernel, ModelKind, ModelSpec, Penalty, ValidModelSpec};
use radlearn_engine::ml::table::{display_name, read_table, Table};
use radlearn_engine::ml::unsupervised::{max_components, pca, PcaReport};
use radlearn_engine::ml::Dataset;

/// Arguments of `radlearn model`.
#[derive(Debug, Args)]
pub struct ModelArgs {
    #[command(subcommand)]
    action: ModelAction,
}

#[derive(Debug, Subcommand)]
enum ModelAction {
    /// Stratified k-fold cross-validation of a classifier: AUC with a bootstrap interval, fold AUCs, confusion
    /// metrics, the most important features.
    Cv(CvArgs),
    /// Principal component analysis of the features: explained variance of each component.
    Pca(PcaArgs),
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Readable text.
    Text,
    /// One JSON object.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PenaltyArg {
    L2,
    L1,
    Elasticnet,
}

/// The table and its label column.
#[derive(Debug, Args)]
struct TableArgs {
    /// A feature table as CSV: one row per case (RadLearn, PyRadiomics) or RadLearn's long format with a class
    /// column.
    #[arg(long)]
    table: PathBuf,
    /// The column holding each case's class (two values).
    #[arg(long)]
    label: String,
}

#[derive(Debug, Args)]
struct CvArgs {
    #[command(flatten)]
    table: TableArgs,
    /// The model: logistic, svm-linear, svm-rbf, tree, forest, knn or naive-bayes.
    #[arg(long, default_value = "logistic")]
    model: String,
    /// Inverse regularisation strength C (logistic regression, SVMs).
    #[arg(long, value_parser = crate::flags::positive(), allow_negative_numbers = true)]
    c: Option<f64>,
    /// The penalty of logistic regression.
    #[arg(long, value_enum)]
    penalty: Option<PenaltyArg>,
    /// The L1 share of the elastic-net penalty, 0 to 1.
    #[arg(long, default_value_t = 0.5, value_parser = crate::flags::between(0.0, 1.0), allow_negative_numbers = true)]
    l1_ratio: f64,
    /// RBF kernel gamma (default: 1 / number of features, scikit-learn's "scale" on standardised features).
    #[arg(long, value_parser = crate::flags::positive(), allow_negative_numbers = true)]
    gamma: Option<f64>,
    /// Number of neighbours (knn).
    #[arg(long, value_parser = crate::flags::count(1, usize::MAX), allow_negative_numbers = true)]
    k: Option<usize>,
    /// Maximum depth (tree, forest).
    #[arg(long, value_parser = crate::flags::count(1, usize::MAX), allow_negative_numbers = true)]
    max_depth: Option<usize>,
    /// Number of trees (forest).
    #[arg(long, value_parser = crate::flags::count(1, 10_000), allow_negative_numbers = true)]
    trees: Option<usize>,
    /// Number of folds.
    #[arg(long, default_value_t = 5, value_parser = crate::flags::count(2, usize::MAX), allow_negative_numbers = true)]
    folds: usize,
    /// Seed of the folds, the bootstrap and the forest.
    #[arg(long, default_value_t = 1, value_parser = crate::flags::whole(0, u64::MAX), allow_negative_numbers = true)]
    seed: u64,
    /// Keep the K features with the largest |t| between the classes (chosen inside each fold).
    #[arg(long, value_parser = crate::flags::count(1, usize::MAX), allow_negative_numbers = true)]
    select: Option<usize>,
    /// Fit the standardisation and the selection on all cases before splitting (the leak, on purpose).
    #[arg(long)]
    leaky: bool,
    /// Do not standardise the features.
    #[arg(long)]
    no_standardise: bool,
    /// Bootstrap resamples for the AUC interval (0: none).
    #[arg(long, default_value_t = 1000, value_parser = crate::flags::count(0, 100_000), allow_negative_numbers = true)]
    bootstrap: usize,
    /// Score threshold for the confusion matrix.
    #[arg(long, default_value_t = 0.5, value_parser = crate::flags::finite(), allow_negative_numbers = true)]
    threshold: f64,
    /// Write each case's fold and out-of-fold score to this CSV file (`id,fold,score`).
    #[arg(long)]
    folds_out: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Debug, Args)]
struct PcaArgs {
    #[command(flatten)]
    table: TableArgs,
    /// Number of components, 1 to min(cases - 1, features) (default: 10, or fewer if the table has fewer).
    #[arg(long, value_parser = crate::flags::count(1, usize::MAX), allow_negative_numbers = true)]
    components: Option<usize>,
    /// z-score the features first (population standard deviation, as scikit-learn's StandardScaler).
    #[arg(long)]
    standardise: bool,
    /// Write the components (loadings) to this CSV file: one row per component (`component`, then one column per
    /// feature), each a unit vector signed so that its largest entry is positive.
    #[arg(long)]
    components_out: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// Runs the command; exit code 1 when the evaluation fails, 2 for an unreadable table or bad options.
pub fn run(args: ModelArgs) -> ExitCode {
    let result = match args.action {
        ModelAction::Cv(a) => cv(&a),
        ModelAction::Pca(a) => run_pca(&a),
    };
    match result {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err((code, message)) => {
            eprintln!("error: {message}");
            ExitCode::from(code)
        }
    }
}

type Failure = (u8, String);

/// Reads the table (any encoding, separator and decimal mark the engine detects) and prints how it was read and the
/// columns it left out to stderr, as notes.
fn load(t: &TableArgs) -> Result<Table, Failure> {
    let bytes = std::fs::read(&t.table).map_err(|e| (2, format!("{}: cannot read the table: {e}", t.table.display())))?;
    let table = read_table(&bytes, &t.label).map_err(|e| (2, format!("{}: {e}", t.table.display())))?;
    for note in table.notes() {
        eprintln!("note: {}: {note}", t.table.display());
    }
    Ok(table)
}

/// The notes of a table as JSON fields: `read_as` (the sentence) and `left_out` (`[{"column", "missing", "cases"}]`).
fn json_notes(o: &mut JsonObject, t: &Table) {
    o.str("read_as", &t.format.to_string());
    let left: Vec<String> = t
        .dropped
        .iter()
        .map(|d| {
            format!(
                "{{\"column\": {}, \"missing\": {}, \"cases\": {}}}",
                radlearn_engine::radiomics::export::json_string(&d.name),
                d.missing,
                d.cases
            )
        })
        .collect();
    o.raw("left_out", &format!("[{}]", left.join(", ")));
}

fn spec_of(a: &CvArgs, n_features: usize) -> Result<ValidModelSpec, Failure> {
    let kind = a.model.parse::<ModelKind>().map_err(|e| (2, e.to_string()))?;
    let mut spec = ModelSpec::default_for(kind);
    match &mut spec {
        ModelSpec::Logistic { c, penalty } => {
            *c = a.c.unwrap_or(*c);
            *penalty = match a.penalty {
                Some(PenaltyArg::L1) => Penalty::L1,
                Some(PenaltyArg::Elasticnet) => Penalty::ElasticNet { l1_ratio: a.l1_ratio },
                Some(PenaltyArg::L2) | None => Penalty::L2,
            };
        }
        ModelSpec::Svm { c, kernel } => {
            *c = a.c.unwrap_or(*c);
            if let Kernel::Rbf { gamma } = kernel {
                *gamma = a.gamma.unwrap_or(scale_gamma(n_features));
            }
        }
        ModelSpec::Tree { max_depth, .. } => *max_depth = a.max_depth.unwrap_or(*max_depth),
        ModelSpec::Forest { trees, max_depth } => {
            *max_depth = a.max_depth.unwrap_or(*max_depth);
            *trees = a.trees.unwrap_or(*trees);
        }
        ModelSpec::Knn { k } => *k = a.k.unwrap_or(*k),
        ModelSpec::NaiveBayes => {}
    }
    spec.check().map_err(|e| (2, e.to_string()))
}

fn describe(spec: &ModelSpec) -> String {
    match *spec {
        ModelSpec::Logistic { c, penalty } => {
            let p = match penalty {
                Penalty::L2 => "L2".to_string(),
                Penalty::L1 => "L1".to_string(),
                Penalty::ElasticNet { l1_ratio } => format!("elastic net, L1 ratio {l1_ratio}"),
            };
            format!("Logistic regression (C = {c}, {p})")
        }
        ModelSpec::Svm { c, kernel: Kernel::Linear } => format!("SVM, linear kernel (C = {c})"),
        ModelSpec::Svm { c, kernel: Kernel::Rbf { gamma } } => format!("SVM, RBF kernel (C = {c}, gamma = {gamma})"),
        ModelSpec::Tree { max_depth, min_samples_leaf } => format!("Decision tree (depth {max_depth}, {min_samples_leaf} cases per leaf)"),
        ModelSpec::Forest { trees, max_depth } => format!("Random forest ({trees} trees of depth {max_depth})"),
        ModelSpec::Knn { k } => format!("k-nearest neighbours (k = {k})"),
        ModelSpec::NaiveBayes => "Gaussian naive Bayes".to_string(),
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn write_folds(path: &Path, ds: &Dataset, r: &CvReport) -> Result<(), Failure> {
    let mut out = String::from("id,fold,score\n");
    for i in 0..ds.len() {
        let _ = writeln!(out, "{},{},{}", csv_field(&ds.ids[i]), r.fold_of[i], r.scores[i]);
    }
    std::fs::write(path, out).map_err(|e| (1, format!("{}: cannot write the folds: {e}", path.display())))
}

fn cv(a: &CvArgs) -> Result<String, Failure> {
    let table = load(&a.table)?;
    let ds = &table.dataset;
    let spec = spec_of(a, ds.x.ncols())?;
    let opts = CvOptions {
        folds: a.folds,
        seed: a.seed,
        standardise: !a.no_standardise,
        select: a.select,
        leaky: a.leaky,
        bootstrap: a.bootstrap,
        threshold: a.threshold,
    };
    let r = cross_validate(ds, &spec, &opts, &mut |_, _| ControlFlow::Continue(())).map_err(|e| (1, e.to_string()))?;
    if let Some(path) = &a.folds_out {
        write_folds(path, ds, &r)?;
    }
    let c = &r.confusion;
    let pos = ds.y.iter().filter(|&&v| v).count();
    Ok(match a.format {
        Format::Json => {
            let mut o = JsonObject::default();
            o.str("model", spec.kind().id());
            o.str("description", &describe(&spec));
            o.num("cases", ds.len() as f64);
            o.num("features", ds.x.ncols() as f64);
            o.str("positive_class", &ds.classes[1]);
            o.num("folds", a.folds as f64);
            o.num("seed", a.seed as f64);
            o.raw("leaky", if r.leaky { "true" } else { "false" });
            o.num("auc", r.auc);
            o.nums("auc_ci", &r.auc_ci);
            o.nums("fold_auc", &r.fold_auc);
            for (name, v) in [
                ("accuracy", c.accuracy()),
                ("sensitivity", c.sensitivity()),
                ("specificity", c.specificity()),
                ("precision", c.precision()),
                ("f1", c.f1()),
            ] {
                o.num(name, v);
            }
            o.raw(
                "selected",
                &format!(
                    "[{}]",
                    r.selected.iter().map(|s| radlearn_engine::radiomics::export::json_string(s)).collect::<Vec<_>>().join(",")
                ),
            );
            let imp: Vec<String> = r
                .importances
                .iter()
                .map(|(n, v)| format!("[{},{}]", radlearn_engine::radiomics::export::json_string(n), json_number(*v)))
                .collect();
            o.raw("importances", &format!("[{}]", imp.join(",")));
            // The calibration table (quantile bins of the out-of-fold scores), checked against scikit-learn's
            // calibration_curve by tests/interop/sklearn_parity.py.
            let cal: Vec<String> = r
                .calibration
                .iter()
                .map(|b| {
                    let [lo, hi] = b.interval;
                    let (p, o, lo, hi) = (json_number(b.predicted), json_number(b.observed), json_number(lo), json_number(hi));
                    format!("{{\"predicted\":{p},\"observed\":{o},\"count\":{},\"interval\":[{lo},{hi}]}}", b.count)
                })
                .collect();
            o.raw("calibration", &format!("[{}]", cal.join(",")));
            json_notes(&mut o, &table);
            o.finish()
        }
        Format::Text => {
            let mut s = String::new();
            let _ = writeln!(
                s,
                "{}, {}-fold stratified cross-validation (seed {}), {}",
                describe(&spec),
                a.folds,
                a.seed,
                match (opts.standardise || opts.select.is_some(), a.leaky) {
                    (false, _) => "no preprocessing".to_string(),
                    (true, false) => "preprocessing fitted inside each fold".to_string(),
                    (true, true) => "LEAKY: preprocessing fitted on all cases before splitting".to_string(),
                }
            );
            let _ = writeln!(
                s,
                "cases: {} ({pos} `{}`, {} `{}`), features: {}",
                ds.len(),
                ds.classes[1],
                ds.len() - pos,
                ds.classes[0],
                ds.x.ncols()
            );
            let ci = if r.auc_ci[0].is_nan() {
                String::new()
            } else {
                format!(" (95% CI {:.3}-{:.3}, {} bootstrap resamples)", r.auc_ci[0], r.auc_ci[1], a.bootstrap)
            };
            let _ = writeln!(s, "AUC {:.3}{ci}", r.auc);
            let _ = writeln!(s, "fold AUC: {}", r.fold_auc.iter().map(|v| format!("{v:.3}")).collect::<Vec<_>>().join(" "));
            let _ = writeln!(
                s,
                "at threshold {}: accuracy {:.3}, sensitivity {:.3}, specificity {:.3}, precision {:.3}, F1 {:.3}",
                a.threshold,
                c.accuracy(),
                c.sensitivity(),
                c.specificity(),
                c.precision(),
                c.f1()
            );
            let _ = writeln!(s, "confusion: TP {}, FN {}, FP {}, TN {}", c.tp.len(), c.fn_.len(), c.fp.len(), c.tn.len());
            if !r.importances.is_empty() {
                let _ = writeln!(s, "most important features (model refitted on all cases):");
                for (name, v) in r.importances.iter().take(10) {
                    let _ = writeln!(s, "  {v:>10.4}  {}", display_name(name));
                }
            }
            s
        }
    })
}

fn write_components(path: &Path, ds: &Dataset, r: &PcaReport) -> Result<(), Failure> {
    let mut out = String::from("component");
    for name in &ds.feature_names {
        out.push(',');
        out.push_str(&csv_field(name));
    }
    out.push('\n');
    for (k, row) in r.loadings.rows().into_iter().enumerate() {
        let _ = write!(out, "PC{}", k + 1);
        for v in row {
            let _ = write!(out, ",{v:?}");
        }
        out.push('\n');
    }
    std::fs::write(path, out).map_err(|e| (1, format!("{}: cannot write the components: {e}", path.display())))
}

fn run_pca(a: &PcaArgs) -> Result<String, Failure> {
    let table = load(&a.table)?;
    let ds = &table.dataset;
    let k = a.components.unwrap_or_else(|| max_components(ds.len(), ds.x.ncols()).clamp(1, 10));
    let r = pca(ds.x.view(), k, a.standardise).map_err(|e| (2, e.to_string()))?;
    if let Some(path) = &a.components_out {
        write_components(path, ds, &r)?;
    }
    Ok(match a.format {
        Format::Json => {
            let mut o = JsonObject::default();
            o.num("cases", ds.len() as f64);
            o.num("features", ds.x.ncols() as f64);
            o.raw("standardise", if a.standardise { "true" } else { "false" });
            o.nums("explained_variance", &r.explained_variance);
            o.nums("explained_variance_ratio", &r.explained_ratio);
            json_notes(&mut o, &table);
            o.finish()
        }
        Format::Text => {
            let mut s = format!(
                "PCA of {} cases x {} features ({})\ncomponent  variance  share  cumulative\n",
                ds.len(),
                ds.x.ncols(),
                if a.standardise { "standardised" } else { "as they are" }
            );
            let mut cum = 0.0;
            for (i, (v, p)) in r.explained_variance.iter().zip(&r.explained_ratio).enumerate() {
                cum += p;
                let _ = writeln!(s, "PC{:<8} {v:>9.4}  {:>4.1}%  {:>6.1}%", i + 1, 100.0 * p, 100.0 * cum);
            }
            s
        }
    })
}

/// Numbers exactly (shortest round-trip text), NaN and infinities as `null`.
fn json_number(v: f64) -> String {
    if v.is_finite() {
        format!("{v:?}")
    } else {
        "null".into()
    }
}

/// A flat JSON object written field by field (the command line has no JSON library of its own).
#[derive(Default)]
struct JsonObject(Vec<String>);

impl JsonObject {
    fn raw(&mut self, key: &str, value: &str) {
        self.0.push(format!("{}: {value}", radlearn_engine::radiomics::export::json_string(key)));
    }
    fn str(&mut self, key: &str, value: &str) {
        self.raw(key, &radlearn_engine::radiomics::export::json_string(value));
    }
    fn num(&mut self, key: &str, value: f64) {
        self.raw(key, &json_number(value));
    }
    fn nums(&mut self, key: &str, values: &[f64]) {
        self.raw(key, &format!("[{}]", values.iter().map(|v| json_number(*v)).collect::<Vec<_>>().join(", ")));
    }
    fn finish(self) -> String {
        format!("{{\n  {}\n}}\n", self.0.join(",\n  "))
    }
}
