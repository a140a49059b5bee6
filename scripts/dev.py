#!/usr/bin/env python3
"""Newsroom's developer command: bootstrap, infra-up/down, status, up/down, test, lint, bench.

Standard library only: it runs before any dependency is installed.
Everything it creates lives under <repo>/.dev/. `python3 scripts/dev.py --help`.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from devtool.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
