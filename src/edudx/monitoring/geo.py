"""GeoJSON for the operations-centre map, from the platform's own data: school points
(School.latitude/longitude) and commune areas. Communes have no boundaries in the database,
so a commune's area is drawn as the convex hull of its schools' points, padded by ~1 km so a
commune with one or two schools still shows as an area — an approximation, labelled so on
the page."""

from decimal import Decimal

PAD = 0.01  # degrees (~1.1 km)


def _cross(o, a, b) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def convex_hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Andrew's monotone chain; counter-clockwise, without repeating the first point."""
    pts = sorted(set(points))
    if len(pts) <= 2:
        return pts
    lower: list = []
    for p in pts:
        while len(lower) >= 2 and _cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list = []
    for p in reversed(pts):
        while len(upper) >= 2 and _cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def padded_hull(points: list[tuple[float, float]]) -> list[list[float]]:
    """The hull of the points each widened into a small square; a closed GeoJSON ring."""
    grown = [(x + dx, y + dy) for x, y in points for dx in (-PAD, PAD) for dy in (-PAD, PAD)]
    ring = [[round(x, 6), round(y, 6)] for x, y in convex_hull(grown)]
    return [*ring, ring[0]] if ring else []


def feature_collection(schools: list[dict], communes: list[dict]) -> dict:
    """`schools`: {id, name, lon, lat, value, status, level, url}; `communes`: {id, name,
    points: [(lon, lat)], value, status, url}."""
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [padded_hull(c["points"])]},
            "properties": {
                "kind": "commune",
                "id": c["id"],
                "name": c["name"],
                "value": _f(c.get("value")),
                "status": c.get("status", "none"),
                "url": c.get("url", ""),
                "approximate": True,
            },
        }
        for c in communes
        if c["points"]
    ]
    features += [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [s["lon"], s["lat"]]},
            "properties": {
                "kind": "school",
                "id": s["id"],
                "name": s["name"],
                "value": _f(s.get("value")),
                "status": s.get("status", "none"),
                "level": s.get("level"),
                "report": s.get("report", ""),
                "url": s.get("url", ""),
            },
        }
        for s in schools
    ]
    return {"type": "FeatureCollection", "features": features}


def _f(v):
    return None if v is None else float(Decimal(v))
