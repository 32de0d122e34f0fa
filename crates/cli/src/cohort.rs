//! `radlearn cohort`: the Model Lab's synthetic cohort as a wide CSV feature table, and optionally its images and
//! masks as NIfTI files for the Image Lab.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Instant;

use clap::Args;

use radlearn_engine::io::nifti::{self, WriteType};
use radlearn_engine::ml::cohort::{case, extraction_config, generate_parallel_with, scanners, CohortSpec, MAX_CASES, MAX_SITES, MIN_CASES};
use radlearn_engine::ml::table::to_csv;

/// Arguments of `radlearn cohort`.
#[derive(Debug, Args)]
pub struct CohortArgs {
    /// Number of cases (10 to 2000).
    #[arg(long, default_value_t = 100, value_parser = crate::flags::count(MIN_CASES, MAX_CASES), allow_negative_numbers = true)]
    cases: usize,
    /// The seed: the same arguments give the same cohort, on any machine.
    #[arg(long, default_value_t = 1, value_parser = crate::flags::whole(0, u64::MAX), allow_negative_numbers = true)]
    seed: u64,
    /// Fraction of malignant cases, between 0 and 1.
    #[arg(long, default_value_t = 0.5, value_parser = crate::flags::strictly_between(0.0, 1.0), allow_negative_numbers = true)]
    prevalence: f64,
    /// How different malignant lesions look (size and shape, texture, mean HU): 0 (not at all) to 3; 1 is the default.
    #[arg(long, default_value_t = 1.0, value_parser = crate::flags::between(0.0, 3.0), allow_negative_numbers = true)]
    signal: f64,
    /// Number of sites, each with its own scanner (1 to 4).
    #[arg(long, default_value_t = 3, value_parser = crate::flags::count(1, MAX_SITES), allow_negative_numbers = true)]
    sites: usize,
    /// Fraction of cases sent to a site by their label (malignant to site A), 0 to 1.
    #[arg(long, default_value_t = 0.0, value_parser = crate::flags::between(0.0, 1.0), allow_negative_numbers = true)]
    site_label_correlation: f64,
    /// How much the scanners differ (slice thickness, pixel size, noise, calibration): 0 (identical) to 3.
    #[arg(long, default_value_t = 1.0, value_parser = crate::flags::between(0.0, 3.0), allow_negative_numbers = true)]
    site_effect: f64,
    /// Where to write the table (CSV: id, label, site, slice_thickness, then one column per feature); standard
    /// output when absent.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Also write each case's image and mask as NIfTI (`case-001_image.nii.gz`, `case-001_mask.nii.gz`) into this
    /// folder, with `cases.csv` listing them (usable with `radlearn features --cases`).
    #[arg(long)]
    images: Option<PathBuf>,
    /// Number of cases computed at once (default: one per core).
    #[arg(long, value_parser = crate::flags::count(1, 1024), allow_negative_numbers = true)]
    jobs: Option<usize>,
}

/// Runs the command: exit code 2 for invalid settings, 1 if something failed while making the cohort.
pub fn run(args: CohortArgs) -> ExitCode {
    let spec = CohortSpec {
        cases: args.cases,
        seed: args.seed,
        prevalence: args.prevalence,
        signal: args.signal,
        sites: args.sites,
        site_label_correlation: args.site_label_correlation,
        site_effect: args.site_effect,
    };
    let spec = match spec.check() {
        Ok(spec) => spec,
        Err(e) => {
            // Each flag's range is checked as it is parsed (with the flag's name); what is left is how they combine.
            eprintln!("error: --prevalence and --cases: {e}");
            return ExitCode::from(2);
        }
    };
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(args.jobs.unwrap_or(0)).build() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: cannot start the worker threads: {e}");
            return ExitCode::FAILURE;
        }
    };
    for s in scanners(&spec) {
        eprintln!(
            "site {}: {:.1} mm slices, {:.2} mm pixels, noise {:.0} HU, kernel smoothing {:.2}, offset {:+.0} HU",
            s.name, s.slice_thickness_mm, s.pixel_mm, s.noise_hu, s.kernel_smoothing, s.hu_offset
        );
    }
    let start = Instant::now();
    if let Some(dir) = &args.images {
        if let Err(e) = pool.install(|| write_images(&spec, dir)) {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
        eprintln!("wrote {} images and masks to {} in {:.1} s", spec.cases, dir.display(), start.elapsed().as_secs_f64());
    }
    let start = Instant::now();
    let stderr = Mutex::new(());
    let progress = |done: usize, total: usize| {
        if done == total || done.is_multiple_of(10) {
            let _guard = stderr.lock();
            eprintln!("[{done}/{total}] cases extracted ({:.1} s)", start.elapsed().as_secs_f64());
        }
        std::ops::ControlFlow::Continue(())
    };
    let data = match pool.install(|| generate_parallel_with(&spec, &extraction_config(), &progress)) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let malignant = data.y.iter().filter(|&&y| y).count();
    eprintln!(
        "{} cases ({malignant} malignant), {} features (those undefined for some case dropped), {:.1} s",
        data.len(),
        data.feature_names.len(),
        start.elapsed().as_secs_f64()
    );
    let csv = to_csv(&data);
    match &args.out {
        Some(path) => match std::fs::write(path, csv) {
            Ok(()) => {
                eprintln!("wrote {}", path.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {}: cannot write the table: {e}", path.display());
                ExitCode::FAILURE
            }
        },
        None => {
            print!("{csv}");
            ExitCode::SUCCESS
        }
    }
}

/// Writes every case's image (int16 HU) and mask (uint8) as `.nii.gz`, and `cases.csv` listing them.
fn write_images(spec: &CohortSpec, dir: &Path) -> Result<(), String> {
    use rayon::prelude::*;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: cannot create the folder: {e}", dir.display()))?;
    let rows = (0..spec.cases)
        .into_par_iter()
        .map(|i| {
            let c = case(spec, i);
            let (image, mask) = (format!("{}_image.nii.gz", c.id), format!("{}_mask.nii.gz", c.id));
            let bytes = nifti::write(&c.image, WriteType::I16, true).map_err(|e| format!("{}: {e}", c.id))?;
            std::fs::write(dir.join(&image), bytes).map_err(|e| format!("{}: cannot write {image}: {e}", dir.display()))?;
            let bytes = nifti::write(&c.mask.to_volume(), WriteType::U8, true).map_err(|e| format!("{}: {e}", c.id))?;
            std::fs::write(dir.join(&mask), bytes).map_err(|e| format!("{}: cannot write {mask}: {e}", dir.display()))?;
            let class = radlearn_engine::ml::cohort::CLASSES[usize::from(c.label)];
            Ok(format!("{image},{mask},{},{class},{}\n", c.id, c.site))
        })
        .collect::<Result<Vec<String>, String>>()?;
    let list = format!("image,mask,label,class,site\n{}", rows.concat());
    let path = dir.join("cases.csv");
    std::fs::write(&path, list).map_err(|e| format!("{}: cannot write: {e}", path.display()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Test code: a panic is a failed test.
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: CohortArgs,
    }

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("radlearn-cohort-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn writes_the_table_and_the_images() {
        let dir = temp("ok");
        let out = dir.join("cohort.csv");
        let images = dir.join("images");
        let cli = Cli::parse_from([
            "cohort",
            "--cases",
            "10",
            "--seed",
            "3",
            "--sites",
            "2",
            "--jobs",
            "2",
            "--out",
            out.to_str().unwrap(),
            "--images",
            images.to_str().unwrap(),
        ]);
        assert_eq!(run(cli.args), ExitCode::SUCCESS);
        let text = std::fs::read_to_string(&out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 11, "a header and 10 cases");
        assert!(lines[0].starts_with("id,label,site,slice_thickness,"), "{}", lines[0]);
        assert!(lines[1].starts_with("case-001,"), "{}", lines[1]);
        let back = radlearn_engine::ml::table::read_csv(&text, "label").unwrap();
        assert_eq!(back.len(), 10);
        assert_eq!(back.meta_column("site").map(<[String]>::len), Some(10));
        let list = std::fs::read_to_string(images.join("cases.csv")).unwrap();
        assert_eq!(list.lines().count(), 11);
        let image = std::fs::read(images.join("case-001_image.nii.gz")).unwrap();
        let v = nifti::read(&image, &radlearn_engine::LoadOptions::default()).unwrap();
        let c = case(&CohortSpec { cases: 10, seed: 3, sites: 2, ..CohortSpec::default() }, 0);
        assert_eq!(v.geometry.dims, c.image.geometry.dims);
        assert_eq!(v.data, c.image.data, "whole HU survive int16");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn refuses_invalid_settings() {
        // Each flag's range when it is parsed, with its name.
        let e = Cli::try_parse_from(["cohort", "--cases", "3"]).err().unwrap().to_string();
        assert!(e.contains("'--cases <CASES>': should be a whole number from 10 to 2000, but is 3"), "{e}");
        let e = Cli::try_parse_from(["cohort", "--prevalence", "1.5"]).err().unwrap().to_string();
        assert!(e.contains("'--prevalence <PREVALENCE>': should be between 0 and 1, both excluded, but is 1.5"), "{e}");
        // How they combine when the cohort is made.
        let cli = Cli::parse_from(["cohort", "--cases", "10", "--prevalence", "0.05"]);
        assert_eq!(run(cli.args), ExitCode::from(2));
    }
}
