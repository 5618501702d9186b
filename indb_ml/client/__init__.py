"""The Python client: ``indb_ml.connect(...)`` returns a :class:`Database`.

It calls the extension's SQL functions over psycopg 3 and returns typed results
(:class:`LinregrModel`); server errors arrive as :class:`IndbMlError`.
"""

from indb_ml.client.connection import Database, IndbMlError
from indb_ml.client.models import LinregrModel, LogregrModel

__all__ = ["Database", "IndbMlError", "LinregrModel", "LogregrModel"]
