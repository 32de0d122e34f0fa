//! `radlearn features`: IBSI features of one ROI, or of a cohort listed in a CSV file (in parallel).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use clap::{Args, ValueEnum};
use rayon::prelude::*;

use radlearn_engine::image::mask::labels_from_volume;
use radlearn_engine::io::dicom::{self, DicomFile};
use radlearn_engine::io::load::{sniff, Format};
use radlearn_engine::io::open::{self, FileProblem};
use radlearn_engine::radiomics::config::{FeatureConfig, ValidConfig, BUILTINS};
use radlearn_engine::radiomics::export;
use radlearn_engine::radiomics::extract_parallel;
use radlearn_engine::radiomics::features::FeatureValue;
use radlearn_engine::{io::nrrd, LabelMap, LoadOptions, Volume};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// A JSON array of objects with the CSV's fields.
    Json,
}

/// Arguments of `radlearn features`.
#[derive(Debug, Args)]
pub struct FeaturesArgs {
    /// The image: NIfTI, NRRD, or a folder of DICOM slices (one series).
    #[arg(long, required_unless_present_any = ["cases", "print_config"], conflicts_with = "cases")]
    image: Option<PathBuf>,
    /// The mask: a label image on the image's grid (NIfTI, NRRD) or a DICOM RTSTRUCT drawn on the DICOM series.
    #[arg(long, required_unless_present_any = ["cases", "print_config"], conflicts_with = "cases")]
    mask: Option<PathBuf>,
    /// The ROI: an RTSTRUCT ROI name, or a label number of a label image. Optional when the mask holds one ROI.
    #[arg(long)]
    roi: Option<String>,
    /// A cohort: a CSV file with columns `image`, `mask` and optionally `roi` and `label` (the case's name in the
    /// output); paths are relative to the CSV file. Cases run in parallel; progress goes to stderr.
    #[arg(long)]
    cases: Option<PathBuf>,
    /// Configuration: a built-in name (default, ibsi-A ... ibsi-E, digital-phantom) or a .toml/.json file.
    #[arg(long, default_value = "default")]
    config: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Csv)]
    format: OutputFormat,
    /// Print the configuration (as TOML) and exit.
    #[arg(long)]
    print_config: bool,
    /// Memory budget for one image, in MiB.
    #[arg(long, default_value_t = 1024, value_parser = crate::flags::whole(1, u64::MAX), allow_negative_numbers = true)]
    max_mib: u64,
    /// Number of cases computed at once (default: one per core).
    #[arg(long, value_parser = crate::flags::count(1, 1024), allow_negative_numbers = true)]
    jobs: Option<usize>,
}

/// Runs the command; exit code 1 if any case failed, 2 for a bad configuration or cases file.
pub fn run(args: FeaturesArgs) -> ExitCode {
    let cfg = match load_config(&args.config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if args.print_config {
        print!("{}", cfg.config().to_toml());
        return ExitCode::SUCCESS;
    }
    let opts = LoadOptions::with_max_bytes(args.max_mib.saturating_mul(1 << 20));
    match (&args.cases, &args.image, &args.mask) {
        (Some(cases), _, _) => run_cases(cases, &cfg, &opts, args.format, args.jobs),
        (None, Some(image), Some(mask)) => match case_features(image, mask, args.roi.as_deref(), &cfg, &opts) {
            Ok(values) => {
                print!("{}", table(&[(None, values)], args.format));
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("error: give --image and --mask, or --cases");
            ExitCode::from(2)
        }
    }
}

/// A built-in configuration by name, or a TOML/JSON file.
fn load_config(spec: &str) -> Result<ValidConfig, String> {
    let path = Path::new(spec);
    let cfg = if path.is_file() {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{spec}: cannot read the configuration: {e}"))?;
        let parsed = if spec.to_lowercase().ends_with(".json") { FeatureConfig::from_json(&text) } else { FeatureConfig::parse(&text) };
        parsed.map_err(|e| format!("{spec}: {e}"))?
    } else if BUILTINS.iter().any(|b| b.name == spec) {
        FeatureConfig::builtin(spec).map_err(|e| e.to_string())?
    } else {
        let names: Vec<&str> = BUILTINS.iter().map(|b| b.name).collect();
        return Err(format!("`{spec}` is neither a configuration file nor a built-in configuration ({})", names.join(", ")));
    };
    cfg.check().map_err(|e| format!("{spec}: {e}"))
}

/// The files of a folder, sorted.
fn folder_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: cannot list the folder: {e}", dir.display()))?;
    let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect();
    files.sort();
    Ok(files)
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: cannot read the file: {e}", path.display()))
}

/// Reads an image through the engine's `open` module, as the browser does: a folder is a DICOM series (its
/// RTSTRUCTs are not used here: give them as `--mask`); `.hdr` takes its `.img`; a detached NRRD header its data file.
pub(crate) fn read_image(path: &Path, opts: &LoadOptions) -> Result<Volume, String> {
    let mut files = if path.is_dir() { folder_files(path)? } else { vec![path.to_path_buf()] };
    if !path.is_dir() {
        let bytes = read(path)?;
        let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
        if name.ends_with(".hdr") {
            files.push(path.with_extension("img"));
        } else if let Ok((h, _)) = nrrd::parse_header(&bytes) {
            if let Some(f) = &h.data_file {
                files.push(path.parent().unwrap_or(Path::new(".")).join(f));
            }
        }
    }
    let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    let contents = files.iter().map(|p| read(p)).collect::<Result<Vec<_>, _>>()?;
    let named: Vec<(&str, &[u8])> = names.iter().map(String::as_str).zip(contents.iter().map(Vec::as_slice)).collect();
    let shown = |p: &FileProblem| if p.file.is_empty() { p.message.clone() } else { format!("{}: {}", p.file, p.message) };
    match open::open_files(&named, opts, &mut |_, _| {}) {
        Ok(o) => Ok(o.image.volume),
        Err(problems) => Err(problems.iter().map(shown).collect::<Vec<_>>().join("; ")),
    }
}

/// Reads the mask and picks the ROI: returns the label map and the label to use.
pub(crate) fn read_mask(path: &Path, roi: Option<&str>, image: &Volume, opts: &LoadOptions) -> Result<(LabelMap, u8), String> {
    match read_label_image(path, roi, opts)? {
        Some(found) => Ok(found),
        None => read_rtstruct(path, roi, image, opts),
    }
}

/// A mask that is a label image (NIfTI, NRRD), which needs no image to be read; `None` for a DICOM file or folder,
/// which may be an RTSTRUCT drawn on the image (see [`read_rtstruct`]).
fn read_label_image(path: &Path, roi: Option<&str>, opts: &LoadOptions) -> Result<Option<(LabelMap, u8)>, String> {
    if path.is_dir() {
        return Ok(None);
    }
    // The first bytes tell a DICOM file (which may be an RTSTRUCT) from a label image.
    let mut head = Vec::with_capacity(4096);
    std::fs::File::open(path)
        .and_then(|f| std::io::Read::read_to_end(&mut std::io::Read::take(f, 4096), &mut head))
        .map_err(|e| format!("{}: cannot read the file: {e}", path.display()))?;
    if sniff(&head, "") == Some(Format::Dicom) {
        return Ok(None);
    }
    label_image(path, roi, opts).map(Some)
}

/// Reads any image as a label map, by the engine's one rule (`mask::labels_from_volume`).
fn label_image(path: &Path, roi: Option<&str>, opts: &LoadOptions) -> Result<(LabelMap, u8), String> {
    let v = read_image(path, opts)?;
    let mask = labels_from_volume(&v, &[]).map_err(|e| format!("{}: {e}", path.display()))?;
    let labels: Vec<u8> = mask.names.iter().map(|&(l, _)| l).collect();
    let label = match roi {
        Some(r) => match r.trim().parse::<u8>() {
            Ok(l) => l,
            Err(_) => {
                return Err(format!(
                    "{}: --roi `{r}` is not a label number of this label image; its labels are {labels:?}",
                    path.display()
                ));
            }
        },
        None if labels.len() <= 1 => labels.first().copied().unwrap_or(1),
        None => return Err(format!("{}: the mask holds several labels {labels:?}; choose one with --roi", path.display())),
    };
    Ok((mask, label))
}

/// A mask given as a DICOM RTSTRUCT file, or a folder holding one, rasterised on the image's grid.
fn read_rtstruct(path: &Path, roi: Option<&str>, image: &Volume, opts: &LoadOptions) -> Result<(LabelMap, u8), String> {
    let candidates = if path.is_dir() { folder_files(path)? } else { vec![path.to_path_buf()] };
    for p in &candidates {
        let bytes = read(p)?;
        if sniff(&bytes, "") != Some(Format::Dicom) {
            continue;
        }
        if let Ok(DicomFile::RtStruct(rt)) = dicom::read_file(&bytes, opts) {
            let names = rt.names();
            let name = match roi {
                Some(r) => r.to_string(),
                None if names.len() == 1 => names[0].clone(),
                None => {
                    return Err(format!(
                        "{}: the structure set holds several ROIs; choose one with --roi: {}",
                        p.display(),
                        names.join(", ")
                    ));
                }
            };
            let mask = rt.rasterise(&name, image).map_err(|e| format!("{}: {e}", p.display()))?;
            return Ok((mask, 1));
        }
    }
    if path.is_dir() {
        return Err(format!("{}: the folder holds no DICOM RTSTRUCT; give an RTSTRUCT file or a label image", path.display()));
    }
    // A DICOM file that is not a structure set: a label image stored as DICOM.
    label_image(path, roi, opts)
}

/// Features of one case.
fn case_features(image: &Path, mask: &Path, roi: Option<&str>, cfg: &ValidConfig, opts: &LoadOptions) -> Result<Vec<FeatureValue>, String> {
    // The image and a label-image mask are read at the same time; an RTSTRUCT needs the image's grid first.
    let (img, labels) = rayon::join(|| read_image(image, opts), || read_label_image(mask, roi, opts));
    let img = img?;
    let (m, label) = match labels? {
        Some(found) => found,
        None => read_rtstruct(mask, roi, &img, opts)?,
    };
    extract_parallel(&img, &m, label, cfg).map_err(|e| e.to_string())
}

/// One case of a cohort file.
struct Case {
    label: String,
    image: PathBuf,
    mask: PathBuf,
    roi: Option<String>,
}

/// Reads a cohort file with the table reader of the Model Lab: any encoding (UTF-8 with or without a byte-order
/// mark, UTF-16, Windows-1252), separator (`,` `;` tab) and line ends.
fn read_cases(path: &Path) -> Result<Vec<Case>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: cannot read the cases file: {e}", path.display()))?;
    let records = radlearn_engine::ml::table::read_records(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let header: Vec<String> = records.header.iter().map(|h| h.to_lowercase()).collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(image), Some(mask)) = (col("image"), col("mask")) else {
        return Err(format!(
            "{}: the first line must name the columns, with at least `image` and `mask` (and optionally `roi`, `label`)",
            path.display()
        ));
    };
    let (roi, label) = (col("roi"), col("label"));
    let mut cases = Vec::new();
    for (line, f) in &records.rows {
        let get = |c: Option<usize>| c.and_then(|c| f.get(c)).filter(|s| !s.is_empty()).cloned();
        let (Some(img), Some(msk)) = (get(Some(image)), get(Some(mask))) else {
            return Err(format!("{}:{line}: the line has no image or no mask", path.display()));
        };
        cases.push(Case { label: get(label).unwrap_or_else(|| img.clone()), image: base.join(img), mask: base.join(msk), roi: get(roi) });
    }
    if cases.is_empty() {
        return Err(format!("{}: the cases file lists no case", path.display()));
    }
    Ok(cases)
}

fn run_cases(path: &Path, cfg: &ValidConfig, opts: &LoadOptions, format: OutputFormat, jobs: Option<usize>) -> ExitCode {
    let cases = match read_cases(path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let n = cases.len();
    let done = AtomicUsize::new(0);
    let stderr = Mutex::new(());
    let start = Instant::now();
    let work = || -> Vec<Result<Vec<FeatureValue>, String>> {
        cases
            .par_iter()
            .map(|c| {
                let t = Instant::now();
                let r = case_features(&c.image, &c.mask, c.roi.as_deref(), cfg, opts);
                let k = done.fetch_add(1, Ordering::SeqCst) + 1;
                let _lock = stderr.lock();
                match &r {
                    Ok(v) => eprintln!("[{k}/{n}] {}: {} values in {:.1} s", c.label, v.len(), t.elapsed().as_secs_f64()),
                    Err(e) => eprintln!("[{k}/{n}] {}: error: {e}", c.label),
                }
                r
            })
            .collect()
    };
    let results = match jobs.and_then(|j| rayon::ThreadPoolBuilder::new().num_threads(j.max(1)).build().ok()) {
        Some(pool) => pool.install(work),
        None => work(),
    };
    let failed = results.iter().filter(|r| r.is_err()).count();
    let rows: Vec<(Option<&str>, Vec<FeatureValue>)> =
        cases.iter().zip(results).filter_map(|(c, r)| r.ok().map(|v| (Some(c.label.as_str()), v))).collect();
    print!("{}", table(&rows, format));
    eprintln!(
        "{} of {n} cases in {:.1} s{}",
        n - failed,
        start.elapsed().as_secs_f64(),
        if failed > 0 { format!(", {failed} failed") } else { String::new() }
    );
    if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// The table of every case's values: one row per value, with a leading `case` column for cohorts.
pub fn table(cases: &[(Option<&str>, Vec<FeatureValue>)], format: OutputFormat) -> String {
    let cases: Vec<export::Case<'_>> = cases.iter().map(|(c, v)| (*c, v.as_slice())).collect();
    match format {
        OutputFormat::Csv => export::csv(&cases),
        OutputFormat::Json => export::json(&cases),
    }
}
