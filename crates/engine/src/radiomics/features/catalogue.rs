//! Plain-English catalogue of the IBSI features the engine computes, for the course's feature tables.
//!
//! Every IBSI feature code that [`super::compute`] can emit has a one-line description aimed at an engineering
//! student (what the feature measures and what a high value means, at most [`MAX_DESCRIPTION_CHARS`] characters,
//! no formulas); every family has a one-paragraph description and the slug of the lesson that teaches it; every
//! texture aggregation code has a short name. The meanings follow the IBSI reference manual (chapter 3, "Image
//! features"), written in our own words.
//!
//! # Example
//! ```
//! use radlearn_engine::radiomics::features::catalogue::{aggregation_name, describe, family_info};
//! assert!(describe("QCFX").expect("sphericity").contains("sphere"));
//! let glcm = family_info("LFYI").expect("GLCM");
//! assert_eq!(glcm.lesson, "texture-features");
//! assert_eq!(aggregation_name("IAZD"), Some("3D, merged"));
//! assert_eq!(describe("XXXX"), None);
//! ```

use super::texture::{
    AGG_25D, AGG_25D_DIRECTION_MERGED, AGG_25D_MERGED, AGG_2D, AGG_2D_AVERAGED, AGG_2D_SLICE_MERGED, AGG_3D, AGG_3D_AVERAGED, AGG_3D_MERGED,
};
use super::Family;

/// The longest a feature description may be, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 140;

/// Slug of the lesson on first-order (intensity) and shape features.
pub const LESSON_FIRST_ORDER_AND_SHAPE: &str = "first-order-and-shape-features";
/// Slug of the lesson on texture features.
pub const LESSON_TEXTURE: &str = "texture-features";

/// What the course says about one feature family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FamilyInfo {
    /// IBSI family code, e.g. `"HCUG"`.
    pub code: &'static str,
    /// Family name, as [`Family::name`] gives it.
    pub name: &'static str,
    /// One paragraph: what the family looks at and how to read it.
    pub description: &'static str,
    /// Slug of the lesson that teaches the family.
    pub lesson: &'static str,
}

/// One catalogue entry: a feature code, its family code and its one-line description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeatureInfo {
    /// IBSI feature code, e.g. `"RNU0"`.
    pub code: &'static str,
    /// The feature's name, as the engine's results give it (e.g. "Volume (mesh)").
    pub name: &'static str,
    /// IBSI code of the family that computes it, e.g. `"HCUG"`.
    pub family_code: &'static str,
    /// What it measures and what a high value means, in plain English.
    pub description: &'static str,
}

/// The description of a feature, by IBSI feature code; `None` for a code the engine does not compute.
pub fn describe(feature_code: &str) -> Option<&'static str> {
    feature_info(feature_code).map(|f| f.description)
}

/// The name of a feature, by IBSI feature code (e.g. `"Q4LE"` gives "Mean"); `None` for a code the engine does not
/// compute.
pub fn feature_name(feature_code: &str) -> Option<&'static str> {
    feature_info(feature_code).map(|f| f.name)
}

/// The catalogue entry of a feature, by IBSI feature code.
pub fn feature_info(feature_code: &str) -> Option<FeatureInfo> {
    FEATURES.iter().find(|f| f.code == feature_code).copied()
}

/// What the course says about a family, by IBSI family code (e.g. `"LFYI"`).
pub fn family_info(family_code: &str) -> Option<FamilyInfo> {
    FAMILIES.iter().find(|f| f.code == family_code).copied()
}

/// What the course says about a family.
pub fn family(family: Family) -> FamilyInfo {
    // Every family is in the table (checked by the tests); the fallback keeps this total without a panic.
    family_info(family.code()).unwrap_or(FamilyInfo { code: family.code(), name: family.name(), description: "", lesson: "" })
}

/// A short name for an IBSI texture aggregation code, e.g. `"3D, merged"` for `"IAZD"`.
pub fn aggregation_name(code: &str) -> Option<&'static str> {
    AGGREGATIONS.iter().find(|(c, _)| *c == code).map(|(_, name)| *name)
}

/// Every texture aggregation code with its short name (as in the IBSI reference values).
pub const AGGREGATIONS: [(&str, &str); 9] = [
    (AGG_2D_AVERAGED, "2D, averaged"),
    (AGG_2D_SLICE_MERGED, "2D, slice-merged"),
    (AGG_25D_DIRECTION_MERGED, "2.5D, direction-merged"),
    (AGG_25D_MERGED, "2.5D, merged"),
    (AGG_3D_AVERAGED, "3D, averaged"),
    (AGG_3D_MERGED, "3D, merged"),
    (AGG_2D, "2D"),
    (AGG_25D, "2.5D"),
    (AGG_3D, "3D"),
];

/// Every family, in the order of the IBSI manual.
pub const FAMILIES: [FamilyInfo; 11] = [
    FamilyInfo {
        code: "HCUG",
        name: "Morphological features",
        description: "Morphological features describe the size and shape of the region of interest, not its intensities \
            (except integrated intensity, centre of mass shift and the two spatial autocorrelation indices). Volume and surface \
            area come from a triangle mesh wrapped around the mask; sphericity-type features compare the shape with a sphere; \
            principal axes describe how the voxels spread in space; density features say how well the region fills boxes, \
            ellipsoids or its convex hull. They are always computed in 3D.",
        lesson: LESSON_FIRST_ORDER_AND_SHAPE,
    },
    FamilyInfo {
        code: "9ST6",
        name: "Local intensity features",
        description: "Local intensity features average the original intensities inside a sphere of 1 cm³ around a voxel, \
            using the whole image rather than just the mask. They capture how bright the hottest spot is over a small volume, \
            which is steadier than a single maximum voxel and is popular in PET (the SUV peak).",
        lesson: LESSON_FIRST_ORDER_AND_SHAPE,
    },
    FamilyInfo {
        code: "UHIW",
        name: "Intensity-based statistical features",
        description: "Intensity-based statistical features summarise the distribution of voxel intensities in the region, \
            ignoring where the voxels are: location (mean, median, percentiles), spread (variance, ranges, deviations) and shape \
            (skewness, kurtosis). They use the intensities before discretisation, so they keep the units of the image, e.g. \
            Hounsfield units in CT.",
        lesson: LESSON_FIRST_ORDER_AND_SHAPE,
    },
    FamilyInfo {
        code: "ZVCW",
        name: "Intensity histogram features",
        description: "Intensity histogram features repeat many statistical features on the discretised grey levels, i.e. on \
            the histogram of the region, and add histogram-only ones: the mode, entropy, uniformity and the steepest rises and \
            falls between neighbouring bins. Values depend on the discretisation (bin width or number of bins), so compare them \
            only between images discretised the same way.",
        lesson: LESSON_FIRST_ORDER_AND_SHAPE,
    },
    FamilyInfo {
        code: "P88C",
        name: "Intensity-volume histogram features",
        description: "The intensity-volume histogram plots, for every intensity, the fraction of the region's volume at or \
            above it, like the dose-volume histograms of radiotherapy. Its features read points off this falling curve (the \
            volume above a given intensity fraction, the intensity reached by a given volume fraction), differences between \
            such points, and the area under the curve.",
        lesson: LESSON_FIRST_ORDER_AND_SHAPE,
    },
    FamilyInfo {
        code: "LFYI",
        name: "Grey level co-occurrence based features",
        description: "The grey level co-occurrence matrix (GLCM) counts how often each pair of grey levels occurs in \
            neighbouring voxels along a direction. Features computed from it describe texture: whether neighbours tend to be \
            alike (homogeneity, energy) or different (contrast, dissimilarity), how random the pairings are (entropy) and how \
            strongly a voxel predicts its neighbour (correlation). Matrices are built per direction and combined by one of \
            six aggregation methods.",
        lesson: LESSON_TEXTURE,
    },
    FamilyInfo {
        code: "TP0I",
        name: "Grey level run length based features",
        description: "The grey level run length matrix (GLRLM) counts runs: straight lines of consecutive voxels with the \
            same grey level along a direction, by grey level and run length. Short runs mean fine, quickly changing texture; \
            long runs mean coarse texture with uniform stretches. Features weigh short or long runs, low or high grey levels, \
            and how evenly runs spread over levels and lengths.",
        lesson: LESSON_TEXTURE,
    },
    FamilyInfo {
        code: "9SAK",
        name: "Grey level size zone based features",
        description: "The grey level size zone matrix (GLSZM) counts zones: groups of connected voxels sharing one grey level, \
            by grey level and zone size (number of voxels). It needs no direction. Many small zones mean fine, heterogeneous \
            texture; a few large zones mean coarse, homogeneous texture. Features weigh small or large zones, low or high grey \
            levels, and how evenly zones spread over levels and sizes.",
        lesson: LESSON_TEXTURE,
    },
    FamilyInfo {
        code: "VMDZ",
        name: "Grey level distance zone based features",
        description: "The grey level distance zone matrix (GLDZM) uses the same zones as the size zone matrix, but records each \
            zone's distance to the edge of the region instead of its size. It tells whether uniform patches lie at the border \
            or deep inside the region, e.g. a bright rim around a dark core. Features weigh near or far zones, low or high grey \
            levels, and how evenly zones spread over levels and distances.",
        lesson: LESSON_TEXTURE,
    },
    FamilyInfo {
        code: "IPET",
        name: "Neighbourhood grey tone difference based features",
        description: "The neighbourhood grey tone difference matrix (NGTDM) sums, for each grey level, how much voxels differ \
            from the average of their neighbours. Its five features translate this into properties people perceive in a \
            texture: coarseness, contrast, busyness, complexity and strength.",
        lesson: LESSON_TEXTURE,
    },
    FamilyInfo {
        code: "REK0",
        name: "Neighbouring grey level dependence based features",
        description: "The neighbouring grey level dependence matrix (NGLDM) counts, for each voxel, how many of its neighbours \
            have a similar grey level (its dependence), by grey level and dependence count. High dependence means homogeneous, \
            coarse texture; low dependence means heterogeneous, fine texture. Features weigh low or high dependence, low or \
            high grey levels, and how evenly voxels spread over levels and counts.",
        lesson: LESSON_TEXTURE,
    },
];

const fn f(code: &'static str, name: &'static str, family_code: &'static str, description: &'static str) -> FeatureInfo {
    FeatureInfo { code, name, family_code, description }
}

const MORPH: &str = "HCUG";
const LOCAL: &str = "9ST6";
const STAT: &str = "UHIW";
const IH: &str = "ZVCW";
const IVH: &str = "P88C";
const GLCM: &str = "LFYI";
const GLRLM: &str = "TP0I";
const GLSZM: &str = "9SAK";
const GLDZM: &str = "VMDZ";
const NGTDM: &str = "IPET";
const NGLDM: &str = "REK0";

/// Every feature the engine computes, family by family in the order of the IBSI manual.
pub const FEATURES: [FeatureInfo; 172] = [
    // Morphology (IBSI 3.1).
    f("RNU0", "Volume (mesh)", MORPH, "Volume enclosed by a triangle mesh wrapped around the region; high for large regions."),
    f(
        "YEKZ",
        "Volume (voxel counting)",
        MORPH,
        "Number of voxels in the region times the volume of one voxel; a quick estimate that overstates small volumes.",
    ),
    f(
        "C0JK",
        "Surface area (mesh)",
        MORPH,
        "Area of the triangle mesh around the region; high for large regions or for irregular, folded boundaries.",
    ),
    f(
        "2PR5",
        "Surface to volume ratio",
        MORPH,
        "Surface area per unit volume; high for small, thin or irregular shapes, low for large compact ones.",
    ),
    f("SKGS", "Compactness 1", MORPH, "How compact, i.e. sphere-like, the shape is from its volume and area; highest for a sphere."),
    f("BQWJ", "Compactness 2", MORPH, "Sphere-likeness between 0 and 1: 1 for a perfect sphere, lower for elongated or rough shapes."),
    f(
        "KRCK",
        "Spherical disproportion",
        MORPH,
        "Surface area compared with a sphere of the same volume: 1 for a sphere, higher for irregular or elongated shapes.",
    ),
    f(
        "QCFX",
        "Sphericity",
        MORPH,
        "How close the shape is to a sphere, between 0 and 1: 1 for a sphere, lower for irregular or elongated shapes.",
    ),
    f("25C7", "Asphericity", MORPH, "How far the shape departs from a sphere: 0 for a sphere, higher for irregular or elongated shapes."),
    f(
        "KLMA",
        "Centre of mass shift",
        MORPH,
        "Distance between the region's geometric centre and its intensity-weighted centre; high when bright parts sit off-centre.",
    ),
    f(
        "L0JK",
        "Maximum 3D diameter",
        MORPH,
        "Largest distance between two points on the region's surface; high for big or elongated regions.",
    ),
    f(
        "TDIC",
        "Major axis length",
        MORPH,
        "Extent of the region along its main direction of spread (principal axes of the voxels); high for long regions.",
    ),
    f(
        "P9VJ",
        "Minor axis length",
        MORPH,
        "Extent of the region along its second principal direction; high for regions that are wide as well as long.",
    ),
    f(
        "7J51",
        "Least axis length",
        MORPH,
        "Extent of the region along its third, shortest principal direction; low for flat, plate-like regions.",
    ),
    f(
        "Q3CK",
        "Elongation",
        MORPH,
        "Minor to major axis ratio, 0 to 1; despite the name, high means a round cross-section and low a needle-like shape.",
    ),
    f(
        "N17B",
        "Flatness",
        MORPH,
        "Least to major axis ratio, 0 to 1; despite the name, high means a chunky shape and low a flat, plate-like one.",
    ),
    f(
        "PBX1",
        "Volume density (axis-aligned bounding box)",
        MORPH,
        "Fraction of the axis-aligned bounding box filled by the region; high for box-like shapes aligned with the grid.",
    ),
    f(
        "R59B",
        "Area density (axis-aligned bounding box)",
        MORPH,
        "Surface area relative to that of the axis-aligned bounding box; high for rough or folded surfaces.",
    ),
    f(
        "ZH1A",
        "Volume density (oriented minimum bounding box)",
        MORPH,
        "Fraction of the smallest enclosing box, in any orientation, that the region fills; high for box-like shapes.",
    ),
    f(
        "IQYR",
        "Area density (oriented minimum bounding box)",
        MORPH,
        "Surface area relative to that of the smallest enclosing box in any orientation; high for rough or folded surfaces.",
    ),
    f(
        "6BDE",
        "Volume density (approximate enclosing ellipsoid)",
        MORPH,
        "Volume relative to an ellipsoid sized from the principal axes; high when the shape is full and ellipsoid-like.",
    ),
    f(
        "RDD2",
        "Area density (approximate enclosing ellipsoid)",
        MORPH,
        "Surface area relative to an ellipsoid sized from the principal axes; high for rough or irregular surfaces.",
    ),
    f(
        "SWZ1",
        "Volume density (minimum volume enclosing ellipsoid)",
        MORPH,
        "Fraction of the smallest ellipsoid enclosing the region that the region fills; high for ellipsoid-like shapes.",
    ),
    f(
        "BRI8",
        "Area density (minimum volume enclosing ellipsoid)",
        MORPH,
        "Surface area relative to that of the smallest enclosing ellipsoid; high for rough or folded surfaces.",
    ),
    f(
        "R3ER",
        "Volume density (convex hull)",
        MORPH,
        "Fraction of the convex hull (a shrink-wrap around the region) it fills, or solidity; low for dented, lobulated shapes.",
    ),
    f(
        "7T7F",
        "Area density (convex hull)",
        MORPH,
        "Surface area relative to that of the convex hull; near 1 for convex shapes, higher for dented or folded surfaces.",
    ),
    f(
        "99N0",
        "Integrated intensity",
        MORPH,
        "Mean intensity times volume, the total signal in the region (total lesion glycolysis in FDG-PET); high for big, bright regions.",
    ),
    f(
        "N365",
        "Moran's I index",
        MORPH,
        "Spatial autocorrelation of intensities: near 1 when similar intensities cluster, near 0 when random, negative when alternating.",
    ),
    f(
        "NPT7",
        "Geary's C measure",
        MORPH,
        "Spatial autocorrelation from differences between voxels: below 1 when nearby voxels are alike, above 1 when they differ.",
    ),
    // Local intensity (IBSI 3.2).
    f(
        "VJGA",
        "Local intensity peak",
        LOCAL,
        "Mean intensity in a 1 cm³ sphere centred on the brightest voxel; high when the hottest spot stays bright around it.",
    ),
    f(
        "0F91",
        "Global intensity peak",
        LOCAL,
        "Highest mean intensity of any 1 cm³ sphere centred in the region; high when some small part is bright throughout.",
    ),
    // Intensity-based statistics (IBSI 3.3).
    f("Q4LE", "Mean intensity", STAT, "Average intensity in the region; high when the region is bright overall."),
    f("ECT3", "Intensity variance", STAT, "Spread of intensities around their mean; high when the region mixes dark and bright voxels."),
    f(
        "KE2A",
        "Intensity skewness",
        STAT,
        "Asymmetry of the intensity distribution: positive for a tail of bright voxels, negative for a tail of dark ones.",
    ),
    f(
        "IPH6",
        "(Excess) intensity kurtosis",
        STAT,
        "Tailedness of the intensity distribution compared with a normal one; high when a few extreme voxels dominate the spread.",
    ),
    f(
        "Y12H",
        "Median intensity",
        STAT,
        "Middle intensity: half the voxels are darker, half brighter; robust to outliers, high for a bright region.",
    ),
    f("1GSF", "Minimum intensity", STAT, "Lowest intensity in the region; high when even the darkest voxel is bright."),
    f("QG58", "10th intensity percentile", STAT, "Intensity below which a tenth of the voxels lie; a robust alternative to the minimum."),
    f(
        "8DWT",
        "90th intensity percentile",
        STAT,
        "Intensity below which nine tenths of the voxels lie; a robust alternative to the maximum.",
    ),
    f(
        "84IY",
        "Maximum intensity",
        STAT,
        "Highest intensity in the region; high when at least one voxel is very bright, so sensitive to noise.",
    ),
    f(
        "SALO",
        "Intensity interquartile range",
        STAT,
        "Width of the intensity range holding the middle half of the voxels; high for heterogeneous regions, robust to outliers.",
    ),
    f(
        "2OJQ",
        "Intensity range",
        STAT,
        "Gap between the highest and lowest intensity; high when the region spans a wide range, sensitive to outliers.",
    ),
    f(
        "4FUA",
        "Intensity-based mean absolute deviation",
        STAT,
        "Average distance of the intensities from their mean; high when intensities are widely spread.",
    ),
    f(
        "1128",
        "Intensity-based robust mean absolute deviation",
        STAT,
        "Average distance from the mean of the intensities between the 10th and 90th percentiles; spread ignoring the extremes.",
    ),
    f(
        "N72L",
        "Intensity-based median absolute deviation",
        STAT,
        "Average distance of the intensities from their median; high when intensities are widely spread.",
    ),
    f(
        "7TET",
        "Intensity-based coefficient of variation",
        STAT,
        "Standard deviation relative to the mean; high when the spread is large compared with the typical intensity.",
    ),
    f(
        "9S40",
        "Intensity-based quartile coefficient of dispersion",
        STAT,
        "Spread of the middle half of the intensities relative to their level; a robust, unit-free dispersion measure.",
    ),
    f(
        "N8CA",
        "Intensity-based energy",
        STAT,
        "Sum of squared intensities; grows with both the number of voxels and how far their intensities are from zero.",
    ),
    f(
        "5ZWQ",
        "Root mean square intensity",
        STAT,
        "Typical magnitude of the intensities (square root of the mean square); high for strongly bright or negative regions.",
    ),
    // Intensity histogram (IBSI 3.4).
    f(
        "X6K6",
        "Mean discretised intensity",
        IH,
        "Average discretised grey level (histogram bin) of the voxels; high when most voxels fall in upper bins.",
    ),
    f(
        "CH89",
        "Discretised intensity variance",
        IH,
        "Spread of grey levels around their mean; high when voxels scatter over many histogram bins.",
    ),
    f(
        "88K1",
        "Discretised intensity skewness",
        IH,
        "Asymmetry of the grey-level histogram: positive for a tail towards high bins, negative for one towards low bins.",
    ),
    f(
        "C3I7",
        "(Excess) discretised intensity kurtosis",
        IH,
        "Tailedness of the grey-level histogram compared with a normal one; high when a few far-off bins dominate the spread.",
    ),
    f(
        "WIFQ",
        "Median discretised intensity",
        IH,
        "Middle grey level of the histogram: half the voxels lie in lower bins; high for a bright region.",
    ),
    f("1PR8", "Minimum discretised intensity", IH, "Lowest grey level present in the region; high when no voxel falls in the lower bins."),
    f(
        "GPMT",
        "10th discretised intensity percentile",
        IH,
        "Grey level below which a tenth of the voxels lie; a robust estimate of the dark end of the histogram.",
    ),
    f(
        "OZ0C",
        "90th discretised intensity percentile",
        IH,
        "Grey level below which nine tenths of the voxels lie; a robust estimate of the bright end of the histogram.",
    ),
    f(
        "3NCY",
        "Maximum discretised intensity",
        IH,
        "Highest grey level present in the region; high when some voxel reaches the upper bins.",
    ),
    f(
        "AMMC",
        "Intensity histogram mode",
        IH,
        "Most frequent grey level, the tallest bar of the histogram; high when the typical voxel falls in a high bin.",
    ),
    f(
        "WR0O",
        "Discretised intensity interquartile range",
        IH,
        "Width of the grey-level range holding the middle half of the voxels; high for heterogeneous regions.",
    ),
    f(
        "5Z3W",
        "Discretised intensity range",
        IH,
        "Gap between the highest and lowest grey level present; high when the region covers many histogram bins.",
    ),
    f(
        "D2ZX",
        "Intensity histogram mean absolute deviation",
        IH,
        "Average distance of the grey levels from their mean; high when voxels spread over many bins.",
    ),
    f(
        "WRZB",
        "Intensity histogram robust mean absolute deviation",
        IH,
        "Average distance from the mean of the grey levels between the 10th and 90th percentiles; spread ignoring extremes.",
    ),
    f(
        "4RNL",
        "Intensity histogram median absolute deviation",
        IH,
        "Average distance of the grey levels from their median; high when voxels spread over many bins.",
    ),
    f(
        "CWYJ",
        "Intensity histogram coefficient of variation",
        IH,
        "Grey-level standard deviation relative to the mean grey level; high when the spread is large for the typical level.",
    ),
    f(
        "SLWD",
        "Intensity histogram quartile coefficient of dispersion",
        IH,
        "Spread of the middle half of the grey levels relative to their level; a robust, unit-free dispersion measure.",
    ),
    f(
        "TLU2",
        "Discretised intensity entropy",
        IH,
        "Randomness of the histogram: high when voxels spread evenly over many bins, 0 when they all share one bin.",
    ),
    f(
        "BJ5W",
        "Discretised intensity uniformity",
        IH,
        "Concentration of the histogram: up to 1 when voxels crowd into few bins, low when they spread over many.",
    ),
    f(
        "12CE",
        "Maximum histogram gradient",
        IH,
        "Steepest rise between neighbouring histogram bins; high when the histogram climbs sharply towards a peak.",
    ),
    f(
        "8E6O",
        "Maximum histogram gradient intensity",
        IH,
        "Grey level where the histogram rises most steeply; locates the low-side flank of the main peak.",
    ),
    f(
        "VQB3",
        "Minimum histogram gradient",
        IH,
        "Steepest fall between neighbouring histogram bins, a negative number; very negative when a peak drops off sharply.",
    ),
    f(
        "RHQZ",
        "Minimum histogram gradient intensity",
        IH,
        "Grey level where the histogram falls most steeply; locates the high-side flank of the main peak.",
    ),
    // Intensity-volume histogram (IBSI 3.5).
    f(
        "BC2M",
        "Volume at intensity fraction",
        IVH,
        "Fraction of the volume at or above a given fraction of the intensity range (V10, V90); high when much of it is bright.",
    ),
    f(
        "GBPN",
        "Intensity at volume fraction",
        IVH,
        "Lowest intensity within the brightest given fraction of the volume (I10, I90); high when even a large part is bright.",
    ),
    f(
        "DDTU",
        "Volume fraction difference between intensity fractions",
        IVH,
        "Volume at 10 % of the intensity range minus volume at 90 %; high when most voxels lie between the two intensities.",
    ),
    f(
        "CNV2",
        "Intensity fraction difference between volume fractions",
        IVH,
        "Intensity reached by the brightest 10 % of the volume minus that of the brightest 90 %; high for a wide intensity spread.",
    ),
    f(
        "9CMM",
        "Area under the IVH curve",
        IVH,
        "Area under the intensity-volume curve; high when much of the volume sits at the upper end of the intensity range.",
    ),
    // Grey level co-occurrence matrix (IBSI 3.6).
    f(
        "GYBY",
        "Joint maximum",
        GLCM,
        "Probability of the most common pair of neighbouring grey levels; high when one pairing dominates, as in uniform regions.",
    ),
    f("60VM", "Joint average", GLCM, "Average grey level over all neighbour pairs; high when neighbouring pairs are mostly bright."),
    f("UR99", "Joint variance", GLCM, "Spread of grey levels over the neighbour pairs; high when pairs cover many different levels."),
    f(
        "TU9B",
        "Joint entropy",
        GLCM,
        "Randomness of neighbour grey-level pairs; high when many different pairings occur about equally often.",
    ),
    f(
        "TF7R",
        "Difference average",
        GLCM,
        "Average grey-level difference between neighbours; high for textures with strong local contrast.",
    ),
    f(
        "D3YU",
        "Difference variance",
        GLCM,
        "Spread of the grey-level differences between neighbours; high when local contrast is uneven across the region.",
    ),
    f(
        "NTRS",
        "Difference entropy",
        GLCM,
        "Randomness of the grey-level differences between neighbours; high when differences of many sizes occur.",
    ),
    f("ZGXS", "Sum average", GLCM, "Average of the summed grey levels of neighbour pairs; high when neighbours are bright."),
    f(
        "OEEB",
        "Sum variance",
        GLCM,
        "Spread of the summed grey levels of neighbour pairs; high when the region mixes dark and bright clusters.",
    ),
    f(
        "P6QZ",
        "Sum entropy",
        GLCM,
        "Randomness of the summed grey levels of neighbour pairs; high when many different sums occur about equally often.",
    ),
    f(
        "8ZQL",
        "Angular second moment",
        GLCM,
        "Energy of the pair probabilities: up to 1 when a few pairings dominate, i.e. an orderly, uniform texture.",
    ),
    f(
        "ACUI",
        "Contrast",
        GLCM,
        "Neighbour grey-level differences with large ones weighted most; high when neighbouring voxels often differ strongly.",
    ),
    f(
        "8S9J",
        "Dissimilarity",
        GLCM,
        "Neighbour grey-level differences weighted in proportion to their size; high for strong local variation.",
    ),
    f(
        "IB1Z",
        "Inverse difference",
        GLCM,
        "Homogeneity: neighbour pairs count more the closer their grey levels; up to 1 when neighbours are alike.",
    ),
    f(
        "NDRX",
        "Normalised inverse difference",
        GLCM,
        "Inverse difference with differences scaled by the number of grey levels; high when neighbours are alike.",
    ),
    f(
        "WF0Z",
        "Inverse difference moment",
        GLCM,
        "Homogeneity that favours near-identical neighbour pairs even more strongly; high when neighbours are alike.",
    ),
    f(
        "1QCO",
        "Normalised inverse difference moment",
        GLCM,
        "Inverse difference moment with differences scaled by the number of grey levels; high when neighbours are alike.",
    ),
    f("E8JP", "Inverse variance", GLCM, "Homogeneity over unequal neighbour pairs only; high when neighbours that differ do so by little."),
    f(
        "NI2N",
        "Correlation",
        GLCM,
        "Linear dependence of a voxel's grey level on its neighbour's, from -1 to 1; high when neighbours rise and fall together.",
    ),
    f("QWB0", "Autocorrelation", GLCM, "Average product of neighbouring grey levels; high where bright voxels sit next to bright voxels."),
    f(
        "DG8W",
        "Cluster tendency",
        GLCM,
        "Grouping of voxels into clusters of similar grey level away from the mean; high for large dark and bright clusters.",
    ),
    f(
        "7NFM",
        "Cluster shade",
        GLCM,
        "Skewness of the neighbour-pair sums; large in magnitude when the co-occurrence matrix is lopsided about its mean.",
    ),
    f(
        "AE86",
        "Cluster prominence",
        GLCM,
        "Tailedness of the neighbour-pair sums; high when some pairs lie far from the mean, i.e. marked outlying clusters.",
    ),
    f(
        "R8DG",
        "Information correlation 1",
        GLCM,
        "Information shared by neighbouring grey levels, relative to their entropy; more negative when neighbours depend more.",
    ),
    f(
        "JN9H",
        "Information correlation 2",
        GLCM,
        "Information correlation of neighbouring grey levels, 0 to 1; high when a neighbour's level predicts the voxel's.",
    ),
    // Grey level run length matrix (IBSI 3.7).
    f("22OV", "Short runs emphasis", GLRLM, "Weight of short runs; up to 1 for fine, quickly changing textures."),
    f("W4KF", "Long runs emphasis", GLRLM, "Weight of long runs; high for coarse textures with long stretches of one grey level."),
    f("V3SW", "Low grey level run emphasis", GLRLM, "Weight of runs of low grey level; high when dark runs dominate."),
    f("G3QZ", "High grey level run emphasis", GLRLM, "Weight of runs of high grey level; high when bright runs dominate."),
    f("HTZT", "Short run low grey level emphasis", GLRLM, "Weight of short, dark runs; high for fine texture in dark parts."),
    f("GD3A", "Short run high grey level emphasis", GLRLM, "Weight of short, bright runs; high for fine texture in bright parts."),
    f("IVPO", "Long run low grey level emphasis", GLRLM, "Weight of long, dark runs; high for large uniform dark areas."),
    f("3KUM", "Long run high grey level emphasis", GLRLM, "Weight of long, bright runs; high for large uniform bright areas."),
    f(
        "R5YN",
        "Grey level non-uniformity",
        GLRLM,
        "How unevenly runs spread over grey levels; high when most runs share a few levels (grows with the number of runs).",
    ),
    f(
        "OVBL",
        "Normalised grey level non-uniformity",
        GLRLM,
        "Grey level non-uniformity per run, up to 1; high when runs concentrate in a few grey levels.",
    ),
    f(
        "W92Y",
        "Run length non-uniformity",
        GLRLM,
        "How unevenly runs spread over lengths; high when most runs have the same length (grows with the number of runs).",
    ),
    f(
        "IC23",
        "Normalised run length non-uniformity",
        GLRLM,
        "Run length non-uniformity per run, up to 1; high when runs concentrate in a few lengths.",
    ),
    f("9ZK5", "Run percentage", GLRLM, "Number of runs per voxel; up to 1 for fine textures made of short runs, low for coarse ones."),
    f("8CE5", "Grey level variance", GLRLM, "Spread of grey levels over the runs; high when runs of very different grey levels coexist."),
    f("SXLW", "Run length variance", GLRLM, "Spread of run lengths; high when short and long runs coexist."),
    f("HJ9O", "Run entropy", GLRLM, "Randomness of the runs' grey levels and lengths together; high for heterogeneous textures."),
    // Grey level size zone matrix (IBSI 3.8).
    f("5QRC", "Small zone emphasis", GLSZM, "Weight of small zones; up to 1 for fine textures with many small patches of one grey level."),
    f("48P8", "Large zone emphasis", GLSZM, "Weight of large zones; high for coarse textures with big uniform patches."),
    f("XMSY", "Low grey level zone emphasis", GLSZM, "Weight of zones of low grey level; high when dark zones dominate."),
    f("5GN9", "High grey level zone emphasis", GLSZM, "Weight of zones of high grey level; high when bright zones dominate."),
    f("5RAI", "Small zone low grey level emphasis", GLSZM, "Weight of small, dark zones; high for fine texture in dark parts."),
    f("HW1V", "Small zone high grey level emphasis", GLSZM, "Weight of small, bright zones; high for fine texture in bright parts."),
    f("YH51", "Large zone low grey level emphasis", GLSZM, "Weight of large, dark zones; high for big uniform dark patches."),
    f("J17V", "Large zone high grey level emphasis", GLSZM, "Weight of large, bright zones; high for big uniform bright patches."),
    f(
        "JNSA",
        "Grey level non-uniformity",
        GLSZM,
        "How unevenly zones spread over grey levels; high when most zones share a few levels (grows with the number of zones).",
    ),
    f(
        "Y1RO",
        "Normalised grey level non-uniformity",
        GLSZM,
        "Grey level non-uniformity per zone, up to 1; high when zones concentrate in a few grey levels.",
    ),
    f(
        "4JP3",
        "Zone size non-uniformity",
        GLSZM,
        "How unevenly zones spread over sizes; high when most zones have the same size (grows with the number of zones).",
    ),
    f(
        "VB3A",
        "Normalised zone size non-uniformity",
        GLSZM,
        "Zone size non-uniformity per zone, up to 1; high when zones concentrate in a few sizes.",
    ),
    f("P30P", "Zone percentage", GLSZM, "Number of zones per voxel; up to 1 for fine textures, low for large uniform patches."),
    f("BYLV", "Grey level variance", GLSZM, "Spread of grey levels over the zones; high when zones of very different grey levels coexist."),
    f("3NSA", "Zone size variance", GLSZM, "Spread of zone sizes; high when small and large zones coexist."),
    f("GU8N", "Zone size entropy", GLSZM, "Randomness of the zones' grey levels and sizes together; high for heterogeneous textures."),
    // Grey level distance zone matrix (IBSI 3.9).
    f(
        "0GBI",
        "Small distance emphasis",
        GLDZM,
        "Weight of zones close to the region's edge; high when uniform patches lie mostly at the border.",
    ),
    f(
        "MB4I",
        "Large distance emphasis",
        GLDZM,
        "Weight of zones far from the region's edge; high when uniform patches reach deep inside the region.",
    ),
    f(
        "S1RA",
        "Low grey level zone emphasis",
        GLDZM,
        "Weight of zones of low grey level, counted with their edge distance; high when dark zones dominate.",
    ),
    f(
        "K26C",
        "High grey level zone emphasis",
        GLDZM,
        "Weight of zones of high grey level, counted with their edge distance; high when bright zones dominate.",
    ),
    f(
        "RUVG",
        "Small distance low grey level emphasis",
        GLDZM,
        "Weight of dark zones near the region's edge; high when the border is dark.",
    ),
    f(
        "DKNJ",
        "Small distance high grey level emphasis",
        GLDZM,
        "Weight of bright zones near the region's edge; high when the border is bright.",
    ),
    f(
        "A7WM",
        "Large distance low grey level emphasis",
        GLDZM,
        "Weight of dark zones far from the region's edge; high when the core of the region is dark.",
    ),
    f(
        "KLTH",
        "Large distance high grey level emphasis",
        GLDZM,
        "Weight of bright zones far from the region's edge; high when the core of the region is bright.",
    ),
    f(
        "VFT7",
        "Grey level non-uniformity",
        GLDZM,
        "How unevenly zones spread over grey levels; high when most zones share a few levels (grows with the number of zones).",
    ),
    f(
        "7HP3",
        "Normalised grey level non-uniformity",
        GLDZM,
        "Grey level non-uniformity per zone, up to 1; high when zones concentrate in a few grey levels.",
    ),
    f(
        "V294",
        "Zone distance non-uniformity",
        GLDZM,
        "How unevenly zones spread over edge distances; high when most lie at the same depth (grows with the number of zones).",
    ),
    f(
        "IATH",
        "Normalised zone distance non-uniformity",
        GLDZM,
        "Zone distance non-uniformity per zone, up to 1; high when zones concentrate at a few depths.",
    ),
    f("VIWW", "Zone percentage", GLDZM, "Number of zones per voxel; up to 1 for fine textures, low for large uniform patches."),
    f("QK93", "Grey level variance", GLDZM, "Spread of grey levels over the zones; high when zones of very different grey levels coexist."),
    f(
        "7WT1",
        "Zone distance variance",
        GLDZM,
        "Spread of the zones' distances to the edge; high when zones lie both at the border and deep inside.",
    ),
    f(
        "GBDU",
        "Zone distance entropy",
        GLDZM,
        "Randomness of the zones' grey levels and edge distances together; high for heterogeneous textures.",
    ),
    // Neighbourhood grey tone difference matrix (IBSI 3.10).
    f(
        "QCDE",
        "Coarseness",
        NGTDM,
        "Inverse of the average difference between voxels and their neighbourhood; high for coarse textures that change slowly.",
    ),
    f(
        "65HE",
        "Contrast",
        NGTDM,
        "Grey-level range combined with how much voxels differ from their neighbours; high for wide-ranging, quickly varying texture.",
    ),
    f(
        "NQ30",
        "Busyness",
        NGTDM,
        "Rapid changes between a voxel and its neighbours relative to the grey-level spread; high for busy, fine-grained texture.",
    ),
    f(
        "HDEZ",
        "Complexity",
        NGTDM,
        "Amount of non-uniform, rapid grey-level change; high for complex textures with many edges and small details.",
    ),
    f(
        "1X9X",
        "Strength",
        NGTDM,
        "Grey-level spread relative to local differences; high for textures with large, clearly visible, well-defined patches.",
    ),
    // Neighbouring grey level dependence matrix (IBSI 3.11).
    f("SODN", "Low dependence emphasis", NGLDM, "Weight of voxels with few similar neighbours; high for heterogeneous, fine textures."),
    f("IMOQ", "High dependence emphasis", NGLDM, "Weight of voxels with many similar neighbours; high for homogeneous, coarse textures."),
    f("TL9H", "Low grey level count emphasis", NGLDM, "Weight of voxels of low grey level; high when dark voxels dominate."),
    f("OAE7", "High grey level count emphasis", NGLDM, "Weight of voxels of high grey level; high when bright voxels dominate."),
    f(
        "EQ3F",
        "Low dependence low grey level emphasis",
        NGLDM,
        "Weight of dark voxels with few similar neighbours; high for fine texture in dark parts.",
    ),
    f(
        "JA6D",
        "Low dependence high grey level emphasis",
        NGLDM,
        "Weight of bright voxels with few similar neighbours; high for fine texture in bright parts.",
    ),
    f(
        "NBZI",
        "High dependence low grey level emphasis",
        NGLDM,
        "Weight of dark voxels with many similar neighbours; high for uniform dark areas.",
    ),
    f(
        "9QMG",
        "High dependence high grey level emphasis",
        NGLDM,
        "Weight of bright voxels with many similar neighbours; high for uniform bright areas.",
    ),
    f(
        "FP8K",
        "Grey level non-uniformity",
        NGLDM,
        "How unevenly voxels spread over grey levels; high when a few levels dominate (grows with the number of voxels).",
    ),
    f(
        "5SPA",
        "Normalised grey level non-uniformity",
        NGLDM,
        "Grey level non-uniformity per voxel, up to 1; high when voxels concentrate in a few grey levels.",
    ),
    f(
        "Z87G",
        "Dependence count non-uniformity",
        NGLDM,
        "How unevenly voxels spread over dependence counts; high when most have as many similar neighbours (grows with voxels).",
    ),
    f(
        "OKJI",
        "Normalised dependence count non-uniformity",
        NGLDM,
        "Dependence count non-uniformity per voxel, up to 1; high when voxels concentrate in a few dependence counts.",
    ),
    f(
        "6XV8",
        "Dependence count percentage",
        NGLDM,
        "Share of voxels that have a dependence count; always 1 as IBSI defines the matrix, kept for completeness.",
    ),
    f(
        "1PFV",
        "Grey level variance",
        NGLDM,
        "Spread of grey levels over the voxels' neighbourhoods; high when the region mixes very different grey levels.",
    ),
    f(
        "DNX2",
        "Dependence count variance",
        NGLDM,
        "Spread of dependence counts; high when voxels with few and with many similar neighbours coexist.",
    ),
    f(
        "FCBV",
        "Dependence count entropy",
        NGLDM,
        "Randomness of grey levels and dependence counts together; high for heterogeneous textures.",
    ),
    f(
        "CAS9",
        "Dependence count energy",
        NGLDM,
        "Energy of grey level and dependence count combinations; up to 1 when a few combinations dominate, i.e. uniform texture.",
    ),
];

/// How many features the engine computes in a family (by IBSI family code), from [`FEATURES`], at compile time: a
/// page that shows the counts links the numbers, not the descriptions.
pub const fn feature_count(family_code: &str) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < FEATURES.len() {
        if same(FEATURES[i].family_code, family_code) {
            n += 1;
        }
        i += 1;
    }
    n
}

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// (family name, IBSI family code, features computed), in the manual's order, for the About page.
pub const FAMILY_COUNTS: [(&str, &str, usize); 11] = [
    ("Morphology", MORPH, feature_count(MORPH)),
    ("Local intensity", LOCAL, feature_count(LOCAL)),
    ("Intensity statistics", STAT, feature_count(STAT)),
    ("Intensity histogram", IH, feature_count(IH)),
    ("Intensity-volume histogram", IVH, feature_count(IVH)),
    ("Grey level co-occurrence matrix (GLCM)", GLCM, feature_count(GLCM)),
    ("Grey level run length matrix (GLRLM)", GLRLM, feature_count(GLRLM)),
    ("Grey level size zone matrix (GLSZM)", GLSZM, feature_count(GLSZM)),
    ("Grey level distance zone matrix (GLDZM)", GLDZM, feature_count(GLDZM)),
    ("Neighbourhood grey tone difference matrix (NGTDM)", NGTDM, feature_count(NGTDM)),
    ("Neighbouring grey level dependence matrix (NGLDM)", NGLDM, feature_count(NGLDM)),
];

/// One line of the IBSI compliance table: a reference data set, how many of its reference values the engine is
/// compared with, and how many fall within the manual's tolerance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compliance {
    pub dataset: &'static str,
    /// What the configuration does, in a few words.
    pub settings: &'static str,
    pub compared: usize,
    pub matched: usize,
}

/// The IBSI compliance table shown on the About page. The reference tests (`tests/ibsi_digital_phantom.rs`,
/// `tests/ibsi_ct_phantom.rs`) assert that their counts equal these, so the page cannot claim more than the tests
/// show.
pub const COMPLIANCE: [Compliance; 6] = [
    Compliance { dataset: "Digital phantom", settings: "no processing, 2D, 2.5D and 3D", compared: 482, matched: 482 },
    Compliance {
        dataset: "CT phantom, configuration A",
        settings: "2D, no resampling, range [-500, 400] HU, fixed bin size 25 HU",
        compared: 346,
        matched: 346,
    },
    Compliance {
        dataset: "CT phantom, configuration B",
        settings: "2D, bilinear resampling to 2 x 2 mm in-plane, range [-500, 400] HU, 32 bins",
        compared: 346,
        matched: 346,
    },
    Compliance {
        dataset: "CT phantom, configuration C",
        settings: "3D, trilinear resampling to 2 mm, range [-1000, 400] HU, fixed bin size 25 HU",
        compared: 209,
        matched: 209,
    },
    Compliance {
        dataset: "CT phantom, configuration D",
        settings: "3D, trilinear resampling to 2 mm, outlier filtering (3 sd), 32 bins",
        compared: 210,
        matched: 210,
    },
    Compliance {
        dataset: "CT phantom, configuration E",
        settings: "3D, tricubic resampling to 2 mm, range [-1000, 400] HU and outlier filtering, 32 bins",
        compared: 210,
        matched: 210,
    },
];

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Test code: a panic is a failed test.
mod tests {
    use super::*;

    #[test]
    fn family_counts_cover_the_catalogue() {
        assert_eq!(FAMILY_COUNTS.iter().map(|f| f.2).sum::<usize>(), FEATURES.len());
        assert_eq!(feature_count("HCUG"), FEATURES.iter().filter(|f| f.family_code == "HCUG").count());
        assert_eq!(FAMILY_COUNTS[5], ("Grey level co-occurrence matrix (GLCM)", "LFYI", 25));
        for (i, c) in COMPLIANCE.iter().enumerate() {
            assert!(c.matched <= c.compared, "line {i}");
        }
    }
    use crate::radiomics::features::{compute, FeatureInput, FeatureSettings, FeatureValue};
    use std::collections::HashSet;
    use std::ops::ControlFlow;

    /// Every family and every aggregation on a small synthetic volume with four grey levels over three slices.
    fn all_values() -> Vec<FeatureValue> {
        let dims = [6, 5, 3];
        let n = dims[0] * dims[1] * dims[2];
        let levels: Vec<u32> = (0..n).map(|i| ((i * 7 + i / 5) % 4) as u32 + 1).collect();
        let intensities: Vec<f32> = levels.iter().enumerate().map(|(i, &l)| l as f32 * 10.0 + (i % 3) as f32).collect();
        let mask: Vec<bool> = (0..n).map(|i| i % 6 != 0 || i % 5 == 1).collect();
        let input = FeatureInput::new(dims, [1.0, 1.0, 2.0], &intensities, &mask, &levels);
        let settings = FeatureSettings::default().check().unwrap();
        compute(&input, &settings, &mut |_| ControlFlow::Continue(())).unwrap()
    }

    #[test]
    fn every_computed_feature_family_and_aggregation_is_described() {
        let values = all_values();
        let mut codes = HashSet::new();
        let mut aggregations = HashSet::new();
        for v in &values {
            let info = feature_info(v.feature_code).unwrap_or_else(|| panic!("{} ({}) has no description", v.feature_code, v.feature));
            assert_eq!(info.family_code, v.family_code, "{} ({}) is listed in the wrong family", v.feature_code, v.feature);
            assert_eq!(info.name, v.feature, "{}: the catalogue's name differs from the engine's", v.feature_code);
            assert!(family_info(v.family_code).is_some(), "family {} has no info", v.family_code);
            if let Some(agg) = v.aggregation_code {
                assert!(aggregation_name(agg).is_some(), "aggregation {agg} has no name");
                aggregations.insert(agg);
            }
            codes.insert(v.feature_code);
        }
        // The table lists exactly what the engine computes, and every aggregation is used.
        let listed: HashSet<&str> = FEATURES.iter().map(|f| f.code).collect();
        assert_eq!(listed, codes, "catalogue and computed features differ");
        assert_eq!(aggregations.len(), AGGREGATIONS.len());
    }

    #[test]
    fn every_family_has_info_matching_the_engine() {
        for fam in Family::ALL {
            let info = family_info(fam.code()).unwrap_or_else(|| panic!("{} has no info", fam.code()));
            assert_eq!(info, family(fam));
            assert_eq!(info.name, fam.name());
            assert!(!info.description.trim().is_empty(), "{} has no description", fam.code());
            assert!([LESSON_FIRST_ORDER_AND_SHAPE, LESSON_TEXTURE].contains(&info.lesson), "{}: lesson {}", fam.code(), info.lesson);
            let texture = matches!(fam, Family::Glcm | Family::Glrlm | Family::Glszm | Family::Gldzm | Family::Ngtdm | Family::Ngldm);
            assert_eq!(info.lesson == LESSON_TEXTURE, texture, "{}", fam.code());
        }
        assert_eq!(FAMILIES.len(), Family::ALL.len());
        assert_eq!(family_info("XXXX"), None);
    }

    #[test]
    fn descriptions_are_short_single_lines_and_codes_are_unique() {
        let mut codes = HashSet::new();
        for info in FEATURES {
            assert!(codes.insert(info.code), "{} is listed twice", info.code);
            let d = info.description;
            assert!(!d.trim().is_empty(), "{} has an empty description", info.code);
            let chars = d.chars().count();
            assert!(chars <= MAX_DESCRIPTION_CHARS, "{} has a description of {chars} characters", info.code);
            assert!(!d.contains('\n') && d.ends_with('.'), "{}: one sentence-like line ending in a full stop", info.code);
            assert!(FAMILIES.iter().any(|fam| fam.code == info.family_code), "{}: unknown family {}", info.code, info.family_code);
        }
        let mut agg = HashSet::new();
        for (code, name) in AGGREGATIONS {
            assert!(agg.insert(code), "aggregation {code} is listed twice");
            assert!(!name.is_empty());
        }
        assert_eq!(describe("RNU0"), Some(FEATURES[0].description));
        assert_eq!(describe("XXXX"), None);
        assert_eq!(aggregation_name("BTW3"), Some("2D, averaged"));
        assert_eq!(aggregation_name("XXXX"), None);
    }
}
