"""HTTP: the API under /api/v1 and the officials' pages, behind one default-deny authorisation layer."""
