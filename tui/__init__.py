"""marginalia: a terminal reading-and-annotation tool.

The core (every module directly in ``tui``) never imports Textual; the reader lives in ``tui.ui``.
"""

__version__ = "0.1.0"
