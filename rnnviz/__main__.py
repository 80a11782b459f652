"""`python -m rnnviz` is the `rnnviz` command."""

import sys

from rnnviz.cli import main

sys.exit(main())
