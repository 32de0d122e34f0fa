//! `radlearn`: a thin command line over the RadLearn crates, for instructors and benchmarks.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use radlearn_course::compile::{compile_course, Severity};

mod cohort;
mod convert;
mod features;
mod flags;
#[cfg(target_os = "linux")]
mod hugepages;
mod model;

#[cfg(target_os = "linux")]
#[global_allocator]
static ALLOCATOR: hugepages::Allocator = hugepages::Allocator;

#[derive(Parser)]
#[command(name = "radlearn", version, about = "RadLearn: radiomics and machine learning lessons, from the command line")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Work with the course's Markdown lessons.
    Lessons {
        #[command(subcommand)]
        action: LessonsAction,
    },
    /// Describe medical images: dimensions, spacing, orientation, intensity range, modality and series. DICOM files
    /// (or folders of them) given together are read as one series; patient-identifying DICOM tags are reported.
    Info {
        /// NIfTI (.nii, .nii.gz), NRRD (.nrrd, .nhdr), DICOM files or folders, PNG or JPEG.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Memory budget for one image, in MiB.
        #[arg(long, default_value_t = 1024, value_parser = crate::flags::whole(1, u64::MAX), allow_negative_numbers = true)]
        max_mib: u64,
        /// Read each file on its own and print one JSON line per file, for scripts and tests: the dimensions and
        /// intensity statistics, or the error's kind (e.g. "Unsupported") and message.
        #[arg(long)]
        json: bool,
    },
    /// Compute IBSI radiomics features of a region of interest (or of a cohort with --cases), one row per value.
    Features(features::FeaturesArgs),
    /// Write an image, or a mask on its grid (e.g. an RTSTRUCT ROI), as NIfTI.
    Convert(convert::ConvertArgs),
    /// Evaluate classifiers on a feature table (cross-validated AUC, confusion metrics) or look at it with PCA.
    Model(model::ModelArgs),
    /// Make a synthetic cohort (CT-like lesions from several sites, with a known label) and write its feature table
    /// as CSV, for the Model Lab; optionally its images and masks as NIfTI.
    Cohort(cohort::CohortArgs),
}

#[derive(Subcommand)]
enum LessonsAction {
    /// Check every lesson exactly as the site build does, and list each problem as file:line.
    Check {
        /// The lessons folder (`NN-name.md` files or `NN-name/lesson.md` folders).
        #[arg(default_value = "lessons")]
        dir: PathBuf,
        /// Treat warnings (formula errors, unknown widgets) as errors.
        #[arg(long)]
        deny_warnings: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Lessons { action: LessonsAction::Check { dir, deny_warnings } } => lessons_check(dir, deny_warnings),
        Command::Info { files, max_mib, json: false } => info::run(&files, max_mib),
        Command::Info { files, max_mib, json: true } => info::run_json(&files, max_mib),
        Command::Features(args) => features::run(args),
        Command::Convert(args) => convert::run(args),
        Command::Model(args) => model::run(args),
        Command::Cohort(args) => cohort::run(args),
    }
}

fn lessons_check(dir: PathBuf, deny_warnings: bool) -> ExitCode {
    // Paths in messages are relative to the folder that holds the lessons folder, like the build's.
    let dir = dir.components().as_path().to_path_buf();
    let root = dir
        .parent()
        .map(|p| if p.as_os_str().is_empty() { PathBuf::from(".") } else { p.to_path_buf() })
        .unwrap_or_else(|| PathBuf::from("."));
    let Some(name) = dir.file_name().map(|n| n.to_string_lossy().to_string()) else {
        eprintln!("error: `{}` is not a folder name; pass the lessons folder, e.g. `radlearn lessons check lessons`", dir.display());
        return ExitCode::from(2);
    };
    match compile_course(&root, &name) {
        Ok(compiled) => {
            for w in &compiled.warnings {
                eprintln!("{w}");
            }
            let quizzes: usize = compiled.course.lessons.iter().map(|l| l.quiz_count).sum();
            let failed = deny_warnings && !compiled.warnings.is_empty();
            println!(
                "{} {} lessons, {quizzes} quizzes, {} warnings",
                if failed { "FAILED:" } else { "ok:" },
                compiled.course.lessons.len(),
                compiled.warnings.len()
            );
            if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(diags) => {
            for d in &diags {
                eprintln!("{d}");
            }
            let errors = diags.iter().filter(|d| d.severity == Severity::Error).count();
            eprintln!("FAILED: {errors} errors");
            ExitCode::FAILURE
        }
    }
}

/// `radlearn info FILE...`: what the engine reads from each image.
mod info {
    use std::path::{Path, PathBuf};
    use std::process::ExitCode;

    use radlearn_engine::io::dicom::{self, DicomFile};
    use radlearn_engine::io::load::{sniff, Format};
    use radlearn_engine::{io::nifti, io::nrrd, LoadError, LoadOptions, Volume};

    /// Reads and describes every file; DICOM files and folders are gathered into one set. Exit code 1 if any failed.
    pub fn run(paths: &[PathBuf], max_mib: u64) -> ExitCode {
        let opts = LoadOptions::with_max_bytes(max_mib.saturating_mul(1 << 20));
        let mut failed = false;
        let mut dicoms: Vec<(PathBuf, Vec<u8>)> = Vec::new();
        let mut others: Vec<(PathBuf, Vec<u8>)> = Vec::new();
        let mut expanded = Vec::new();
        for p in paths {
            if p.is_dir() {
                match std::fs::read_dir(p) {
                    Ok(entries) => {
                        let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect();
                        files.sort();
                        expanded.extend(files);
                    }
                    Err(e) => {
                        eprintln!("{}: cannot list the folder: {e}", p.display());
                        failed = true;
                    }
                }
            } else {
                expanded.push(p.clone());
            }
        }
        for p in expanded {
            match std::fs::read(&p) {
                Ok(bytes) => {
                    let name = p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
                    if sniff(&bytes, &name) == Some(Format::Dicom) {
                        dicoms.push((p, bytes));
                    } else {
                        others.push((p, bytes));
                    }
                }
                Err(e) => {
                    eprintln!("{}: cannot read the file: {e}", p.display());
                    failed = true;
                }
            }
        }
        for (p, bytes) in &others {
            let result = read_other(p, bytes, &others, &opts);
            match result {
                Ok(Some(v)) => describe(&p.display().to_string(), &v),
                Ok(None) => {}
                Err(e) => {
                    eprintln!("{}: error: {e}", p.display());
                    failed = true;
                }
            }
        }
        if !dicoms.is_empty() && !describe_dicoms(&dicoms, &opts) {
            failed = true;
        }
        if failed {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        }
    }

    /// `radlearn info --json FILE...`: each file read on its own (a DICOM file as a one-file series), one JSON object
    /// per line. Exit code 0 even when files are refused: the refusal is the answer.
    pub fn run_json(paths: &[PathBuf], max_mib: u64) -> ExitCode {
        use radlearn_engine::radiomics::export::json_string;
        let opts = LoadOptions::with_max_bytes(max_mib.saturating_mul(1 << 20));
        let number = |v: f64| if v.is_finite() { format!("{v}") } else { "null".into() };
        for p in paths {
            let file = json_string(&p.display().to_string());
            let bytes = match std::fs::read(p) {
                Ok(b) => b,
                Err(e) => {
                    println!("{{\"file\": {file}, \"ok\": false, \"kind\": \"Io\", \"message\": {}}}", json_string(&e.to_string()));
                    continue;
                }
            };
            let name = p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            let result = if sniff(&bytes, &name) == Some(Format::Dicom) {
                dicom::read_file(&bytes, &opts).and_then(|f| match f {
                    DicomFile::Image(s) => dicom::volume_from_slices(vec![*s]).map(Ok),
                    DicomFile::RtStruct(r) => Ok(Err(r.rois.len())),
                })
            } else {
                radlearn_engine::load(&bytes, &name, &opts).map(Ok)
            };
            match result {
                Ok(Ok(v)) => {
                    let d = &v.data;
                    let (lo, hi) = v.range().map_or((f64::NAN, f64::NAN), |(lo, hi)| (f64::from(lo), f64::from(hi)));
                    let mean = d.iter().map(|&x| f64::from(x)).sum::<f64>() / d.len().max(1) as f64;
                    let row: Vec<String> = d.iter().take(v.geometry.dims[0].min(32)).map(|&x| number(f64::from(x))).collect();
                    let [x, y, z] = v.geometry.dims;
                    println!(
                        "{{\"file\": {file}, \"ok\": true, \"format\": {}, \"dims\": [{x}, {y}, {z}], \"colour\": {}, \"min\": {}, \
                         \"max\": {}, \"mean\": {}, \"row0\": [{}], \"warnings\": [{}]}}",
                        json_string(&v.meta.format),
                        v.meta.rgb.as_ref().is_some_and(|c| c.len() == d.len()),
                        number(lo),
                        number(hi),
                        number(mean),
                        row.join(", "),
                        v.meta.warnings.iter().map(|w| json_string(w)).collect::<Vec<_>>().join(", ")
                    );
                }
                Ok(Err(rois)) => println!("{{\"file\": {file}, \"ok\": true, \"format\": \"DICOM RTSTRUCT\", \"rois\": {rois}}}"),
                Err(e) => println!(
                    "{{\"file\": {file}, \"ok\": false, \"kind\": {}, \"message\": {}}}",
                    json_string(e.kind()),
                    json_string(&e.to_string())
                ),
            }
        }
        ExitCode::SUCCESS
    }

    /// Reads a non-DICOM file; detached NRRD data files and NIfTI `.img` files are read with their header and skipped
    /// on their own (`Ok(None)`).
    fn read_other(p: &Path, bytes: &[u8], all: &[(PathBuf, Vec<u8>)], opts: &LoadOptions) -> Result<Option<Volume>, LoadError> {
        let name = p.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
        let sibling = |file: &str| -> Option<Vec<u8>> {
            let target = p.parent().unwrap_or(Path::new(".")).join(file);
            all.iter().find(|(q, _)| q == &target).map(|(_, b)| b.clone()).or_else(|| std::fs::read(target).ok())
        };
        let is_companion = all.iter().any(|(q, b)| {
            q != p && {
                let qn = q.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
                (qn.to_lowercase().ends_with(".nhdr")
                    && nrrd::parse_header(b).is_ok_and(|(h, _)| h.data_file.as_deref() == p.file_name().and_then(|f| f.to_str())))
                    || (qn.to_lowercase().ends_with(".hdr") && name.ends_with(".img"))
            }
        });
        if is_companion {
            return Ok(None);
        }
        if bytes.starts_with(b"NRRD000") {
            if let Ok((h, _)) = nrrd::parse_header(bytes) {
                if let Some(f) = &h.data_file {
                    return match sibling(f) {
                        Some(data) => nrrd::read_detached(bytes, &data, opts).map(Some),
                        None => Err(LoadError::MissingCompanion { format: "NRRD", needed: format!("`{f}`") }),
                    };
                }
            }
        }
        if name.ends_with(".hdr") {
            let img = p.with_extension("img");
            let data =
                std::fs::read(&img).map_err(|_| LoadError::MissingCompanion { format: "NIfTI", needed: img.display().to_string() })?;
            return nifti::read_pair(bytes, &data, opts).map(Some);
        }
        radlearn_engine::load(bytes, &name, opts).map(Some)
    }

    fn describe(label: &str, v: &Volume) {
        let g = &v.geometry;
        println!("{label}");
        println!("  format:       {}", v.meta.format);
        println!("  dimensions:   {} x {} x {} voxels", g.dims[0], g.dims[1], g.dims[2]);
        println!("  spacing:      {:.4} x {:.4} x {:.4} mm", g.spacing[0], g.spacing[1], g.spacing[2]);
        println!("  origin:       ({:.3}, {:.3}, {:.3}) mm, LPS", g.origin[0], g.origin[1], g.origin[2]);
        let d = g.direction;
        println!(
            "  orientation:  {} (axes: [{:.3}, {:.3}, {:.3}] [{:.3}, {:.3}, {:.3}] [{:.3}, {:.3}, {:.3}])",
            g.orientation_code(),
            d[0][0],
            d[0][1],
            d[0][2],
            d[1][0],
            d[1][1],
            d[1][2],
            d[2][0],
            d[2][1],
            d[2][2]
        );
        let units = v.meta.units.as_deref().unwrap_or("");
        match v.range() {
            Some((lo, hi)) => println!("  intensities:  {lo} to {hi} {units}"),
            None => println!("  intensities:  none finite"),
        }
        if let Some((s, i)) = v.meta.rescale {
            println!("  rescale:      value = {s} x stored + {i}");
        }
        println!("  modality:     {}", v.meta.modality.as_deref().unwrap_or("unknown"));
        let series = match (&v.meta.series_description, &v.meta.series_uid) {
            (Some(d), Some(u)) => format!("{d} ({u})"),
            (None, Some(u)) => u.clone(),
            (Some(d), None) => d.clone(),
            (None, None) => "unknown".into(),
        };
        println!("  series:       {series}");
        if let Some(d) = &v.meta.description {
            println!("  description:  {d}");
        }
        for w in &v.meta.warnings {
            println!("  warning:      {w}");
        }
    }

    fn describe_dicoms(files: &[(PathBuf, Vec<u8>)], opts: &LoadOptions) -> bool {
        let mut ok = true;
        let mut slices = Vec::new();
        let mut used = 0u64;
        for (p, bytes) in files {
            match dicom::read_file(bytes, &LoadOptions::with_max_bytes(opts.max_bytes.saturating_sub(used))) {
                Ok(DicomFile::Image(s)) => {
                    used = used.saturating_add(s.data.len() as u64 * 8);
                    slices.push(*s);
                }
                Ok(DicomFile::RtStruct(r)) => {
                    println!("{}", p.display());
                    println!("  format:       DICOM RTSTRUCT");
                    println!("  ROIs:         {}", r.names().join(", "));
                    println!("  series:       {}", r.referenced_series.as_deref().unwrap_or("unknown"));
                    if !r.identifying.is_empty() {
                        println!(
                            "  warning:      the RTSTRUCT still carries patient-identifying tags ({}); RadLearn is for anonymized data: anonymize it before sharing",
                            r.identifying.join(", ")
                        );
                    }
                }
                Err(e) => {
                    eprintln!("{}: error: {e}", p.display());
                    ok = false;
                }
            }
        }
        if slices.is_empty() {
            return ok;
        }
        let n = slices.len();
        let label = if n == 1 {
            files.iter().find(|(_, b)| !b.is_empty()).map(|(p, _)| p.display().to_string()).unwrap_or_default()
        } else {
            format!("DICOM series of {n} files")
        };
        match dicom::volume_from_slices(slices) {
            Ok(v) => describe(&label, &v),
            Err(e) => {
                eprintln!("{label}: error: {e}");
                ok = false;
            }
        }
        ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(rel: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../engine/tests/data").join(rel)
    }

    #[test]
    fn info_succeeds_on_good_files_and_fails_on_bad_ones() {
        let ok = info::run(&[data("ibsi-digital-phantom/phantom.nii.gz"), data("dicom-syntaxes/implicit.dcm")], 1024);
        assert_eq!(ok, ExitCode::SUCCESS);
        let bad = info::run(&[data("ibsi-digital-phantom/phantom.nii.gz"), data("malformed/nifti-truncated.nii")], 1024);
        assert_eq!(bad, ExitCode::FAILURE);
        let mixed = info::run(&[data("malformed/series-mixed")], 1024);
        assert_eq!(mixed, ExitCode::FAILURE);
    }
}
