"""On/off session settings (``SET indb_ml.madlib_statistics = on`` and the like), read one way.

The MADlib-behaviour settings are placeholders PostgreSQL does not know the type of, so their
text is read here: ``on``, ``true``, ``yes`` and ``1`` are on, anything else (or unset) is off.
"""

from __future__ import annotations


def setting_is_on(value: str | None) -> bool:
    """A setting's text as a boolean. PL/Python can run no SQL in a parallel worker, so an
    aggregate's final step gets the text as an argument from a SQL wrapper and reads it here."""
    return (value or "off").strip().lower() in ("on", "true", "yes", "1")


def session_flag(sess, name: str) -> bool:
    """Whether the setting ``name`` (``indb_ml.madlib_linalg``) is on for this call (default off)."""
    return setting_is_on(sess.one("SELECT pg_catalog.current_setting($1, true) AS v", [name], ["text"])["v"])
