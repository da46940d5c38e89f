"""A small PNG reader and writer (zlib + struct + NumPy) for checking browser screenshots.

Reads 8-bit, non-interlaced greyscale, RGB and RGBA images (what Chromium's --screenshot
writes) into a ``(height, width, channels)`` uint8 array; writes RGB arrays (for crops).
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}


def read_png(path: str | Path) -> np.ndarray:
    data = Path(path).read_bytes()
    if not data.startswith(_SIGNATURE):
        raise ValueError(f"{path}: not a PNG file")
    pos, idat, header = 8, [], None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if zlib.crc32(kind + body) != struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])[0]:
            raise ValueError(f"{path}: bad CRC in chunk {kind!r}")
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    if header is None:
        raise ValueError(f"{path}: no IHDR chunk")
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in _CHANNELS or interlace:
        raise ValueError(f"{path}: unsupported PNG (bit depth {depth}, colour type {colour}, interlace {interlace})")
    bpp = _CHANNELS[colour]
    stride = width * bpp
    raw = np.frombuffer(zlib.decompress(b"".join(idat)), np.uint8).reshape(height, stride + 1)
    out = np.zeros((height, stride), np.uint8)
    prev = np.zeros(stride, np.int32)
    for y in range(height):
        f, row = raw[y, 0], raw[y, 1:].astype(np.int32)
        if f == 0:
            cur = row
        elif f == 1:  # Sub: running sum per channel
            cur = np.cumsum(row.reshape(width, bpp), axis=0).reshape(-1) & 0xFF
        elif f == 2:  # Up
            cur = (row + prev) & 0xFF
        elif f in (3, 4):
            cur = _sequential(row, prev, bpp, f)
        else:
            raise ValueError(f"{path}: bad filter type {f} on row {y}")
        out[y] = cur
        prev = cur.astype(np.int32)
    return out.reshape(height, width, bpp)


def _sequential(row: np.ndarray, prev: np.ndarray, bpp: int, f: int) -> np.ndarray:
    cur = [0] * len(row)
    r, p = row.tolist(), prev.tolist()
    for i in range(len(r)):
        a = cur[i - bpp] if i >= bpp else 0
        b = p[i]
        if f == 3:  # Average
            cur[i] = (r[i] + ((a + b) >> 1)) & 0xFF
        else:  # Paeth
            c = p[i - bpp] if i >= bpp else 0
            pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
            pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
            cur[i] = (r[i] + pred) & 0xFF
    return np.array(cur, np.int32)


def write_png(path: str | Path, rgb: np.ndarray) -> None:
    """Write an ``(h, w, 3)`` uint8 array as an RGB PNG (filter 0 on every row)."""
    h, w, _ = rgb.shape
    rows = np.concatenate([np.zeros((h, 1), np.uint8), np.ascontiguousarray(rgb[..., :3], np.uint8).reshape(h, -1)], axis=1)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    Path(path).write_bytes(
        _SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows.tobytes(), 9)) + chunk(b"IEND", b"")
    )
