#![no_main]
//! The feature-table reader on arbitrary bytes (issue 14): decoding (UTF-8, byte-order marks, UTF-16,
//! Windows-1252), separator and decimal-mark detection, both table shapes and the label chooser. Each must return a
//! typed error or a dataset of finite values, never panic.
use libfuzzer_sys::fuzz_target;
use radlearn_engine::ml::table::{preview, read_records, read_table};

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = read_records(data) {
        assert!(r.rows.iter().all(|(_, row)| row.len() == r.header.len()));
    }
    let mut labels = vec!["label".to_string()];
    if let Ok(p) = preview(data) {
        labels.extend(p.columns.iter().take(4).map(|c| c.name.clone()));
    }
    for label in &labels {
        if let Ok(t) = read_table(data, label) {
            let ds = &t.dataset;
            assert!(ds.x.iter().all(|v| v.is_finite()));
            assert_eq!((ds.x.nrows(), ds.ids.len(), ds.x.ncols()), (ds.len(), ds.len(), ds.feature_names.len()));
            assert!(ds.meta.iter().all(|(_, v)| v.len() == ds.len()));
            let _ = t.notes();
        }
    }
});
