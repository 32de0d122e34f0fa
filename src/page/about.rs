//! About: what RadLearn is, privacy, data sources, licences and attribution.

use leptos::prelude::*;

use radlearn_engine::radiomics::features::catalogue::{COMPLIANCE, FAMILY_COUNTS};

use crate::platform;
use crate::strings::ui;

/// The About page.
#[component]
pub fn About() -> impl IntoView {
    platform::set_title("About — RadLearn");
    platform::after_render(|| platform::scroll_to(None));
    let t = ui();
    view! {
        <article class="prose about" data-testid="about">
            <h1>"About RadLearn"</h1>
            <p>{t.tagline}" RadLearn is made for engineering students (CentraleSupélec) and for the seminars they share with clinicians and engineers of the Gustave Roussy cancer institute."</p>

            <h2 id="privacy">"Your data stays here"</h2>
            <p>"RadLearn is a set of static files. Everything — reading lessons, grading answers, processing images — runs in this browser tab, in WebAssembly. The site makes no request to any other site: no analytics, no fonts or scripts from elsewhere, no upload. Your answers are saved in this browser's local storage; use "<em>"Export progress"</em>" on the course page to keep a copy."</p>
            <p>"Images you open in the Image Lab are read by this tab from your disk and never uploaded. The sample images are files of this site, downloaded from it only when you open one. The Model Lab's cohorts are synthetic: generated in this tab from a seed, they describe no patient, and a feature table you import is read in this tab like your images."</p>

            <h2 id="data">"Data and licences"</h2>
            <table>
                <thead><tr><th>"What"</th><th>"Source"</th><th>"Licence"</th></tr></thead>
                <tbody>
                    <tr>
                        <td>"Synthetic CT chest slice (window/level exercises)"</td>
                        <td>"Generated in your browser by RadLearn's engine from a fixed seed; no patient data."</td>
                        <td>"Part of RadLearn"</td>
                    </tr>
                    <tr>
                        <td>"Feature definitions and reference values"</td>
                        <td>"Image Biomarker Standardisation Initiative (IBSI), reference manual, chapters 1–2: Zwanenburg A. et al., "<cite>"The Image Biomarker Standardization Initiative"</cite>", Radiology 295:328–338 (2020), doi:10.1148/radiol.2020191145."</td>
                        <td>"CC BY 4.0"</td>
                    </tr>
                    <tr>
                        <td>"IBSI digital phantom (Image Lab sample, later lessons)"</td>
                        <td>"Design by A. Zwanenburg, Image Biomarker Standardisation Initiative (IBSI). Shipped as "<code>"data/ibsi-digital-phantom/"</code>" with its licence."</td>
                        <td><a href="https://creativecommons.org/licenses/by/4.0/" rel="license noreferrer">"CC BY 4.0"</a></td>
                    </tr>
                    <tr>
                        <td>"IBSI CT radiomics phantom, patient “PAT1” with GTV-1 (Image Lab sample “Lung cancer CT”, later lessons)"</td>
                        <td>"Contributed by P. Lambin; CancerData, doi:10.17195/candat.2016.08.1; converted to NIfTI by A. Zwanenburg (IBSI). Shipped as "<code>"data/ibsi-ct-phantom/"</code>" with its licence."</td>
                        <td><a href="https://creativecommons.org/licenses/by-nc/3.0/" rel="license noreferrer">"CC BY-NC 3.0"</a>" (non-commercial use such as teaching)"</td>
                    </tr>
                </tbody>
            </table>
            <p>"The lessons are original texts written for RadLearn. Images shipped with the app carry their licence file beside them under "<code>"data/"</code>"."</p>

            <h2 id="numbers">"How RadLearn computes"</h2>
            <p>"Image handling and radiomics follow the IBSI definitions, and the engine is tested value by value against the IBSI reference values. The same Rust engine runs here and in the "<code>"radlearn"</code>" command line that instructors use, so both give the same numbers. Mathematics is rendered as MathML by the browser; there is no JavaScript library in the page."</p>

            <h3 id="ibsi">"IBSI compliance"</h3>
            <p>"Every family of the IBSI reference manual's chapter 1 is computed, in every aggregation the manual lists (2D, 2.5D and 3D for the texture families):"</p>
            <table data-testid="ibsi-families">
                <thead><tr><th>"Family"</th><th>"IBSI code"</th><th>"Feature codes"</th></tr></thead>
                <tbody>
                    {FAMILY_COUNTS.iter().map(|(name, code, n)| view! { <tr><td>{*name}</td><td><code>{*code}</code></td><td>{*n}</td></tr> }).collect_view()}
                </tbody>
            </table>
            <p>"Each reference value of the manual's two test data sets is compared with the engine's, within the manual's tolerance, by the test suite (which checks this table too):"</p>
            <table data-testid="ibsi-compliance">
                <thead><tr><th>"Reference data"</th><th>"Settings"</th><th>"Values within tolerance"</th></tr></thead>
                <tbody>
                    {COMPLIANCE.iter().map(|c| view! {
                        <tr><td>{c.dataset}</td><td>{c.settings}</td><td>{format!("{} of {}", c.matched, c.compared)}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            <p>"For comparison, PyRadiomics, which many published studies use, computes about 100 of these features, some with its own conventions (lesson 4 shows one: its total energy)."</p>

            <h2 id="software">"Software"</h2>
            <p>"Built with Rust, Leptos, wasm-bindgen, pulldown-cmark (Markdown), pulldown-latex (LaTeX to MathML), syntect (code highlighting, at build time), ndarray and linfa (the Model Lab's models, PCA and k-means). RadLearn's own code is available under the MIT or Apache-2.0 licence."</p>
        </article>
    }
}
