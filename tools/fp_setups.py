"""Run the unit tests and nbval under several floating-point set-ups, each named in the log.

The book's stored outputs must be true on any IEEE machine, whichever BLAS kernel
OpenBLAS picks and whichever SIMD loops numpy uses. This machine can imitate other
machines in two ways (see the notes on portability):

- ``OPENBLAS_CORETYPE`` forces OpenBLAS's kernels for another CPU: SkylakeX (AVX-512),
  Haswell (AVX2) and Prescott (SSE3, pre-AVX: OpenBLAS loads its Katmai kernels);
- ``NPY_DISABLE_CPU_FEATURES`` switches off numpy's AVX-512 loops, as on a CPU without them.

The environment as it comes is what ``make test`` already ran; this runs every other kernel
of the list, then the AVX-512-less numpy, and exits non-zero if any set-up fails.

Usage: ``python tools/fp_setups.py [pytest args...]`` (default: the unit tests and nbval).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Kernel name and the CPU flag it needs (a forced kernel the CPU lacks would crash).
KERNELS = {"SkylakeX": "avx512f", "Haswell": "avx2", "Prescott": "sse2"}
NO_AVX512 = "X86_V4 AVX512_ICL AVX512_SPR"
SUITES = {
    "unit tests": ["tests", "--ignore=tests/test_browser.py", "--ignore=tests/test_pdf.py",
                   "--ignore=tests/test_strict_build.py", "-q"],
    "nbval": ["--nbval", "--nbval-current-env", "--nbval-sanitize-with",
              "tests/nbval_sanitize.cfg", "book", "-q"],
}


def cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return {"sse2"}
    return {f for line in text.splitlines() if line.startswith("flags") for f in line.split()}


def setups(env: dict[str, str], flags: set[str]) -> list[tuple[str, dict[str, str]]]:
    """Every set-up that differs from the environment as it comes: name, variables to set."""
    # Unset, OpenBLAS picks the best kernel the CPU runs; SkylakeX on this machine kind.
    current = env.get("OPENBLAS_CORETYPE") or next(k for k, f in KERNELS.items() if f in flags)
    chosen = [(f"OPENBLAS_CORETYPE={k}", {"OPENBLAS_CORETYPE": k})
              for k, flag in KERNELS.items() if flag in flags and k.lower() != current.lower()]
    chosen.append((f'NPY_DISABLE_CPU_FEATURES="{NO_AVX512}"',
                   {"NPY_DISABLE_CPU_FEATURES": NO_AVX512}))
    return chosen


def main(argv: list[str]) -> int:
    suites = {"pytest " + " ".join(argv): argv} if argv else SUITES
    failed = []
    for name, extra in setups(dict(os.environ), cpu_flags()):
        env = dict(os.environ, **extra)
        for what, suite in suites.items():
            label = f"[{name}] {what}"
            print(f"=== {label}", flush=True)
            start = time.perf_counter()
            rc = subprocess.run([sys.executable, "-m", "pytest", *suite], cwd=ROOT,
                                env=env).returncode
            print(f"=== {label}: {'passed' if rc == 0 else f'FAILED (exit {rc})'} "
                  f"in {time.perf_counter() - start:.0f} s", flush=True)
            if rc != 0:
                failed.append(label)
    if failed:
        print("Failed set-ups:\n  " + "\n  ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
