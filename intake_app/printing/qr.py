"""The verification QR, encoded with segno and drawn straight onto the PDF canvas.

The QR text has a fixed length and alphabet (see verify.py), so version, mode, error
level and mask are fixed too: segno then skips its search (≈3 ms instead of ≈19 ms), and
the modules are drawn as one filled path of horizontal runs (no per-module objects).
"""

from __future__ import annotations

import segno
from reportlab.platypus import Flowable

QR_VERSION = 8  # 49×49 modules: room for 221 alphanumeric characters at level M
QR_MASK = 2
QUIET = 4  # modules of white border the standard asks for


def encode(text: str):
    """The module matrix (rows of 0/1, top row first)."""
    qr = segno.make(text, error="m", mode="alphanumeric", version=QR_VERSION, mask=QR_MASK,
                    boost_error=False, micro=False)
    return qr.matrix


class QrFlowable(Flowable):
    """A QR code of side ``size`` points (the quiet zone included)."""

    def __init__(self, text: str, size: float) -> None:
        super().__init__()
        self.matrix = encode(text)
        self.size = size
        self.width = self.height = size

    def wrap(self, avail_width, avail_height):
        return self.size, self.size

    def draw(self) -> None:
        canv = self.canv
        n = len(self.matrix)
        module = self.size / (n + 2 * QUIET)
        path = canv.beginPath()
        for r, row in enumerate(self.matrix):
            y = self.size - (QUIET + r + 1) * module
            c = 0
            while c < n:
                if row[c]:
                    start = c
                    while c < n and row[c]:
                        c += 1
                    path.rect((QUIET + start) * module, y, (c - start) * module, module)
                else:
                    c += 1
        canv.saveState()
        canv.setFillColorRGB(0, 0, 0)
        canv.drawPath(path, stroke=0, fill=1)
        canv.restoreState()
