//! Exercise widgets: the registry's checked parameters (`radlearn_course::widgets`) mapped to
//! components. An unknown widget or bad parameters show an authoring error in the page.

use leptos::prelude::*;
use radlearn_course::widgets::WidgetParams;
use radlearn_course::Exercise;

use super::lab_host::{LabHost, LabView};
use super::window_level;
use crate::strings::ui;

/// Shows an `exercise` block: its widget, or the authoring error that prevents it.
#[component]
pub fn WidgetHost(
    /// The compiled exercise block.
    exercise: Exercise,
    /// The lesson's slug, for widgets that save answers.
    #[prop(optional, into)]
    lesson: String,
) -> impl IntoView {
    let t = ui();
    let caption = (!exercise.caption.is_empty()).then(|| view! { <figcaption inner_html=exercise.caption.clone()></figcaption> });
    let widget = exercise.widget.clone();
    let body = match &exercise.params {
        Ok(WidgetParams::WindowLevel(p)) => view! { <window_level::WindowLevel params=p.clone()/> }.into_any(),
        // Widgets on images and models live in the labs module, loaded when the first one is shown.
        Ok(WidgetParams::FeatureTable(_))
        | Ok(WidgetParams::ImageViewer(_))
        | Ok(WidgetParams::Segmentation(_))
        | Ok(WidgetParams::ModelLab(_))
        | Ok(WidgetParams::PcaExplorer(_)) => {
            let exercise = Exercise { caption: String::new(), ..exercise.clone() };
            view! { <LabHost view=LabView::Exercise { exercise, lesson }/> }.into_any()
        }
        // A widget this build does not know (the registry is newer than the app).
        Ok(_) => view! { <WidgetError message=format!("{} `{}` {}", t.widget, exercise.widget, t.widget_unavailable)/> }.into_any(),
        Err(message) => view! {
            <div class="authoring-error" role="alert" data-testid="authoring-error">
                <p><strong>{t.authoring_error}</strong>" "{t.in_file}" "<code>{exercise.location.clone()}</code>" ("{t.widget}" "<code>{exercise.widget.clone()}</code>")"</p>
                <p>{message.clone()}</p>
            </div>
        }
        .into_any(),
    };
    view! { <figure class="exercise" data-widget=widget>{body}{caption}</figure> }
}

/// A failure inside a widget, shown in place of (or next to) the widget.
#[component]
pub fn WidgetError(
    /// What went wrong, in plain words.
    message: String,
) -> impl IntoView {
    view! { <div class="widget-error" role="alert"><p>{ui().widget_failed}</p><p class="muted">{message}</p></div> }
}
