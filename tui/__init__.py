"""marginalia: a terminal reading-and-annotation tool.

The core (``text``, ``document``, ``model``, ``storage``, ``store``, ``cli`` and the export/anchoring modules) never
imports Textual; the reader lives in ``app`` and ``widgets``.
"""

__version__ = "0.1.0"
