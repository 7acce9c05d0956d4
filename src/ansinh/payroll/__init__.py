"""Payroll: each period's list of who is paid what, from the approved decisions and the rule tables."""
