import segno


def qr_svg_data_uri(content: str) -> str:
    """A QR code of `content` as an SVG data URI, for an <img> on the page (no second request)."""
    return str(segno.make(content, error="m").svg_data_uri(scale=6, border=2))
