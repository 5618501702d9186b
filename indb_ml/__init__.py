"""indb_ml: machine learning inside PostgreSQL.

The same package is imported by the client (``indb_ml.connect``) and by the
server's PL/Python, where the SQL functions of the extension call into
the driver packages (``indb_ml.regress``, ``indb_ml.graph``, ...). Nothing here
imports ``plpy`` or psycopg at import time, so both interpreters can load it cheaply.
"""

__version__ = "0.2.0"


def connect(dsn_or_engine, **kwargs):
    """Open a client session: ``db = indb_ml.connect("postgresql://...")``.

    Accepts a DSN string, a psycopg connection, or a SQLAlchemy engine or
    connection; see :class:`indb_ml.client.connection.Database`.
    """
    from indb_ml.client.connection import Database

    return Database.connect(dsn_or_engine, **kwargs)
