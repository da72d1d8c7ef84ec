"""A place mention in an article and the great-circle distance: shared by the place
modules (places.py resolves names, localities.py adds what the gazetteer lacks)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from processing.enrich.gazetteer import GeoEntry


@dataclass(slots=True, frozen=True)
class PlaceMention:
    start: int  # token index
    end: int
    key: tuple[str, ...]  # gazetteer key (normalised words, proclitic removed)
    entry: GeoEntry
    # A locality the gazetteer lacks (a district, a village): ``entry`` is then the place of
    # the article it lies in or near, so it still lands on the map, marked approximate.
    local: bool = False
    # Named by a club («تشلسي»): its home city, which says nothing of where the story is, so
    # it places no locality.
    club: bool = False


def km(a: GeoEntry, b: GeoEntry) -> float:
    return haversine(a.lat, a.lon, b.lat, b.lon)


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))
