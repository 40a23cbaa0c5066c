"""Module state that cross_module.py changes from outside."""

hits = 0
safe = 0
