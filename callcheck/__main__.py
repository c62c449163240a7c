"""``python -m callcheck``: the command line."""
from callcheck.cli import main

if __name__ == "__main__":
    main()
