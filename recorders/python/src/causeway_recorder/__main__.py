"""`python -m causeway_recorder ...`: see cli.py."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
