//! A [`Dataset`] back to CSV, and column names for people.

use super::*;

pub(super) fn quoted(s: &str) -> String {
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
    let Some(name) = crate::radiomics::features::catalogue::feature_name(code) else { return column.to_string() };
    let mut out = name.to_string();
    for part in parts {
        match crate::radiomics::features::catalogue::aggregation_name(part) {
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
