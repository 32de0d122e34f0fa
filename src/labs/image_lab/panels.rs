//! The panels beside the viewer: the mask (open a file, regions, opacity, outline) and the features of the image
//! on show.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use radlearn_engine::image::mask::label_counts;

use crate::labs::features::{FeaturePanel, FeatureRoi, FeatureSource};
use crate::labs::segment::SegmentState;
use crate::labs::viewer::OutlineToggle;
use crate::platform;
use crate::strings::ui;

use super::input_of;
use super::state::{open_mask, LabState, Shown};

/// A region of interest the features can be computed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Region {
    /// A label of the mask on show (the reference).
    Reference(u8),
    /// The student's own segmentation.
    Mine,
}

impl Region {
    fn value(self) -> String {
        match self {
            Region::Reference(l) => format!("reference-{l}"),
            Region::Mine => "mine".into(),
        }
    }
}

/// Radiomics features of the image on show (the feature panel, computing in a worker that receives the image's
/// original files): of a label of the mask on show or of the student's segmentation, as the student chooses.
#[component]
pub(super) fn FeaturesCard(lab: LabState, shown: Shown, segmentation: SegmentState) -> impl IntoView {
    let f = crate::strings::features_ui();
    let student = segmentation.student_mask();
    let voxels = segmentation.student_voxels();
    // The labels of the mask on show that hold voxels, with their names.
    let reference_labels = Memo::new(move |_| {
        lab.overlay.mask.with(|m| {
            m.as_ref()
                .map(|m| {
                    let counts = label_counts(m);
                    m.names.iter().filter(|(l, _)| counts[usize::from(*l)] > 0).cloned().collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let regions = Memo::new(move |_| {
        let mut r: Vec<(Region, String)> =
            reference_labels.get().into_iter().map(|(l, name)| (Region::Reference(l), format!("{name} ({})", f.reference))).collect();
        if voxels.get() > 0 {
            r.push((Region::Mine, f.my_segmentation.to_string()));
        }
        r
    });
    let chosen = RwSignal::new(None::<Region>);
    // The chosen region while it exists, else the first one.
    let region = Memo::new(move |_| {
        let c = chosen.get();
        regions.with(|r| c.filter(|c| r.iter().any(|(x, _)| x == c)).or_else(|| r.first().map(|(x, _)| *x)))
    });
    let Shown { files, key, source, .. } = shown;
    let stem = source.map(|d| d.id).unwrap_or_default();
    let key = key.to_string();
    // Derived, not memoised: the source holds the masks only while the panel reads it, so the student's edits
    // still change their mask in place.
    let source = Signal::derive(move || {
        let roi = match region.get()? {
            Region::Mine => FeatureRoi::Labels { mask: student.get()?, label: None },
            Region::Reference(l) => {
                let mask = lab.overlay.mask.get()?;
                match lab.mask_file.get() {
                    Some(m) if Arc::ptr_eq(&m.mask, &mask) => FeatureRoi::File { file: m.file, label: Some(l) },
                    _ => FeatureRoi::Labels { mask, label: Some(l) },
                }
            }
        };
        Some(FeatureSource::Files { key: key.clone(), stem: stem.clone(), files: files.clone(), roi })
    });
    let missing = Signal::derive(move || {
        let has_mask = lab.overlay.mask.with(Option::is_some);
        if has_mask && reference_labels.with(Vec::is_empty) {
            f.mask_empty.to_string()
        } else if student.with(Option::is_some) && voxels.get() == 0 {
            f.segmentation_empty.to_string()
        } else {
            f.no_roi.to_string()
        }
    });
    let chooser = move || {
        let all = regions.get();
        if all.len() < 2 {
            return all.first().map(|(_, name)| {
                view! { <p class="feature-region" data-testid="feature-region-text">{f.region}": "{name.clone()}</p> }.into_any()
            });
        }
        let options = all
            .into_iter()
            .map(|(r, name)| view! { <option value=r.value() selected=move || region.get() == Some(r)>{name}</option> })
            .collect_view();
        Some(
            view! {
                <label class="feature-region">{f.region}" "
                    <select data-testid="feature-region" on:change=move |ev| {
                        let v = event_target_value(&ev);
                        chosen.set(regions.with_untracked(|r| r.iter().map(|(x, _)| *x).find(|x| x.value() == v)));
                    }>{options}</select>
                </label>
            }
            .into_any(),
        )
    };
    view! {
        <section class="lab-card lab-features" data-testid="lab-features">
            <h2>{f.title}</h2>
            {chooser}
            <FeaturePanel source=source missing=missing />
        </section>
    }
}

/// The mask: open a file, show or hide regions, opacity and outline.
#[component]
pub(super) fn MaskPanel(lab: LabState) -> impl IntoView {
    let t = ui();
    let overlay = lab.overlay;
    let regions = move || {
        overlay.mask.get().map(|m| {
            let counts = label_counts(&m);
            m.names
                .iter()
                .map(|(l, name)| {
                    let l = *l;
                    let [r, g, b] = overlay.style.with_untracked(|s| s.colours[usize::from(l)]);
                    let visible = move || overlay.style.with(|s| s.visible[usize::from(l)]);
                    view! {
                        <li>
                            <label>
                                <input type="checkbox" prop:checked=visible data-testid=format!("region-{l}")
                                    on:change=move |_| overlay.style.update(|s| s.visible[usize::from(l)] = !s.visible[usize::from(l)])/>
                                <span class="swatch" style=format!("background: rgb({r}, {g}, {b})")></span>
                                {name.clone()}
                                <span class="muted">{format!(" · {}", t.lab_voxels.count(counts[usize::from(l)]))}</span>
                            </label>
                        </li>
                    }
                })
                .collect_view()
        })
    };
    let on_opacity = move |ev: leptos::ev::Event| {
        if let Ok(v) = event_target_value(&ev).parse::<f32>() {
            overlay.opacity.set(v)
        }
    };
    view! {
        <section class="mask-panel lab-card" data-testid="mask-panel">
            <h2>{t.lab_mask}</h2>
            {move || overlay.mask.with(|m| m.is_none()).then(|| view! { <p class="muted">{t.lab_no_mask}</p> })}
            <ul class="regions" aria-label=t.lab_regions>{regions}</ul>
            <div class="mask-controls">
                <label>{t.lab_opacity}" "
                    <input type="range" min="0" max="1" step="0.05" data-testid="mask-opacity" prop:value=move || overlay.opacity.get().to_string()
                        on:input=on_opacity />
                </label>
                <OutlineToggle overlay=overlay testid="mask-outline" label=t.lab_outline/>
                <label class="button secondary file-button">{t.lab_open_mask}
                    // No `accept` filter, as for images: an RTSTRUCT may have no extension.
                    <input type="file" data-testid="pick-mask"
                        on:change=move |ev| {
                            if let Some(f) = input_of(&ev).and_then(|i| platform::take_input_files(&i).into_iter().next()) {
                                spawn_local(open_mask(lab, f));
                            }
                        }/>
                </label>
            </div>
            {move || lab.mask_problem.get().map(|p| view! {
                <p class="file-problems" role="alert" data-testid="mask-problem"><code>{p.file}</code>": "{p.message}</p>
            })}
        </section>
    }
}
