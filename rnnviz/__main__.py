"""`python -m rnnviz` is the `rnnviz` command."""

import sys

from .cli import main

sys.exit(main())
