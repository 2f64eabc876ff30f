"""embedboard: evaluation harness for text-embedding models.

The sub-packages live in the top-level folders of the repository (``models/``,
``tasks/``, ``runners/``, ``reports/``) and are installed as
``embedboard.models`` and so on, so they never clash with a user's own
``models`` or ``tasks`` package.
"""

__version__ = "0.1.0"
