//! The anatomy of a case: lung, vessels, chest wall and one lesion, imaged by its site's scanner.

use super::*;

/// Side of the cube in mm.
pub(super) const FOV_MM: f64 = 48.0;

pub(super) const LUNG_HU: f64 = -860.0;

pub(super) const VESSEL_HU: f64 = 40.0;

pub(super) const FAT_HU: f64 = -95.0;

pub(super) const MUSCLE_HU: f64 = 45.0;

pub(super) struct Lesion {
    pub(super) centre: [f64; 3],
    /// Ellipsoid semi-axis factors along x, y, z.
    pub(super) axes: [f64; 3],
    pub(super) radius: f64,
    /// Lobes: direction and relative height.
    pub(super) lobes: Vec<([f64; 3], f64)>,
    /// Spicules: direction and length in mm.
    pub(super) spicules: Vec<([f64; 3], f64)>,
    /// Farthest surface point from the centre, in ellipsoid-scaled mm.
    pub(super) reach_scaled: f64,
    /// Farthest surface point from the centre, in mm.
    pub(super) reach: f64,
    pub(super) mean_hu: f64,
    pub(super) heterogeneity_hu: f64,
    /// Interior texture: centre, width (mm) and amplitude of smooth bumps.
    pub(super) blobs: Vec<([f64; 3], f64, f64)>,
}

/// Half-angle of a spicule: cosine of about 11 degrees.
pub(super) const SPICULE_COS: f64 = 0.98;

impl Lesion {
    pub(super) fn new(seed: u64, index: usize, label: bool, signal: f64) -> Lesion {
        let mut r = Rng::new(seed, STREAM_LESION, index);
        // How much of the malignant phenotype this case shows: `signal` for malignant cases, 0 for benign ones.
        let m = if label { signal } else { 0.0 };
        let centre = [0, 1, 2].map(|_| 2.0 * r.gauss().clamp(-1.5, 1.5));
        let axes = [0, 1, 2].map(|_| 1.0 + 0.1 * r.gauss());
        let radius = (6.5 * (1.0 + 0.2 * r.gauss())).clamp(3.5, 10.0) * (1.0 + 0.3 * m);
        let lobes: Vec<([f64; 3], f64)> = (0..6)
            .map(|_| {
                let d = r.direction();
                let (u1, u2) = (r.uniform(), r.uniform());
                (d, 0.03 + 0.04 * u1 + m * (0.03 + 0.06 * u2))
            })
            .collect();
        // Spicule j is present with weight clamp(count - j, 0, 1): benign and malignant cases alike may have one or
        // two; malignant ones get up to 4 more.
        let (u1, u2) = (r.uniform(), r.uniform());
        let count = 1.5 * u1 + m * 4.0 * u2;
        let spicules: Vec<([f64; 3], f64)> = (0..10)
            .map(|j| {
                let d = r.direction();
                let u = r.uniform();
                (d, (count - j as f64).clamp(0.0, 1.0) * radius * (0.3 + 0.4 * u))
            })
            .collect();
        let mean_hu = 25.0 + 8.0 * r.gauss() + 15.0 * m;
        let heterogeneity_hu = (10.0 * (1.0 + 0.3 * r.gauss())).max(2.0) + 15.0 * m;
        let blobs = (0..12)
            .map(|_| {
                let d = r.direction();
                let (u1, u2) = (r.uniform(), r.uniform());
                let at = 0.8 * radius * u1;
                ([0, 1, 2].map(|a| centre[a] + at * d[a]), radius * (0.3 + 0.3 * u2), r.gauss())
            })
            .collect();
        let axis = axes.iter().copied().fold(0.0, f64::max);
        let mut lesion = Lesion { centre, axes, radius, lobes, spicules, reach_scaled: 0.0, reach: 0.0, mean_hu, heterogeneity_hu, blobs };
        lesion.reach_scaled = lesion.farthest();
        // Keep the lesion inside the lung: at most 18 mm from the centre of the cube (the chest wall starts at 21 mm).
        let limit = 18.0 - centre.iter().map(|c| c.abs()).fold(0.0, f64::max);
        let s = (limit / (axis * lesion.reach_scaled)).min(1.0);
        lesion.radius *= s;
        lesion.reach_scaled *= s;
        lesion.spicules.iter_mut().for_each(|sp| sp.1 *= s);
        for (c, w, _) in &mut lesion.blobs {
            *c = [0, 1, 2].map(|a| centre[a] + s * (c[a] - centre[a]));
            *w *= s;
        }
        lesion.reach = axis * lesion.reach_scaled;
        // Absent spicules were drawn all the same (so every case uses the same random numbers), but cost nothing.
        lesion.spicules.retain(|sp| sp.1 > 0.0);
        lesion
    }

    /// The farthest surface point (in ellipsoid-scaled mm), over the lobes' and spicules' directions (where the
    /// maxima are) and a grid of 6 x 64 other directions, plus 2 % (spicule tips beyond it would be cut).
    pub(super) fn farthest(&self) -> f64 {
        let mut best: f64 = 0.0;
        let mut consider = |d: [f64; 3]| {
            let n = norm(d);
            if n > 0.0 {
                best = best.max(self.surface(d.map(|c| c / n)));
            }
        };
        self.lobes.iter().chain(&self.spicules).for_each(|&(d, _)| consider(d));
        for face in 0..6 {
            for i in 0..8 {
                for j in 0..8 {
                    let (u, v) = ((i as f64 + 0.5) / 4.0 - 1.0, (j as f64 + 0.5) / 4.0 - 1.0);
                    let w = if face % 2 == 0 { 1.0 } else { -1.0 };
                    consider(match face / 2 {
                        0 => [w, u, v],
                        1 => [u, w, v],
                        _ => [u, v, w],
                    });
                }
            }
        }
        1.02 * best
    }

    /// The distance from the centre to the surface along the unit direction `d` (in ellipsoid-scaled space).
    pub(super) fn surface(&self, d: [f64; 3]) -> f64 {
        let mut bump = 1.0;
        for &(u, h) in &self.lobes {
            let c = dot(d, u);
            if c > 0.0 {
                let c2 = c * c;
                bump += h * c2 * c2;
            }
        }
        let mut r = self.radius * bump;
        for &(v, len) in &self.spicules {
            let t = (dot(d, v) - SPICULE_COS) / (1.0 - SPICULE_COS);
            if t > 0.0 {
                r += len * t * t;
            }
        }
        r
    }

    /// Whether the lesion may reach within `margin` mm of `p`.
    pub(super) fn near(&self, p: [f64; 3], margin: f64) -> bool {
        let d = [p[0] - self.centre[0], p[1] - self.centre[1], p[2] - self.centre[2]];
        let r = self.reach + margin;
        dot(d, d) <= r * r
    }

    /// The fraction of a voxel (of in-plane size `pixel`) at `p` inside the lesion: 1 inside, 0 outside, a linear
    /// ramp over one pixel across the surface.
    pub(super) fn inside(&self, p: [f64; 3], pixel: f64) -> f64 {
        let q = [0, 1, 2].map(|a| (p[a] - self.centre[a]) / self.axes[a]);
        let rho = norm(q);
        if rho > self.reach_scaled + pixel {
            return 0.0;
        }
        // Lobes and spicules only add to the radius.
        if rho <= self.radius - 0.5 * pixel {
            return 1.0;
        }
        let s = self.surface(q.map(|c| c / rho));
        (0.5 - (rho - s) / pixel).clamp(0.0, 1.0)
    }

    /// The lesion's intensity at `p` (before partial volume with the background).
    pub(super) fn intensity(&self, p: [f64; 3]) -> f64 {
        let mut field = 0.0;
        for &(c, w, a) in &self.blobs {
            let d = [p[0] - c[0], p[1] - c[1], p[2] - c[2]];
            let d2 = dot(d, d);
            let t = 1.0 - d2 / (w * w);
            if t > 0.0 {
                field += a * t * t;
            }
        }
        self.mean_hu + self.heterogeneity_hu * 1.5 * field
    }
}

pub(super) struct Background {
    /// Vessels: a point, a unit direction and a radius (mm).
    pub(super) vessels: Vec<([f64; 3], [f64; 3], f64)>,
    /// The chest wall starts at this y (mm, posterior); fat for 2.5 mm, then muscle.
    pub(super) wall: f64,
    /// A gentle gradient of the lung's density along y (HU per mm), as in dependent lung.
    pub(super) gradient: f64,
}

impl Background {
    pub(super) fn new(seed: u64, index: usize) -> Background {
        let mut r = Rng::new(seed, STREAM_BACKGROUND, index);
        let vessels = (0..5)
            .map(|_| {
                let at = [0, 1, 2].map(|_| 20.0 * (r.uniform() - 0.5));
                (at, r.direction(), 0.6 + 1.2 * r.uniform())
            })
            .collect();
        Background { vessels, wall: 21.0 + 2.0 * r.uniform(), gradient: 0.8 + 0.8 * r.uniform() }
    }

    /// Whether a vessel passes within `margin` mm of its edge from `p`.
    pub(super) fn near_vessel(&self, p: [f64; 3], margin: f64) -> bool {
        self.vessels.iter().any(|&(a, u, radius)| {
            let w = [p[0] - a[0], p[1] - a[1], p[2] - a[2]];
            let along = dot(w, u);
            let off = [w[0] - along * u[0], w[1] - along * u[1], w[2] - along * u[2]];
            let r = radius + margin;
            dot(off, off) <= r * r
        })
    }

    pub(super) fn intensity(&self, p: [f64; 3], pixel: f64) -> f64 {
        let ramp = |d: f64| (0.5 - d / pixel).clamp(0.0, 1.0);
        let mut v = LUNG_HU + self.gradient * p[1];
        for &(a, u, radius) in &self.vessels {
            let w = [p[0] - a[0], p[1] - a[1], p[2] - a[2]];
            let along = dot(w, u);
            let off = [w[0] - along * u[0], w[1] - along * u[1], w[2] - along * u[2]];
            let f = ramp(norm(off) - radius);
            v += f * (VESSEL_HU - v);
        }
        let fat = ramp(self.wall - p[1]);
        let muscle = ramp(self.wall + 2.5 - p[1]);
        v += fat * (FAT_HU - v);
        v + muscle * (MUSCLE_HU - v)
    }
}

/// Makes case `index` (0-based) of the cohort: deterministic from the spec and the index alone. Out-of-range spec
/// fields are clamped; call [`CohortSpec::check`] first to refuse them.
pub fn case(spec: &CohortSpec, index: usize) -> SyntheticCase {
    let label = label_of(spec, index);
    let site = site_of(spec, index, label);
    let scanner = scanners(spec).swap_remove(site);
    let signal = if spec.signal.is_finite() { spec.signal.clamp(0.0, 3.0) } else { 0.0 };
    let lesion = Lesion::new(spec.seed, index, label, signal);
    let background = Background::new(spec.seed, index);
    let (pixel, thick) = (scanner.pixel_mm, scanner.slice_thickness_mm);
    let nxy = (FOV_MM / pixel).round() as usize;
    let nz = (FOV_MM / thick).round().max(1.0) as usize;
    let mut geometry = Geometry::new([nxy, nxy, nz], [pixel, pixel, thick]);
    geometry.origin = [-(nxy as f64 - 1.0) / 2.0 * pixel, -(nxy as f64 - 1.0) / 2.0 * pixel, -(nz as f64 - 1.0) / 2.0 * thick];
    // Sub-slices of at most 0.5 mm: a thick slice is the average of the anatomy over its thickness.
    let subs = (thick / 0.5).ceil().max(1.0) as usize;
    let margin = 2.0 * (pixel + thick);
    let mut values = vec![0.0f64; geometry.len()];
    let mut labels = vec![0u8; geometry.len()];
    for z in 0..nz {
        for y in 0..nxy {
            for x in 0..nxy {
                let centre = [0, 1, 2].map(|a| geometry.origin[a] + [x, y, z][a] as f64 * geometry.spacing[a]);
                // Far from the lesion and the vessels, the anatomy does not change along z within the slice: one
                // sample is the average.
                if !lesion.near(centre, margin) && !background.near_vessel(centre, margin) {
                    values[x + nxy * (y + nxy * z)] = background.intensity(centre, pixel);
                    continue;
                }
                let (mut sum, mut frac) = (0.0, 0.0);
                for s in 0..subs {
                    let p = [centre[0], centre[1], centre[2] + thick * ((s as f64 + 0.5) / subs as f64 - 0.5)];
                    let f = lesion.inside(p, pixel);
                    let bg = if f < 1.0 { background.intensity(p, pixel) } else { 0.0 };
                    let fg = if f > 0.0 { lesion.intensity(p) } else { 0.0 };
                    sum += f * fg + (1.0 - f) * bg;
                    frac += f;
                }
                let i = x + nxy * (y + nxy * z);
                values[i] = sum / subs as f64;
                labels[i] = u8::from(frac / subs as f64 >= 0.5);
            }
        }
    }
    add_noise(&mut values, [nxy, nxy, nz], &scanner, spec.seed, index);
    let data = values.iter().map(|&v| (v + scanner.hu_offset).round().clamp(-1024.0, 3071.0) as f32).collect();
    let meta = Meta {
        format: "synthetic".to_string(),
        modality: Some("CT".to_string()),
        units: Some("HU".to_string()),
        description: Some(format!("RadLearn synthetic cohort, seed {}, site {}", spec.seed, scanner.name)),
        ..Meta::default()
    };
    let image = Volume { geometry: geometry.clone(), data, meta };
    let mask = LabelMap { geometry, data: labels, names: vec![(1, "lesion".to_string())] };
    let mask = largest_component(&mask, Connectivity::Faces);
    SyntheticCase { id: case_id(index, spec.cases), label, site: scanner.name, image, mask }
}

/// Adds the scanner's noise: white Gaussian noise smoothed in-plane by the kernel, rescaled to `noise_hu`.
pub(super) fn add_noise(values: &mut [f64], dims: [usize; 3], scanner: &Scanner, seed: u64, index: usize) {
    let mut r = Rng::new(seed, STREAM_NOISE, index);
    let white: Vec<f64> = (0..values.len()).map(|_| r.gauss()).collect();
    let k = scanner.kernel_smoothing;
    // Each value: (1 - k) itself + k times the mean of its 4 in-plane neighbours; the variance of that is
    // (1 - k)^2 + k^2 / 4, divided out so the noise keeps its standard deviation.
    let scale = scanner.noise_hu / ((1.0 - k) * (1.0 - k) + k * k / 4.0).sqrt();
    let [nx, ny, _] = dims;
    // At the border, the missing neighbour is replaced by the one on the other side.
    let pair = |i: usize, c: usize, n: usize, step: usize| -> (f64, f64) {
        match (c > 0, c + 1 < n) {
            (true, true) => (white[i - step], white[i + step]),
            (true, false) => (white[i - step], white[i - step]),
            (false, true) => (white[i + step], white[i + step]),
            (false, false) => (white[i], white[i]),
        }
    };
    for (i, v) in values.iter_mut().enumerate() {
        let (lx, rx) = pair(i, i % nx, nx, 1);
        let (uy, dy) = pair(i, (i / nx) % ny, ny, nx);
        *v += scale * ((1.0 - k) * white[i] + k * (lx + rx + uy + dy) / 4.0);
    }
}
