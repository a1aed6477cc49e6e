"""The fault suite: hostile inputs and faults with their exact outcomes (``python -m tests.faults``)."""
