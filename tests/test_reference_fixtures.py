"""The committed R fixtures are what real R computes today.

Every ``tests/reference/<name>.R`` script is re-run with Rscript (when R is
installed; CI installs it and sets MATHKIT_REQUIRE_R=1 so it never skips) and
its output must equal the committed ``mathkit/data/reference/<name>.json``, the
copy that ships with the package and that the book reads: a stale fixture fails.
"""

import json
import subprocess

import pytest
from support import FIXTURES, REFERENCE, rscript, same_json

SCRIPTS = sorted(p for p in REFERENCE.glob("*.R") if not p.name.startswith("_"))


def test_every_script_has_a_fixture():
    assert SCRIPTS, "no R fixture scripts found"
    missing = [s.name for s in SCRIPTS if not (FIXTURES / f"{s.stem}.json").exists()]
    assert not missing, f"scripts without a committed fixture: {missing}"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_fixture_is_fresh(script, tmp_path):
    exe = rscript()
    if exe is None:
        pytest.skip("Rscript not installed: cannot re-derive the R fixtures")
    out = tmp_path / f"{script.stem}.json"
    subprocess.run([exe, "--vanilla", str(script), str(out)], check=True,
                   cwd=REFERENCE, capture_output=True, timeout=600)
    fresh = json.loads(out.read_text())
    committed = json.loads((FIXTURES / f"{script.stem}.json").read_text())
    # Same R, same machine kind: values agree to the last bit or a few ulps of libm.
    diffs = same_json(committed, fresh, rtol=1e-14)
    rerun = (f"cd tests/reference && Rscript --vanilla {script.name} "
             f"../../mathkit/data/reference/{script.stem}.json")
    assert not diffs, f"{script.name} differs from its committed fixture (re-run: {rerun}):\n" \
        + "\n".join(diffs[:20])
