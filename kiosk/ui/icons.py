"""The kiosk's icons (the PIN pad's side keys, the page arrows), drawn with ``pygame.draw``
from a few points rather than taken from an icon font: lines scaled from the key stay sharp on
every panel and at every size, take the theme's colours like text does, and there is no icon
font to ship, license or keep in step.

pygame does not anti-alias thick strokes, so an icon is drawn :data:`SUPERSAMPLE` times larger
and scaled down: its edges come out smooth and its strokes keep the exact ink colour.
"""

from __future__ import annotations

import itertools
import math

import pygame

from kiosk.ui.theme import Colour

Point = tuple[float, float]
# A line through points in a unit square (0, 0 top left), and whether it closes on itself.
Stroke = tuple[tuple[Point, ...], bool]
Icon = tuple[Stroke, ...]

# A key pointing left with an X in it: "delete the last digit", as on most phone keyboards.
BACKSPACE: Icon = (
    (((0.04, 0.5), (0.3, 0.2), (0.96, 0.2), (0.96, 0.8), (0.3, 0.8)), True),
    (((0.5, 0.37), (0.76, 0.63)), False),
    (((0.5, 0.63), (0.76, 0.37)), False),
)
CHECK: Icon = ((((0.12, 0.52), (0.38, 0.78), (0.88, 0.26)), False),)
# The page arrows: chevrons, as a font's angle quotes are too thin at a button's size.
BACK: Icon = ((((0.64, 0.18), (0.32, 0.5), (0.64, 0.82)), False),)
FORWARD: Icon = ((((0.36, 0.18), (0.68, 0.5), (0.36, 0.82)), False),)



def _ring(cx: float, cy: float, radius: float, points: int = 20) -> tuple[Point, ...]:
    return tuple((cx + radius * math.cos(2 * math.pi * i / points),
                  cy + radius * math.sin(2 * math.pi * i / points)) for i in range(points))


def _shoulders(points: int = 12) -> tuple[Point, ...]:
    return tuple((0.5 - 0.34 * math.cos(math.pi * i / points),
                  0.94 - 0.36 * math.sin(math.pi * i / points)) for i in range(points + 1))


# The help button: a person, head and shoulders ("someone will come"), not a question mark,
# which reads as "information" and is a glyph of the Latin alphabet.
PERSON: Icon = ((_ring(0.5, 0.3, 0.17), True), (_shoulders(), False))

SUPERSAMPLE = 4
STROKE = 0.09  # line width, of the icon's side


def _line(surface: pygame.Surface, colour: Colour, start: Point, end: Point,
          width: float) -> None:
    """A segment as a quad across its normal: pygame's thick lines slant at their ends."""
    length = math.hypot(end[0] - start[0], end[1] - start[1])
    nx, ny = ((start[1] - end[1]) / length * width / 2, (end[0] - start[0]) / length * width / 2)
    pygame.draw.polygon(surface, colour, [(start[0] + nx, start[1] + ny),
                                          (end[0] + nx, end[1] + ny),
                                          (end[0] - nx, end[1] - ny),
                                          (start[0] - nx, start[1] - ny)])


def draw(surface: pygame.Surface, icon: Icon, box: pygame.Rect, colour: Colour) -> None:
    """``icon`` in ``colour``, filling the square ``box``, with round joints and ends."""
    side = box.width * SUPERSAMPLE
    big = pygame.Surface((side, side), pygame.SRCALPHA)
    big.fill((*colour, 0))  # transparent, but the ink's colour: edges blend to no darker fringe
    width = max(2 * SUPERSAMPLE, side * STROKE)
    for unit, closed in icon:
        points = [(x * side, y * side) for x, y in unit]
        for start, end in itertools.pairwise(points + points[:1] if closed else points):
            _line(big, colour, start, end, width)
        for point in points:
            pygame.draw.circle(big, colour, point, width / 2)
    surface.blit(pygame.transform.smoothscale(big, box.size), box)
