"""Shared kernel: money, periods, clock, settings, database, unit of work, audit chain, errors."""
