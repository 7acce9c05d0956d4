"""Administrative units: the current two-level structure, the legacy three-level one, and the mapping."""
