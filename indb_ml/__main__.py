"""``python -m indb_ml`` is the ``indb-ml`` command, for when the script is not on PATH."""

import sys

from indb_ml.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
