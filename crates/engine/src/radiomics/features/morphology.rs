//! Morphological features (IBSI 3.1): mesh-based volume and area, voxel counting, shape, principal axes, bounding
//! volumes and spatial autocorrelation.

use std::f64::consts::PI;

use rustfft::num_complex::Complex;

use super::math::{ellipsoid_area, sym3_eigenvalues};
use super::mesh::{convex_hull, marching_cubes, norm, volume_area};
use super::{Out, Prepared};

fn centre(i: usize, dims: [usize; 3], spacing: [f64; 3]) -> [f64; 3] {
    let [nx, ny, _] = dims;
    [(i % nx) as f64 * spacing[0], ((i / nx) % ny) as f64 * spacing[1], (i / (nx * ny)) as f64 * spacing[2]]
}

pub(crate) fn compute(p: &Prepared<'_>, out: &mut Out<'_>) {
    let mean = p.roi.iter().map(|&i| p.input.intensities[i] as f64).sum::<f64>() / p.roi.len() as f64;
    // The FFT autocorrelation is as long as the rest together: with the `parallel` feature they share two threads.
    let ((), (moran, geary)) = super::join(|| shape(p, mean, out), || autocorrelation(p, mean));
    out.push("N365", "Moran's I index", moran);
    out.push("NPT7", "Geary's C measure", geary);
}

/// The mesh, voxel and intensity-weighted shape features, in the IBSI order.
fn shape(p: &Prepared<'_>, mean: f64, out: &mut Out<'_>) {
    let inp = &p.input;
    let (dims, spacing) = (inp.dims, inp.spacing);
    let mesh = marching_cubes(inp.morphological_mask, dims, spacing);
    let (v, a) = volume_area(&mesh.vertices, &mesh.triangles);
    let morph: Vec<usize> = (0..inp.morphological_mask.len()).filter(|&i| inp.morphological_mask[i]).collect();
    let voxel_volume = morph.len() as f64 * spacing[0] * spacing[1] * spacing[2];

    out.push("RNU0", "Volume (mesh)", v);
    out.push("YEKZ", "Volume (voxel counting)", voxel_volume);
    out.push("C0JK", "Surface area (mesh)", a);
    out.push("2PR5", "Surface to volume ratio", a / v);
    out.push("SKGS", "Compactness 1", v / (PI.sqrt() * a.powf(1.5)));
    out.push("BQWJ", "Compactness 2", 36.0 * PI * v * v / a.powi(3));
    out.push("KRCK", "Spherical disproportion", a / (36.0 * PI * v * v).cbrt());
    out.push("QCFX", "Sphericity", (36.0 * PI * v * v).cbrt() / a);
    out.push("25C7", "Asphericity", (a.powi(3) / (36.0 * PI * v * v)).cbrt() - 1.0);

    // Centre of mass shift: geometric centre of the morphological mask against the intensity-weighted centre of
    // the intensity mask.
    let mut geo = [0.0; 3];
    for &i in &morph {
        let c = centre(i, dims, spacing);
        (0..3).for_each(|k| geo[k] += c[k]);
    }
    geo = geo.map(|g| g / morph.len() as f64);
    let (mut wsum, mut wc) = (0.0, [0.0; 3]);
    for &i in &p.roi {
        let w = inp.intensities[i] as f64;
        let c = centre(i, dims, spacing);
        wsum += w;
        (0..3).for_each(|k| wc[k] += w * c[k]);
    }
    let wc = wc.map(|g| g / wsum);
    out.push("KLMA", "Centre of mass shift", norm([geo[0] - wc[0], geo[1] - wc[1], geo[2] - wc[2]]));

    // Convex hull of the mesh vertices (exact on the half-voxel lattice).
    let hull = convex_hull(&mesh.lattice);
    let hull_vertices: Vec<usize> = match &hull {
        Some(faces) => {
            let mut h: Vec<usize> = faces.iter().flatten().copied().collect();
            h.sort_unstable();
            h.dedup();
            h
        }
        None => (0..mesh.vertices.len()).collect(),
    };
    let mut diam2: f64 = 0.0;
    for (k, &i) in hull_vertices.iter().enumerate() {
        for &j in &hull_vertices[k + 1..] {
            let (u, w) = (mesh.vertices[i], mesh.vertices[j]);
            diam2 = diam2.max((u[0] - w[0]).powi(2) + (u[1] - w[1]).powi(2) + (u[2] - w[2]).powi(2));
        }
    }
    out.push("L0JK", "Maximum 3D diameter", diam2.sqrt());

    // Principal component analysis of the morphological mask's voxel centres.
    let mut cov = [[0.0; 3]; 3];
    for &i in &morph {
        let c = centre(i, dims, spacing);
        let d = [c[0] - geo[0], c[1] - geo[1], c[2] - geo[2]];
        for r in 0..3 {
            for s in 0..3 {
                cov[r][s] += d[r] * d[s];
            }
        }
    }
    // Sample covariance (n - 1), as the IBSI reference values use.
    let cov = cov.map(|row| row.map(|x| x / (morph.len() as f64 - 1.0).max(1.0)));
    let [l1, l2, l3] = sym3_eigenvalues(cov).map(|l| l.max(0.0));
    out.push("TDIC", "Major axis length", 4.0 * l1.sqrt());
    out.push("P9VJ", "Minor axis length", 4.0 * l2.sqrt());
    out.push("7J51", "Least axis length", 4.0 * l3.sqrt());
    out.push("Q3CK", "Elongation", (l2 / l1).sqrt());
    out.push("N17B", "Flatness", (l3 / l1).sqrt());

    // Axis-aligned bounding box of the mesh.
    let mut lo = [f64::INFINITY; 3];
    let mut hi = [f64::NEG_INFINITY; 3];
    for vtx in &mesh.vertices {
        for k in 0..3 {
            lo[k] = lo[k].min(vtx[k]);
            hi[k] = hi[k].max(vtx[k]);
        }
    }
    let e = [hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]];
    out.push("PBX1", "Volume density (axis-aligned bounding box)", v / (e[0] * e[1] * e[2]));
    out.push("R59B", "Area density (axis-aligned bounding box)", a / (2.0 * (e[0] * e[1] + e[0] * e[2] + e[1] * e[2])));

    // Oriented minimum bounding box: see `min_box`.
    let hull_points: Vec<[f64; 3]> = hull_vertices.iter().map(|&i| mesh.vertices[i]).collect();
    let (bv, ba) = hull.as_ref().map_or((f64::NAN, f64::NAN), |faces| min_box(&mesh.vertices, faces, &hull_points));
    out.push("ZH1A", "Volume density (oriented minimum bounding box)", v / bv);
    out.push("IQYR", "Area density (oriented minimum bounding box)", a / ba);

    // Approximate enclosing ellipsoid from the principal axes: semi-axes 2 sqrt(lambda).
    let (sa, sb, sc) = (2.0 * l1.sqrt(), 2.0 * l2.sqrt(), 2.0 * l3.sqrt());
    out.push("6BDE", "Volume density (approximate enclosing ellipsoid)", v / (4.0 * PI * sa * sb * sc / 3.0));
    out.push("RDD2", "Area density (approximate enclosing ellipsoid)", a / ellipsoid_area(sa, sb, sc));

    // Minimum volume enclosing ellipsoid of the hull vertices (Khachiyan's algorithm).
    let (ev, ea) = mvee(&hull_points).map_or((f64::NAN, f64::NAN), |[x, y, z]| (4.0 * PI * x * y * z / 3.0, ellipsoid_area(x, y, z)));
    out.push("SWZ1", "Volume density (minimum volume enclosing ellipsoid)", v / ev);
    out.push("BRI8", "Area density (minimum volume enclosing ellipsoid)", a / ea);

    let (hv, ha) = match &hull {
        Some(faces) => {
            let tris: Vec<[u32; 3]> = faces.iter().map(|f| f.map(|i| i as u32)).collect();
            volume_area(&mesh.vertices, &tris)
        }
        None => (f64::NAN, f64::NAN),
    };
    out.push("R3ER", "Volume density (convex hull)", v / hv);
    out.push("7T7F", "Area density (convex hull)", a / ha);

    out.push("99N0", "Integrated intensity", mean * v);
}

/// Moran's I and Geary's C with inverse-distance weights `w = 1 / distance` over every pair of intensity-mask
/// voxels. Exact: directly for small ROIs, else as FFT convolutions with the weight kernel. Only when the FFT grid
/// would exceed [`MAX_FFT_POINTS`] (a bounding box of about 100 x 100 x 100 voxels) does it fall back to the
/// approximation the IBSI manual suggests, repeated subsampling of the ROI (deterministic: fixed seed).
fn autocorrelation(p: &Prepared<'_>, mean: f64) -> (f64, f64) {
    let inp = &p.input;
    let x: Vec<f64> = p.roi.iter().map(|&i| inp.intensities[i] as f64 - mean).collect();
    let denom: f64 = x.iter().map(|v| v * v).sum();
    if p.roi.len() < 2 || denom == 0.0 {
        return (f64::NAN, f64::NAN);
    }
    let n = p.roi.len() as f64;
    let pts = || -> Vec<[f64; 3]> { p.roi.iter().map(|&i| centre(i, inp.dims, inp.spacing)).collect() };
    if p.roi.len() <= DIRECT_LIMIT {
        return moran_geary(pair_sums_direct(&pts(), &x), n, denom, &x);
    }
    if let Some(sums) = pair_sums_fft(p, &x) {
        return moran_geary(sums, n, denom, &x);
    }
    subsampled(&pts(), &x)
}

/// Up to this many voxels the quadratic pair loop is faster than the FFT.
const DIRECT_LIMIT: usize = 3000;

/// The largest FFT grid for Moran's I and Geary's C (a complex f64 array of this many points, 128 MiB, and the kernel's
/// spectrum on an eighth of them).
pub const MAX_FFT_POINTS: usize = 1 << 23;

/// Mean Moran's I and Geary's C over `SUBSAMPLE_REPEATS` random subsets of `SUBSAMPLE_SIZE` voxels.
const SUBSAMPLE_SIZE: usize = 2000;
const SUBSAMPLE_REPEATS: usize = 10;

fn subsampled(pts: &[[f64; 3]], x: &[f64]) -> (f64, f64) {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        // xorshift64*: a fixed seed makes the approximation reproducible.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let mut order: Vec<usize> = (0..pts.len()).collect();
    let (mut moran, mut geary, mut count) = (0.0, 0.0, 0);
    for _ in 0..SUBSAMPLE_REPEATS {
        // Partial Fisher-Yates: the first SUBSAMPLE_SIZE entries are a uniform sample without replacement.
        for k in 0..SUBSAMPLE_SIZE.min(order.len()) {
            let j = k + (next() % (order.len() - k) as u64) as usize;
            order.swap(k, j);
        }
        let pick = &order[..SUBSAMPLE_SIZE.min(order.len())];
        let sub_pts: Vec<[f64; 3]> = pick.iter().map(|&k| pts[k]).collect();
        let mean = pick.iter().map(|&k| x[k]).sum::<f64>() / pick.len() as f64;
        let sub_x: Vec<f64> = pick.iter().map(|&k| x[k] - mean).collect();
        let denom: f64 = sub_x.iter().map(|v| v * v).sum();
        if denom > 0.0 {
            let (m, g) = moran_geary(pair_sums_direct(&sub_pts, &sub_x), pick.len() as f64, denom, &sub_x);
            moran += m;
            geary += g;
            count += 1;
        }
    }
    if count == 0 {
        return (f64::NAN, f64::NAN);
    }
    (moran / count as f64, geary / count as f64)
}

/// For every ROI voxel k: (sum of w_kl, sum of w_kl x_l) over the other ROI voxels l.
type PairSums = Vec<(f64, f64)>;

fn moran_geary(sums: PairSums, n: f64, denom: f64, x: &[f64]) -> (f64, f64) {
    let (mut wsum, mut mnum, mut gnum) = (0.0, 0.0, 0.0);
    for ((w, wx), &xk) in sums.iter().zip(x) {
        wsum += w;
        mnum += xk * wx;
        // sum_l w (x_k - x_l)^2 = x_k^2 sum_l w - 2 x_k sum_l w x_l + sum_l w x_l^2; summed over k the last term
        // equals the first, hence the factor 2 below.
        gnum += 2.0 * (xk * xk * w - xk * wx);
    }
    (n / wsum * mnum / denom, (n - 1.0) * gnum / (2.0 * wsum * denom))
}

fn pair_sums_direct(pts: &[[f64; 3]], x: &[f64]) -> PairSums {
    let mut sums = vec![(0.0, 0.0); pts.len()];
    for k in 0..pts.len() {
        for l in k + 1..pts.len() {
            let (a, b) = (pts[k], pts[l]);
            let w = 1.0 / ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt();
            sums[k].0 += w;
            sums[k].1 += w * x[l];
            sums[l].0 += w;
            sums[l].1 += w * x[k];
        }
    }
    sums
}

/// The smallest size >= n whose only prime factors are 2, 3 and 5 (fast FFT lengths).
fn smooth_size(n: usize) -> usize {
    (n.max(1)..)
        .find(|&m| {
            let mut m = m;
            for f in [2, 3, 5] {
                while m % f == 0 {
                    m /= f;
                }
            }
            m == 1
        })
        .unwrap_or(n)
}

/// In-place 3D FFT of `data` (x fastest) along every axis. Only the lines that matter are transformed: forward
/// (axes x, y, z), the input is zero outside the first `live` samples of each axis, so a line that only crosses zeros
/// stays zero; inverse (axes z, y, x), only the first `live` samples of each axis are wanted afterwards. With `live`
/// about half the grid this saves a quarter of the work of a full transform pair. Lines along y and z are
/// transposed into contiguous rows first, so that rustfft transforms many lines per call on cache-friendly memory.
fn fft3(data: &mut [Complex<f64>], dims: [usize; 3], inverse: bool, live: [usize; 3]) {
    let mut planner = rustfft::FftPlanner::<f64>::new();
    let [nx, ny, nz] = dims;
    let [_, ly, lz] = live.map(|l| l.max(1));
    let plan =
        |planner: &mut rustfft::FftPlanner<f64>, n: usize| if inverse { planner.plan_fft_inverse(n) } else { planner.plan_fft_forward(n) };
    let (fx, fy, fz) = (plan(&mut planner, nx), plan(&mut planner, ny), plan(&mut planner, nz));
    let scratch_len = [&fx, &fy, &fz].iter().map(|f| f.get_inplace_scratch_len()).max().unwrap_or(0);
    let mut scratch = vec![Complex::new(0.0, 0.0); scratch_len];
    let mut buf = vec![Complex::new(0.0, 0.0); nx * ny.max(nz)];
    let plane = nx * ny;
    // Forward: the rows of x (y < ly, z < lz), then of y (z < lz), then all of z. Inverse: all of z, then the
    // lines of y with z < lz, then of x with y < ly and z < lz.
    let along_x = |data: &mut [Complex<f64>], scratch: &mut [Complex<f64>]| {
        for z in 0..lz {
            fx.process_with_scratch(&mut data[plane * z..][..nx * ly], scratch);
        }
    };
    let along_y = |data: &mut [Complex<f64>], buf: &mut [Complex<f64>], scratch: &mut [Complex<f64>]| {
        for z in 0..lz {
            let p = &mut data[plane * z..][..plane];
            transpose(p, &mut buf[..plane], nx, ny);
            fy.process_with_scratch(&mut buf[..plane], scratch);
            transpose(&buf[..plane], p, ny, nx);
        }
    };
    let along_z = |data: &mut [Complex<f64>], buf: &mut [Complex<f64>], scratch: &mut [Complex<f64>]| {
        for y in 0..ny {
            // The slab of fixed y: nz rows of nx, stored `plane` apart; as nx columns of nz after transposing.
            for x in 0..nx {
                for z in 0..nz {
                    buf[x * nz + z] = data[x + nx * y + plane * z];
                }
            }
            fz.process_with_scratch(&mut buf[..nx * nz], scratch);
            for z in 0..nz {
                for x in 0..nx {
                    data[x + nx * y + plane * z] = buf[x * nz + z];
                }
            }
        }
    };
    if inverse {
        along_z(data, &mut buf, &mut scratch);
        along_y(data, &mut buf, &mut scratch);
        along_x(data, &mut scratch);
    } else {
        along_x(data, &mut scratch);
        along_y(data, &mut buf, &mut scratch);
        along_z(data, &mut buf, &mut scratch);
    }
}

/// Writes the `rows x cols` matrix `src` (row-major) transposed into `dst` (`cols x rows`), in cache-sized tiles.
fn transpose(src: &[Complex<f64>], dst: &mut [Complex<f64>], cols: usize, rows: usize) {
    const TILE: usize = 16;
    for r0 in (0..rows).step_by(TILE) {
        for c0 in (0..cols).step_by(TILE) {
            for r in r0..(r0 + TILE).min(rows) {
                for c in c0..(c0 + TILE).min(cols) {
                    dst[c * rows + r] = src[r * cols + c];
                }
            }
        }
    }
}

/// The DFT, on the grid of size `n`, of the weight kernel w = 1 / distance for every offset within a box `b` (offset
/// -d wraps to n - d; n >= 2b - 1, so the two never meet). The kernel is real and even along every axis, so its
/// transform is too: only the octant of offsets, and then of frequencies, 0 ..= n / 2 is stored (an eighth of the
/// grid), and returned with its dimensions. Each pass along an axis rebuilds whole lines from their half by
/// symmetry and transforms two lines per complex FFT, one as the real and one as the imaginary part; both
/// transforms being real, they come out as the real and imaginary parts of the result. Against a complex transform
/// of the whole grid, a sixteenth of the work. Written here because rustfft has complex transforms only, and a
/// cosine transform crate (rustdct) would need even sizes and one call per line.
fn kernel_spectrum(b: [usize; 3], n: [usize; 3], sp: [f64; 3]) -> (Vec<f64>, [usize; 3]) {
    let h = n.map(|m| m / 2 + 1);
    let mut k = vec![0.0f64; h[0] * h[1] * h[2]];
    for dz in 0..b[2].min(h[2]) {
        for dy in 0..b[1].min(h[1]) {
            let row = &mut k[h[0] * (dy + h[1] * dz)..][..h[0]];
            for (dx, w) in row.iter_mut().enumerate().take(b[0]) {
                if (dx, dy, dz) != (0, 0, 0) {
                    let d2 = (dx as f64 * sp[0]).powi(2) + (dy as f64 * sp[1]).powi(2) + (dz as f64 * sp[2]).powi(2);
                    *w = 1.0 / d2.sqrt();
                }
            }
        }
    }
    let mut planner = rustfft::FftPlanner::<f64>::new();
    let plane = h[0] * h[1];
    for axis in 0..3 {
        // Lines along `axis`: `outer` groups of `lines` lines; sample e of line l of group o is stored at
        // o * outer_stride + l * line_stride + e * step, for e < half.
        let (len, half) = (n[axis], h[axis]);
        let (outer, lines, outer_stride, line_stride, step) = match axis {
            0 => (h[2], h[1], plane, h[0], 1),
            1 => (h[2], h[0], plane, 1, h[0]),
            _ => (h[1], h[0], h[0], 1, plane),
        };
        let fft = planner.plan_fft_forward(len);
        let mut scratch = vec![Complex::new(0.0, 0.0); fft.get_inplace_scratch_len()];
        let pairs = lines.div_ceil(2);
        let mut buf = vec![Complex::new(0.0, 0.0); pairs * len];
        for o in 0..outer {
            let base = o * outer_stride;
            for e in 0..half {
                for p in 0..pairs {
                    let a = base + 2 * p * line_stride + e * step;
                    let im = if 2 * p + 1 < lines { k[a + line_stride] } else { 0.0 };
                    let v = Complex::new(k[a], im);
                    buf[p * len + e] = v;
                    if e > 0 {
                        buf[p * len + len - e] = v;
                    }
                }
            }
            fft.process_with_scratch(&mut buf, &mut scratch);
            for e in 0..half {
                for p in 0..pairs {
                    let a = base + 2 * p * line_stride + e * step;
                    let v = buf[p * len + e];
                    k[a] = v.re;
                    if 2 * p + 1 < lines {
                        k[a + line_stride] = v.im;
                    }
                }
            }
        }
    }
    (k, h)
}

/// `None` when the FFT grid would exceed [`MAX_FFT_POINTS`].
fn pair_sums_fft(p: &Prepared<'_>, x: &[f64]) -> Option<PairSums> {
    let inp = &p.input;
    let [nx, ny, _] = inp.dims;
    let coord = |i: usize| [i % nx, (i / nx) % ny, i / (nx * ny)];
    let mut lo = [usize::MAX; 3];
    let mut hi = [0usize; 3];
    for &i in &p.roi {
        let c = coord(i);
        for a in 0..3 {
            lo[a] = lo[a].min(c[a]);
            hi[a] = hi[a].max(c[a]);
        }
    }
    let b = [0, 1, 2].map(|a| hi[a] - lo[a] + 1);
    // Linear (not circular) convolution needs at least 2b - 1 samples per axis.
    let n = b.map(|v| smooth_size(2 * v - 1));
    let len = n[0] * n[1] * n[2];
    if len > MAX_FFT_POINTS {
        return None;
    }
    let at = |c: [usize; 3]| c[0] + n[0] * (c[1] + n[1] * c[2]);
    // Mask in the real part, centred intensities in the imaginary part: the kernel is real, so both convolve at once.
    let mut z = vec![Complex::new(0.0, 0.0); len];
    for (&i, &xi) in p.roi.iter().zip(x) {
        let c = coord(i);
        z[at([c[0] - lo[0], c[1] - lo[1], c[2] - lo[2]])] = Complex::new(1.0, xi);
    }
    let (kernel, h) = super::join(|| fft3(&mut z, n, false, b), || kernel_spectrum(b, n, inp.spacing)).1;
    // K is even along every axis: frequency f reads the stored octant at min(f, n - f).
    let fold = |m: usize| -> Vec<usize> { (0..m).map(|f| f.min(m - f)).collect() };
    let (fx, fy, fz) = (fold(n[0]), fold(n[1]), fold(n[2]));
    for (r, row) in z.chunks_exact_mut(n[0]).enumerate() {
        let krow = &kernel[h[0] * (fy[r % n[1]] + h[1] * fz[r / n[1]])..][..h[0]];
        row.iter_mut().zip(&fx).for_each(|(a, &f)| *a *= krow[f]);
    }
    drop(kernel);
    fft3(&mut z, n, true, b);
    let scale = 1.0 / len as f64;
    Some(
        p.roi
            .iter()
            .map(|&i| {
                let c = coord(i);
                let v = z[at([c[0] - lo[0], c[1] - lo[1], c[2] - lo[2]])] * scale;
                (v.re, v.im)
            })
            .collect(),
    )
}

/// Smallest-volume box with one face on a hull face: for each hull face normal, the minimum-area rectangle of the
/// hull projected on that face's plane (rotating over the 2D hull's edges). Exact for boxes flush with a hull face,
/// an approximation in general (IBSI gives no reference value). Returns (volume, area).
fn min_box(vertices: &[[f64; 3]], faces: &[[usize; 3]], pts: &[[f64; 3]]) -> (f64, f64) {
    let mut best = (f64::INFINITY, f64::NAN);
    let mut normals: Vec<[f64; 3]> = Vec::new();
    for f in faces {
        let [a, b, c] = f.map(|i| vertices[i]);
        let u = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
        let w = [c[0] - a[0], c[1] - a[1], c[2] - a[2]];
        let n = [u[1] * w[2] - u[2] * w[1], u[2] * w[0] - u[0] * w[2], u[0] * w[1] - u[1] * w[0]];
        let l = norm(n);
        if l > 0.0 {
            let n = n.map(|x| x / l);
            if !normals.iter().any(|m| (m[0] * n[0] + m[1] * n[1] + m[2] * n[2]).abs() > 1.0 - 1e-9) {
                normals.push(n);
            }
        }
    }
    for n in normals {
        // An orthonormal basis (e1, e2) of the plane.
        let t = if n[0].abs() < 0.9 { [1.0, 0.0, 0.0] } else { [0.0, 1.0, 0.0] };
        let e1 = {
            let d = t[0] * n[0] + t[1] * n[1] + t[2] * n[2];
            let v = [t[0] - d * n[0], t[1] - d * n[1], t[2] - d * n[2]];
            let l = norm(v);
            v.map(|x| x / l)
        };
        let e2 = [n[1] * e1[2] - n[2] * e1[1], n[2] * e1[0] - n[0] * e1[2], n[0] * e1[1] - n[1] * e1[0]];
        let dotp = |a: [f64; 3], b: [f64; 3]| a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
        let (mut hmin, mut hmax) = (f64::INFINITY, f64::NEG_INFINITY);
        let mut p2: Vec<[f64; 2]> = Vec::with_capacity(pts.len());
        for &q in pts {
            let h = dotp(q, n);
            hmin = hmin.min(h);
            hmax = hmax.max(h);
            p2.push([dotp(q, e1), dotp(q, e2)]);
        }
        let height = hmax - hmin;
        let hull2 = hull_2d(&mut p2);
        for k in 0..hull2.len() {
            let (a, b) = (hull2[k], hull2[(k + 1) % hull2.len()]);
            let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
            let l = (dx * dx + dy * dy).sqrt();
            if l == 0.0 {
                continue;
            }
            let (ux, uy) = (dx / l, dy / l);
            let (mut s0, mut s1, mut t0, mut t1) = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
            for q in &hull2 {
                let s = q[0] * ux + q[1] * uy;
                let t = -q[0] * uy + q[1] * ux;
                s0 = s0.min(s);
                s1 = s1.max(s);
                t0 = t0.min(t);
                t1 = t1.max(t);
            }
            let (w, d) = (s1 - s0, t1 - t0);
            let vol = w * d * height;
            if vol < best.0 {
                best = (vol, 2.0 * (w * d + w * height + d * height));
            }
        }
    }
    best
}

/// Convex hull of 2D points (monotone chain), counter-clockwise.
fn hull_2d(p: &mut [[f64; 2]]) -> Vec<[f64; 2]> {
    p.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    let cross = |o: [f64; 2], a: [f64; 2], b: [f64; 2]| (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
    let mut h: Vec<[f64; 2]> = Vec::with_capacity(2 * p.len());
    for pass in 0..2 {
        let start = h.len();
        let iter: Box<dyn Iterator<Item = &[f64; 2]>> = if pass == 0 { Box::new(p.iter()) } else { Box::new(p.iter().rev()) };
        for &q in iter {
            while h.len() >= start + 2 && cross(h[h.len() - 2], h[h.len() - 1], q) <= 1e-12 {
                h.pop();
            }
            h.push(q);
        }
        h.pop();
    }
    h
}

/// Semi-axes (largest first) of the minimum-volume enclosing ellipsoid of `pts`, by Khachiyan's algorithm.
fn mvee(pts: &[[f64; 3]]) -> Option<[f64; 3]> {
    let n = pts.len();
    if n < 4 {
        return None;
    }
    let d = 3.0;
    let mut u = vec![1.0 / n as f64; n];
    let lifted: Vec<[f64; 4]> = pts.iter().map(|q| [q[0], q[1], q[2], 1.0]).collect();
    for _ in 0..2000 {
        // X = sum u_i q_i q_i^T (4x4), and M_i = q_i^T X^-1 q_i.
        let mut x = [[0.0; 4]; 4];
        for (q, &w) in lifted.iter().zip(&u) {
            for r in 0..4 {
                for s in 0..4 {
                    x[r][s] += w * q[r] * q[s];
                }
            }
        }
        let xi = invert4(x)?;
        let (mut jmax, mut mmax) = (0, f64::NEG_INFINITY);
        for (j, q) in lifted.iter().enumerate() {
            let mut m = 0.0;
            for r in 0..4 {
                for s in 0..4 {
                    m += q[r] * xi[r][s] * q[s];
                }
            }
            if m > mmax {
                mmax = m;
                jmax = j;
            }
        }
        let step = (mmax - d - 1.0) / ((d + 1.0) * (mmax - 1.0));
        if step < 1e-7 {
            break;
        }
        u.iter_mut().for_each(|w| *w *= 1.0 - step);
        u[jmax] += step;
    }
    // Centre c = sum u_i p_i, shape A = (sum u_i p_i p_i^T - c c^T)^-1 / d; semi-axes 1 / sqrt(eig(A)).
    let mut c = [0.0; 3];
    for (q, &w) in pts.iter().zip(&u) {
        (0..3).for_each(|k| c[k] += w * q[k]);
    }
    let mut s = [[0.0; 3]; 3];
    for (q, &w) in pts.iter().zip(&u) {
        for r in 0..3 {
            for t in 0..3 {
                s[r][t] += w * (q[r] - c[r]) * (q[t] - c[t]);
            }
        }
    }
    // Eigenvalues of A are 1 / (d * eig(S)), so the semi-axes are sqrt(d * eig(S)).
    let e = sym3_eigenvalues(s);
    Some(e.map(|l| (d * l.max(0.0)).sqrt()))
}

fn invert4(m: [[f64; 4]; 4]) -> Option<[[f64; 4]; 4]> {
    // Gauss-Jordan elimination with partial pivoting.
    let mut a = [[0.0; 8]; 4];
    for r in 0..4 {
        a[r][..4].copy_from_slice(&m[r]);
        a[r][4 + r] = 1.0;
    }
    for col in 0..4 {
        let piv = (col..4).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[piv][col].abs() < 1e-300 {
            return None;
        }
        a.swap(col, piv);
        let d = a[col][col];
        a[col].iter_mut().for_each(|x| *x /= d);
        for r in 0..4 {
            if r != col {
                let f = a[r][col];
                let row = a[col];
                a[r].iter_mut().zip(row).for_each(|(x, y)| *x -= f * y);
            }
        }
    }
    let mut inv = [[0.0; 4]; 4];
    for r in 0..4 {
        inv[r].copy_from_slice(&a[r][4..]);
    }
    Some(inv)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::radiomics::features::{FeatureInput, FeatureSettings};

    #[test]
    fn fft_and_direct_autocorrelation_agree() {
        let dims = [13, 11, 7];
        let n = dims[0] * dims[1] * dims[2];
        // A blob with a pseudo-random texture.
        let mut state = 12345u64;
        let intensities: Vec<f32> = (0..n)
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                (state >> 40) as f32 / 1000.0
            })
            .collect();
        let mask: Vec<bool> = (0..n)
            .map(|i| {
                let (x, y, z) = ((i % 13) as f64 - 6.0, ((i / 13) % 11) as f64 - 5.0, (i / 143) as f64 - 3.0);
                x * x / 36.0 + y * y / 25.0 + z * z / 9.0 <= 1.0
            })
            .collect();
        let levels = vec![1u32; n];
        let input = FeatureInput::new(dims, [0.8, 1.1, 2.5], &intensities, &mask, &levels);
        let settings = FeatureSettings::default().check().expect("valid");
        let p = crate::radiomics::features::prepare(&input, &settings).expect("prepared");
        let mean = p.roi.iter().map(|&i| intensities[i] as f64).sum::<f64>() / p.roi.len() as f64;
        let x: Vec<f64> = p.roi.iter().map(|&i| intensities[i] as f64 - mean).collect();
        let denom: f64 = x.iter().map(|v| v * v).sum();
        let pts: Vec<[f64; 3]> = p.roi.iter().map(|&i| centre(i, dims, [0.8, 1.1, 2.5])).collect();
        let direct = moran_geary(pair_sums_direct(&pts, &x), p.roi.len() as f64, denom, &x);
        let fft = moran_geary(pair_sums_fft(&p, &x).expect("small grid"), p.roi.len() as f64, denom, &x);
        // With fewer voxels than one subsample, the subsampling fallback sees the whole ROI, so it is exact too.
        assert!(pts.len() < SUBSAMPLE_SIZE);
        let whole = subsampled(&pts, &x);
        assert!((whole.0 - direct.0).abs() < 1e-9 && (whole.1 - direct.1).abs() < 1e-9, "{whole:?} {direct:?}");
        assert!((direct.0 - fft.0).abs() < 1e-9 && (direct.1 - fft.1).abs() < 1e-9, "{direct:?} {fft:?}");
    }
}
