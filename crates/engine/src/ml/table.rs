//! Feature tables as CSV, to and from [`Dataset`].
//!
//! [`read_csv`] reads two shapes:
//! - **wide**: one row per case, one column per feature, as [`to_csv`] writes and as a PyRadiomics batch run
//!   writes (`Image`, `Mask`, `diagnostics_*`, `original_shape_*` ...). The label column is chosen by name. An
//!   `id`/`case`/`patient`/`image`-like column names the cases (else their row numbers); other text columns are
//!   kept as categorical `meta` columns (e.g. the site), PyRadiomics' `diagnostics_*` columns are skipped and the
//!   numeric columns are the features.
//! - **long**: RadLearn's own feature rows (`family_code,feature_code,aggregation_code,variant,family,feature,
//!   value`, one row per value) with leading case columns, as `radlearn features --cases` writes: its `case` column
//!   names the cases, and a class column must be added beside it. A feature is named by its codes:
//!   `feature_code[.aggregation_code][.variant]`, e.g. `Q4LE`, `8ZQL.BTW3`, `BC2M.10`.
//!
//! Fields are split with [`crate::export::csv_fields`] (RFC 4180 quotes, one record per line). Reading never
//! panics; every problem is a [`TableError`] that names the line and column and says what to do.
//!
//! # Example
//! ```
//! use radlearn_engine::ml::table::{read_csv, to_csv};
//! let text = "id,site,diagnosis,size\na,A,benign,1.5\nb,B,malignant,3\nc,A,benign,1\nd,B,malignant,2.5\n\
//!             e,A,benign,0.5\nf,B,malignant,4\ng,A,benign,2\nh,B,malignant,3.5\n";
//! let ds = read_csv(text, "diagnosis").expect("a valid table");
//! assert_eq!(ds.classes, ["benign".to_string(), "malignant".to_string()]);
//! assert_eq!(ds.feature_names, ["size"]);
//! assert_eq!(ds.meta_column("site").map(|s| s.len()), Some(8));
//! assert_eq!(read_csv(&to_csv(&ds), "label").expect("read back"), ds);
//! ```

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use ndarray::Array2;

use super::Dataset;
use crate::export::csv_fields;

/// The most cells a table may hold (rows x columns).
pub const MAX_CELLS: usize = 1_000_000;

/// The fewest cases each class needs.
pub const MIN_PER_CLASS: usize = 4;

/// One column of a table, for choosing the label.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Column {
    /// Its name in the header.
    pub name: String,
    /// Whether every non-empty value is a number.
    pub numeric: bool,
    /// How many distinct values it holds (per case, for long tables).
    pub distinct: usize,
}

/// Why a table cannot be read, in plain words (with the line and column where there is one).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TableError {
    /// The line of the text (1-based), when one line is at fault.
    pub line: Option<usize>,
    /// The column at fault, when there is one.
    pub column: Option<String>,
    /// What is wrong and what to do.
    pub message: String,
}

impl TableError {
    fn new(message: impl Into<String>) -> TableError {
        TableError { line: None, column: None, message: message.into() }
    }

    fn at(line: usize, column: &str, message: impl Into<String>) -> TableError {
        TableError { line: Some(line), column: Some(column.to_string()), message: message.into() }
    }
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, &self.column) {
            (Some(l), Some(c)) => write!(f, "line {l}, column `{c}`: {}", self.message),
            (Some(l), None) => write!(f, "line {l}: {}", self.message),
            (None, Some(c)) => write!(f, "column `{c}`: {}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for TableError {}

/// The columns of RadLearn's long format.
const LONG: [&str; 7] = ["family_code", "feature_code", "aggregation_code", "variant", "family", "feature", "value"];

/// Names that identify cases, most specific first.
const ID_NAMES: [&str; 9] = ["id", "case_id", "case", "patient_id", "patient", "subject_id", "subject", "name", "image"];

/// The header and the records, each with its 1-based line number; blank lines skipped.
struct Parsed {
    header: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
}

fn parse(text: &str) -> Result<Parsed, TableError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim_end_matches('\r'))).filter(|(_, l)| !l.trim().is_empty());
    let Some((_, head)) = lines.next() else {
        return Err(TableError::new("the table is empty; a feature table is a CSV file with a header row and one row per case"));
    };
    let header: Vec<String> = csv_fields(head).into_iter().map(|h| h.trim().to_string()).collect();
    let mut seen = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        if let Some(first) = seen.insert(h.as_str(), i) {
            return Err(TableError::at(
                1,
                h,
                format!("the header names this column twice (columns {} and {}); rename one of them", first + 1, i + 1),
            ));
        }
    }
    let mut rows = Vec::new();
    let mut cells = 0usize;
    for (n, line) in lines {
        let fields: Vec<String> = csv_fields(line).into_iter().map(|f| f.trim().to_string()).collect();
        if fields.len() != header.len() {
            return Err(TableError {
                line: Some(n),
                column: None,
                message: format!(
                    "this row has {} fields but the header names {} columns; check for a missing or extra comma (or an unquoted comma in a value)",
                    fields.len(),
                    header.len()
                ),
            });
        }
        cells = cells.saturating_add(fields.len());
        if cells > MAX_CELLS {
            return Err(TableError::new(format!(
                "the table has more than {MAX_CELLS} values (rows x columns), more than the Model Lab works with; keep fewer cases or features"
            )));
        }
        rows.push((n, fields));
    }
    if rows.is_empty() {
        return Err(TableError::new("the table has a header but no case; add one row per case"));
    }
    Ok(Parsed { header, rows })
}

fn is_long(header: &[String]) -> bool {
    LONG.iter().all(|c| header.iter().any(|h| h.eq_ignore_ascii_case(c)))
}

fn col_index(header: &[String], name: &str) -> Option<usize> {
    header.iter().position(|h| h == name).or_else(|| header.iter().position(|h| h.eq_ignore_ascii_case(name)))
}

fn looks_numeric(v: &str) -> bool {
    v.parse::<f64>().is_ok()
}

/// The columns of a table, for the label chooser. For long tables, the case columns (not the feature rows' own),
/// with distinct values counted per case.
pub fn columns(text: &str) -> Result<Vec<Column>, TableError> {
    let t = parse(text)?;
    let long = is_long(&t.header);
    Ok(t.header
        .iter()
        .enumerate()
        .filter(|(_, h)| !long || !LONG.iter().any(|c| h.eq_ignore_ascii_case(c)))
        .map(|(j, h)| {
            let values: BTreeSet<&str> = t.rows.iter().map(|(_, r)| r[j].as_str()).collect();
            let non_empty: Vec<&&str> = values.iter().filter(|v| !v.is_empty()).collect();
            Column { name: h.clone(), numeric: !non_empty.is_empty() && non_empty.iter().all(|v| looks_numeric(v)), distinct: values.len() }
        })
        .collect())
}

/// The two classes of a label column: `[negative, positive]`. The positive class is `1`, `true` or `yes` (any
/// case) when one of them is present, else the second in sorted order (numeric order for numbers).
fn classes_of(values: &[&str], label: &str) -> Result<[String; 2], TableError> {
    let distinct: BTreeSet<&str> = values.iter().copied().collect();
    let list: Vec<&str> = distinct.iter().copied().collect();
    let shown = |l: &[&str]| l.iter().take(5).map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ");
    match list.len() {
        0 | 1 => Err(TableError {
            line: None,
            column: Some(label.to_string()),
            message: format!(
                "every case has the same class {}; a classifier needs two classes, so choose another label column or add cases of the other class",
                shown(&list)
            ),
        }),
        2 => {
            let (a, b) = (list[0], list[1]);
            let positive = |v: &str| matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes");
            let ordered = match (a.parse::<f64>(), b.parse::<f64>()) {
                (Ok(x), Ok(y)) if y < x => [b, a],
                _ => [a, b],
            };
            let [neg, pos] = match (positive(ordered[0]), positive(ordered[1])) {
                (true, false) => [ordered[1], ordered[0]],
                _ => ordered,
            };
            Ok([neg.to_string(), pos.to_string()])
        }
        n => Err(TableError {
            line: None,
            column: Some(label.to_string()),
            message: format!(
                "this column has {n} different values ({}{}); a label column needs exactly two classes: choose another column or merge the classes",
                shown(&list),
                if n > 5 { ", ..." } else { "" }
            ),
        }),
    }
}

fn check_class_sizes(y: &[bool], classes: &[String; 2], label: &str) -> Result<(), TableError> {
    let pos = y.iter().filter(|&&v| v).count();
    for (name, have) in [(&classes[1], pos), (&classes[0], y.len() - pos)] {
        if have < MIN_PER_CLASS {
            return Err(TableError {
                line: None,
                column: Some(label.to_string()),
                message: format!(
                    "the class `{name}` has only {have} cases; the Model Lab needs at least {MIN_PER_CLASS} cases of each class"
                ),
            });
        }
    }
    Ok(())
}

fn number(v: &str, line: usize, column: &str, what: &str) -> Result<f64, TableError> {
    let fix = format!("remove this {what} or the column `{column}`, or fill in the value");
    match v.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        Ok(_) => Err(TableError::at(line, column, format!("`{v}` is not a finite number (the feature is undefined for this case); {fix}"))),
        Err(_) if v.is_empty() => Err(TableError::at(line, column, format!("the value is missing; {fix}"))),
        Err(_) => Err(TableError::at(line, column, format!("`{v}` is not a number; {fix}"))),
    }
}

fn label_index(header: &[String], label: &str, long: bool) -> Result<usize, TableError> {
    col_index(header, label).ok_or_else(|| {
        let names: Vec<&str> =
            header.iter().map(String::as_str).filter(|h| !long || !LONG.iter().any(|c| h.eq_ignore_ascii_case(c))).collect();
        let hint = if long {
            " Long tables (one row per feature value, as `radlearn features --cases` writes) need a class column beside \
             `case`: add a column, e.g. `diagnosis`, with each case's class on every one of its rows."
        } else {
            ""
        };
        let shown = if names.len() > 12 { format!("{} and {} more", names[..12].join(", "), names.len() - 12) } else { names.join(", ") };
        TableError::new(format!("there is no column `{label}`; the columns are {shown}.{hint}"))
    })
}

/// Reads a feature table (wide or long, see the module documentation) with `label` as the class column.
pub fn read_csv(text: &str, label: &str) -> Result<Dataset, TableError> {
    let t = parse(text)?;
    if is_long(&t.header) {
        read_long(&t, label)
    } else {
        read_wide(&t, label)
    }
}

fn read_wide(t: &Parsed, label: &str) -> Result<Dataset, TableError> {
    let li = label_index(&t.header, label, false)?;
    let label_name = t.header[li].as_str();
    let id_col = ID_NAMES.iter().find_map(|name| t.header.iter().enumerate().position(|(j, h)| j != li && h.eq_ignore_ascii_case(name)));
    let n = t.rows.len();
    let mut values = Vec::with_capacity(n);
    for (line, r) in &t.rows {
        if r[li].is_empty() {
            return Err(TableError::at(*line, label_name, "the class is missing; fill it in or remove this case"));
        }
        values.push(r[li].as_str());
    }
    let classes = classes_of(&values, label_name)?;
    let y: Vec<bool> = values.iter().map(|v| *v == classes[1]).collect();
    check_class_sizes(&y, &classes, label_name)?;
    let ids: Vec<String> = match id_col {
        Some(j) => t.rows.iter().map(|(_, r)| r[j].clone()).collect(),
        None => (1..=n).map(|i| i.to_string()).collect(),
    };
    let mut feature_cols = Vec::new();
    let mut meta = Vec::new();
    for (j, h) in t.header.iter().enumerate() {
        if j == li || Some(j) == id_col || h.to_ascii_lowercase().starts_with("diagnostics_") {
            continue;
        }
        let non_empty = t.rows.iter().filter(|(_, r)| !r[j].is_empty()).count();
        let numeric = t.rows.iter().filter(|(_, r)| looks_numeric(&r[j])).count();
        // A column is a feature when most of its values are numbers: the others are then mistakes to report. A
        // text column (site, scanner, file path) is kept as categorical.
        if non_empty > 0 && 2 * numeric > non_empty {
            feature_cols.push(j);
        } else {
            meta.push((h.clone(), t.rows.iter().map(|(_, r)| r[j].clone()).collect()));
        }
    }
    if feature_cols.is_empty() {
        return Err(TableError::new(format!(
            "no column besides `{label_name}` holds numbers, so there is no feature to learn from; check the file's delimiter (commas) and header"
        )));
    }
    let mut x = Array2::zeros((n, feature_cols.len()));
    for (i, (line, r)) in t.rows.iter().enumerate() {
        for (k, &j) in feature_cols.iter().enumerate() {
            x[[i, k]] = number(&r[j], *line, &t.header[j], "case")?;
        }
    }
    Ok(Dataset { ids, feature_names: feature_cols.iter().map(|&j| t.header[j].clone()).collect(), x, y, classes, meta })
}

/// The column name of a long row's feature: `feature_code[.aggregation_code][.variant]`.
fn long_feature_name(code: &str, aggregation: &str, variant: &str) -> String {
    let mut name = code.to_string();
    for part in [aggregation, variant] {
        if !part.is_empty() {
            name.push('.');
            name.push_str(part);
        }
    }
    name
}

fn read_long(t: &Parsed, label: &str) -> Result<Dataset, TableError> {
    let h = &t.header;
    let idx = |name: &str| col_index(h, name).unwrap_or(0);
    let (fc, ac, vc, valc) = (idx("feature_code"), idx("aggregation_code"), idx("variant"), idx("value"));
    let case_cols: Vec<usize> = (0..h.len()).filter(|&j| !LONG.iter().any(|c| h[j].eq_ignore_ascii_case(c))).collect();
    let li = label_index(h, label, true)?;
    if !case_cols.contains(&li) {
        return Err(TableError::new(format!(
            "`{label}` is a column of the feature rows, not a class; long tables need a class column beside `case`: add a \
             column, e.g. `diagnosis`, with each case's class on every one of its rows"
        )));
    }
    let id_col = ID_NAMES.iter().find_map(|name| case_cols.iter().copied().find(|&j| h[j].eq_ignore_ascii_case(name)));
    if id_col == Some(li) {
        return Err(TableError::new(format!(
            "`{}` names the cases of a long table, it is not a class; add a class column beside it, e.g. `diagnosis`, with \
             each case's class on every one of its rows",
            h[li]
        )));
    }
    let Some(id_col) = id_col else {
        return Err(TableError::new(format!(
            "a long table needs a `case` column naming each row's case (as `radlearn features --cases` writes) beside `{}`",
            h[li]
        )));
    };
    // Cases in order of first appearance, with the line of that appearance and their case-column values.
    let mut case_of: HashMap<&str, usize> = HashMap::new();
    let mut cases: Vec<(usize, &Vec<String>)> = Vec::new();
    let mut feature_of: HashMap<String, usize> = HashMap::new();
    let mut names: Vec<String> = Vec::new();
    let mut cells: Vec<(usize, usize, usize, &str)> = Vec::new();
    for (line, r) in &t.rows {
        let c = *case_of.entry(r[id_col].as_str()).or_insert_with(|| {
            cases.push((*line, r));
            cases.len() - 1
        });
        for &j in &case_cols {
            if r[j] != cases[c].1[j] {
                return Err(TableError::at(
                    *line,
                    &h[j],
                    format!(
                        "case `{}` has `{}` here but `{}` on line {}; a case column must hold one value per case",
                        r[id_col], r[j], cases[c].1[j], cases[c].0
                    ),
                ));
            }
        }
        let name = long_feature_name(&r[fc], &r[ac], &r[vc]);
        let next = names.len();
        let f = *feature_of.entry(name.clone()).or_insert(next);
        if f == next {
            names.push(name);
        }
        cells.push((*line, c, f, r[valc].as_str()));
    }
    let (n, p) = (cases.len(), names.len());
    if n.checked_mul(p).is_none_or(|cells| cells > MAX_CELLS) {
        return Err(TableError::new(format!(
            "the table names {n} cases and {p} features, more than {MAX_CELLS} values; check the `{}` and feature code columns",
            h[id_col]
        )));
    }
    let mut x = Array2::from_elem((n, p), f64::NAN);
    let mut line_of = vec![0usize; n * p];
    for (line, c, f, v) in cells {
        if line_of[c * p + f] != 0 {
            return Err(TableError::at(
                line,
                &h[valc],
                format!(
                    "case `{}` has a second value for `{}` (first on line {}); remove the duplicate row",
                    cases[c].1[id_col],
                    names[f],
                    line_of[c * p + f]
                ),
            ));
        }
        line_of[c * p + f] = line;
        x[[c, f]] = number(v, line, &h[valc], "row's case").map_err(|mut e| {
            e.message = format!("case `{}`, feature `{}`: {}", cases[c].1[id_col], names[f], e.message);
            e
        })?;
    }
    if let Some(k) = line_of.iter().position(|&l| l == 0) {
        return Err(TableError::new(format!(
            "case `{}` has no value for `{}`, which other cases have; compute the same features for every case",
            cases[k / p].1[id_col],
            names[k % p]
        )));
    }
    let values: Vec<&str> = cases.iter().map(|(_, r)| r[li].as_str()).collect();
    if let Some((line, _)) = cases.iter().find(|(_, r)| r[li].is_empty()) {
        return Err(TableError::at(*line, &h[li], "the class is missing; fill it in or remove this case"));
    }
    let classes = classes_of(&values, &h[li])?;
    let y: Vec<bool> = values.iter().map(|v| *v == classes[1]).collect();
    check_class_sizes(&y, &classes, &h[li])?;
    let meta = case_cols
        .iter()
        .filter(|&&j| j != li && j != id_col)
        .map(|&j| (h[j].clone(), cases.iter().map(|(_, r)| r[j].clone()).collect()))
        .collect();
    Ok(Dataset { ids: cases.iter().map(|(_, r)| r[id_col].clone()).collect(), feature_names: names, x, y, classes, meta })
}

fn quoted(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) || s != s.trim() {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The dataset as a wide CSV table: `id,label,<meta...>,<features...>`, the label as class names, numbers in their
/// shortest exact text. [`read_csv`]`(text, "label")` gives the dataset back when its meta columns hold text (not
/// numbers) and its positive class is the one `read_csv` picks (`1`/`true`/`yes`, or the second in sorted order).
pub fn to_csv(ds: &Dataset) -> String {
    let mut out = String::from("id,label");
    for name in ds.meta.iter().map(|(n, _)| n).chain(&ds.feature_names) {
        out.push(',');
        out.push_str(&quoted(name));
    }
    out.push('\n');
    for i in 0..ds.len() {
        out.push_str(&quoted(ds.ids.get(i).map_or("", String::as_str)));
        out.push(',');
        out.push_str(&quoted(&ds.classes[ds.y[i] as usize]));
        for (_, values) in &ds.meta {
            out.push(',');
            out.push_str(&quoted(values.get(i).map_or("", String::as_str)));
        }
        if let Some(row) = ds.x.rows().into_iter().nth(i) {
            for v in row {
                out.push(',');
                out.push_str(&v.to_string());
            }
        }
        out.push('\n');
    }
    out
}

/// A readable name for a feature column: `Q4LE` gives "Mean intensity (Q4LE)", `8ZQL.BTW3` adds the aggregation's
/// name, `BC2M.10` the variant. A column that is not an IBSI code (e.g. PyRadiomics' names) is returned unchanged.
pub fn display_name(column: &str) -> String {
    let mut parts = column.split('.');
    let code = parts.next().unwrap_or("");
    let Some(name) = crate::features::catalogue::feature_name(code) else { return column.to_string() };
    let mut out = name.to_string();
    for part in parts {
        match crate::features::catalogue::aggregation_name(part) {
            Some(agg) => {
                out.push_str(", ");
                out.push_str(agg);
            }
            None => {
                out.push_str(" at ");
                out.push_str(part);
            }
        }
    }
    format!("{out} ({column})")
}
