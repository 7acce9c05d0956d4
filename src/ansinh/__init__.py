"""AnSinh: paying Vietnam's social-welfare benefits without cash."""

__version__ = "0.1.0"
