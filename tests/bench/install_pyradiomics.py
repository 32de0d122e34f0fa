"""Installs PyRadiomics 3.1.0, the speed and parity rival, into the running Python environment.

Its source package on PyPI is broken: it lacks radiomics/src/cmatrices.h and cshape.h (the 3.0.1
source package has them, with identical C sources) and declares version 3.0.1a1, so pip refuses
it by name. This script fetches both source packages from PyPI (checking their sha256), copies the
two headers across and installs the patched folder with --no-build-isolation. Run by
`cargo xtask bench`; idempotent. The patched source folder is kept in .tools/pyradiomics-3.1.0,
because its data/ folder holds PyRadiomics' own sample cases (brain1, lung1), which the features
benchmark uses without copying them into this repository.
"""
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

FILES = {
    "3.0.1": ("https://files.pythonhosted.org/packages/1b/35/c7f7fb7affd302fd8107dcee6b6e7aaf3708b75ad69d5f9a3dfcadb73eaa/pyradiomics-3.0.1.tar.gz",
              "47c57f441d6cb7973fa3b2ea48d3948df78e3348e1c69e1e2ff19001601fc2f5"),
    "3.1.0": ("https://files.pythonhosted.org/packages/03/c1/20fc2c50ab1e3304da36d866042a1905a2b05a1431ece35448ab6b4578f2/pyradiomics-3.1.0.tar.gz",
              "24722c962a6bbd09bc39c1c67dbffe92435f9692a421fabaae8a6b4511eb48e4"),
}
BUILD_DEPS = ["numpy", "SimpleITK", "PyWavelets", "pykwalify", "six", "versioneer", "setuptools", "wheel"]


def fetch(version, into):
    url, sha = FILES[version]
    data = urllib.request.urlopen(url, timeout=300).read()
    got = hashlib.sha256(data).hexdigest()
    if got != sha:
        sys.exit(f"pyradiomics-{version}.tar.gz: sha256 {got}, expected {sha}")
    path = into / f"pyradiomics-{version}.tar.gz"
    path.write_bytes(data)
    with tarfile.open(path) as t:
        t.extractall(into, filter="data")
    return into / f"pyradiomics-{version}"


KEEP = Path(".tools")


def main():
    try:
        import radiomics  # noqa: F401
        if (KEEP / "pyradiomics-3.1.0/data/brain1_image.nrrd").exists():
            print(f"ok: PyRadiomics {radiomics.__version__} already installed")
            return
    except ImportError:
        pass
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *BUILD_DEPS], check=True)
    KEEP.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        old = fetch("3.0.1", Path(tmp))
        shutil.rmtree(KEEP / "pyradiomics-3.1.0", ignore_errors=True)
        new = fetch("3.1.0", KEEP)
        for header in ("cmatrices.h", "cshape.h"):
            shutil.copy(old / "radiomics/src" / header, new / "radiomics/src" / header)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-build-isolation", str(new)], check=True)
    import radiomics
    print(f"installed PyRadiomics {radiomics.__version__} (3.1.0 sources, patched headers)")


if __name__ == "__main__":
    main()
