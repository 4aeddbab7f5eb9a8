"""`python -m service.cli`: the same as the `rectify` command."""

import sys

from service.cli import main

sys.exit(main())
