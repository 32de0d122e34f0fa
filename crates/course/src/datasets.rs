//! The sample datasets the app ships under `static/data` (their list, `static/data/datasets.json`, embedded at
//! build time): one struct for the lesson check (a widget's `dataset` must exist, with the labels it grades) and for
//! the app (what to download, with its licence and attribution). The files themselves are downloaded when opened.

use serde::Deserialize;

/// The sample datasets' list, embedded at build time.
const DATASETS_JSON: &str = include_str!("../../../static/data/datasets.json");

/// One sample dataset of `static/data/datasets.json`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Dataset {
    pub id: String,
    pub title: String,
    pub description: String,
    /// File name of the image, in `data/<id>/`.
    pub image: String,
    /// File name of the mask, in `data/<id>/`.
    #[serde(default)]
    pub mask: Option<String>,
    /// Intensity units when the file does not say (e.g. "HU" for a CT stored as NIfTI).
    #[serde(default)]
    pub units: Option<String>,
    #[serde(default)]
    pub labels: Vec<LabelName>,
    pub licence: String,
    pub licence_url: String,
    pub attribution: String,
    pub image_bytes: u64,
    #[serde(default)]
    pub mask_bytes: u64,
}

/// The name of one label value of a dataset's mask.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LabelName {
    pub value: u8,
    pub name: String,
}

#[derive(Deserialize)]
struct DatasetList {
    datasets: Vec<Dataset>,
}

impl Dataset {
    /// URL of a file of this dataset, relative to the page.
    pub fn url(&self, file: &str) -> String {
        format!("data/{}/{}", self.id, file)
    }

    /// Label names as the engine takes them.
    pub fn label_names(&self) -> Vec<(u8, String)> {
        self.labels.iter().map(|l| (l.value, l.name.clone())).collect()
    }

    /// The URLs of its files (image, then mask if any), relative to the page.
    pub fn urls(&self) -> Vec<String> {
        std::iter::once(&self.image).chain(self.mask.as_ref()).map(|f| self.url(f)).collect()
    }

    /// Bytes to download to open it.
    pub fn total_bytes(&self) -> u64 {
        self.image_bytes + self.mask_bytes
    }
}

/// The sample datasets; an error if the embedded list is malformed (a build problem, shown in the page).
pub fn datasets() -> Result<Vec<Dataset>, String> {
    serde_json::from_str::<DatasetList>(DATASETS_JSON)
        .map(|l| l.datasets)
        .map_err(|e| format!("the list of sample images is damaged ({e})"))
}

/// The dataset with this id, if the list has it.
pub fn dataset(id: &str) -> Option<Dataset> {
    datasets().ok()?.into_iter().find(|d| d.id == id)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_list_reads_and_names_files_that_exist() {
        let list = datasets().unwrap();
        assert!(!list.is_empty());
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../static");
        for d in &list {
            assert!(d.licence.len() > 2 && !d.attribution.is_empty(), "{}: licence and attribution", d.id);
            for url in d.urls() {
                let len = std::fs::metadata(root.join(&url)).map(|m| m.len()).unwrap_or_else(|e| panic!("{url}: {e}"));
                assert!(len == d.image_bytes || Some(len) == d.mask.as_ref().map(|_| d.mask_bytes), "{url}: {len} bytes");
            }
            assert_eq!(dataset(&d.id).as_ref(), Some(d));
        }
        assert_eq!(dataset("no-such-dataset"), None);
    }
}
