"""The ops page's sparklines: scaled into the box, one sample drawn as a level line."""

from __future__ import annotations

import math

from gateway.web.ops_metrics import sparkline


def test_points_are_scaled_into_the_box_with_zero_at_the_bottom() -> None:
    path = sparkline([(0.0, 0.0), (30.0, 5.0), (60.0, 10.0)], width=300, height=60)
    assert path == "M 0.0,60.0 L 150.0,30.0 L 300.0,0.0"


def test_one_sample_is_a_level_line_and_no_sample_is_nothing() -> None:
    assert sparkline([(100.0, 4.0)], width=300, height=60) == "M 0.0,0.0 L 300.0,0.0"
    assert sparkline([], width=300, height=60) == ""
    assert sparkline([(1.0, math.nan)], width=300, height=60) == ""
