"""``python -m bench``: run every benchmark."""

import sys

from bench.run import main

sys.exit(main())
