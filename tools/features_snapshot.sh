#!/usr/bin/env bash
# Writes `radlearn features` output for the IBSI phantoms under every built-in configuration and the PyRadiomics-like
# one into a folder, so that a refactoring can be checked byte for byte:
#   tools/features_snapshot.sh target/release/radlearn /tmp/before   # on the old commit
#   tools/features_snapshot.sh target/release/radlearn /tmp/after    # on the new one
#   diff -r /tmp/before /tmp/after && echo identical
# Also reads the CT phantom's DICOM series with its RTSTRUCT, and the label image as a mask with --roi.
set -euo pipefail
radlearn=$1
out=$2
data=${RADLEARN_DATA:-$(dirname "$0")/../../shared/data}
mkdir -p "$out"
ct=$data/ibsi-ct-phantom
dp=$data/ibsi-digital-phantom
for config in default ibsi-A ibsi-B ibsi-C ibsi-D ibsi-E tests/bench/pyradiomics-default.toml; do
  name=$(basename "$config" .toml)
  "$radlearn" features --image "$ct/nifti/image/phantom.nii.gz" --mask "$ct/nifti/mask/mask.nii.gz" --config "$config" > "$out/ct-nifti-$name.csv"
done
"$radlearn" features --image "$dp/phantom.nii.gz" --mask "$dp/mask.nii.gz" --config digital-phantom > "$out/digital-phantom.csv"
"$radlearn" features --image "$dp/phantom.nii.gz" --mask "$dp/mask.nii.gz" --roi 1 --config digital-phantom --format json > "$out/digital-phantom.json"
"$radlearn" features --image "$ct/dicom/image" --mask "$ct/dicom/mask" --config ibsi-B > "$out/ct-dicom-rtstruct-ibsi-B.csv"
ls "$out" | wc -l
