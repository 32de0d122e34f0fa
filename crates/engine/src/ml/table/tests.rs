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
    let bad: Vec<String> =
        en.lines().enumerate().map(|(i, l)| if i == 3 { l.replacen(",Hôpital 2,", ",Hôpital 2,x", 1) } else { l.to_string() }).collect();
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
