//! Images as data and as pictures: the volume and label-map model, masks, window/level, histograms, multiplanar
//! display, spline interpolation and seeded synthetic images. Image filters belong here too (an image in, an image
//! out).

pub mod histogram;
pub mod mask;
pub mod spline;
pub mod synthetic;
pub mod view;
pub mod volume;
pub mod window;
