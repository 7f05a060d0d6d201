"""Charts drawn by the app itself: small SVG line charts for the dashboard (no chart library, no CDN)."""

from __future__ import annotations

from html import escape

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 28, 36


def _y_max(values: list[float], ratio: bool) -> float:
    if ratio:
        return 1.0
    peak = max(values, default=0.0)
    return max(1.0, peak * 1.1)


def line_chart(title: str, points: list[tuple[str, float | None]], ratio: bool = False) -> str:
    """A line over the days; a day without data leaves a gap. ``ratio`` draws 0–100 %."""
    known = [v for _, v in points if v is not None]
    top = _y_max(known, ratio)
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(len(points) - 1, 1)

    def x(i: int) -> float:
        return LEFT + i * step

    def y(v: float) -> float:
        return TOP + inner_h * (1 - v / top)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" font-family="sans-serif" font-size="12">',
        f'<text x="{LEFT}" y="18" font-size="14" fill="#1f2d27">{escape(title)}</text>',
    ]
    for fraction in (0.0, 0.5, 1.0):
        level = top * fraction
        label = f"{level * 100:.0f}%" if ratio else f"{level:.0f}"
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(level):.1f}" y2="{y(level):.1f}" stroke="#dde3e0"/>'
            f'<text x="{LEFT - 6}" y="{y(level) + 4:.1f}" text-anchor="end" fill="#5b6b64">{label}</text>'
        )
    segment: list[str] = []
    for i, (_, value) in enumerate(points):
        if value is None:
            if len(segment) > 1:
                parts.append(f'<polyline fill="none" stroke="#0b6e4f" stroke-width="2" points="{" ".join(segment)}"/>')
            segment = []
            continue
        segment.append(f"{x(i):.1f},{y(value):.1f}")
        parts.append(f'<circle cx="{x(i):.1f}" cy="{y(value):.1f}" r="2.5" fill="#0b6e4f"/>')
    if len(segment) > 1:
        parts.append(f'<polyline fill="none" stroke="#0b6e4f" stroke-width="2" points="{" ".join(segment)}"/>')
    if points:
        for i in sorted({0, len(points) // 2, len(points) - 1}):
            parts.append(
                f'<text x="{x(i):.1f}" y="{HEIGHT - 12}" text-anchor="middle" fill="#5b6b64">'
                f"{escape(points[i][0][5:])}</text>"
            )
    if not known:
        parts.append(f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" fill="#5b6b64">暂无数据</text>')
    parts.append("</svg>")
    return "".join(parts)
