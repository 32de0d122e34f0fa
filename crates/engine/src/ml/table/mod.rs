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
//! The bytes are decoded first: a byte-order mark names UTF-8 or UTF-16 (little- or big-endian), else valid UTF-8
//! is UTF-8 and anything else Windows-1252, what Excel's plain "CSV" writes on Western European Windows
//! (encoding_rs). Line ends may be LF, CRLF or CR alone (old Mac). The separator (`,` `;` or tab) is the one that
//! splits every line into as many fields as the header; the decimal mark (`.` or `,`) is the one most numbers use,
//! and spaces (or no-break spaces) between groups of thousands are read (`1 234,5`), as French Excel exports them.
//! [`Format`] says what was detected in a sentence ("read as semicolon-separated, decimal comma, Windows-1252").
//! Records are split by the `csv` crate (RFC 4180 quotes; a quoted value may span lines). Numeric columns whose cells
//! are mostly missing (empty, `NA`, ...) are left out and listed in [`Table::dropped`]. Reading never panics; every
//! problem is a [`TableError`] that names the line and column and says what to do, and ambiguous files say how to
//! save them ([`SAVE_ADVICE`]).
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

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::fmt;

use ndarray::Array2;

use super::Dataset;

mod decode;
mod parse;
mod read;
mod write;

use decode::*;
use parse::*;
use read::*;
pub use write::*;

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

/// How to save a table RadLearn reads without guessing, for the messages about ambiguous files.
pub const SAVE_ADVICE: &str = "In Excel, use File > Save As > CSV UTF-8 (comma delimited); in LibreOffice Calc, File > Save As > \
                               Text CSV, character set UTF-8";

/// The character between fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Separator {
    /// `,` (RFC 4180, English spreadsheets).
    Comma,
    /// `;` (Excel in French, German and other languages with a decimal comma).
    Semicolon,
    /// A tab (Excel's "Text (Tab delimited)" and "Unicode Text").
    Tab,
}

impl Separator {
    const ALL: [Separator; 3] = [Separator::Comma, Separator::Semicolon, Separator::Tab];

    fn byte(self) -> u8 {
        match self {
            Separator::Comma => b',',
            Separator::Semicolon => b';',
            Separator::Tab => b'\t',
        }
    }

    /// `comma`, `semicolon` or `tab`.
    pub fn name(self) -> &'static str {
        match self {
            Separator::Comma => "comma",
            Separator::Semicolon => "semicolon",
            Separator::Tab => "tab",
        }
    }
}

/// The character between the whole and the decimal part of a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DecimalMark {
    /// `1.5`
    Point,
    /// `1,5`
    Comma,
}

/// The character encoding of a table's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TextEncoding {
    /// UTF-8 without a byte-order mark (or text already decoded).
    Utf8,
    /// UTF-8 with a byte-order mark (Excel's "CSV UTF-8").
    Utf8Bom,
    /// UTF-16 little-endian with its byte-order mark (Excel's "Unicode Text" on Windows).
    Utf16Le,
    /// UTF-16 big-endian with its byte-order mark.
    Utf16Be,
    /// Windows-1252, Excel's "CSV" on a Western European Windows (any bytes that are not UTF-8).
    Windows1252,
}

impl TextEncoding {
    /// The encoding's usual name.
    pub fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf8Bom => "UTF-8 with byte-order mark",
            TextEncoding::Utf16Le => "UTF-16 little-endian",
            TextEncoding::Utf16Be => "UTF-16 big-endian",
            TextEncoding::Windows1252 => "Windows-1252",
        }
    }
}

/// How the lines of a table end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum LineEnds {
    /// `\n` (Linux, macOS).
    Lf,
    /// `\r\n` (Windows).
    CrLf,
    /// `\r` alone (classic Mac OS, and Excel for Mac's "CSV (Macintosh)").
    Cr,
}

/// What [`read_table`] and [`preview`] found out about a file: its encoding, separator, decimal mark and line
/// ends. `to_string()` gives the sentence shown to the student, e.g. "read as semicolon-separated, decimal comma,
/// Windows-1252".
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Format {
    /// The character between fields.
    pub separator: Separator,
    /// The decimal mark of the numbers (a point when the table holds no decimal number).
    pub decimal: DecimalMark,
    /// The text encoding.
    pub encoding: TextEncoding,
    /// The line ends.
    pub line_ends: LineEnds,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let decimal = match self.decimal {
            DecimalMark::Point => "decimal point",
            DecimalMark::Comma => "decimal comma",
        };
        write!(f, "read as {}-separated, {decimal}, {}", self.separator.name(), self.encoding.name())?;
        if self.line_ends == LineEnds::Cr {
            f.write_str(", old Mac line ends (CR)")?;
        }
        Ok(())
    }
}

/// A column left out of the features because most of its cells are missing (empty, `NA`, `N/A`, `#N/A`, `NaN`,
/// `null`, `None`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DroppedColumn {
    /// Its name in the header.
    pub name: String,
    /// How many of its cells are missing.
    pub missing: usize,
    /// How many cases the table holds.
    pub cases: usize,
}

impl fmt::Display for DroppedColumn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "column `{}` left out of the features: {} of its {} cells are missing (empty or NA); fill them in to use it",
            self.name, self.missing, self.cases
        )
    }
}

/// A table read by [`read_table`]: the dataset, how the file was read, and the columns left out.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Table {
    /// The cases, features, labels and categorical columns.
    pub dataset: Dataset,
    /// How the file was read.
    pub format: Format,
    /// Numeric columns left out because most of their cells are missing.
    pub dropped: Vec<DroppedColumn>,
}

impl Table {
    /// What to tell the student: how the file was read, then one line per column left out.
    pub fn notes(&self) -> Vec<String> {
        std::iter::once(self.format.to_string()).chain(self.dropped.iter().map(ToString::to_string)).collect()
    }
}

/// The header and the records of a table, each record with its 1-based line number (blank lines skipped), every
/// record as long as the header; with how the file was read.
#[derive(Debug, Clone, PartialEq)]
pub struct Records {
    /// The column names, trimmed.
    pub header: Vec<String>,
    /// The records, fields trimmed, with the line each starts on.
    pub rows: Vec<(usize, Vec<String>)>,
    /// How the file was read.
    pub format: Format,
}

/// The header and records of a table file (any encoding, separator and line ends [`read_table`] reads), for other
/// tables than feature tables, e.g. the cohort lists of `radlearn features --cases`.
pub fn read_records(input: impl AsRef<[u8]>) -> Result<Records, TableError> {
    let t = parse(input.as_ref())?;
    Ok(Records { header: t.header, rows: t.rows, format: t.format })
}

/// The columns of a table, for the label chooser, with how the file was read (see [`preview`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Preview {
    /// The columns a label can be chosen from.
    pub columns: Vec<Column>,
    /// How the file was read.
    pub format: Format,
}

/// The columns of a table, for the label chooser. For long tables, the case columns (not the feature rows' own),
/// with distinct values counted per case.
pub fn columns(input: impl AsRef<[u8]>) -> Result<Vec<Column>, TableError> {
    preview(input).map(|p| p.columns)
}

/// The columns of a table (as [`columns`]) and how its file was read, to show before the label is chosen.
pub fn preview(input: impl AsRef<[u8]>) -> Result<Preview, TableError> {
    let t = parse(input.as_ref())?;
    let long = is_long(&t.header);
    let decimal = t.format.decimal;
    let columns = t
        .header
        .iter()
        .enumerate()
        .filter(|(_, h)| !long || !LONG.iter().any(|c| h.eq_ignore_ascii_case(c)))
        .map(|(j, h)| {
            let values: BTreeSet<&str> = t.rows.iter().map(|(_, r)| r[j].as_str()).collect();
            let present: Vec<&&str> = values.iter().filter(|v| !is_missing(v)).collect();
            Column {
                name: h.clone(),
                numeric: !present.is_empty() && present.iter().all(|v| parse_number(v, decimal).is_some()),
                distinct: values.len(),
            }
        })
        .collect();
    Ok(Preview { columns, format: t.format })
}

/// Reads a feature table (wide or long, see the module documentation) with `label` as the class column: the
/// dataset of [`read_table`], for callers that show no notes.
pub fn read_csv(input: impl AsRef<[u8]>, label: &str) -> Result<Dataset, TableError> {
    read_table(input, label).map(|t| t.dataset)
}

/// Reads a feature table (wide or long, see the module documentation) with `label` as the class column, from its
/// bytes in any encoding, separator and decimal mark it detects (see [`Format`]); with the numeric columns it left
/// out because most of their cells are missing.
pub fn read_table(input: impl AsRef<[u8]>, label: &str) -> Result<Table, TableError> {
    let t = parse(input.as_ref())?;
    let (dataset, dropped) = if is_long(&t.header) { (read_long(&t, label)?, Vec::new()) } else { read_wide(&t, label)? };
    Ok(Table { dataset, format: t.format, dropped })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Test code: a panic is a failed test.
mod tests;
