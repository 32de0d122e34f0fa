//! `radlearn-bench [--runs N] NIFTI DICOM_DIR`: times the engine's readers in process and prints
//! JSON (median milliseconds and the mean intensity, so the driver can check every reader saw the
//! same data). Files are read from disk inside the timed part, as the Python rivals do.
//!
//! `radlearn-bench families IMAGE MASK CONFIG.toml` prints the time of each step (where the time goes).
//!
//! `radlearn-bench features [--runs N] IMAGE MASK CONFIG.toml`: times [`radlearn_bench::features_from_bytes`]
//! (reading from bytes in memory, then feature extraction on one thread), the function the wasm benchmark times in
//! Chromium, and prints JSON (median milliseconds and the number of values).
//!
//! `radlearn-bench cohort [--runs N] [--cases 100] [--seed 1]`: times the synthetic cohort of the Model Lab (making
//! every case's image and mask, then extracting its features with the cohort settings) as the command line makes it
//! (`generate_parallel` in a rayon pool, as `radlearn cohort --jobs 1` and `radlearn cohort`) on one thread and on
//! every core, the serial [`radlearn_bench::cohort_from_spec`] (the function `tests/bench/wasm_cohort.mjs` times in
//! Chromium) and the image making alone; prints JSON (median milliseconds, the table's size and checksum).
//!
//! `radlearn-bench ml-table [--cases 200] [--features 100] [--seed 1] --out FILE`: writes the seeded table of
//! [`radlearn_bench::ml_table`] as CSV (class column `label`).
//!
//! `radlearn-bench ml-cv [--runs N] FILE`: reads the table, then times [`radlearn_bench::ml_cv`] (5-fold
//! cross-validated logistic regression, with the 1000-resample bootstrap interval and without), the function
//! `tests/bench/wasm_ml.mjs` times in Chromium; prints JSON (median milliseconds of reading, of the
//! cross-validation with and without bootstrap, the AUC, its interval and each case's fold).

use std::path::Path;
use std::time::Instant;

use radlearn_engine::image::volume::Volume;
use radlearn_engine::io::error::LoadOptions;
use radlearn_engine::{io::dicom, io::nifti};

fn median_ms(runs: usize, mut f: impl FnMut() -> Result<Volume, String>) -> Result<(f64, Volume), String> {
    let mut last = f()?; // warm the file cache
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        last = f()?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    Ok((times[times.len() / 2], last))
}

fn mean(v: &Volume) -> f64 {
    v.data.iter().map(|&x| f64::from(x)).sum::<f64>() / v.data.len().max(1) as f64
}

fn read_nifti(path: &Path) -> Result<Volume, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    nifti::read(&bytes, &LoadOptions::default()).map_err(|e| e.to_string())
}

fn read_series(dir: &Path) -> Result<Volume, String> {
    let mut files: Vec<Vec<u8>> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| e.to_string())? {
        let p = entry.map_err(|e| e.to_string())?.path();
        if p.extension().is_some_and(|e| e == "dcm") {
            files.push(std::fs::read(&p).map_err(|e| e.to_string())?);
        }
    }
    let refs: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
    dicom::read_series(&refs, &LoadOptions::default()).map_err(|e| e.to_string())
}

/// Median milliseconds of `runs` calls after one warm-up, and the last result.
fn median_of<T>(runs: usize, mut f: impl FnMut() -> Result<T, String>) -> Result<(f64, T), String> {
    let mut last = f()?;
    let mut times = Vec::with_capacity(runs.max(1));
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        last = f()?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    Ok((times[times.len() / 2], last))
}

/// `radlearn-bench cohort [--cases N] [--seed S]` (after `--runs` was taken out).
fn cohort(args: &[String], runs: usize) -> Result<(), String> {
    use radlearn_engine::ml::cohort::{case, extraction_config, generate_parallel, CohortSpec};
    let mut cases = 100;
    let mut seed = 1;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let value = it.next().ok_or_else(|| format!("{a} needs a value"))?;
        match a.as_str() {
            "--cases" => cases = value.parse().map_err(|_| format!("--cases needs a number, not {value}"))?,
            "--seed" => seed = value.parse().map_err(|_| format!("--seed needs a number, not {value}"))?,
            _ => return Err("usage: radlearn-bench cohort [--runs N] [--cases 100] [--seed 1]".into()),
        }
    }
    let spec = CohortSpec { cases, seed, ..CohortSpec::default() }.check().map_err(|e| e.to_string())?;
    let cfg = extraction_config();
    let (images_ms, _) = median_of(runs, || Ok((0..cases).map(|i| case(&spec, i).mask.count()).sum::<usize>()))?;
    // The command line's path: `generate_parallel` in a pool of `--jobs` threads (`radlearn cohort --jobs 1`, then
    // `radlearn cohort`, one thread per core).
    let in_pool = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().map_err(|e| e.to_string())?;
        let threads = pool.current_num_threads();
        median_of(runs, || pool.install(|| generate_parallel(&spec, &cfg)).map_err(|e| e.to_string()))
            .map(|(ms, data)| (ms, radlearn_bench::CohortSummary::of(&data), threads))
    };
    let (one_ms, one, _) = in_pool(1)?;
    let (all_ms, all, threads) = in_pool(0)?;
    let (serial_ms, serial) = median_of(runs, || radlearn_bench::cohort_from_spec(cases, seed))?;
    for (what, other) in [("all cores", all), ("the serial function", serial)] {
        if (other.checksum - one.checksum).abs() > 1e-9 * one.checksum.abs().max(1.0) || other.features != one.features {
            return Err(format!("one thread and {what} disagree: {} against {}", one.to_json(), other.to_json()));
        }
    }
    println!(
        "{{\"runs\": {runs}, \"cases\": {cases}, \"seed\": {seed}, \"features\": {}, \"checksum\": {:.6}, \"images_ms\": {images_ms:.1}, \"one_thread_ms\": {one_ms:.1}, \"serial_ms\": {serial_ms:.1}, \"per_case_ms\": {:.2}, \"extraction_per_case_ms\": {:.2}, \"threads\": {threads}, \"all_cores_ms\": {all_ms:.1}}}",
        one.features,
        one.checksum,
        one_ms / cases as f64,
        (one_ms - images_ms) / cases as f64
    );
    Ok(())
}

/// `radlearn-bench ml-table [--cases N] [--features P] [--seed S] --out FILE`.
fn ml_table(args: &[String]) -> Result<(), String> {
    let (mut cases, mut features, mut seed, mut out) = (200, 100, 1, None);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let value = it.next().ok_or_else(|| format!("{a} needs a value"))?;
        let number = || value.parse::<usize>().map_err(|_| format!("{a} needs a number, not {value}"));
        match a.as_str() {
            "--cases" => cases = number()?,
            "--features" => features = number()?,
            "--seed" => seed = number()? as u64,
            "--out" => out = Some(value.clone()),
            _ => return Err("usage: radlearn-bench ml-table [--cases 200] [--features 100] [--seed 1] --out FILE".into()),
        }
    }
    let out = out.ok_or("radlearn-bench ml-table needs --out FILE")?;
    let csv = radlearn_engine::ml::table::to_csv(&radlearn_bench::ml_table(cases, features, seed));
    std::fs::write(&out, csv).map_err(|e| format!("{out}: {e}"))
}

/// `radlearn-bench ml-cv FILE` (after `--runs` was taken out).
fn ml_cv(args: &[String], runs: usize) -> Result<(), String> {
    let [file] = args else {
        return Err("usage: radlearn-bench ml-cv [--runs N] TABLE.csv".into());
    };
    let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
    let (read_ms, ds) = median_of(runs, || radlearn_bench::ml_dataset(&text))?;
    let (cv_ms, report) = median_of(runs, || radlearn_bench::ml_cv(&ds, 1000))?;
    let (cv0_ms, _) = median_of(runs, || radlearn_bench::ml_cv(&ds, 0))?;
    println!(
        "{{\"runs\": {runs}, \"read_ms\": {read_ms:.3}, \"cv_ms\": {cv_ms:.3}, \"cv_no_bootstrap_ms\": {cv0_ms:.3}, \"report\": {report}}}"
    );
    Ok(())
}

fn main() -> Result<(), String> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut runs = 15;
    if let Some(i) = args.iter().position(|a| a == "--runs") {
        runs = args.get(i + 1).and_then(|v| v.parse().ok()).ok_or("--runs needs a number")?;
        args.drain(i..=i + 1);
    }
    if args.first().is_some_and(|a| a == "families") {
        let [_, image, mask, config] = args.as_slice() else {
            return Err("usage: radlearn-bench families IMAGE MASK CONFIG.toml".into());
        };
        let read = |p: &str| std::fs::read(p).map_err(|e| format!("{p}: {e}"));
        let config = std::fs::read_to_string(config).map_err(|e| format!("{config}: {e}"))?;
        for (step, ms) in radlearn_bench::family_times(&read(image)?, image, &read(mask)?, mask, &config)? {
            println!("{ms:9.1} ms  {step}");
        }
        return Ok(());
    }
    if args.first().is_some_and(|a| a == "cohort") {
        return cohort(&args[1..], runs);
    }
    if args.first().is_some_and(|a| a == "ml-table") {
        return ml_table(&args[1..]);
    }
    if args.first().is_some_and(|a| a == "ml-cv") {
        return ml_cv(&args[1..], runs);
    }
    if args.first().is_some_and(|a| a == "features") {
        let [_, image, mask, config] = args.as_slice() else {
            return Err("usage: radlearn-bench features [--runs N] IMAGE MASK CONFIG.toml".into());
        };
        let read = |p: &str| std::fs::read(p).map_err(|e| format!("{p}: {e}"));
        let (image_bytes, mask_bytes) = (read(image)?, read(mask)?);
        let config = std::fs::read_to_string(config).map_err(|e| format!("{config}: {e}"))?;
        let run = || radlearn_bench::features_from_bytes(&image_bytes, image, &mask_bytes, mask, &config);
        let mut count = run()?; // warm up
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs.max(1) {
            let t = Instant::now();
            count = run()?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        println!("{{\"runs\": {runs}, \"median_ms\": {:.3}, \"values\": {count}}}", times[times.len() / 2]);
        return Ok(());
    }
    let [nifti_path, series_dir] = args.as_slice() else {
        return Err("usage: radlearn-bench [--runs N] IMAGE.nii.gz DICOM_DIR".into());
    };
    let (n_ms, n_vol) = median_ms(runs, || read_nifti(Path::new(nifti_path)))?;
    let (d_ms, d_vol) = median_ms(runs, || read_series(Path::new(series_dir)))?;
    println!(
        "{{\"runs\": {runs}, \"nifti\": {{\"median_ms\": {n_ms:.3}, \"mean\": {:.6}}}, \"dicom\": {{\"median_ms\": {d_ms:.3}, \"mean\": {:.6}}}}}",
        mean(&n_vol),
        mean(&d_vol)
    );
    Ok(())
}
