"""The ``indb-ml`` command line: an embedded server, extension install, demo.

Modules here raise :class:`CliError` for problems the user can fix; ``main``
prints its message as one line instead of a traceback.
"""


class CliError(Exception):
    """An expected failure whose message tells the user what to do next."""
