"""A small bank for Causeway's Python recorder: accounts, transfers under a
lock, and one fee path that forgets the lock (see accounts.py)."""
