"""Interoperability: NIfTI files written by RadLearn read correctly in nibabel.

`radlearn convert` turns the IBSI CT phantom's DICOM series, and its RTSTRUCT GTV-1 rasterised onto
that series, into NIfTI files. nibabel must read them with the same voxels and the same affine as the
phantom's reference NIfTI files. Run by `cargo xtask test`:
    python tests/interop/nibabel_check.py --radlearn target/debug/radlearn
"""
import subprocess
import tempfile
from pathlib import Path

import nibabel as nib
import numpy as np

from checks import Checks, radlearn_binary

DATA = Path("crates/engine/tests/data/ibsi-ct-phantom")


def main():
    radlearn = radlearn_binary(__doc__)
    check = Checks()

    with tempfile.TemporaryDirectory() as tmp:
        ct, gtv = Path(tmp) / "ct.nii.gz", Path(tmp) / "gtv.nii"
        subprocess.run([radlearn, "convert", DATA / "dicom/image", "-o", ct], check=True)
        subprocess.run([radlearn, "convert", DATA / "dicom/image", "--mask", DATA / "dicom/mask/DCM_RS_00060.dcm",
                        "--roi", "GTV-1", "-o", gtv], check=True)
        ref_img = nib.load(DATA / "nifti/image/phantom.nii.gz")
        ref_msk = nib.load(DATA / "nifti/mask/mask.nii.gz")
        img, msk = nib.load(ct), nib.load(gtv)

        check(img.shape == ref_img.shape == (204, 201, 60), f"image shape {img.shape}")
        check(np.allclose(img.affine, ref_img.affine, atol=1e-3), f"image affine {img.affine.tolist()} vs reference {ref_img.affine.tolist()}")
        check(nib.aff2axcodes(img.affine) == nib.aff2axcodes(ref_img.affine), f"orientation {nib.aff2axcodes(img.affine)}")
        a, b = img.get_fdata(dtype=np.float32), ref_img.get_fdata(dtype=np.float32)
        check(np.array_equal(a, b), f"image voxels (max difference {np.abs(a - b).max()} HU)")
        check(img.get_data_dtype() == np.float32, f"image data type {img.get_data_dtype()}")

        check(msk.shape == ref_msk.shape, f"mask shape {msk.shape}")
        check(np.allclose(msk.affine, ref_msk.affine, atol=1e-3), "mask affine")
        m, r = np.asarray(msk.dataobj) > 0, np.asarray(ref_msk.dataobj) > 0
        dice = 2.0 * np.logical_and(m, r).sum() / (m.sum() + r.sum())
        check(msk.get_data_dtype() == np.uint8, f"mask data type {msk.get_data_dtype()}")
        check(dice >= 0.98, f"GTV-1 from the RTSTRUCT vs the reference mask: Dice {dice:.5f}, {int((m != r).sum())} voxels differ")
    check.exit()


if __name__ == "__main__":
    main()
