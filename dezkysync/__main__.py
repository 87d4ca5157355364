"""``python -m dezkysync``."""

from dezkysync.cli import main

if __name__ == "__main__":
    main()
