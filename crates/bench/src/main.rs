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
//! every case's image and mask, then extracting its features with the cohort settings) on one thread
//! ([`radlearn_bench::cohort_from_spec`], the function `tests/bench/wasm_cohort.mjs` times in Chromium) and on every
//! core (`generate_parallel`), and the image making alone; prints JSON (median milliseconds, the table's size and
//! checksum).

use std::path::Path;
use std::time::Instant;

use radlearn_engine::error::LoadOptions;
use radlearn_engine::volume::Volume;
use radlearn_engine::{dicom, nifti};

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
    use radlearn_engine::cohort::{case, extraction_config, generate_parallel, CohortSpec};
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
    let spec = CohortSpec { cases, seed, ..CohortSpec::default() };
    spec.check().map_err(|e| e.to_string())?;
    let cfg = extraction_config();
    let (images_ms, _) = median_of(runs, || Ok((0..cases).map(|i| case(&spec, i).mask.count()).sum::<usize>()))?;
    let (one_ms, one) = median_of(runs, || radlearn_bench::cohort_from_spec(cases, seed))?;
    let (all_ms, all) = median_of(runs, || generate_parallel(&spec, &cfg).map_err(|e| e.to_string()))?;
    let all = radlearn_bench::CohortSummary::of(&all);
    if (all.checksum - one.checksum).abs() > 1e-9 * one.checksum.abs().max(1.0) || all.features != one.features {
        return Err(format!("one thread and all cores disagree: {} against {}", one.to_json(), all.to_json()));
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "{{\"runs\": {runs}, \"cases\": {cases}, \"seed\": {seed}, \"features\": {}, \"checksum\": {:.6}, \"images_ms\": {images_ms:.1}, \"one_thread_ms\": {one_ms:.1}, \"per_case_ms\": {:.2}, \"extraction_per_case_ms\": {:.2}, \"threads\": {threads}, \"all_cores_ms\": {all_ms:.1}}}",
        one.features,
        one.checksum,
        one_ms / cases as f64,
        (one_ms - images_ms) / cases as f64
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
