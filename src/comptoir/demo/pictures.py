"""Product pictures drawn with Pillow, so the demo needs no network and no stock photos.

Each picture is a soft gradient in the colour of the product's category with a flat
drawing of what is sold (a tin, a bag, a cup...) and the product's initials. The seed
shifts the hue, the layout and the accents, so two teas of one category still differ.
"""

from __future__ import annotations

import colorsys
import io
import math
import random
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

# 960 is the largest rendition width below 1440: the original needs no resize for it.
SIZE = 960
# Drawn at twice the size and halved: Pillow's shapes have no anti-aliasing of their own.
SCALE = 2
S = SIZE * SCALE

RGB = tuple[int, int, int]


def hex_to_rgb(value: str) -> RGB:
    value = value.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def shade(colour: RGB, *, lightness: float = 0.0, hue: float = 0.0, sat: float = 1.0) -> RGB:
    h, light, s = colorsys.rgb_to_hls(*(c / 255 for c in colour))
    light = min(1.0, max(0.0, light + lightness))
    r, g, b = colorsys.hls_to_rgb((h + hue) % 1.0, light, min(1.0, s * sat))
    return round(r * 255), round(g * 255), round(b * 255)


@lru_cache(maxsize=8)
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def draw_picture(
    *,
    motif: str,
    colour: str,
    initials: str,
    seed: int,
    second: bool = False,
    accent: str | None = None,
) -> bytes:
    """A JPEG of SIZE x SIZE pixels; the same arguments always give the same bytes."""
    rng = random.Random(seed)
    base = shade(hex_to_rgb(colour), hue=rng.uniform(-0.03, 0.03))
    top = shade(base, lightness=0.42 + rng.uniform(-0.05, 0.05), sat=0.6)
    bottom = shade(base, lightness=0.22 + rng.uniform(-0.05, 0.05), sat=0.8)
    image = _gradient(top, bottom)
    draw = ImageDraw.Draw(image)
    object_colour = hex_to_rgb(accent) if accent else shade(base, lightness=rng.uniform(-0.1, 0.05))
    if second:
        _scatter(draw, rng, motif, shade(base, lightness=0.1))
        _plate(draw, rng, shade(base, lightness=0.5, sat=0.3))
        DRAWERS.get(motif, _tin)(draw, rng, object_colour, initials, scale=0.55)
    else:
        _dots(draw, rng, shade(base, lightness=0.32, sat=0.5))
        _shadow(draw, shade(bottom, lightness=-0.08))
        DRAWERS.get(motif, _tin)(draw, rng, object_colour, initials, scale=1.0)
    image = image.reduce(SCALE)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=86, optimize=False)
    return buffer.getvalue()


def draw_logo(*, colour: str, accent: str, letters: str) -> bytes:
    """A round stamp for the shop header: a PNG with a transparent background."""
    size = 512 * SCALE
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, size - 8, size - 8), fill=hex_to_rgb(colour))
    draw.ellipse((60, 60, size - 60, size - 60), outline=hex_to_rgb(accent), width=18)
    _leaf(draw, (size * 0.5, size * 0.33), size * 0.16, (236, 226, 200), angle=-0.6)
    draw.text(
        (size / 2, size * 0.64), letters, font=font(size // 4), anchor="mm", fill=(246, 240, 226)
    )
    image = image.reduce(SCALE)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


# --- backgrounds ------------------------------------------------------------------------------


def _gradient(top: RGB, bottom: RGB) -> Image.Image:
    # Nearest-neighbour from 256 rows: the steps are one shade apart, invisible, and it is
    # ten times faster than a smooth resize of four megapixels.
    ramp = Image.linear_gradient("L")
    channels = [
        ramp.point([round(a + (b - a) * v / 255) for v in range(256)])
        for a, b in zip(top, bottom, strict=True)
    ]
    return Image.merge("RGB", channels).resize((S, S), Image.Resampling.NEAREST)


def _dots(draw: ImageDraw.ImageDraw, rng: random.Random, colour: RGB) -> None:
    for _ in range(rng.randint(10, 22)):
        x, y, r = rng.uniform(0, S), rng.uniform(0, S), rng.uniform(8, 40)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)


def _shadow(draw: ImageDraw.ImageDraw, colour: RGB) -> None:
    draw.ellipse((S * 0.22, S * 0.8, S * 0.78, S * 0.88), fill=colour)


def _plate(draw: ImageDraw.ImageDraw, rng: random.Random, colour: RGB) -> None:
    r = S * rng.uniform(0.3, 0.36)
    draw.ellipse((S / 2 - r, S / 2 - r, S / 2 + r, S / 2 + r), fill=colour)


def _scatter(draw: ImageDraw.ImageDraw, rng: random.Random, motif: str, colour: RGB) -> None:
    """Loose leaves or beans around the subject, as on a flat-lay photo."""
    coffee = motif in ("bag", "capsules", "grinder")
    for _ in range(rng.randint(28, 44)):
        x, y = rng.uniform(0, S), rng.uniform(0, S)
        angle = rng.uniform(0, 3.14)
        if coffee:
            _bean(draw, (x, y), rng.uniform(30, 46), shade(colour, lightness=-0.25), angle)
        else:
            _leaf(draw, (x, y), rng.uniform(40, 70), shade(colour, lightness=-0.15), angle)


def _leaf(
    draw: ImageDraw.ImageDraw,
    centre: tuple[float, float],
    length: float,
    colour: RGB,
    angle: float = 0.0,
) -> None:
    cx, cy = centre
    points = []
    for i in range(24):
        t = i / 23 * math.pi
        along, across = math.cos(t) * length, math.sin(t) * length * 0.42
        points.append((along, across))
    points += [(x, -y) for x, y in reversed(points)]
    cos, sin = math.cos(angle), math.sin(angle)
    draw.polygon([(cx + x * cos - y * sin, cy + x * sin + y * cos) for x, y in points], fill=colour)
    tip = (cx + length * cos, cy + length * sin)
    tail = (cx - length * cos, cy - length * sin)
    draw.line([tail, tip], fill=shade(colour, lightness=0.15), width=max(2, int(length / 14)))


def _bean(
    draw: ImageDraw.ImageDraw, centre: tuple[float, float], size: float, colour: RGB, angle: float
) -> None:
    cx, cy = centre
    draw.ellipse((cx - size, cy - size * 0.7, cx + size, cy + size * 0.7), fill=colour)
    dx, dy = math.cos(angle) * size * 0.8, math.sin(angle) * size * 0.3
    draw.line(
        [(cx - dx, cy - dy), (cx + dx, cy + dy)],
        fill=shade(colour, lightness=-0.12),
        width=int(size / 6),
    )


def _label(
    draw: ImageDraw.ImageDraw, box: tuple[float, float, float, float], colour: RGB, initials: str
) -> None:
    draw.rounded_rectangle(box, radius=24, fill=(247, 242, 230))
    x0, y0, x1, y1 = box
    draw.text(
        ((x0 + x1) / 2, (y0 + y1) / 2),
        initials,
        font=font(int((y1 - y0) * 0.55)),
        anchor="mm",
        fill=colour,
    )


# --- subjects -----------------------------------------------------------------------------
# Each draws centred on the canvas, ``scale`` 1.0 filling about half of it.


def _box(scale: float, width: float, height: float, dy: float = 0.0) -> tuple[float, ...]:
    w, h = S * width * scale, S * height * scale
    cx, cy = S / 2, S / 2 + S * dy * scale
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def _tin(
    draw: ImageDraw.ImageDraw, rng: random.Random, colour: RGB, initials: str, scale: float
) -> None:
    x0, y0, x1, y1 = _box(scale, rng.uniform(0.34, 0.42), rng.uniform(0.48, 0.56), 0.05)
    draw.rounded_rectangle((x0, y0, x1, y1), radius=30 * scale, fill=colour)
    lid = shade(colour, lightness=-0.12)
    draw.rounded_rectangle(
        (x0 - 14 * scale, y0 - 20 * scale, x1 + 14 * scale, y0 + (y1 - y0) * 0.18),
        radius=24 * scale,
        fill=lid,
    )
    band = (y1 - y0) * 0.34
    _label(draw, (x0 + 40 * scale, y0 + band, x1 - 40 * scale, y0 + band * 2.1), colour, initials)
    _leaf(
        draw,
        ((x0 + x1) / 2, y1 - (y1 - y0) * 0.16),
        80 * scale,
        shade(colour, lightness=0.3),
        angle=rng.uniform(-0.4, 0.4),
    )


def _jar(
    draw: ImageDraw.ImageDraw, rng: random.Random, colour: RGB, initials: str, scale: float
) -> None:
    x0, y0, x1, y1 = _box(scale, 0.4, 0.5, 0.06)
    draw.rounded_rectangle((x0, y0, x1, y1), radius=90 * scale, fill=(236, 236, 228))
    draw.rounded_rectangle(
        (x0 + 24 * scale, y0 + (y1 - y0) * 0.3, x1 - 24 * scale, y1 - 24 * scale),
        radius=70 * scale,
        fill=colour,
    )
    draw.rounded_rectangle(
        (x0 + 50 * scale, y0 - 60 * scale, x1 - 50 * scale, y0 + 30 * scale),
        radius=20 * scale,
        fill=(150, 120, 90),
    )
    _label(
        draw,
        (x0 + 70 * scale, y0 + (y1 - y0) * 0.42, x1 - 70 * scale, y0 + (y1 - y0) * 0.7),
        colour,
        initials,
    )
    for _ in range(3):
        _leaf(
            draw,
            (rng.uniform(x0, x1), rng.uniform(y1 - 120 * scale, y1 - 40 * scale)),
            40 * scale,
            shade(colour, lightness=0.25),
            angle=rng.uniform(0, 3),
        )


def _bag(
    draw: ImageDraw.ImageDraw, rng: random.Random, colour: RGB, initials: str, scale: float
) -> None:
    kraft = shade((176, 136, 92), lightness=rng.uniform(-0.06, 0.06))
    x0, y0, x1, y1 = _box(scale, 0.42, 0.6, 0.04)
    draw.polygon([(x0 + 30 * scale, y0), (x1 - 30 * scale, y0), (x1, y1), (x0, y1)], fill=kraft)
    draw.rectangle(
        (x0 + 30 * scale, y0 - 40 * scale, x1 - 30 * scale, y0 + 20 * scale),
        fill=shade(kraft, lightness=-0.08),
    )
    band_top = y0 + (y1 - y0) * 0.3
    draw.rectangle(
        (x0 + 10 * scale, band_top, x1 - 10 * scale, band_top + (y1 - y0) * 0.36), fill=colour
    )
    _label(
        draw,
        (
            x0 + 70 * scale,
            band_top + 40 * scale,
            x1 - 70 * scale,
            band_top + (y1 - y0) * 0.36 - 40 * scale,
        ),
        colour,
        initials,
    )
    _bean(draw, ((x0 + x1) / 2, y1 - 110 * scale), 40 * scale, (70, 44, 30), 0.4)


def _capsules(
    draw: ImageDraw.ImageDraw, rng: random.Random, colour: RGB, initials: str, scale: float
) -> None:
    x0, y0, x1, y1 = _box(scale, 0.56, 0.3, 0.12)
    draw.rounded_rectangle((x0, y0, x1, y1), radius=18 * scale, fill=(240, 234, 222))
    _label(
        draw, (x0 + 50 * scale, y0 + 40 * scale, x1 - 50 * scale, y1 - 40 * scale), colour, initials
    )
    for i in range(3):
        cx = S / 2 + (i - 1) * 200 * scale
        cy = y0 - 130 * scale - (40 * scale if i == 1 else 0)
        r = 80 * scale
        draw.ellipse(
            (cx - r, cy - r * 0.5, cx + r, cy + r * 0.5), fill=shade(colour, lightness=-0.05 * i)
        )
        draw.polygon(
            [
                (cx - r, cy),
                (cx + r, cy),
                (cx + r * 0.55, cy + r * 1.1),
                (cx - r * 0.55, cy + r * 1.1),
            ],
            fill=shade(colour, lightness=0.08),
        )


def _cup(
    draw: ImageDraw.ImageDraw, rng: random.Random, colour: RGB, initials: str, scale: float
) -> None:
    x0, y0, x1, y1 = _box(scale, 0.46, 0.36, 0.08)
    r = 40 * scale
    draw.ellipse(
        (x0 - 80 * scale, y1 - 50 * scale, x1 + 80 * scale, y1 + 60 * scale),
        fill=shade(colour, lightness=0.12),
    )
    draw.ellipse(
        (x1 - 60 * scale, y0 + 40 * scale, x1 + 130 * scale, y0 + 230 * scale),
        outline=colour,
        width=int(36 * scale),
    )
    draw.rounded_rectangle((x0, y0, x1, y1), radius=r, fill=colour)
    draw.ellipse((x0, y0 - 40 * scale, x1, y0 + 40 * scale), fill=shade(colour, lightness=-0.2))
    for i in range(3):
        sx = x0 + (x1 - x0) * (0.3 + 0.2 * i)
        draw.arc(
            (sx - 30 * scale, y0 - 260 * scale, sx + 30 * scale, y0 - 70 * scale),
            start=100 + rng.randint(-20, 20),
            end=260,
            fill=(250, 250, 250),
            width=int(12 * scale),
        )
    _label(
        draw, (x0 + 90 * scale, y0 + 80 * scale, x1 - 90 * scale, y1 - 70 * scale), colour, initials
    )


def _teapot(
    draw: ImageDraw.ImageDraw, rng: random.Random, colour: RGB, initials: str, scale: float
) -> None:
    x0, y0, x1, y1 = _box(scale, 0.5, 0.42, 0.08)
    draw.polygon(
        [
            (x0 + 20 * scale, y0 + 120 * scale),
            (x0 - 170 * scale, y0 + 10 * scale),
            (x0 - 150 * scale, y0 - 10 * scale),
            (x0 + 40 * scale, y0 + 60 * scale),
        ],
        fill=colour,
    )
    draw.arc(
        (x1 - 120 * scale, y0 + 10 * scale, x1 + 130 * scale, y1 - 60 * scale),
        start=-90,
        end=90,
        fill=colour,
        width=int(38 * scale),
    )
    draw.ellipse((x0, y0, x1, y1), fill=colour)
    draw.rounded_rectangle(
        ((x0 + x1) / 2 - 90 * scale, y0 - 40 * scale, (x0 + x1) / 2 + 90 * scale, y0 + 30 * scale),
        radius=30 * scale,
        fill=shade(colour, lightness=-0.12),
    )
    draw.ellipse(
        ((x0 + x1) / 2 - 26 * scale, y0 - 80 * scale, (x0 + x1) / 2 + 26 * scale, y0 - 30 * scale),
        fill=shade(colour, lightness=-0.12),
    )
    _label(
        draw,
        (x0 + 150 * scale, y0 + 150 * scale, x1 - 150 * scale, y1 - 150 * scale),
        colour,
        initials,
    )


def _grinder(
    draw: ImageDraw.ImageDraw, rng: random.Random, colour: RGB, initials: str, scale: float
) -> None:
    x0, y0, x1, y1 = _box(scale, 0.3, 0.5, 0.1)
    draw.rounded_rectangle((x0, y0, x1, y1), radius=20 * scale, fill=colour)
    draw.rectangle(
        (x0 - 20 * scale, y0 - 30 * scale, x1 + 20 * scale, y0 + 20 * scale),
        fill=shade(colour, lightness=-0.15),
    )
    cx = (x0 + x1) / 2
    draw.line(
        [(cx, y0 - 30 * scale), (cx, y0 - 140 * scale), (cx + 220 * scale, y0 - 180 * scale)],
        fill=(60, 60, 64),
        width=int(22 * scale),
    )
    draw.ellipse(
        (cx + 180 * scale, y0 - 230 * scale, cx + 270 * scale, y0 - 140 * scale), fill=(120, 84, 56)
    )
    _label(
        draw,
        (x0 + 40 * scale, y0 + 160 * scale, x1 - 40 * scale, y0 + 340 * scale),
        colour,
        initials,
    )


def _gift(
    draw: ImageDraw.ImageDraw, rng: random.Random, colour: RGB, initials: str, scale: float
) -> None:
    x0, y0, x1, y1 = _box(scale, 0.56, 0.42, 0.08)
    ribbon = (232, 196, 98)
    draw.rectangle((x0, y0, x1, y1), fill=colour)
    draw.rectangle(
        (x0 - 20 * scale, y0 - 70 * scale, x1 + 20 * scale, y0 + 30 * scale),
        fill=shade(colour, lightness=-0.1),
    )
    cx = (x0 + x1) / 2
    draw.rectangle((cx - 26 * scale, y0 - 70 * scale, cx + 26 * scale, y1), fill=ribbon)
    for side in (-1, 1):
        draw.ellipse(
            (
                cx + side * 150 * scale - 90 * scale,
                y0 - 190 * scale,
                cx + side * 150 * scale + 90 * scale,
                y0 - 80 * scale,
            ),
            outline=ribbon,
            width=int(26 * scale),
        )
    _label(
        draw,
        (x0 + 60 * scale, y0 + 110 * scale, cx - 60 * scale, y1 - 90 * scale),
        colour,
        initials,
    )


def _book(
    draw: ImageDraw.ImageDraw, rng: random.Random, colour: RGB, initials: str, scale: float
) -> None:
    x0, y0, x1, y1 = _box(scale, 0.42, 0.56, 0.02)
    draw.rectangle(
        (x0 + 24 * scale, y0 + 24 * scale, x1 + 24 * scale, y1 + 24 * scale), fill=(236, 232, 222)
    )
    draw.rectangle((x0, y0, x1, y1), fill=colour)
    draw.rectangle((x0, y0, x0 + 36 * scale, y1), fill=shade(colour, lightness=-0.15))
    _label(
        draw,
        (x0 + 90 * scale, y0 + 120 * scale, x1 - 50 * scale, y0 + 330 * scale),
        colour,
        initials,
    )
    _leaf(
        draw,
        ((x0 + x1) / 2 + 20 * scale, y1 - 170 * scale),
        90 * scale,
        shade(colour, lightness=0.3),
        angle=-0.5,
    )


def _workshop(
    draw: ImageDraw.ImageDraw, rng: random.Random, colour: RGB, initials: str, scale: float
) -> None:
    for i, dx in enumerate((-0.17, 0.17)):
        cx, cy = S / 2 + S * dx * scale, S / 2 + S * 0.12 * scale
        r = S * 0.13 * scale
        draw.ellipse(
            (cx - r * 1.3, cy + r * 0.3, cx + r * 1.3, cy + r * 1.0),
            fill=shade(colour, lightness=0.25),
        )
        draw.pieslice(
            (cx - r, cy - r, cx + r, cy + r),
            start=0,
            end=180,
            fill=shade(colour, lightness=-0.05 * i),
        )
    _label(draw, _box(scale, 0.34, 0.14, -0.22), colour, initials)


DRAWERS = {
    "tin": _tin,
    "jar": _jar,
    "bag": _bag,
    "capsules": _capsules,
    "cup": _cup,
    "teapot": _teapot,
    "grinder": _grinder,
    "box": _gift,
    "book": _book,
    "workshop": _workshop,
}
