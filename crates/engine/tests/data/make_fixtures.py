"""Regenerates tests/data/dicom-syntaxes and tests/data/malformed from the IBSI CT phantom copy.

Run from crates/engine/tests/data with pydicom 3, numpy, pillow, nibabel and python-gdcm installed:
    pip install pydicom numpy pillow nibabel python-gdcm
    python make_fixtures.py
python-gdcm (PyPI wheels, import name `gdcm`) is the JPEG Lossless (process 14) encoder: pydicom cannot write it.
The files are committed, so the Rust tests never need Python.
`python make_fixtures.py multiframe` regenerates only the multi-frame and no-preamble files (pydicom and numpy only);
`python make_fixtures.py colour` the JPEG 2000 and colour files (pydicom, pylibjpeg and pylibjpeg-openjpeg).
"""
import copy, gzip, io, os, struct, sys
import numpy as np
import pydicom
from pydicom.uid import ExplicitVRLittleEndian, DeflatedExplicitVRLittleEndian, RLELossless, JPEGBaseline8Bit, JPEG2000Lossless, JPEGLossless, JPEGLosslessSV1, generate_uid
from pydicom.encaps import encapsulate
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence

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


def seq(**items):
    """A sequence of one item with the given attributes."""
    it = Dataset()
    for k, v in items.items():
        setattr(it, k, v)
    return Sequence([it])


def new_dataset(sop_class, modality, ts=ExplicitVRLittleEndian):
    d = Dataset()
    d.file_meta = FileMetaDataset()
    d.file_meta.MediaStorageSOPClassUID = sop_class
    d.file_meta.MediaStorageSOPInstanceUID = generate_uid(entropy_srcs=[sop_class, modality])
    d.file_meta.TransferSyntaxUID = ts
    d.SOPClassUID, d.SOPInstanceUID = sop_class, d.file_meta.MediaStorageSOPInstanceUID
    d.Modality = modality
    d.SeriesInstanceUID = generate_uid(entropy_srcs=[modality, "series"])
    d.FrameOfReferenceUID = generate_uid(entropy_srcs=[modality, "frame"])
    d.SamplesPerPixel, d.PhotometricInterpretation = 1, "MONOCHROME2"
    return d


def multiframe_fixtures():
    """Multi-frame files (enhanced CT, RT Dose, a stack without positions), a data set without preamble or file meta,
    and hostile multi-frame files. Deterministic: UIDs come from fixed entropy."""
    os.makedirs("dicom-syntaxes", exist_ok=True)
    os.makedirs("malformed", exist_ok=True)
    # Enhanced CT: 3 frames of 8 x 6 (columns x rows), sagittal (rows along +y, columns along -z, so the slice normal
    # is -x), frames given at x = 30, 20, 25 (sorted along the normal: 30, 25, 20), each with its own rescale.
    ct = new_dataset("1.2.840.10008.5.1.4.1.1.2.1", "CT")
    ct.NumberOfFrames, ct.Rows, ct.Columns = 3, 6, 8
    ct.BitsAllocated, ct.BitsStored, ct.HighBit, ct.PixelRepresentation = 16, 12, 11, 0
    ct.SharedFunctionalGroupsSequence = Sequence([Dataset()])
    shared = ct.SharedFunctionalGroupsSequence[0]
    shared.PixelMeasuresSequence = seq(PixelSpacing=[0.5, 0.75], SliceThickness="5")
    shared.PlaneOrientationSequence = seq(ImageOrientationPatient=[0, 1, 0, 0, 0, -1])
    frames = []
    per = []
    for k, (x, slope, intercept) in enumerate([(30.0, 1, -1000), (20.0, 2, -1024), (25.0, 1, -500)]):
        stored = (np.arange(48, dtype=np.uint16).reshape(6, 8) + 100 * (k + 1)) & 0x0FFF
        frames.append(stored)
        item = Dataset()
        item.PlanePositionSequence = seq(ImagePositionPatient=[x, -10.0, 40.0])
        item.PixelValueTransformationSequence = seq(RescaleSlope=str(slope), RescaleIntercept=str(intercept), RescaleType="HU")
        per.append(item)
    ct.PerFrameFunctionalGroupsSequence = Sequence(per)
    ct.PixelData = np.stack(frames).tobytes()
    save(ct, "dicom-syntaxes/enhanced-ct.dcm")
    # Hostile: the per-frame sequence lists 2 items for 3 frames.
    short = copy.deepcopy(ct)
    short.PerFrameFunctionalGroupsSequence = Sequence(per[:2])
    save(short, "malformed/dicom-multiframe-short-perframe.dcm")
    # Hostile: 5 frames claimed, 3 held.
    trunc = copy.deepcopy(ct)
    trunc.NumberOfFrames = 5
    trunc.PerFrameFunctionalGroupsSequence = Sequence(per + per[:2])
    save(trunc, "malformed/dicom-multiframe-truncated.dcm")
    # Hostile: 2^31 frames.
    absurd = copy.deepcopy(ct)
    absurd.NumberOfFrames = "2147483648"
    save(absurd, "malformed/dicom-multiframe-absurd-frames.dcm")
    # JPEG Extended with 12-bit samples: only the start-of-frame header matters (RadLearn refuses it before decoding).
    j12 = copy.deepcopy(ct)
    del j12.PerFrameFunctionalGroupsSequence
    j12.NumberOfFrames = 1
    sof1 = b"\xff\xc1\x00\x0b\x0c" + (6).to_bytes(2, "big") + (8).to_bytes(2, "big") + b"\x01\x01\x11\x00"
    j12.PixelData = encapsulate([b"\xff\xd8" + sof1 + b"\xff\xd9"])
    j12["PixelData"].VR = "OB"
    j12["PixelData"].is_undefined_length = True
    save(j12, "malformed/dicom-jpeg-12bit.dcm", pydicom.uid.JPEGExtended12Bit)

    # RT Dose: 3 frames of 4 x 5, 32-bit unsigned, z = 12.5 + (0, 2.5, 5), DoseGridScaling 1e-4 Gy per unit. Implicit VR,
    # as treatment planning systems usually write it.
    rd = new_dataset("1.2.840.10008.5.1.4.1.1.481.2", "RTDOSE", pydicom.uid.ImplicitVRLittleEndian)
    rd.NumberOfFrames, rd.Rows, rd.Columns = 3, 5, 4
    rd.BitsAllocated, rd.BitsStored, rd.HighBit, rd.PixelRepresentation = 32, 32, 31, 0
    rd.ImagePositionPatient = [-8.0, -6.0, 12.5]
    rd.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    rd.PixelSpacing = [3.0, 2.0]
    rd.GridFrameOffsetVector = [0, 2.5, 5]
    rd.FrameIncrementPointer = 0x3004000C
    rd.DoseUnits, rd.DoseType, rd.DoseSummationType = "GY", "PHYSICAL", "PLAN"
    rd.DoseGridScaling = "0.0001"
    dose = (np.arange(60, dtype=np.uint32).reshape(3, 5, 4) * 1000 + 3_000_000_000).astype(np.uint32)
    rd.PixelData = dose.tobytes()
    save(rd, "dicom-syntaxes/rtdose.dcm")
    # The same dose RLE-compressed: 4 segments per 32-bit sample (pydicom's encoder refuses 32-bit samples, so the
    # segments are written here: byte planes, most significant first, as PackBits literal and repeat runs).
    def packbits(plane):
        out, i = bytearray(), 0
        while i < len(plane):
            j = i
            while j + 1 < len(plane) and plane[j + 1] == plane[i] and j - i < 127:
                j += 1
            if j > i:
                out += bytes([257 - (j - i + 1), plane[i]])
                i = j + 1
            else:
                k = i
                while k + 1 < len(plane) and plane[k + 1] != plane[k] and k - i < 127:
                    k += 1
                out += bytes([k - i]) + bytes(plane[i:k + 1])
                i = k + 1
        return bytes(out) + (b"\x00" if len(out) % 2 else b"")

    def rle_frame(frame):
        raw = frame.astype("<u4").tobytes()
        segs = [packbits(raw[3 - b::4]) for b in range(4)]
        offsets, pos = [], 64
        for seg in segs:
            offsets.append(pos)
            pos += len(seg)
        return struct.pack("<16I", 4, *offsets, *([0] * 11)) + b"".join(segs)

    rle32 = copy.deepcopy(rd)
    rle32.PixelData = encapsulate([rle_frame(f) for f in dose])
    rle32["PixelData"].VR = "OB"
    rle32["PixelData"].is_undefined_length = True
    rle32.file_meta.TransferSyntaxUID = RLELossless
    save(rle32, "dicom-syntaxes/rtdose-rle.dcm")
    assert np.array_equal(pydicom.dcmread("dicom-syntaxes/rtdose-rle.dcm").pixel_array, dose)
    # Enhanced CT with two echoes / time points: every position twice (frames 4-6 repeat frames 1-3, other values).
    two = copy.deepcopy(ct)
    two.NumberOfFrames = 6
    two.PerFrameFunctionalGroupsSequence = Sequence([copy.deepcopy(i) for i in per + per])
    two.PixelData = np.stack(frames + [f + 1000 for f in frames]).tobytes()
    save(two, "dicom-syntaxes/enhanced-ct-repeated.dcm")

    # A multi-frame secondary capture with no position at all: 3 frames of 4 x 3, 8-bit, SliceThickness 2.5.
    sc = new_dataset("1.2.840.10008.5.1.4.1.1.7.2", "OT")
    sc.NumberOfFrames, sc.Rows, sc.Columns = 3, 3, 4
    sc.BitsAllocated, sc.BitsStored, sc.HighBit, sc.PixelRepresentation = 8, 8, 7, 0
    sc.SliceThickness = "2.5"
    sc.PixelData = (np.arange(36, dtype=np.uint8) * 7).tobytes()
    save(sc, "dicom-syntaxes/multiframe-nopos.dcm")

    # The implicit-VR CT crop without preamble nor file meta: the bare data set, as old scanners wrote it.
    implicit = open("dicom-syntaxes/implicit.dcm", "rb").read()
    meta_len = pydicom.dcmread("dicom-syntaxes/implicit.dcm").file_meta.FileMetaInformationGroupLength
    open("dicom-syntaxes/no-meta-implicit.dcm", "wb").write(implicit[132 + 12 + meta_len:])
    assert pydicom.dcmread("dicom-syntaxes/no-meta-implicit.dcm", force=True).Rows == 16
    print("multiframe ok")


def j2k_colour_fixtures():
    """JPEG 2000 (lossless 16-bit, lossy, 8-bit) versions of the CT crop, and small colour images (RGB native and RLE,
    YBR_FULL, YBR_FULL_422, JPEG 2000 RGB with the colour transform), with their expected values as .npy-free raw
    files. Needs pydicom 3 with pylibjpeg and pylibjpeg-openjpeg (the JPEG 2000 encoder)."""
    from pydicom.uid import JPEG2000
    from pydicom.pixels import convert_color_space
    # OpenJPEG's default 6 resolution levels need at least 32 x 32 pixels: a 32 x 32 crop of the same CT slice.
    global N
    N = 32
    base = crop(f"{CT}/DCM_IMG_00030.dcm")
    base.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    save(copy.deepcopy(base), "dicom-syntaxes/explicit-32.dcm")
    lossless = copy.deepcopy(base)
    lossless.compress(JPEG2000Lossless, encoding_plugin="pylibjpeg")
    save(lossless, "dicom-syntaxes/jpeg2000-lossless.dcm")
    assert np.array_equal(pydicom.dcmread("dicom-syntaxes/jpeg2000-lossless.dcm").pixel_array, base.pixel_array)
    lossy = copy.deepcopy(base)
    lossy.compress(JPEG2000, encoding_plugin="pylibjpeg", j2k_cr=[20])
    save(lossy, "dicom-syntaxes/jpeg2000-lossy.dcm")
    # The lossy file's values as pylibjpeg-openjpeg (OpenJPEG itself) decodes them, stored values as little-endian u16.
    open("dicom-syntaxes/jpeg2000-lossy-expected.u16", "wb").write(
        pydicom.dcmread("dicom-syntaxes/jpeg2000-lossy.dcm").pixel_array.astype("<u2").tobytes())
    eight = copy.deepcopy(base)
    raw8 = (base.pixel_array >> 4).astype(np.uint8)
    eight.BitsAllocated, eight.BitsStored, eight.HighBit = 8, 8, 7
    eight.PixelData = raw8.tobytes()
    open("dicom-syntaxes/jpeg2000-8bit-expected.u8", "wb").write(raw8.tobytes())
    eight.compress(JPEG2000Lossless, encoding_plugin="pylibjpeg")
    save(eight, "dicom-syntaxes/jpeg2000-8bit.dcm")
    assert np.array_equal(pydicom.dcmread("dicom-syntaxes/jpeg2000-8bit.dcm").pixel_array, raw8)

    # Colour: a 6 x 4 RGB gradient with pure colours in the first row.
    rgb = np.zeros((4, 6, 3), dtype=np.uint8)
    rgb[..., 0] = np.arange(6) * 40
    rgb[..., 1] = (np.arange(4) * 60)[:, None]
    rgb[..., 2] = 200
    rgb[0, :3] = [[255, 0, 0], [0, 255, 0], [0, 0, 255]]
    open("dicom-syntaxes/colour-expected.rgb", "wb").write(rgb.tobytes())
    sc = new_dataset("1.2.840.10008.5.1.4.1.1.7", "OT")
    sc.Rows, sc.Columns, sc.SamplesPerPixel, sc.PhotometricInterpretation = 4, 6, 3, "RGB"
    sc.BitsAllocated, sc.BitsStored, sc.HighBit, sc.PixelRepresentation, sc.PlanarConfiguration = 8, 8, 7, 0, 0
    sc.PixelData = rgb.tobytes()
    save(copy.deepcopy(sc), "dicom-syntaxes/colour-rgb.dcm")
    planar = copy.deepcopy(sc)
    planar.PlanarConfiguration = 1
    planar.PixelData = rgb.transpose(2, 0, 1).tobytes()
    save(planar, "dicom-syntaxes/colour-rgb-planar.dcm")
    rle = copy.deepcopy(sc)
    rle.compress(RLELossless, encoding_plugin="pydicom")
    save(rle, "dicom-syntaxes/colour-rgb-rle.dcm")
    # JPEG 2000 with the reversible colour transform, 32 x 32: the gradient tiled.
    big = np.tile(rgb, (8, 6, 1))[:32, :32].copy()
    open("dicom-syntaxes/colour-jpeg2000-expected.rgb", "wb").write(big.tobytes())
    j2k = copy.deepcopy(sc)
    j2k.Rows, j2k.Columns, j2k.PixelData = 32, 32, big.tobytes()
    j2k.compress(JPEG2000Lossless, encoding_plugin="pylibjpeg", use_mct=True)
    j2k.PhotometricInterpretation = "YBR_RCT"  # PS3.5 8.2.4: RGB coded with the reversible colour transform
    save(j2k, "dicom-syntaxes/colour-rgb-jpeg2000.dcm")
    assert np.array_equal(pydicom.dcmread("dicom-syntaxes/colour-rgb-jpeg2000.dcm").pixel_array, big)
    ybr = convert_color_space(rgb, "RGB", "YBR_FULL")
    full = copy.deepcopy(sc)
    full.PhotometricInterpretation = "YBR_FULL"
    full.PixelData = ybr.tobytes()
    save(full, "dicom-syntaxes/colour-ybr-full.dcm")
    # YBR_FULL_422: Y1 Y2 Cb Cr per pair of pixels, the chrominance of the pair's first pixel.
    sub = ybr.reshape(4, 3, 2, 3)
    packed = np.concatenate([sub[..., 0], sub[:, :, 0, 1:]], axis=-1)
    f422 = copy.deepcopy(full)
    f422.PhotometricInterpretation = "YBR_FULL_422"
    f422.PixelData = packed.astype(np.uint8).tobytes()
    save(f422, "dicom-syntaxes/colour-ybr-full-422.dcm")
    for name in ["colour-rgb", "colour-rgb-planar", "colour-rgb-rle"]:
        assert np.array_equal(pydicom.dcmread(f"dicom-syntaxes/{name}.dcm").pixel_array, rgb), name
    # The explicit-VR crop gzip-compressed, as some archives send DICOM (fixed mtime: the same bytes every run).
    with open("dicom-syntaxes/explicit.dcm.gz", "wb") as f:
        f.write(gzip.compress(open("dicom-syntaxes/explicit.dcm", "rb").read(), mtime=0))
    # A Basic Text Structured Report: a valid object without pixel data.
    sr = new_dataset("1.2.840.10008.5.1.4.1.1.88.11", "SR")
    for k in ["SamplesPerPixel", "PhotometricInterpretation"]:
        delattr(sr, k)
    sr.ValueType, sr.CompletionFlag = "CONTAINER", "COMPLETE"
    save(sr, "dicom-syntaxes/structured-report.dcm")
    print("j2k and colour ok")


if sys.argv[1:] == ["multiframe"]:
    multiframe_fixtures()
    sys.exit(0)
if sys.argv[1:] == ["colour"]:
    j2k_colour_fixtures()
    sys.exit(0)

from PIL import Image

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


def jpeg_lossless(d, gdcm_ts, ts_uid, path):
    """GDCM encodes the 16-bit frame; the stream is re-wrapped so that only PixelData and the syntax change."""
    import tempfile
    from pydicom.encaps import generate_frames

    with tempfile.TemporaryDirectory() as tmp:
        save(copy.deepcopy(d), f"{tmp}/in.dcm", ExplicitVRLittleEndian)
        r = gdcm.ImageReader()
        r.SetFileName(f"{tmp}/in.dcm")
        assert r.Read()
        c = gdcm.ImageChangeTransferSyntax()
        c.SetTransferSyntax(gdcm.TransferSyntax(gdcm_ts))
        c.SetInput(r.GetImage())
        assert c.Change()
        wr = gdcm.ImageWriter()
        wr.SetFileName(f"{tmp}/out.dcm")
        wr.SetFile(r.GetFile())
        wr.SetImage(c.GetOutput())
        assert wr.Write()
        g = pydicom.dcmread(f"{tmp}/out.dcm")
        assert g.file_meta.TransferSyntaxUID == ts_uid, g.file_meta.TransferSyntaxUID
        frames = list(generate_frames(g.PixelData, number_of_frames=1))
    out = copy.deepcopy(d)
    out.PixelData = encapsulate(frames)
    out["PixelData"].VR = "OB"
    out["PixelData"].is_undefined_length = True
    save(out, path, ts_uid)
    back = pydicom.dcmread(path)
    assert back.file_meta.TransferSyntaxUID == ts_uid
    assert np.array_equal(back.pixel_array, d.pixel_array), "JPEG Lossless round trip is not exact"


# JPEG Lossless: GDCM (IJG lossless) writes first-order prediction (selection value 1) for both syntaxes.
import gdcm

jpeg_lossless(base, gdcm.TransferSyntax.JPEGLosslessProcess14_1, JPEGLosslessSV1, "dicom-syntaxes/jpeg-lossless-sv1.dcm")
jpeg_lossless(base, gdcm.TransferSyntax.JPEGLosslessProcess14, JPEGLossless, "dicom-syntaxes/jpeg-lossless.dcm")


# GDCM only writes selection value 1; process 14 (.57) allows predictors 1-7. This tiny encoder writes
# predictor 7, (Ra + Rb) / 2, so that the decoder's non-trivial prediction path is exercised too.
def encode_lossless(a, predictor, precision=16):
    """Minimal JPEG Lossless (ITU T.81 process 14) encoder: one component, Pt 0, one fixed Huffman table."""
    a = a.astype(np.int64)
    rows, cols = a.shape
    out = []  # (code, length)
    # Fixed table: categories 0..16, each a 5-bit code equal to the category.
    for y in range(rows):
        for x in range(cols):
            if x == 0 and y == 0:
                p = 1 << (precision - 1)
            elif y == 0:
                p = a[y, x - 1]
            elif x == 0:
                p = a[y - 1, x]
            else:
                ra, rb, rc = a[y, x - 1], a[y - 1, x], a[y - 1, x - 1]
                p = [None, ra, rb, rc, ra + rb - rc, ra + ((rb - rc) >> 1), rb + ((ra - rc) >> 1), (ra + rb) >> 1][predictor]
            d = int(a[y, x] - p) % 65536
            if d >= 32768:
                d -= 65536
            s = 0 if d == 0 else (16 if d == -32768 else abs(d).bit_length())
            if d == -32768:
                d = 32768
            out.append((s, 5))
            if 0 < s < 16:
                out.append(((d if d >= 0 else d - 1) & ((1 << s) - 1), s))
    bits = "".join(format(c, f"0{n}b") for c, n in out)
    bits += "1" * (-len(bits) % 8)
    data = bytearray()
    for i in range(0, len(bits), 8):
        b = int(bits[i:i + 8], 2)
        data.append(b)
        if b == 0xFF:
            data.append(0)
    def seg(marker, body):
        return bytes([0xFF, marker]) + (len(body) + 2).to_bytes(2, "big") + body
    counts = [0, 0, 0, 0, 17] + [0] * 11
    dht = bytes([0x00]) + bytes(counts) + bytes(range(17))
    sof = bytes([precision]) + rows.to_bytes(2, "big") + cols.to_bytes(2, "big") + bytes([1, 1, 0x11, 0])
    sos = bytes([1, 1, 0x00, predictor, 0, 0])
    return b"\xff\xd8" + seg(0xC4, dht) + seg(0xC3, sof) + seg(0xDA, sos) + bytes(data) + b"\xff\xd9"


sv7 = copy.deepcopy(base)
sv7.PixelData = encapsulate([encode_lossless(base.pixel_array, 7)])
sv7["PixelData"].VR = "OB"
sv7["PixelData"].is_undefined_length = True
save(sv7, "dicom-syntaxes/jpeg-lossless-sv7.dcm", JPEGLossless)
assert np.array_equal(pydicom.dcmread("dicom-syntaxes/jpeg-lossless-sv7.dcm").pixel_array, base.pixel_array)  # decoded by GDCM

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
multiframe_fixtures()
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
