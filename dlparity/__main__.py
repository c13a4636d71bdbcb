"""`dlparity` and `python -m dlparity`: the command, with Ctrl-C answered at any moment.

The command module is imported inside the guard, so an interrupt while Python is still loading
it (or a framework) ends with one line and status 130, not a traceback.
"""

import sys


def main() -> int:
    try:
        from dlparity.cli import main as command

        return command()
    except KeyboardInterrupt:
        print("dlparity: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
