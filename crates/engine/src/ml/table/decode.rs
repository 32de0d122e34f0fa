//! Bytes to text: the encoding (byte-order mark, UTF-8 or Windows-1252) and the line ends.

use super::*;

/// Decodes a table's bytes: a byte-order mark names UTF-8 or UTF-16; without one, the bytes are UTF-8 when they are
/// valid UTF-8, else Windows-1252 (what Excel's plain "CSV" writes on Western European Windows).
pub(super) fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, TextEncoding), TableError> {
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
pub(super) fn refuse_nul(text: &str) -> Result<(), TableError> {
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

pub(super) fn normalise_line_ends(text: Cow<'_, str>) -> (Cow<'_, str>, LineEnds) {
    if !text.contains('\r') {
        return (text, LineEnds::Lf);
    }
    let ends = if text.contains('\n') { LineEnds::CrLf } else { LineEnds::Cr };
    (Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n")), ends)
}
