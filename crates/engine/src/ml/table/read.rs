//! Records to a [`Dataset`]: the label, the classes, and the wide or long layout.

use super::*;

pub(super) fn is_long(header: &[String]) -> bool {
    LONG.iter().all(|c| header.iter().any(|h| h.eq_ignore_ascii_case(c)))
}

pub(super) fn col_index(header: &[String], name: &str) -> Option<usize> {
    header.iter().position(|h| h == name).or_else(|| header.iter().position(|h| h.eq_ignore_ascii_case(name)))
}

/// The two classes of a label column: `[negative, positive]`. The positive class is `1`, `true` or `yes` (any
/// case) when one of them is present, else the second in sorted order (numeric order for numbers).
pub(super) fn classes_of(values: &[&str], label: &str, decimal: DecimalMark) -> Result<[String; 2], TableError> {
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
            let ordered = match (parse_number(a, decimal), parse_number(b, decimal)) {
                (Some(x), Some(y)) if y < x => [b, a],
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

pub(super) fn check_class_sizes(y: &[bool], classes: &[String; 2], label: &str) -> Result<(), TableError> {
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

/// A feature value: a finite number, else an error that names the line and column and says what to do.
pub(super) fn number(v: &str, line: usize, column: &str, what: &str, t: &Parsed) -> Result<f64, TableError> {
    let fix = format!("remove this {what} or the column `{column}`, or fill in the value");
    let decimal = t.format.decimal;
    match parse_number(v, decimal) {
        Some(x) if x.is_finite() => Ok(x),
        Some(_) => {
            Err(TableError::at(line, column, format!("`{v}` is not a finite number (the feature is undefined for this case); {fix}")))
        }
        None if v.is_empty() => Err(TableError::at(line, column, format!("the value is missing; {fix}"))),
        None if is_missing(v) => Err(TableError::at(line, column, format!("the value is missing (`{v}`); {fix}"))),
        None => {
            // A number in the other notation: the file mixes decimal marks.
            let (other, example) = match decimal {
                DecimalMark::Point => (DecimalMark::Comma, &t.decimals.point),
                DecimalMark::Comma => (DecimalMark::Point, &t.decimals.comma),
            };
            if parse_number(v, other).is_some() {
                let (mark, other_mark) = if decimal == DecimalMark::Point { ("point", "comma") } else { ("comma", "point") };
                let seen = example.as_ref().map(|(l, _, e)| format!(" (e.g. `{e}` on line {l})")).unwrap_or_default();
                Err(TableError::at(
                    line,
                    column,
                    format!(
                        "`{v}` has a decimal {other_mark} but most numbers of this table have a decimal {mark}{seen}; write every number the same way, or save the table again: {SAVE_ADVICE}"
                    ),
                ))
            } else if v.contains('.') && v.contains(',') {
                Err(TableError::at(
                    line,
                    column,
                    format!("`{v}` is not a number: it seems to hold a thousands separator; format the column without one (e.g. `1234.5`) and save again, or {fix}"),
                ))
            } else {
                Err(TableError::at(line, column, format!("`{v}` is not a number; {fix}")))
            }
        }
    }
}

pub(super) fn label_index(header: &[String], label: &str, long: bool) -> Result<usize, TableError> {
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

pub(super) fn read_wide(t: &Parsed, label: &str) -> Result<(Dataset, Vec<DroppedColumn>), TableError> {
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
    let classes = classes_of(&values, label_name, t.format.decimal)?;
    let y: Vec<bool> = values.iter().map(|v| *v == classes[1]).collect();
    check_class_sizes(&y, &classes, label_name)?;
    let ids: Vec<String> = match id_col {
        Some(j) => t.rows.iter().map(|(_, r)| r[j].clone()).collect(),
        None => (1..=n).map(|i| i.to_string()).collect(),
    };
    let mut feature_cols = Vec::new();
    let mut meta = Vec::new();
    let mut dropped = Vec::new();
    for (j, h) in t.header.iter().enumerate() {
        if j == li || Some(j) == id_col || h.to_ascii_lowercase().starts_with("diagnostics_") {
            continue;
        }
        let missing = t.rows.iter().filter(|(_, r)| is_missing(&r[j])).count();
        let present = n - missing;
        let numeric = t.rows.iter().filter(|(_, r)| !is_missing(&r[j]) && parse_number(&r[j], t.format.decimal).is_some()).count();
        // A column is a feature when most of its values are numbers: the others are then mistakes to report. One
        // whose cells are mostly missing is left out and reported (a column of nothing but missing cells too). A
        // text column (site, scanner, file path) is kept as categorical.
        if 2 * missing > n && 2 * numeric >= present {
            dropped.push(DroppedColumn { name: h.clone(), missing, cases: n });
        } else if present > 0 && 2 * numeric > present {
            feature_cols.push(j);
        } else {
            meta.push((h.clone(), t.rows.iter().map(|(_, r)| r[j].clone()).collect()));
        }
    }
    if feature_cols.is_empty() {
        let left_out = if dropped.is_empty() {
            String::new()
        } else {
            format!(" ({})", dropped.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
        };
        return Err(TableError::new(format!(
            "no column besides `{label_name}` holds numbers, so there is no feature to learn from{left_out}; check the header and the separator ({})",
            t.format
        )));
    }
    let mut x = Array2::zeros((n, feature_cols.len()));
    for (i, (line, r)) in t.rows.iter().enumerate() {
        for (k, &j) in feature_cols.iter().enumerate() {
            x[[i, k]] = number(&r[j], *line, &t.header[j], "case", t)?;
        }
    }
    Ok((Dataset { ids, feature_names: feature_cols.iter().map(|&j| t.header[j].clone()).collect(), x, y, classes, meta }, dropped))
}

/// The column name of a long row's feature: `feature_code[.aggregation_code][.variant]`.
pub(super) fn long_feature_name(code: &str, aggregation: &str, variant: &str) -> String {
    let mut name = code.to_string();
    for part in [aggregation, variant] {
        if !part.is_empty() {
            name.push('.');
            name.push_str(part);
        }
    }
    name
}

pub(super) fn read_long(t: &Parsed, label: &str) -> Result<Dataset, TableError> {
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
        x[[c, f]] = number(v, line, &h[valc], "row's case", t).map_err(|mut e| {
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
    let classes = classes_of(&values, &h[li], t.format.decimal)?;
    let y: Vec<bool> = values.iter().map(|v| *v == classes[1]).collect();
    check_class_sizes(&y, &classes, &h[li])?;
    let meta = case_cols
        .iter()
        .filter(|&&j| j != li && j != id_col)
        .map(|&j| (h[j].clone(), cases.iter().map(|(_, r)| r[j].clone()).collect()))
        .collect();
    Ok(Dataset { ids: cases.iter().map(|(_, r)| r[id_col].clone()).collect(), feature_names: names, x, y, classes, meta })
}
