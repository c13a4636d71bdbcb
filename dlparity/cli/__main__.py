"""`python -m dlparity.cli`: the command without dlparity.__main__'s interrupt guard."""

import sys

from dlparity.cli import main

sys.exit(main())
