"""Regenerates tests/data/dicom-syntaxes and tests/data/malformed from the IBSI CT phantom copy.

Run from crates/engine/tests/data with pydicom 3, numpy and pillow installed:  python make_fixtures.py
The files are committed, so the Rust tests never need Python.
"""
import copy, gzip, io, os, struct
import numpy as np
import pydicom
from pydicom.uid import ExplicitVRLittleEndian, DeflatedExplicitVRLittleEndian, RLELossless, JPEGBaseline8Bit, JPEG2000Lossless, generate_uid
from pydicom.encaps import encapsulate
from PIL import Image

CT = "ibsi-ct-phantom/dicom/image"
N = 16  # crop size


def crop(path, series_uid=None):
    d = pydicom.dcmread(path)
    a = d.pixel_array[90:90 + N, 90:90 + N].copy()
    d.PixelData = a.tobytes()
    d.Rows, d.Columns = N, N
    if series_uid:
        d.SeriesInstanceUID = series_uid
    return d


def save(d, path, ts=None):
    if ts is not None:
        d.file_meta.TransferSyntaxUID = ts
    d.save_as(path, enforce_file_format=True)


os.makedirs("dicom-syntaxes", exist_ok=True)
base = crop(f"{CT}/DCM_IMG_00030.dcm")
save(copy.deepcopy(base), "dicom-syntaxes/implicit.dcm")
save(copy.deepcopy(base), "dicom-syntaxes/explicit.dcm", ExplicitVRLittleEndian)
save(copy.deepcopy(base), "dicom-syntaxes/deflated.dcm", DeflatedExplicitVRLittleEndian)
rle = copy.deepcopy(base)
rle.compress(RLELossless, encoding_plugin="pydicom")
save(rle, "dicom-syntaxes/rle.dcm")
# JPEG baseline is 8-bit: store a windowed 8-bit version, with the matching rescale.
j = copy.deepcopy(base)
hu = base.pixel_array.astype(np.float64) + float(base.RescaleIntercept)
grey = np.clip((hu + 160.0) / 400.0 * 255.0, 0, 255).round().astype(np.uint8)
buf = io.BytesIO()
Image.fromarray(grey, mode="L").save(buf, format="JPEG", quality=100, subsampling=0)
j.BitsAllocated, j.BitsStored, j.HighBit, j.PixelRepresentation = 8, 8, 7, 0
j.PhotometricInterpretation = "MONOCHROME2"
j.RescaleSlope, j.RescaleIntercept = "1", "0"
j.PixelData = encapsulate([buf.getvalue()])
j["PixelData"].VR = "OB"
j["PixelData"].is_undefined_length = True
save(j, "dicom-syntaxes/jpeg-baseline.dcm", JPEGBaseline8Bit)
np.save("dicom-syntaxes/jpeg-baseline-expected.npy", grey) if False else open("dicom-syntaxes/jpeg-baseline-expected.u8", "wb").write(grey.tobytes())

M = "malformed"
os.makedirs(M, exist_ok=True)
nii = gzip.decompress(open("ibsi-digital-phantom/phantom.nii.gz", "rb").read())


def w(name, data):
    open(f"{M}/{name}", "wb").write(data)


w("nifti-truncated.nii", nii[: len(nii) - 40])
w("nifti-header-only.nii", nii[:200])
w("nifti-bad-magic.nii", nii[:344] + b"xyz\0" + nii[348:])
bad = bytearray(nii)
struct.pack_into("<8h", bad, 40, 3, 32767, 32767, 32767, 1, 1, 1, 1)  # 3.5e13 voxels claimed
w("nifti-absurd-dims.nii", bytes(bad))
bad = bytearray(nii)
struct.pack_into("<8h", bad, 40, 3, 5, 4, 8, 1, 1, 1, 1)  # twice the slices the data holds
w("nifti-size-mismatch.nii", bytes(bad))
bad = bytearray(nii)
struct.pack_into("<8h", bad, 40, 3, -5, 4, 4, 1, 1, 1, 1)
w("nifti-negative-dim.nii", bytes(bad))
bad = bytearray(nii)
struct.pack_into("<h", bad, 70, 32)  # complex64
w("nifti-complex.nii", bytes(bad))
# float32 image with a NaN and an infinity
f = bytearray(nii[:352])
struct.pack_into("<hh", f, 70, 16, 32)
struct.pack_into("<8h", f, 40, 3, 2, 1, 1, 1, 1, 1, 1)
w("nifti-nan.nii", bytes(f) + struct.pack("<2f", float("nan"), float("inf")))
gz = gzip.compress(nii, mtime=0)
w("nifti-gz-truncated.nii.gz", gz[: len(gz) // 2])
w("nrrd-truncated.nrrd", b"NRRD0004\ntype: short\ndimension: 3\nsizes: 4 4 4\nencoding: raw\n\n" + b"\0" * 20)
w("nrrd-absurd-dims.nrrd", b"NRRD0004\ntype: float\ndimension: 3\nsizes: 2000000 2000000 2000000\nencoding: raw\n\n\0\0\0\0")
w("nrrd-short-gzip.nrrd", b"NRRD0004\ntype: short\ndimension: 2\nsizes: 4 4\nencoding: gzip\n\n\x1f\x8bgarbage")
w("nrrd-bad-gzip.nrrd", b"NRRD0004\ntype: short\ndimension: 2\nsizes: 4 4\nencoding: gzip\n\n\x1f\x8b\x08\x00\0\0\0\0\0\xff" + b"\xff" * 50)
w("nrrd-nan.nrrd", b"NRRD0004\ntype: float\ndimension: 1\nsizes: 2\nencoding: ascii\n\n1.5 nan\n")
w("nrrd-no-type.nrrd", b"NRRD0004\ndimension: 1\nsizes: 2\nencoding: raw\n\n\0\0")
w("png-truncated.png", open("png-sample.png", "rb").read()[:60] if os.path.exists("png-sample.png") else b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0")
w("jpeg-truncated.jpg", b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0\xff\xdb\0")
w("empty.bin", b"")
w("random.bin", bytes(np.random.default_rng(7).integers(0, 256, 600, dtype=np.uint8)))

dcm = open("dicom-syntaxes/explicit.dcm", "rb").read()
w("dicom-truncated.dcm", dcm[: len(dcm) - 100])
w("dicom-no-dicm.dcm", dcm[:128] + b"DICX" + dcm[132:])
w("dicom-preamble-only.dcm", dcm[:140])
# An element that claims 4 GB: the PixelData length field (explicit VR OW: 12-byte header).
i = dcm.rfind(b"\xe0\x7f\x10\x00OW")
bad = bytearray(dcm)
struct.pack_into("<I", bad, i + 8, 0xFFFFFFF0)
w("dicom-huge-element.dcm", bytes(bad))
j2k = copy.deepcopy(base)
j2k.PixelData = encapsulate([b"\xff\x4f\xff\x51" + b"\0" * 60])
j2k["PixelData"].VR = "OB"
j2k["PixelData"].is_undefined_length = True
save(j2k, f"{M}/dicom-jpeg2000.dcm", JPEG2000Lossless)
jm = pydicom.dcmread("dicom-syntaxes/jpeg-baseline.dcm")
jm.Rows = 8  # the JPEG stream inside is 16 x 16
jm.save_as(f"{M}/dicom-jpeg-size-mismatch.dcm", enforce_file_format=True)
big = copy.deepcopy(base)
big.Rows, big.Columns = 65535, 65535
save(big, f"{M}/dicom-absurd-dims.dcm")
short = copy.deepcopy(base)
short.PixelData = base.PixelData[:100]
save(short, f"{M}/dicom-short-pixels.dcm")

# Multi-file cases: a folder per case.
for case in ["series-mixed", "series-missing", "rtstruct-absent-series"]:
    os.makedirs(f"{M}/{case}", exist_ok=True)
files = sorted(os.listdir(CT))
other = generate_uid()
save(crop(f"{CT}/{files[10]}"), f"{M}/series-mixed/a.dcm")
save(crop(f"{CT}/{files[11]}", other), f"{M}/series-mixed/b.dcm")
for k in [20, 21, 23, 24]:
    save(crop(f"{CT}/{files[k]}"), f"{M}/series-missing/{k}.dcm")
for k in [40, 41]:
    save(crop(f"{CT}/{files[k]}", other), f"{M}/rtstruct-absent-series/{k}.dcm")
open(f"{M}/rtstruct-absent-series/rs.dcm", "wb").write(open("ibsi-ct-phantom/dicom/mask/DCM_RS_00060.dcm", "rb").read())
print("ok")

# NIfTI variants of the digital phantom, written by nibabel.
import nibabel as nib

os.makedirs("nifti-variants", exist_ok=True)
src = nib.load("ibsi-digital-phantom/phantom.nii.gz")
arr = np.asarray(src.dataobj)
aff = src.affine.copy()
nib.save(nib.Nifti2Image(arr, aff), "nifti-variants/phantom-nifti2.nii")
nib.save(nib.Nifti2Image(arr, aff), "nifti-variants/phantom-nifti2.nii.gz")
be = nib.Nifti1Image(arr.astype(">i2"), aff)
be.header.set_data_dtype(">i2")
nib.save(be, "nifti-variants/phantom-bigendian.nii")
# Oblique qform only (sform code 0), float image stored as int16 with scl_slope / scl_inter.
rot = np.array([[0.8, -0.6, 0.0], [0.6, 0.8, 0.0], [0.0, 0.0, 1.0]]) @ np.diag([2.0, 2.0, 2.0])
obl = np.eye(4)
obl[:3, :3] = rot
obl[:3, 3] = [10.0, -20.0, 30.0]
q = nib.Nifti1Image(arr.astype(np.int16), None)
q.set_qform(obl, code=1)
q.set_sform(None, code=0)
nib.save(q, "nifti-variants/phantom-qform-scaled.nii")
raw = bytearray(open("nifti-variants/phantom-qform-scaled.nii", "rb").read())
struct.pack_into("<2f", raw, 112, 0.5, -3.0)  # scl_slope, scl_inter: values are 0.5 * stored - 3
open("nifti-variants/phantom-qform-scaled.nii", "wb").write(bytes(raw))
print("nifti ok")
