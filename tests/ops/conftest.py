"""Operations tests: metrics, alert rules, dashboards, traces, the ops page."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))  # devtool builds and starts Prometheus and Jaeger
