//! `radlearn convert`: any image RadLearn reads, or a mask (including an RTSTRUCT ROI rasterised onto its
//! image), written as NIfTI for other tools (nibabel, 3D Slicer, ITK-SNAP).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use radlearn_engine::io::nifti::{self, WriteType};
use radlearn_engine::LoadOptions;

use crate::features::{read_image, read_mask};

#[derive(Args)]
pub struct ConvertArgs {
    /// The image: NIfTI, NRRD, a DICOM file or series folder, PNG or JPEG.
    image: PathBuf,
    /// Write this mask instead of the image, on the image's grid: a mask file or an RTSTRUCT (with --roi).
    #[arg(long)]
    mask: Option<PathBuf>,
    /// ROI name (RTSTRUCT) or label number (mask file).
    #[arg(long)]
    roi: Option<String>,
    /// Output file: `.nii` or `.nii.gz`.
    #[arg(short, long)]
    output: PathBuf,
    /// Memory budget for one image, in MiB.
    #[arg(long, default_value_t = 1024, value_parser = crate::flags::whole(1, u64::MAX), allow_negative_numbers = true)]
    max_mib: u64,
}

pub fn run(args: ConvertArgs) -> ExitCode {
    match convert(&args) {
        Ok(summary) => {
            eprintln!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn convert(args: &ConvertArgs) -> Result<String, String> {
    let name = args.output.to_string_lossy().to_lowercase();
    let gzip = name.ends_with(".nii.gz");
    if !gzip && !name.ends_with(".nii") {
        return Err(format!("{}: the output must end in .nii or .nii.gz", args.output.display()));
    }
    let opts = LoadOptions::with_max_bytes(args.max_mib.saturating_mul(1024 * 1024));
    let image = read_image(&args.image, &opts)?;
    let (volume, kind, what) = match &args.mask {
        None => (image, WriteType::F32, "image"),
        Some(mask) => {
            let (labels, label) = read_mask(mask, args.roi.as_deref(), &image, &opts)?;
            // One ROI as 0/1, whatever label it had.
            let mut only = labels.clone();
            only.data.iter_mut().for_each(|v| *v = u8::from(*v == label));
            (only.to_volume(), WriteType::U8, "mask")
        }
    };
    let bytes = nifti::write(&volume, kind, gzip).map_err(|e| format!("cannot write NIfTI: {e}"))?;
    std::fs::write(&args.output, bytes).map_err(|e| format!("{}: {e}", args.output.display()))?;
    let [x, y, z] = volume.geometry.dims;
    Ok(format!("wrote {} ({what}, {x} x {y} x {z})", args.output.display()))
}
