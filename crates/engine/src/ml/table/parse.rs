//! Text to records: the separator, the decimal mark and the numbers.

use super::*;

/// The records of `text` split at `separator` (RFC 4180 quoting, quoted fields may span lines), fields trimmed,
/// with the line each record starts on; records of blank lines skipped. At most `limit` records; past
/// [`MAX_CELLS`] cells an error.
pub(super) fn split(text: &str, separator: Separator, first_line: usize, limit: usize) -> Result<Vec<(usize, Vec<String>)>, TableError> {
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
pub(super) fn detect_separator(text: &str) -> Result<Separator, TableError> {
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
pub(super) fn is_missing(v: &str) -> bool {
    v.is_empty() || ["na", "n/a", "#n/a", "nan", "null", "none"].iter().any(|m| v.eq_ignore_ascii_case(m))
}

/// Spaces that spreadsheets put between groups of thousands: the space, the no-break space (Excel in French) and
/// the narrow no-break and thin spaces.
pub(super) const GROUP_SPACES: [char; 4] = [' ', '\u{a0}', '\u{202f}', '\u{2009}'];

/// `v` as a number written with `decimal` as its decimal mark, optionally with spaces between groups of three
/// digits (`1 234,5`). Rust's own parser reads the result (with exponents, `inf` and `NaN`); this only rewrites the
/// spreadsheet's notation into it, so it is written by hand.
pub(super) fn parse_number(v: &str, decimal: DecimalMark) -> Option<f64> {
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
pub(super) struct Decimals {
    pub(super) mark: DecimalMark,
    pub(super) point: Option<(usize, usize, String)>,
    pub(super) comma: Option<(usize, usize, String)>,
}

pub(super) fn detect_decimal(rows: &[(usize, Vec<String>)]) -> Decimals {
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
pub(super) struct Parsed {
    pub(super) header: Vec<String>,
    pub(super) rows: Vec<(usize, Vec<String>)>,
    pub(super) format: Format,
    pub(super) decimals: Decimals,
}

pub(super) fn parse(input: &[u8]) -> Result<Parsed, TableError> {
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
