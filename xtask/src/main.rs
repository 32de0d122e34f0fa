//! `cargo xtask`: the two commands of the README, and a few more.
//!
//! - `cargo xtask serve`: install whatever is missing, then serve the course at http://127.0.0.1:8080
//! - `cargo xtask test`: install whatever is missing, then run every test (what `.ci/run` runs)
//! - `cargo xtask setup [--browser]`, `cargo xtask build`, `cargo xtask bench`
//!
//! Every tool is pinned here or in a lockfile, and each step is skipped when the right version
//! is already installed. Written with the standard library only, so it compiles in seconds.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

const TRUNK_VERSION: &str = "0.21.14";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let root = project_root();
    if let Err(e) = env::set_current_dir(&root) {
        eprintln!("xtask: cannot enter {}: {e}", root.display());
        return ExitCode::FAILURE;
    }
    prepend_path(&root);
    let result = match args.first().map(String::as_str) {
        Some("serve") => setup(&root, false).and_then(|()| serve(&args[1..])),
        Some("test") => setup(&root, true).and_then(|()| test(&root)),
        Some("setup") => setup(&root, args.iter().any(|a| a == "--browser")),
        Some("build") => setup(&root, false).and_then(|()| build_site()),
        Some("bench") => setup(&root, true).and_then(|()| bench()),
        _ => {
            eprintln!("usage: cargo xtask <serve|test|setup [--browser]|build|bench>\n\n  serve  install what is missing and serve the course at http://127.0.0.1:8080\n  test   install what is missing and run every test (native, wasm in Chromium, end-to-end)\n  build  build the static site into dist/\n  bench  build the release site and measure transfer size and time to first lesson");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nxtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn project_root() -> PathBuf {
    let manifest = env::var("CARGO_MANIFEST_DIR").map(PathBuf::from).unwrap_or_else(|_| PathBuf::from("xtask"));
    manifest.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."))
}

/// Tools installed by the set-up must be found first: npm's binaryen (a working wasm-opt) and cargo's bin folder.
fn prepend_path(root: &Path) {
    let mut paths = vec![root.join("node_modules/.bin")];
    if let Some(home) =
        env::var_os("CARGO_HOME").map(PathBuf::from).or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
    {
        paths.push(home.join("bin"));
    }
    paths.extend(env::split_paths(&env::var_os("PATH").unwrap_or_default()));
    if let Ok(joined) = env::join_paths(paths) {
        env::set_var("PATH", joined);
    }
}

/// The rules of `src/`'s folders, one per wasm module (ARCHITECTURE.md): a folder may not name another that would
/// pull its code into the wrong module, and only the worker client starts a Web Worker (one way to run a job).
/// Comments are skipped; every other line that names a forbidden path fails.
fn module_walls(root: &Path) -> Result {
    let rules: [(&str, &[&str], &str); 3] = [
        ("src/page", &["crate::labs"], ""),
        ("src/worker", &["crate::page", "crate::labs"], ""),
        ("src", &["Worker::new("], "src/worker/client.rs"),
    ];
    let mut broken = Vec::new();
    for (dir, forbidden, allowed_in) in rules {
        let mut files: Vec<PathBuf> = Vec::new();
        let mut stack = vec![root.join(dir)];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).map_err(|e| format!("{}: {e}", d.display()))?.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    files.push(path);
                }
            }
        }
        for file in files.into_iter().filter(|f| allowed_in.is_empty() || !f.ends_with(allowed_in)) {
            let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                if let Some(f) = forbidden.iter().find(|f| code.contains(*f)) {
                    broken.push(format!("{}:{}: {dir} may not use {f}", file.display(), n + 1));
                }
            }
        }
    }
    if broken.is_empty() {
        Ok(())
    } else {
        Err(broken.join("\n"))
    }
}

fn step(name: &str) {
    println!("\n==> {name}");
}

fn run(cmd: &mut Command) -> Result {
    let shown = format!("{cmd:?}").replace('"', "");
    println!("$ {shown}");
    let status = cmd.status().map_err(|e| format!("could not start `{shown}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed ({status})"))
    }
}

fn output(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The wasm-bindgen version in Cargo.lock: the CLI must match it exactly.
fn locked_wasm_bindgen(root: &Path) -> Result<String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\"" {
            if let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \"")).and_then(|l| l.strip_suffix('"')) {
                return Ok(v.to_string());
            }
        }
    }
    Err("Cargo.lock has no wasm-bindgen entry".into())
}

fn apt_install(packages: &[&str]) -> Result {
    let root = output("id", &["-u"]).as_deref() == Some("0");
    let (prog, pre): (&str, Vec<&str>) = if root { ("apt-get", vec![]) } else { ("sudo", vec!["apt-get"]) };
    run(Command::new(prog).args(&pre).args(["update", "-q"]))?;
    run(Command::new(prog)
        .args(&pre)
        .args(["install", "-y", "-q", "--no-install-recommends"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

/// Installs what is missing. `browser` adds Chromium and ChromeDriver (tests only).
fn setup(root: &Path, browser: bool) -> Result {
    step("Checking tools (each is installed only if missing)");
    let targets = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if !targets.lines().any(|t| t.trim() == WASM_TARGET) {
        run(Command::new("rustup").args(["target", "add", WASM_TARGET]))?;
    } else {
        println!("ok: rust target {WASM_TARGET}");
    }

    match output("trunk", &["--version"]) {
        Some(v) if v == format!("trunk {TRUNK_VERSION}") => println!("ok: {v}"),
        _ => run(Command::new("cargo").args(["install", "trunk", "--version", TRUNK_VERSION, "--locked"]))?,
    }

    let wb = locked_wasm_bindgen(root)?;
    match output("wasm-bindgen", &["--version"]) {
        Some(v) if v == format!("wasm-bindgen {wb}") => println!("ok: {v} (matches Cargo.lock)"),
        // No --locked: the CLI's own lockfile pins a crate release the registry mirror lacks.
        _ => run(Command::new("cargo").args(["install", "wasm-bindgen-cli", "--version", &wb]))?,
    }
    let trunk_toml = std::fs::read_to_string(root.join("Trunk.toml")).unwrap_or_default();
    if !trunk_toml.contains(&format!("wasm_bindgen = \"{wb}\"")) {
        return Err(format!("Trunk.toml's [tools] wasm_bindgen must be \"{wb}\" (the version in Cargo.lock)"));
    }

    if output("npm", &["--version"]).is_none() {
        apt_install(&["nodejs", "npm"])?;
    }
    let wasm_opt = root.join("node_modules/.bin/wasm-opt");
    let playwright = root.join("node_modules/playwright-core/package.json");
    if wasm_opt.exists() && playwright.exists() {
        println!("ok: npm packages (binaryen's wasm-opt, playwright-core)");
    } else {
        // Playwright must never download a browser: the tests drive the system Chromium.
        run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"))?;
    }

    if browser {
        if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
            println!("ok: Chromium and ChromeDriver from Debian");
        } else {
            apt_install(&["chromium", "chromium-driver"])?;
        }
    }
    Ok(())
}

fn serve(extra: &[String]) -> Result {
    step("Serving the course at http://127.0.0.1:8080 (Ctrl+C to stop; edits to lessons rebuild the site)");
    run(Command::new("trunk").arg("serve").args(extra))
}

fn build_site() -> Result {
    step("Building the release site into dist/ (lessons are checked on the way)");
    run(Command::new("trunk").args(["build", "--release"]))
}

fn test(root: &Path) -> Result {
    let started = Instant::now();
    step("Formatting");
    run(Command::new("cargo").args(["fmt", "--all", "--check"]))?;

    step("Module walls of the web app: page/ never imports labs/, worker/ never imports page/ or labs/");
    module_walls(root)?;

    step("Native tests: course (lessons, grading, progress), engine, command line");
    run(Command::new("cargo").args(["test", "--workspace", "--exclude", "radlearn-web"]))?;

    step("Lessons, as instructors check them");
    run(Command::new("cargo").args(["run", "--quiet", "-p", "radlearn", "--", "lessons", "check", "lessons", "--deny-warnings"]))?;

    step("NIfTI files written by RadLearn read the same in nibabel");
    let python = python_env(".tools/pyenv-test", "tests/interop/requirements.txt", false)?;
    run(Command::new("cargo").args(["build", "--quiet", "-p", "radlearn"]))?;
    run(Command::new(&python).args(["tests/interop/nibabel_check.py", "--radlearn", "target/debug/radlearn"]))?;

    step("Model Lab: cross-validated AUC and PCA agree with scikit-learn on the same folds");
    run(Command::new(&python).args(["tests/interop/sklearn_parity.py", "--radlearn", "target/debug/radlearn"]))?;

    step("DICOM: every test file of the pydicom wheel is read as pydicom reads it, or refused by name");
    run(Command::new(&python).args(["tests/interop/pydicom_files.py", "--radlearn", "target/debug/radlearn"]))?;

    // These builds also prove that the engine and the course crate (without its native-only `render` feature) build
    // unchanged for wasm32: the engine's own tests and the web app's components compile them for that target.
    step("Component tests and the engine in headless Chromium (wasm-bindgen-test)");
    for (package, test) in [("radlearn-web", "components"), ("radlearn-engine", "wasm")] {
        run(Command::new("cargo")
            .args(["test", "-p", package, "--target", WASM_TARGET, "--test", test])
            .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", "wasm-bindgen-test-runner")
            .env("CHROMEDRIVER", CHROMEDRIVER)
            .env("WASM_BINDGEN_TEST_TIMEOUT", "300")
            // Without debug info: with it the components module passed 500 MB and headless Chromium never finished
            // loading it (the runner timed out at "Loading scripts...").
            .env("CARGO_PROFILE_DEV_DEBUG", "0"))?;
    }

    build_site()?;

    step("End-to-end tests in Chromium (Playwright, system browser)");
    run(Command::new("node").args(["--test", "--test-concurrency=1", "tests/e2e/"]).env("RADLEARN_DIST", root.join("dist")))?;

    println!("\nAll tests passed in {:.0} s.", started.elapsed().as_secs_f64());
    Ok(())
}

fn bench() -> Result {
    build_site()?;
    step("Benchmarks: transfer size and time to the first lesson (headless Chromium)");
    run(Command::new("node").args(["tests/bench/first-load.mjs"]))?;

    step("Benchmarks: the Image Lab (opening the CT phantom, drawing 512 x 512 slices, main-thread tasks during extraction)");
    run(Command::new("node").args(["tests/bench/lab.mjs"]))?;

    step("Benchmarks: reading the CT phantom against SimpleITK, nibabel and pydicom (same run)");
    let python = python_env(".tools/pyenv", "tests/bench/requirements.txt", true)?;
    run(Command::new("cargo").args(["build", "--release", "--quiet", "-p", "radlearn-bench", "-p", "radlearn"]))?;
    run(Command::new(&python).args(["tests/bench/read_bench.py", "--radlearn", "target/release/radlearn-bench", "--runs", "21"]))?;

    step("Benchmarks: radiomics features against PyRadiomics 3.1.0 (same run)");
    run(Command::new(&python).args(["tests/bench/features_bench.py", "--radlearn", "target/release/radlearn", "--runs", "5"]))?;

    step("Benchmarks: the same feature extraction in wasm32 (headless Chromium) against native (same run)");
    run(Command::new("cargo").args([
        "build",
        "--release",
        "--quiet",
        "-p",
        "radlearn-bench",
        "--lib",
        "--target",
        "wasm32-unknown-unknown",
    ]))?;
    run(Command::new("wasm-bindgen").args([
        "--target",
        "web",
        "--out-dir",
        "target/wasm-bench",
        "target/wasm32-unknown-unknown/release/radlearn_bench.wasm",
    ]))?;
    run(Command::new("node").args(["tests/bench/wasm_features.mjs", "--runs", "9"]))?;

    step("Benchmarks: the Model Lab's 100-lesion synthetic cohort in wasm32 (headless Chromium) against native, 1 thread and all cores");
    run(Command::new("node").args(["tests/bench/wasm_cohort.mjs", "--runs", "3", "--cases", "100"]))?;

    step("Benchmarks: the Model Lab's 5-fold cross-validated logistic regression (200 x 100): wasm32, native, scikit-learn");
    run(Command::new("node").args(["tests/bench/wasm_ml.mjs", "--runs", "20", "--python"]).arg(&python))
}

/// A Python virtual environment at `venv` with the pinned packages of `requirements` (and PyRadiomics, which needs a
/// repaired source package, when `pyradiomics`): the rivals of the benchmarks and the interoperability checks.
fn python_env(venv: &str, requirements: &str, pyradiomics: bool) -> Result<PathBuf> {
    let venv = PathBuf::from(venv);
    let python = venv.join("bin/python");
    let stamp = venv.join("requirements.txt");
    let wanted = std::fs::read_to_string(requirements).map_err(|e| format!("{requirements}: {e}"))?;
    if python.exists() && std::fs::read_to_string(&stamp).is_ok_and(|s| s == wanted) {
        println!("ok: Python packages in {}", venv.display());
        return Ok(python);
    }
    if output("python3", &["-c", "import venv, ensurepip"]).is_none() {
        apt_install(&["python3-venv"])?;
    }
    run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    run(Command::new(&python).args(["-m", "pip", "install", "--quiet", "-r", requirements]))?;
    if pyradiomics {
        run(Command::new(&python).args(["tests/bench/install_pyradiomics.py"]))?;
    }
    std::fs::write(&stamp, wanted).map_err(|e| e.to_string())?;
    Ok(python)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_walls_catch_a_page_file_that_uses_the_labs() {
        let root = std::env::temp_dir().join(format!("radlearn-walls-{}", std::process::id()));
        for dir in ["src/page/inner", "src/worker"] {
            std::fs::create_dir_all(root.join(dir)).expect("folder");
        }
        std::fs::write(root.join("src/page/a.rs"), "//! See `crate::labs` (a comment is fine).\nuse crate::page::store;\n").expect("file");
        std::fs::write(root.join("src/worker/w.rs"), "use crate::worker::protocol::Request;\n").expect("file");
        assert_eq!(module_walls(&root), Ok(()));
        std::fs::write(root.join("src/page/inner/b.rs"), "fn f() {\n    crate::labs::mount();\n}\n").expect("file");
        let e = module_walls(&root).expect_err("the page uses the labs");
        assert!(e.contains("inner/b.rs:2: src/page may not use crate::labs"), "{e}");
        std::fs::remove_file(root.join("src/page/inner/b.rs")).expect("removed");
        std::fs::create_dir_all(root.join("src/labs")).expect("folder");
        std::fs::write(root.join("src/worker/client.rs"), "let w = web_sys::Worker::new(SCRIPT);\n").expect("file");
        assert_eq!(module_walls(&root), Ok(()), "the client starts workers");
        std::fs::write(root.join("src/labs/x.rs"), "let w = web_sys::Worker::new(SCRIPT);\n").expect("file");
        let e = module_walls(&root).expect_err("a second client");
        assert!(e.contains("x.rs:1: src may not use Worker::new("), "{e}");
        std::fs::remove_dir_all(&root).expect("cleaned");
    }
}
