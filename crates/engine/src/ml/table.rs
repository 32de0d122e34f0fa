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

/// Decodes a table's bytes: a byte-order mark names UTF-8 or UTF-16; without one, the bytes are UTF-8 when they are
/// valid UTF-8, else Windows-1252 (what Excel's plain "CSV" writes on Western European Windows).
fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, TextEncoding), TableError> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let which = if encoding == encoding_rs::UTF_8 {
            TextEncoding::Utf8Bom
        } else if encoding == encoding_rs::UTF_16LE {
            TextEncoding::Utf16Le
        } else {
            TextEncoding::Utf16Be
        };
        let rest = &bytes[bom..];
        return match encoding.decode_without_bom_handling_and_without_replacement(rest) {
            Some(text) => Ok((text, which)),
            None => {
                let (lossy, _) = encoding.decode_without_bom_handling(rest);
                let line = lossy.find('\u{fffd}').map_or(1, |at| lossy[..at].matches('\n').count() + 1);
                Err(TableError {
                    line: Some(line),
                    column: None,
                    message: format!(
                        "the file starts with a {} byte-order mark but this line holds bytes that are not {0}; the file is damaged or mixes encodings. Save it again: {SAVE_ADVICE}",
                        which.name().trim_end_matches(" with byte-order mark")
                    ),
                })
            }
        };
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        refuse_nul(text)?;
        return Ok((Cow::Borrowed(text), TextEncoding::Utf8));
    }
    // Not UTF-8. A file with some valid UTF-8 letters (é as the two bytes C3 A9) and some invalid bytes mixes the two
    // encodings (e.g. rows pasted from elsewhere): decoding it as Windows-1252 would garble the UTF-8 letters.
    let lossy = String::from_utf8_lossy(bytes);
    if lossy.chars().any(|c| !c.is_ascii() && c != '\u{fffd}') {
        let line = lossy.find('\u{fffd}').map_or(1, |at| lossy[..at].matches('\n').count() + 1);
        return Err(TableError {
            line: Some(line),
            column: None,
            message: format!(
                "this line is not UTF-8 while other lines are: the file mixes two text encodings. Save it again: {SAVE_ADVICE}"
            ),
        });
    }
    let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
    refuse_nul(&text)?;
    Ok((text, TextEncoding::Windows1252))
}

/// The text with every line ending in `\n`, and how the lines ended (CR-only when there is no LF at all).
/// Refuses decoded text that holds a NUL character, naming its line: text never holds one; UTF-16 without its
/// byte-order mark does (one per ASCII letter).
fn refuse_nul(text: &str) -> Result<(), TableError> {
    match text.find('\0') {
        Some(at) => Err(TableError {
            line: Some(text[..at].matches('\n').count() + 1),
            column: None,
            message: format!(
                "the file holds NUL bytes: it is probably UTF-16 text without a byte-order mark, or not a table at all. Save it again: {SAVE_ADVICE}"
            ),
        }),
        None => Ok(()),
    }
}

fn normalise_line_ends(text: Cow<'_, str>) -> (Cow<'_, str>, LineEnds) {
    if !text.contains('\r') {
        return (text, LineEnds::Lf);
    }
    let ends = if text.contains('\n') { LineEnds::CrLf } else { LineEnds::Cr };
    (Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n")), ends)
}

/// The records of `text` split at `separator` (RFC 4180 quoting, quoted fields may span lines), fields trimmed,
/// with the line each record starts on; records of blank lines skipped. At most `limit` records; past
/// [`MAX_CELLS`] cells an error.
fn split(text: &str, separator: Separator, first_line: usize, limit: usize) -> Result<Vec<(usize, Vec<String>)>, TableError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(separator.byte()).from_reader(text.as_bytes());
    let mut out = Vec::new();
    let mut cells = 0usize;
    let mut record = csv::StringRecord::new();
    while out.len() < limit {
        let line = reader.position().line() as usize + first_line - 1;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            // The text is valid UTF-8 and the records may differ in length, so the csv crate has nothing to refuse;
            // should it ever, its message is passed on with the line.
            Err(e) => return Err(TableError { line: Some(line), column: None, message: format!("{e}; check the quotes on this line") }),
        }
        // The csv crate gives where its read started, before the blank lines it skipped: count them.
        let line = match record.position() {
            Some(p) => {
                let blank = text.as_bytes().get(p.byte() as usize..).map_or(0, |rest| rest.iter().take_while(|&&b| b == b'\n').count());
                p.line() as usize + first_line - 1 + blank
            }
            None => line,
        };
        if record.len() == 1 && record[0].trim().is_empty() {
            continue;
        }
        cells = cells.saturating_add(record.len());
        if cells > MAX_CELLS {
            return Err(TableError::new(format!(
                "the table has more than {MAX_CELLS} values (rows x columns), more than the Model Lab works with; keep fewer cases or features"
            )));
        }
        out.push((line, record.iter().map(|f| f.trim().to_string()).collect()));
    }
    Ok(out)
}

/// The separator that splits every one of the first records into as many fields as the header, with at least two
/// columns. When none does, the one that splits the most records like their header (the row-length check then names
/// the first bad line); when several do into different columns, the file is ambiguous.
fn detect_separator(text: &str) -> Result<Separator, TableError> {
    const SAMPLE: usize = 200;
    let mut fits: Vec<(Separator, usize, usize, bool)> = Vec::new();
    for sep in Separator::ALL {
        let records = split(text, sep, 1, SAMPLE)?;
        let Some(((_, header), rows)) = records.split_first() else { return Ok(Separator::Comma) };
        if header.len() < 2 {
            continue;
        }
        let matching = rows.iter().filter(|(_, r)| r.len() == header.len()).count();
        fits.push((sep, header.len(), matching, matching == rows.len()));
    }
    let consistent: Vec<&(Separator, usize, usize, bool)> = fits.iter().filter(|f| f.3).collect();
    match consistent.as_slice() {
        [one] => Ok(one.0),
        [a, b, ..] => Err(TableError::new(format!(
            "cannot tell how the fields are separated: the lines read as {} columns separated by {}s and as {} columns separated by {}s. \
             Save the table again with one separator: {SAVE_ADVICE}",
            a.1,
            a.0.name(),
            b.1,
            b.0.name()
        ))),
        [] => Ok(fits.iter().max_by_key(|f| (f.2, std::cmp::Reverse(f.0 as u8))).map_or(Separator::Comma, |f| f.0)),
    }
}

/// Whether a cell is a missing value rather than a number or a category.
fn is_missing(v: &str) -> bool {
    v.is_empty() || ["na", "n/a", "#n/a", "nan", "null", "none"].iter().any(|m| v.eq_ignore_ascii_case(m))
}

/// Spaces that spreadsheets put between groups of thousands: the space, the no-break space (Excel in French) and
/// the narrow no-break and thin spaces.
const GROUP_SPACES: [char; 4] = [' ', '\u{a0}', '\u{202f}', '\u{2009}'];

/// `v` as a number written with `decimal` as its decimal mark, optionally with spaces between groups of three
/// digits (`1 234,5`). Rust's own parser reads the result (with exponents, `inf` and `NaN`); this only rewrites the
/// spreadsheet's notation into it, so it is written by hand.
fn parse_number(v: &str, decimal: DecimalMark) -> Option<f64> {
    let (other, mark) = match decimal {
        DecimalMark::Point => (',', '.'),
        DecimalMark::Comma => ('.', ','),
    };
    if v.contains(other) {
        return None;
    }
    let mut s: Cow<'_, str> = Cow::Borrowed(v);
    if v.contains(GROUP_SPACES) {
        let body = v.strip_prefix(['-', '+']).unwrap_or(v);
        let whole = body.split(mark).next().unwrap_or("");
        let mut groups = whole.split(GROUP_SPACES);
        let first_ok = groups.next().is_some_and(|g| (1..=3).contains(&g.len()) && g.bytes().all(|b| b.is_ascii_digit()));
        let rest_ok = groups.all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()));
        if !(first_ok && rest_ok) || body[whole.len()..].contains(GROUP_SPACES) {
            return None;
        }
        s = Cow::Owned(v.replace(GROUP_SPACES, ""));
    }
    if decimal == DecimalMark::Comma && s.contains(',') {
        s = Cow::Owned(s.replacen(',', ".", 1));
    }
    s.parse::<f64>().ok()
}

/// The decimal mark most numbers with a fractional part use, with an example of each mark seen (line, column,
/// cell) for the messages.
struct Decimals {
    mark: DecimalMark,
    point: Option<(usize, usize, String)>,
    comma: Option<(usize, usize, String)>,
}

fn detect_decimal(rows: &[(usize, Vec<String>)]) -> Decimals {
    let (mut points, mut commas) = (0usize, 0usize);
    let (mut point, mut comma) = (None, None);
    for (line, r) in rows {
        for (j, v) in r.iter().enumerate() {
            if v.contains('.') && parse_number(v, DecimalMark::Point).is_some() {
                points += 1;
                point.get_or_insert_with(|| (*line, j, v.clone()));
            } else if v.contains(',') && parse_number(v, DecimalMark::Comma).is_some() {
                commas += 1;
                comma.get_or_insert_with(|| (*line, j, v.clone()));
            }
        }
    }
    // Ties (including none of either) go to the point, the notation of RadLearn's and PyRadiomics' own tables.
    Decimals { mark: if commas > points { DecimalMark::Comma } else { DecimalMark::Point }, point, comma }
}

/// The parsed table, with the decimal mark's examples for the messages.
struct Parsed {
    header: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
    format: Format,
    decimals: Decimals,
}

fn parse(input: &[u8]) -> Result<Parsed, TableError> {
    let (text, encoding) = decode(input)?;
    let (text, line_ends) = normalise_line_ends(text);
    // Excel reads (and some exports write) a first line `sep=;` naming the separator.
    let mut body: &str = &text;
    let mut first_line = 1;
    let mut forced = None;
    if let Some((first, rest)) = text.split_once('\n') {
        let named = first.trim().strip_prefix("sep=").or_else(|| first.trim().strip_prefix("SEP="));
        forced = match named {
            Some(",") => Some(Separator::Comma),
            Some(";") => Some(Separator::Semicolon),
            Some("") if first.contains('\t') => Some(Separator::Tab),
            _ => None,
        };
        if forced.is_some() {
            body = rest;
            first_line = 2;
        }
    }
    let separator = match forced {
        Some(s) => s,
        None => detect_separator(body)?,
    };
    let mut records = split(body, separator, first_line, usize::MAX)?.into_iter();
    let Some((header_line, header)) = records.next() else {
        return Err(TableError::new("the table is empty; a feature table is a CSV file with a header row and one row per case"));
    };
    let rows: Vec<(usize, Vec<String>)> = records.collect();
    let mut seen = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        if h.is_empty() {
            continue;
        }
        if let Some(first) = seen.insert(h.as_str(), i) {
            return Err(TableError::at(
                header_line,
                h,
                format!("the header names this column twice (columns {} and {}); rename one of them", first + 1, i + 1),
            ));
        }
    }
    let decimals = detect_decimal(&rows);
    for (n, fields) in &rows {
        if fields.len() != header.len() {
            let sep = separator.name();
            let mut message = format!(
                "this row has {} fields but the header names {} columns; check for a missing or extra {sep} (or an unquoted {sep} in a value)",
                fields.len(),
                header.len()
            );
            if separator == Separator::Comma && fields.len() > header.len() {
                match &decimals.comma {
                    Some((line, _, v)) => message.push_str(&format!(
                        ". This comma-separated file also writes decimal commas (`\"{v}\"` on line {line}): a decimal comma outside quotes splits a number in two. Save the table again: {SAVE_ADVICE}"
                    )),
                    None => message.push_str(&format!(
                        ". If the numbers have decimal commas (`1,5`), save the table with semicolons or a decimal point instead: {SAVE_ADVICE}"
                    )),
                }
            }
            return Err(TableError { line: Some(*n), column: None, message });
        }
    }
    let format = Format { separator, decimal: decimals.mark, encoding, line_ends };
    // Spreadsheets often export empty columns past the last one used: unnamed and empty, they are no column.
    let keep: Vec<usize> = (0..header.len()).filter(|&j| !header[j].is_empty() || rows.iter().any(|(_, r)| !r[j].is_empty())).collect();
    let (header, rows) = if keep.len() == header.len() {
        (header, rows)
    } else {
        let pick = |r: &[String]| keep.iter().map(|&j| r[j].clone()).collect::<Vec<String>>();
        (pick(&header), rows.into_iter().map(|(n, r)| (n, pick(&r))).collect())
    };
    if let Some(j) = (0..header.len()).find(|&j| header[j].is_empty()) {
        if let Some(k) = (j + 1..header.len()).find(|&k| header[k].is_empty()) {
            return Err(TableError::at(
                header_line,
                "",
                format!("the header leaves columns {} and {} unnamed; name every column that holds values", j + 1, k + 1),
            ));
        }
    }
    if rows.is_empty() {
        return Err(TableError::new("the table has a header but no case; add one row per case"));
    }
    Ok(Parsed { header, rows, format, decimals })
}

/// The header and records of a table file (any encoding, separator and line ends [`read_table`] reads), for other
/// tables than feature tables, e.g. the cohort lists of `radlearn features --cases`.
pub fn read_records(input: impl AsRef<[u8]>) -> Result<Records, TableError> {
    let t = parse(input.as_ref())?;
    Ok(Records { header: t.header, rows: t.rows, format: t.format })
}

fn is_long(header: &[String]) -> bool {
    LONG.iter().all(|c| header.iter().any(|h| h.eq_ignore_ascii_case(c)))
}

fn col_index(header: &[String], name: &str) -> Option<usize> {
    header.iter().position(|h| h == name).or_else(|| header.iter().position(|h| h.eq_ignore_ascii_case(name)))
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

/// The two classes of a label column: `[negative, positive]`. The positive class is `1`, `true` or `yes` (any
/// case) when one of them is present, else the second in sorted order (numeric order for numbers).
fn classes_of(values: &[&str], label: &str, decimal: DecimalMark) -> Result<[String; 2], TableError> {
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

/// A feature value: a finite number, else an error that names the line and column and says what to do.
fn number(v: &str, line: usize, column: &str, what: &str, t: &Parsed) -> Result<f64, TableError> {
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

fn read_wide(t: &Parsed, label: &str) -> Result<(Dataset, Vec<DroppedColumn>), TableError> {
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

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Test code: a panic is a failed test.
mod tests {
    use super::*;

    /// A wide table of 12 cases with accented column names and awkward values, as text with `.` decimals and `,`
    /// separators; `french` writes the same values as French Excel does (`;`, decimal comma, no-break spaces
    /// between thousands in the `Volume (mm³)` column).
    fn english_and_french() -> (String, String) {
        let header = ["id", "diagnostic", "site", "Volume (mm³)", "Énergie", "Sphéricité", "Entropie (µ, è)"];
        let mut en = header.iter().map(|h| if h.contains(',') { format!("\"{h}\"") } else { h.to_string() }).collect::<Vec<_>>().join(",");
        let mut fr = header.join(";");
        en.push('\n');
        fr.push('\n');
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for i in 0..12 {
            let class = if i % 2 == 0 { "bénin" } else { "malin" };
            let volume = 1000.0 + 250_000.0 * next();
            let values = [volume, -3.0 * next(), 1e-5 * next(), 7.0 + next() / 3.0];
            en.push_str(&format!("p{i},{class},Hôpital {}", i % 3));
            fr.push_str(&format!("p{i};{class};Hôpital {}", i % 3));
            for (k, v) in values.iter().enumerate() {
                let text = v.to_string();
                en.push_str(&format!(",{text}"));
                let mut comma = text.replace('.', ",");
                if k == 0 {
                    // 123456,789 as 123 456,789: groups of three digits, separated by no-break spaces.
                    let (whole, frac) = comma.split_once(',').unwrap();
                    let digits: Vec<char> = whole.chars().collect();
                    let mut grouped = String::new();
                    for (d, c) in digits.iter().enumerate() {
                        if d > 0 && (digits.len() - d) % 3 == 0 {
                            grouped.push('\u{a0}');
                        }
                        grouped.push(*c);
                    }
                    comma = format!("{grouped},{frac}");
                }
                fr.push_str(&format!(";{comma}"));
            }
            en.push('\n');
            fr.push('\n');
        }
        (en, fr)
    }

    fn cp1252(text: &str) -> Vec<u8> {
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
        assert!(!unmappable, "the test table is Windows-1252");
        bytes.into_owned()
    }

    fn utf16(text: &str, little: bool) -> Vec<u8> {
        let mut out = if little { vec![0xff, 0xfe] } else { vec![0xfe, 0xff] };
        for unit in text.encode_utf16() {
            out.extend(if little { unit.to_le_bytes() } else { unit.to_be_bytes() });
        }
        out
    }

    #[test]
    fn a_french_excel_export_gives_the_same_numbers_as_the_english_table() {
        let (en, fr) = english_and_french();
        assert!(fr.contains('\u{a0}') && fr.contains("mm³") && fr.contains(",") && !fr.contains('.'), "{fr}");
        let english = read_table(&en, "diagnostic").unwrap();
        assert_eq!(english.format.to_string(), "read as comma-separated, decimal point, UTF-8");
        let bytes = cp1252(&fr.replace('\n', "\r\n"));
        assert!(std::str::from_utf8(&bytes).is_err(), "Windows-1252 bytes are not UTF-8");
        let french = read_table(&bytes, "diagnostic").unwrap();
        assert_eq!(french.format.to_string(), "read as semicolon-separated, decimal comma, Windows-1252");
        assert_eq!(
            french.format,
            Format {
                separator: Separator::Semicolon,
                decimal: DecimalMark::Comma,
                encoding: TextEncoding::Windows1252,
                line_ends: LineEnds::CrLf
            }
        );
        assert_eq!(french.dataset.feature_names, ["Volume (mm³)", "Énergie", "Sphéricité", "Entropie (µ, è)"]);
        assert_eq!(french.dataset.classes, ["bénin".to_string(), "malin".to_string()]);
        assert_eq!(french.dataset.meta_column("site").unwrap()[1], "Hôpital 1");
        // Bit for bit the same values (and ids, classes, site) as the comma/point table.
        assert_eq!(french.dataset, english.dataset);
        assert!(english.dataset.x[[0, 0]] > 1000.0 && english.dataset.x.column(2).iter().all(|v| v.abs() < 1e-5));
        // The same table in the other encodings and separators Excel and LibreOffice write.
        let tab = fr.replace(';', "\t");
        for (bytes, encoding, separator) in [
            (utf16(&tab, true), TextEncoding::Utf16Le, Separator::Tab),
            (utf16(&tab, false), TextEncoding::Utf16Be, Separator::Tab),
            ([&[0xef, 0xbb, 0xbf][..], fr.as_bytes()].concat(), TextEncoding::Utf8Bom, Separator::Semicolon),
            (fr.clone().into_bytes(), TextEncoding::Utf8, Separator::Semicolon),
            (cp1252(&tab), TextEncoding::Windows1252, Separator::Tab),
        ] {
            let t = read_table(&bytes, "diagnostic").unwrap();
            assert_eq!((t.format.encoding, t.format.separator, t.format.decimal), (encoding, separator, DecimalMark::Comma));
            assert_eq!(t.dataset, english.dataset, "{encoding:?} {separator:?}");
        }
        let t = read_table([&[0xef, 0xbb, 0xbf][..], en.as_bytes()].concat(), "diagnostic").unwrap();
        assert_eq!(t.format.to_string(), "read as comma-separated, decimal point, UTF-8 with byte-order mark");
        assert_eq!(t.dataset, english.dataset);
        // The label chooser sees the same columns, and the format.
        let p = preview(&bytes).unwrap();
        assert_eq!(p.format.encoding, TextEncoding::Windows1252);
        assert_eq!(p.columns, preview(&en).unwrap().columns);
        assert!(p.columns.iter().find(|c| c.name == "Volume (mm³)").unwrap().numeric);
    }

    #[test]
    fn old_mac_line_ends_read_and_errors_keep_their_line() {
        let (en, _) = english_and_french();
        let english = read_csv(&en, "diagnostic").unwrap();
        let cr = en.replace('\n', "\r");
        let t = read_table(&cr, "diagnostic").unwrap();
        assert_eq!(t.format.line_ends, LineEnds::Cr);
        assert_eq!(t.format.to_string(), "read as comma-separated, decimal point, UTF-8, old Mac line ends (CR)");
        assert_eq!(t.dataset, english);
        assert_eq!(read_table(en.replace('\n', "\r\n"), "diagnostic").unwrap().format.line_ends, LineEnds::CrLf);
        // The fourth line's volume made text: the error names line 4 with either line ends.
        let bad: Vec<String> = en
            .lines()
            .enumerate()
            .map(|(i, l)| if i == 3 { l.replacen(",Hôpital 2,", ",Hôpital 2,x", 1) } else { l.to_string() })
            .collect();
        for end in ["\r", "\n", "\r\n"] {
            let e = read_csv(bad.join(end), "diagnostic").unwrap_err();
            assert_eq!((e.line, e.column.as_deref()), (Some(4), Some("Volume (mm³)")), "{end:?}: {e}");
        }
    }

    #[test]
    fn a_column_of_mostly_missing_cells_is_left_out_by_name_with_its_count() {
        let mut text = String::from("id,y,size,glcm_x,shape\n");
        for i in 0..10 {
            let x = match i {
                0 | 3 | 6 => "NA",
                1 | 4 => "",
                2 | 7 => "n/a",
                _ => "1.5",
            };
            text.push_str(&format!("c{i},{},{i}.5,{x},{}\n", i % 2, i * 2));
        }
        let t = read_table(&text, "y").unwrap();
        assert_eq!(t.dataset.feature_names, ["size", "shape"]);
        assert!(t.dataset.meta.is_empty(), "not kept as a categorical column either");
        assert_eq!(t.dropped, [DroppedColumn { name: "glcm_x".into(), missing: 7, cases: 10 }]);
        assert_eq!(
            t.notes()[1],
            "column `glcm_x` left out of the features: 7 of its 10 cells are missing (empty or NA); fill them in to use it"
        );
        // A column missing in a few cases only is a feature with holes: the first hole is named.
        let few = text.replace("c5,1,5.5,1.5", "c5,1,5.5,NA");
        assert_eq!(read_table(&few, "y").unwrap().dropped[0].missing, 8);
        let holes = text.replace(",6\n", ",NA\n");
        let e = read_csv(&holes, "y").unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 5, column `shape`: the value is missing (`NA`); remove this case or the column `shape`, or fill in the value"
        );
        // Every numeric column missing: the error lists them.
        let none: String =
            std::iter::once("id,y,a\n".to_string()).chain((0..8).map(|i| format!("c{i},{},{}\n", i % 2, ["NA", ""][i % 2]))).collect();
        let e = read_csv(&none, "y").unwrap_err().to_string();
        assert!(e.contains("column `a` left out of the features: 8 of its 8 cells are missing"), "{e}");
    }

    #[test]
    fn ambiguous_files_say_how_to_save_them() {
        // Commas and semicolons both split every line evenly.
        let e = read_csv("a,b;c\n1,2;3\n4,5;6\n", "a").unwrap_err().to_string();
        assert!(e.contains("cannot tell how the fields are separated") && e.contains("CSV UTF-8 (comma delimited)"), "{e}");
        // Comma-separated with decimal commas quoted in one row and not in the next.
        let e = read_csv("id,y,x\na,0,\"1,5\"\nb,1,2,5\n", "y").unwrap_err();
        assert_eq!(e.line, Some(3));
        let text = e.to_string();
        assert!(text.contains("decimal commas (`\"1,5\"` on line 2)") && text.contains("File > Save As > CSV UTF-8"), "{text}");
        // Unquoted decimal commas in a comma-separated file.
        let e = read_csv("id,y,x\na,0,1,5\nb,1,2,5\n", "y").unwrap_err().to_string();
        assert!(e.starts_with("line 2: this row has 4 fields but the header names 3 columns") && e.contains("Save As"), "{e}");
        // A decimal point among decimal commas names its cell.
        let mut text = String::from("id;y;x\n");
        for i in 0..8 {
            text.push_str(&format!("c{i};{};{i},5\n", i % 2));
        }
        let e = read_csv(text.replace("c3;1;3,5", "c3;1;3.5"), "y").unwrap_err();
        assert_eq!((e.line, e.column.as_deref()), (Some(5), Some("x")));
        assert!(
            e.message.contains("`3.5` has a decimal point but most numbers of this table have a decimal comma (e.g. `0,5` on line 2)"),
            "{e}"
        );
        // A thousands separator in a comma-separated file.
        let e = read_csv(text.replace(';', ",").replace(",5\n", ".5\n").replace("c3,1,3.5", "c3,1,\"1,003.5\""), "y").unwrap_err();
        assert!(e.message.contains("thousands separator"), "{e}");
    }

    #[test]
    fn quoted_decimal_commas_in_a_comma_separated_file_read() {
        let mut text = String::from("id,y,x\n");
        for i in 0..8 {
            text.push_str(&format!("c{i},{},\"{i},25\"\n", i % 2));
        }
        let t = read_table(&text, "y").unwrap();
        assert_eq!((t.format.separator, t.format.decimal), (Separator::Comma, DecimalMark::Comma));
        assert_eq!(t.dataset.x[[3, 0]], 3.25);
    }

    #[test]
    fn encodings_that_cannot_be_read_are_explained() {
        // UTF-8 (é as C3 A9) on line 2, a Windows-1252 é (E9) on line 3.
        let e = read_csv(b"id,y,x\nr\xc3\xa9f,0,1\nr\xe9f,1,2\n", "y").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("mixes two text encodings") && e.message.contains("CSV UTF-8"), "{e}");
        // UTF-16 without its byte-order mark.
        let no_bom = utf16("id\ty\n", true)[2..].to_vec();
        assert!(read_csv(&no_bom, "y").unwrap_err().message.contains("UTF-16 text without a byte-order mark"));
        // A UTF-16 byte-order mark, then an unpaired surrogate on line 2.
        let mut bad = utf16("id\ty\n", true);
        bad.extend([0x00, 0xd8, b'x', 0]);
        let e = read_csv(&bad, "y").unwrap_err();
        assert!(e.line == Some(2) && e.message.contains("UTF-16 little-endian byte-order mark"), "{e}");
    }

    #[test]
    fn spreadsheet_habits_are_understood() {
        let mut text = String::from("sep=;\nid;y;x;;\n");
        for i in 0..8 {
            text.push_str(&format!("c{i};{};{i};;\n", i % 2));
        }
        // Excel's `sep=` line, and the unnamed empty columns past the last one used.
        let t = read_table(&text, "y").unwrap();
        assert_eq!(t.dataset.feature_names, ["x"]);
        assert!(t.dataset.meta.is_empty() && t.dropped.is_empty());
        let e = read_csv(text.replace("c3;1;3;;", "c3;1;z;;"), "y").unwrap_err();
        assert_eq!((e.line, e.column.as_deref()), (Some(6), Some("x")), "{e}");
        // Two unnamed columns holding values.
        let e = read_csv("id,,y,\na,1,0,2\n", "y").unwrap_err().to_string();
        assert!(e.contains("leaves columns 2 and 4 unnamed"), "{e}");
        // A quoted value spanning two lines: later lines keep their numbers.
        let mut text = String::from("id,note,y,x\n");
        for i in 0..8 {
            text.push_str(&format!("c{i},\"first\nsecond\",{},{i}\n", i % 2));
        }
        let ds = read_csv(&text, "y").unwrap();
        assert_eq!(ds.meta_column("note").unwrap()[0], "first\nsecond");
        let e = read_csv(text.replace("c2,\"first\nsecond\",0,2", "c2,\"first\nsecond\",0,q"), "y").unwrap_err();
        assert_eq!(e.line, Some(6), "{e}");
        // Blank lines count.
        let e = read_csv(text.replace("c2,\"first\nsecond\",0,2", "\n\n\nc2,\"first\nsecond\",0,q"), "y").unwrap_err();
        assert_eq!(e.line, Some(9), "{e}");
    }

    #[test]
    fn numbers_follow_the_decimal_mark_and_space_grouping() {
        use DecimalMark::{Comma, Point};
        assert_eq!(parse_number("1\u{a0}234,5", Comma), Some(1234.5));
        assert_eq!(parse_number("-1\u{202f}234\u{202f}567", Comma), Some(-1_234_567.0));
        assert_eq!(parse_number("1 234.5", Point), Some(1234.5));
        assert_eq!(parse_number("1,5E-03", Comma), Some(0.0015));
        assert_eq!(parse_number("12 34", Point), None);
        assert_eq!(parse_number("1 2345", Point), None);
        assert_eq!(parse_number("1 234,5 6", Comma), None);
        assert_eq!(parse_number("1,5", Point), None);
        assert_eq!(parse_number("1.5", Comma), None);
        assert_eq!(parse_number("1,2,3", Comma), None);
        assert_eq!(parse_number("Hôpital 2", Comma), None);
        assert!(parse_number("NaN", Comma).is_some_and(f64::is_nan));
    }
}
