"""What a benchmark result was measured on, written beside the numbers."""

import os
import platform
from types import ModuleType

import numpy as np
from threadpoolctl import threadpool_info


def machine(*modules: ModuleType) -> dict:
    """Python, platform, cores, BLAS and thread pools, and the versions of ``modules``."""
    blas = np.show_config(mode="dicts")["Build Dependencies"].get("blas", {})
    blas = {k: blas.get(k) for k in ("name", "version", "openblas configuration")}
    pools = [{k: d.get(k) for k in ("internal_api", "num_threads", "version", "architecture")}
             for d in threadpool_info()]
    info = {"python": platform.python_version(), "platform": platform.platform(),
            "cpu_count": os.cpu_count(), "numpy": np.__version__}
    info.update({m.__name__: m.__version__ for m in modules})
    info.update({"threadpools": pools,
                 "numpy_blas": blas,
                 # OpenBLAS kernels chosen by this variable can be slower than the default.
                 "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE")})
    return info
