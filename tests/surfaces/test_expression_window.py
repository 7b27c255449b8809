"""A formula typed without a window opens on a window that shows its structure, from a start on
a slope; a map whose values span decades gets a log colour scale. Given bounds stay as given."""

import numpy as np
import pytest

from surfaces.expression import DEFAULT_BOUNDS, SEARCH, from_expression


def test_a_double_well_opens_on_both_wells_from_a_slope():
    s = from_expression("x**4 - 3*x**2 + x")
    ((lo, hi),) = s.bounds
    wells = np.array([-1.3008, 1.1309])  # roots of 4x³ − 6x + 1 (with the hump at 0.1699)
    assert lo < wells[0] - 0.5 and hi > wells[1] + 0.5
    assert hi - lo <= 6  # not (-5, 5), where x⁴ reaches 625 and both wells look flat
    x = np.linspace(lo, hi, 400)[:, None]
    f = s.f(x)
    hump = float(s.f(np.array([0.1699])))
    assert (hump - f.min()) > 0.1 * (f.max() - f.min())  # wells visible (on (-5, 5): 0.6%)
    (start,) = s.start
    assert lo <= start <= hi
    assert np.min(np.abs(np.array([*wells, 0.1699]) - start)) >= 0.08 * (hi - lo)  # on a slope
    assert abs(float(s.grad([start])[0])) > 1.0


def test_explicit_bounds_are_kept_exactly_as_given():
    s = from_expression("x**4 - 3*x**2 + x", bounds=(-5, 5))
    assert s.bounds == ((-5.0, 5.0),)
    s = from_expression("(1-x)^2+100*(y-x^2)^2", bounds=((-2, 2), (-1, 3)))
    assert s.bounds == ((-2.0, 2.0), (-1.0, 3.0))
    assert s.params["bounds"] == ((-2.0, 2.0), (-1.0, 3.0))
    # and the start still avoids the minimum near x = 1.13 that 60% along (x = 1) sits in
    one = from_expression("x**4 - 3*x**2 + x", bounds=(-5, 5))
    assert abs(one.start[0] - 1.1309) > 0.8


def test_a_typed_rosenbrock_gets_a_log_colour_scale_and_shows_its_minimum():
    given = from_expression("(1-x)^2+100*(y-x^2)^2", bounds=((-2, 2), (-1, 3)))
    assert given.log_scale is True
    auto = from_expression("(1-x)^2+100*(y-x^2)^2")
    assert auto.log_scale is True
    (x0, x1), (y0, y1) = auto.bounds
    assert x0 < 1 < x1 and y0 < 1 < y1
    assert np.linalg.norm(np.subtract(auto.start, (1, 1))) > 0.5
    assert not from_expression("x^2 + 3*y").log_scale  # f < 0 somewhere: a linear scale
    assert not from_expression("x^2 + 3*y^2 - x*y").log_scale  # one or two decades only


def test_two_d_windows_follow_the_critical_points_per_axis():
    s = from_expression("(x^2+y-11)^2+(x+y^2-7)^2")  # Himmelblau: 4 minima, 4 saddles, 1 max
    (x0, x1), (y0, y1) = s.bounds
    minima = np.array([[3, 2], [-2.8051, 3.1313], [-3.7793, -3.2832], [3.5844, -1.8481]])
    assert (x0 < minima[:, 0]).all() and (minima[:, 0] < x1).all()
    assert (y0 < minima[:, 1]).all() and (minima[:, 1] < y1).all()
    assert x1 - x0 <= 2 * SEARCH
    s = from_expression("x**4 - 3*x**2 + x + y^2")
    (x0, x1), (y0, y1) = s.bounds
    assert x1 - x0 < 6 and y1 - y0 < x1 - x0  # y shows the same structure's scale, not ±5


@pytest.mark.parametrize("text", ["x^2 + 3*y", "x^3", "log(-x-y)", "x - x^2*0"])
def test_no_critical_point_or_a_flat_one_keeps_the_default_window(text):
    s = from_expression(text)
    assert all(b == DEFAULT_BOUNDS for b in s.bounds)


@pytest.mark.parametrize("text", ["sin(x)", "sin(x)*cos(y)", "x^2", "x^2 + 3*y^2 - x*y"])
def test_windows_are_capped_and_rounded(text):
    s = from_expression(text)
    for lo, hi in s.bounds:
        assert -SEARCH <= lo < hi <= SEARCH
        assert lo * 2 == round(lo * 2) and hi * 2 == round(hi * 2)
