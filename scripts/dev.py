#!/usr/bin/env python3
"""Newsroom's developer command: bootstrap, infra-up/down, status, up/down, test, lint, bench.

Standard library only: it runs before any dependency is installed.
Everything it creates lives under <repo>/.dev/. `python3 scripts/dev.py --help`.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# Tests and benchmarks run on an infrastructure instance of their own (.dev/test/, other
# ports), never on the stack `up` started. The instance is chosen before devtool is
# imported because its paths and ports are module constants.
if len(sys.argv) > 1 and sys.argv[1] in {"test", "bench"}:
    os.environ["NEWSROOM_DEV_INSTANCE"] = "test"

from devtool.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
