"""What the server's Python provides: the check behind ``indb_ml.server_info()``."""

from __future__ import annotations

import json


def server_info() -> str:
    import numpy
    import pyarrow
    import scipy

    import indb_ml

    blas = numpy.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
    return json.dumps({
        "indb_ml": indb_ml.__version__,
        "numpy": numpy.__version__,
        "pyarrow": pyarrow.__version__,
        "scipy": scipy.__version__,
        "blas": blas.get("name"),
        "blas_version": blas.get("version"),
    })
