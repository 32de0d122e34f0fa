//! Hash routes: `#/`, `#/lesson/<slug>[/<anchor>]`, `#/lab` (the Image Lab), `#/models` (the Model Lab), `#/about`. Hash routing needs no server
//! rule, so reloading any page works on any static host, at any sub-path.

/// A page of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Index,
    Lesson {
        slug: String,
        anchor: Option<String>,
    },
    /// The Image Lab: open images, view them in three planes.
    Lab,
    /// The Model Lab: cohorts, models, evaluation.
    Models,
    About,
    NotFound(String),
}

impl Route {
    /// Parses `location.hash` (with or without the leading `#`).
    pub fn parse(hash: &str) -> Route {
        let path = hash.trim_start_matches('#').trim_start_matches('/');
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        match parts.as_slice() {
            [] => Route::Index,
            ["about"] => Route::About,
            ["lab"] => Route::Lab,
            ["models"] => Route::Models,
            ["lesson", slug] => Route::Lesson { slug: slug.to_string(), anchor: None },
            ["lesson", slug, anchor] => Route::Lesson { slug: slug.to_string(), anchor: Some(anchor.to_string()) },
            _ => Route::NotFound(path.to_string()),
        }
    }

    /// The `href` of this route.
    pub fn href(&self) -> String {
        match self {
            Route::Index => "#/".into(),
            Route::About => "#/about".into(),
            Route::Lab => "#/lab".into(),
            Route::Models => "#/models".into(),
            Route::Lesson { slug, anchor: None } => format!("#/lesson/{slug}"),
            Route::Lesson { slug, anchor: Some(a) } => format!("#/lesson/{slug}/{a}"),
            Route::NotFound(p) => format!("#/{p}"),
        }
    }
}

/// The link to a lesson.
pub fn lesson_href(slug: &str) -> String {
    Route::Lesson { slug: slug.into(), anchor: None }.href()
}
