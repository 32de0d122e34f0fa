//! The worker's side (`src/bin/worker.rs` runs it): the [`Session`] that answers each [`Request`] ([`Incoming`]) with the engine.

use std::ops::ControlFlow;

use radlearn_engine::ml::cohort::{self};
use radlearn_engine::ml::eval::{self, CvOptions};
use radlearn_engine::ml::model::ModelSpec;
use radlearn_engine::ml::unsupervised::{self};
use radlearn_engine::ml::Dataset;
use radlearn_engine::radiomics::config::FeatureConfig;
use radlearn_engine::radiomics::extract;
use radlearn_engine::{radiomics::export, LabelMap, LoadOptions, Volume};

use super::protocol::*;
use super::wire::*;

use radlearn_engine::io::open::{self, FileProblem};

/// Files as the engine's opening functions take them (`radlearn_engine::io::open::NamedBytes`).
fn borrowed(files: &[NamedBytes]) -> Vec<(&str, &[u8])> {
    files.iter().map(|f| (f.name.as_str(), f.bytes.as_slice())).collect()
}

/// The worker's state: the image it was sent, decoded (or why it could not be); for a decoding worker, the last
/// image it decoded, with a fingerprint of the files it came from (for the masks opened on it).
#[derive(Debug, Default)]
pub struct Session {
    image: Option<Result<Volume, String>>,
    decoded: Option<(u64, Volume)>,
}

/// A fingerprint of files: names and bytes.
fn fingerprint<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for (name, bytes) in files {
        name.hash(&mut h);
        bytes.hash(&mut h);
    }
    h.finish()
}

/// Progress every few files of a long series (each message costs the page a render).
fn file_progress(job: JobId, emit: &mut dyn FnMut(Response)) -> impl FnMut(usize, usize) + '_ {
    move |done, total| {
        if total > 1 && done % (total / 50).max(1) == 0 {
            emit(Response::Progress { job, done: done as u32, total: total as u32, family: "files".into() });
        }
    }
}

impl Session {
    /// Handles one request; `emit` sends responses (progress as it goes).
    pub fn handle(&mut self, request: Incoming, emit: &mut dyn FnMut(Response)) {
        match request {
            Request::Image { files, .. } => {
                let opened = open::open_files(&borrowed(&files), &LoadOptions::default(), &mut |_, _| {});
                drop(files);
                self.image = Some(opened.map(|o| o.image.volume).map_err(|problems| {
                    let text: Vec<String> = problems
                        .iter()
                        .map(|p| if p.file.is_empty() { p.message.clone() } else { format!("{}: {}", p.file, p.message) })
                        .collect();
                    format!("the image could not be read: {}", text.join("; "))
                }));
            }
            Request::Extract { job, mask, label, config } => {
                let outcome = self.extract(job, &mask, label, config, emit);
                emit(match outcome {
                    Ok(result) => Response::Done { job, result },
                    Err(message) => Response::Failed { job, message },
                });
            }
            Request::Cohort { job, spec } => {
                let cfg = cohort::extraction_config();
                let mut progress = |done: usize, total: usize| {
                    emit(Response::Progress { job, done: done as u32, total: total as u32, family: "lesions".into() });
                    ControlFlow::Continue(())
                };
                // The page sends a plain spec: it is checked here, on receipt.
                let outcome = spec.check().and_then(|spec| cohort::generate(&spec, &cfg, &mut progress));
                emit(match outcome {
                    Ok(dataset) => Response::Cohort { job, dataset },
                    Err(e) => Response::Failed { job, message: e.to_string() },
                });
            }
            Request::Evaluate { job, dataset, model, options, analysis } => {
                let outcome = evaluate(job, &dataset, &model, &options, &analysis, emit);
                emit(match outcome {
                    Ok(result) => Response::Evaluated { job, result: Box::new(result) },
                    Err(message) => Response::Failed { job, message },
                });
            }
            Request::Explore { job, dataset, settings } => {
                emit(match explore(&dataset, &settings) {
                    Ok(result) => Response::Explored { job, result: Box::new(result) },
                    Err(message) => Response::Failed { job, message },
                });
            }
            Request::Open { job, files } => {
                let key = fingerprint(files.iter().map(|f| (f.name.as_str(), f.bytes.as_slice())));
                self.decoded = None;
                let opened = open::open_files(&borrowed(&files), &LoadOptions::default(), &mut file_progress(job, emit));
                drop(files);
                let result = opened.map(|o| {
                    let data = OpenedData {
                        name: o.image.name,
                        volume: VolumeData::from(&o.image.volume),
                        mask: o.mask.map(LabelData::from),
                        skipped: o.skipped,
                        notes: o.notes,
                    };
                    self.decoded = Some((key, o.image.volume));
                    Box::new(data)
                });
                emit(Response::Opened { job, result });
            }
            Request::OpenMask { job, image_files, mask } => {
                let result = self.open_mask(job, &image_files, &mask, emit);
                emit(Response::MaskOpened { job, result });
            }
            Request::DecodeSample { job, dataset, image, mask } => {
                let result = self.decode_sample(&dataset, &image, mask.as_deref());
                emit(Response::SampleDecoded { job, result });
            }
        }
    }

    /// The image decoded from `files`: the last one if it is the same, else decoded again.
    fn decoded_image(&mut self, job: JobId, files: &[NamedBytes], emit: &mut dyn FnMut(Response)) -> Result<&Volume, Vec<FileProblem>> {
        let key = fingerprint(files.iter().map(|f| (f.name.as_str(), f.bytes.as_slice())));
        if self.decoded.as_ref().is_none_or(|(k, _)| *k != key) {
            self.decoded = None;
            let opened = open::open_files(&borrowed(files), &LoadOptions::default(), &mut file_progress(job, emit))?;
            self.decoded = Some((key, opened.image.volume));
        }
        match &self.decoded {
            Some((_, v)) => Ok(v),
            None => Err(Vec::new()),
        }
    }

    fn open_mask(
        &mut self,
        job: JobId,
        image_files: &[NamedBytes],
        mask: &NamedBytes,
        emit: &mut dyn FnMut(Response),
    ) -> Result<Box<MaskOpenedData>, FileProblem> {
        let image = self.decoded_image(job, image_files, emit).map_err(|problems| {
            let text: Vec<String> =
                problems.iter().map(|p| if p.file.is_empty() { p.message.clone() } else { format!("{}: {}", p.file, p.message) }).collect();
            FileProblem { file: mask.name.clone(), message: format!("the image could not be read again: {}", text.join("; ")) }
        })?;
        let (m, notes) = open::open_mask(&mask.name, &mask.bytes, image, &[], &LoadOptions::default())?;
        Ok(Box::new(MaskOpenedData { mask: m.into(), notes }))
    }

    fn decode_sample(&mut self, dataset: &str, image: &NamedBytes, mask: Option<&NamedBytes>) -> Result<Box<SampleData>, FileProblem> {
        let problem = |message: String| FileProblem { file: image.name.clone(), message };
        let d = radlearn_course::datasets::datasets()
            .map_err(problem)?
            .into_iter()
            .find(|d| d.id == dataset)
            .ok_or_else(|| problem(format!("the sample dataset “{dataset}” is not in this build")))?;
        self.decoded = None;
        let mask = mask.map(|m| (m.name.as_str(), m.bytes.as_slice()));
        let opts = LoadOptions::default();
        let s = open::open_sample((&d.image, &image.bytes), d.units.as_deref(), mask, &d.label_names(), &opts)?;
        let data = SampleData {
            volume: VolumeData::from(&s.volume),
            mask: s.mask.map(LabelData::from),
            notes: s.notes,
            mask_problem: s.mask_problem,
        };
        self.decoded = Some((fingerprint([(image.name.as_str(), image.bytes.as_slice())]), s.volume));
        Ok(Box::new(data))
    }

    fn extract(
        &self,
        job: JobId,
        mask: &MaskData,
        label: Option<u8>,
        config: ConfigSpec,
        emit: &mut dyn FnMut(Response),
    ) -> Result<Computed, String> {
        let image = match &self.image {
            Some(Ok(v)) => v,
            Some(Err(e)) => return Err(e.clone()),
            None => return Err("no image was sent to the worker before the extraction".into()),
        };
        let cfg = match &config {
            ConfigSpec::Builtin(name) => FeatureConfig::builtin(name),
            ConfigSpec::Text(text) => FeatureConfig::parse(text),
        }
        .and_then(FeatureConfig::check)
        .map_err(|e| format!("the configuration cannot be used: {e}"))?;
        let mask = build_mask(image, mask)?;
        let label = choose_label(&mask, label)?;
        let roi_voxels = mask.data.iter().filter(|&&l| l == label).count() as u64;
        let mut progress = |p: radlearn_engine::radiomics::features::Progress| {
            emit(Response::Progress { job, done: p.done as u32, total: p.total as u32, family: p.family.name().to_string() });
            ControlFlow::Continue(())
        };
        let values = extract(image, &mask, label, &cfg, &mut progress).map_err(|e| e.to_string())?;
        let case = [(None, values.as_slice())];
        Ok(Computed { rows: values.iter().map(Row::from).collect(), csv: export::csv(&case), json: export::json(&case), roi_voxels, label })
    }
}

/// Runs one evaluation of the Model Lab, reporting each fold.
fn evaluate(
    job: JobId,
    dataset: &Dataset,
    model: &ModelSpec,
    options: &CvOptions,
    analysis: &Analysis,
    emit: &mut dyn FnMut(Response),
) -> Result<Evaluation, String> {
    // The page sends a plain spec: it is checked here, on receipt.
    let model = &model.check().map_err(|e| e.to_string())?;
    let mut progress = |done: usize, total: usize| {
        emit(Response::Progress { job, done: done as u32, total: total as u32, family: "folds".into() });
        ControlFlow::Continue(())
    };
    let result = match analysis {
        Analysis::CrossValidation => eval::cross_validate(dataset, model, options, &mut progress).map(Evaluation::CrossValidation),
        Analysis::Nested { hyper, grid } => eval::nested_cv(dataset, model, *hyper, grid, options, &mut progress).map(Evaluation::Nested),
        Analysis::LearningCurve { fractions } => {
            eval::learning_curve(dataset, model, options, fractions, &mut progress).map(Evaluation::LearningCurve)
        }
        Analysis::Holdout { test_fraction } => eval::holdout(dataset, model, *test_fraction, options).map(Evaluation::CrossValidation),
    };
    result.map_err(|e| e.to_string())
}

/// PCA, k-means and correlations of a dataset.
fn explore(dataset: &Dataset, settings: &ExploreSettings) -> Result<Exploration, String> {
    let x = dataset.x.view();
    // At most min(cases - 1, features) components exist; the panels show as many as there are.
    let components = settings.components.clamp(1, unsupervised::max_components(x.nrows(), x.ncols()).max(1));
    let pca = unsupervised::pca(x, components, settings.standardise).map_err(|e| e.to_string())?;
    let kmeans = unsupervised::kmeans(x, settings.clusters, settings.seed, settings.standardise).map_err(|e| e.to_string())?;
    let labels: Vec<usize> = dataset.y.iter().map(|&y| usize::from(y)).collect();
    let ari_label = unsupervised::adjusted_rand_index(&kmeans.labels, &labels);
    let ari_site = dataset.meta_column("site").map(|sites| {
        let mut names: Vec<&String> = sites.iter().collect();
        names.sort();
        names.dedup();
        let codes: Vec<usize> = sites.iter().map(|s| names.binary_search(&s).unwrap_or(0)).collect();
        unsupervised::adjusted_rand_index(&kmeans.labels, &codes)
    });
    let kept = unsupervised::redundancy_filter(x, settings.redundancy);
    let heatmap: Vec<usize> = kept.iter().copied().take(settings.heatmap_features.max(2)).collect();
    let correlation = unsupervised::correlation(dataset.x.select(ndarray::Axis(1), &heatmap).view());
    Ok(Exploration { pca, kmeans, ari_label, ari_site, kept, heatmap, correlation })
}

/// The mask on the image's grid.
fn build_mask(image: &Volume, mask: &MaskData) -> Result<LabelMap, String> {
    match mask {
        MaskData::File(f) => open::open_mask(&f.name, &f.bytes, image, &[], &LoadOptions::default())
            .map(|(m, _notes)| m)
            .map_err(|p| format!("the mask could not be used: {}: {}", p.file, p.message)),
        MaskData::Box { start, size, labels } => {
            let dims = image.geometry.dims;
            let (start, size) = (start.map(|v| v as usize), size.map(|v| v as usize));
            let fits = (0..3).all(|a| start[a].checked_add(size[a]).is_some_and(|end| end <= dims[a]));
            let count = size[0].checked_mul(size[1]).and_then(|n| n.checked_mul(size[2]));
            if !fits || count != Some(labels.len()) {
                return Err(format!(
                    "the mask does not fit the image ({} × {} × {} voxels); draw or open the mask on this image",
                    dims[0], dims[1], dims[2]
                ));
            }
            let mut data = vec![0u8; image.geometry.len()];
            for (k, row) in labels.chunks_exact(size[0].max(1)).enumerate() {
                let (y, z) = (start[1] + k % size[1].max(1), start[2] + k / size[1].max(1));
                let at = start[0] + dims[0] * (y + dims[1] * z);
                if let Some(dst) = data.get_mut(at..at + size[0]) {
                    dst.copy_from_slice(row);
                }
            }
            LabelMap::new(image.geometry.clone(), data).ok_or_else(|| "the mask does not fit the image".to_string())
        }
    }
}

/// The label to use: the one asked for, or the mask's only one.
fn choose_label(mask: &LabelMap, label: Option<u8>) -> Result<u8, String> {
    if let Some(l) = label {
        return Ok(l);
    }
    let mut present = [false; 256];
    mask.data.iter().for_each(|&l| present[l as usize] = true);
    let labels: Vec<u8> = (1..=255u8).filter(|&l| present[l as usize]).collect();
    match labels.as_slice() {
        [] => Err("the mask is empty (every voxel is 0): draw or open a region of interest first".into()),
        [one] => Ok(*one),
        many => Err(format!("the mask holds several regions (labels {many:?}); choose one")),
    }
}
