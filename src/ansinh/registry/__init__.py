"""Registry: persons, beneficiaries, payees, identity checks, de-duplication, import and export.

Pure rules live in ``identity`` (citizen-ID checks), ``names`` (duplicate-detection keys), ``vietqr`` (bank
account capture) and ``importing`` (the import file format and row validation). Nothing is imported here, so
that loading one module never drags in the others.
"""
