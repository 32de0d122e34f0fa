//! Compiles every lesson under `lessons/` at build time: a lesson with an error fails the
//! build with `file:line`, exactly like `radlearn lessons check lessons`. The compiled course
//! is embedded as JSON, so the browser never parses Markdown, LaTeX or TOML.

use std::fmt::Write as _;
use std::path::PathBuf;

use radlearn_course::compile::compile_course;

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo:rerun-if-changed=lessons");
    println!("cargo:rerun-if-changed=build.rs");

    let compiled = match compile_course(&root, "lessons") {
        Ok(c) => c,
        Err(diags) => {
            for d in &diags {
                eprintln!("{d}");
            }
            eprintln!(
                "\nThe lessons have {} error(s); the site is not built. `cargo run -p radlearn -- lessons check lessons` lists the same problems.",
                diags.len()
            );
            std::process::exit(1);
        }
    };
    for w in &compiled.warnings {
        println!("cargo:warning={w}");
    }

    let course = serde_json::to_string(&compiled.course).expect("the course serialises");
    std::fs::write(out.join("course.json"), course).expect("OUT_DIR is writable");
    let mut table = String::from("/// Compiled lessons as JSON, by slug, in course order.\npub static LESSONS: &[(&str, &str)] = &[\n");
    for lesson in &compiled.lessons {
        let file = format!("lesson-{}.json", lesson.meta.slug);
        std::fs::write(out.join(&file), serde_json::to_string(lesson).expect("a lesson serialises")).expect("OUT_DIR is writable");
        writeln!(table, "    ({:?}, include_str!(concat!(env!(\"OUT_DIR\"), \"/{file}\"))),", lesson.meta.slug).expect("write to String");
    }
    table.push_str("];\n");
    std::fs::write(out.join("lessons.rs"), table).expect("OUT_DIR is writable");
}
