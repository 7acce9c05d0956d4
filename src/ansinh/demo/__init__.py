"""The demo: a province's worth of data to try every step with (grows with every capability)."""
