"""The committed R fixtures are what real R computes today.

Every ``tests/reference/<name>.R`` script is re-run with Rscript (when R is
installed; CI installs it and sets MATHKIT_REQUIRE_R=1 so it never skips) and
its output must equal the committed ``mathkit/data/reference/<name>.json``, the
copy that ships with the package and that the book reads: a stale fixture fails.
"""

import json
import re
import subprocess

import pytest
from support import FIXTURES, REFERENCE, rscript, same_json

SCRIPTS = sorted(p for p in REFERENCE.glob("*.R") if not p.name.startswith("_"))


def test_every_script_has_a_fixture():
    assert SCRIPTS, "no R fixture scripts found"
    missing = [s.name for s in SCRIPTS if not (FIXTURES / f"{s.stem}.json").exists()]
    assert not missing, f"scripts without a committed fixture: {missing}"


def r_packages(script) -> list[str]:
    """The R packages a script loads: library(x), requireNamespace("x"), x::f."""
    text = script.read_text()
    found = re.findall(r"(?:library|require|requireNamespace)\(\s*[\"']?(\w+)", text)
    found += re.findall(r"\b([A-Za-z][\w.]*)::", text)
    base = {"base", "stats", "utils", "datasets", "methods", "graphics", "grDevices"}
    return sorted(set(found) - base)


def missing_r_packages(exe: str, names: list[str]) -> list[str]:
    probe = "; ".join(f'if (!requireNamespace("{n}", quietly = TRUE)) cat("{n}\\n")'
                      for n in names)
    out = subprocess.run([exe, "--vanilla", "-e", probe or "invisible()"], capture_output=True,
                         text=True, check=True).stdout
    return out.split()


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_fixture_is_fresh(script, tmp_path):
    exe = rscript()
    if exe is None:
        pytest.skip("Rscript not installed: cannot re-derive the R fixtures")
    missing = missing_r_packages(exe, r_packages(script))
    # Debian packages CRAN package x as r-cran-x (lower case); .ci/run installs them.
    assert not missing, (f"{script.name} needs the R package(s) {', '.join(missing)}: install "
                         + " ".join(f"r-cran-{m.lower()}" for m in missing)
                         + " (apt-get install --no-install-recommends ...)")
    out = tmp_path / f"{script.stem}.json"
    run = subprocess.run([exe, "--vanilla", str(script), str(out)], cwd=REFERENCE,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, f"{script.name} failed in R:\n{run.stderr[-2000:]}"
    fresh = json.loads(out.read_text())
    committed = json.loads((FIXTURES / f"{script.stem}.json").read_text())
    # Same R, same machine kind: values agree to the last bit or a few ulps of libm.
    diffs = same_json(committed, fresh, rtol=1e-14)
    rerun = (f"cd tests/reference && Rscript --vanilla {script.name} "
             f"../../mathkit/data/reference/{script.stem}.json")
    assert not diffs, f"{script.name} differs from its committed fixture (re-run: {rerun}):\n" \
        + "\n".join(diffs[:20])
