#!/usr/bin/python3
"""Write small compressed bodies that expand to 100 MiB of zeros, one per
compression kombu knows besides zlib and bzip2, with the same modules
kombu.compression uses: python3-zstandard (zstd), python3-brotli (brotli),
the standard library's lzma (xz, and bare LZMA). Run from this directory:
/usr/bin/python3 gen_bombs.py. zeros100m.bz2 beside it came from bz2 the
same way.
"""
import lzma

import brotli
import zstandard

N = 100 << 20


def zeros():
    chunk = bytes(1 << 20)
    for _ in range(N >> 20):
        yield chunk


def write(name, data):
    with open(name, 'wb') as f:
        f.write(data)


# Streamed, so the frame header does not announce the size: the decoder
# learns it only by inflating.
c = zstandard.ZstdCompressor().compressobj()
write('zeros100m.zst', b''.join(c.compress(b) for b in zeros()) + c.flush())

c = brotli.Compressor()
write('zeros100m.br', b''.join(c.process(b) for b in zeros()) + c.finish())

c = lzma.LZMACompressor()
write('zeros100m.xz', b''.join(c.compress(b) for b in zeros()) + c.flush())

c = lzma.LZMACompressor(format=lzma.FORMAT_ALONE)
write('zeros100m.lzma', b''.join(c.compress(b) for b in zeros()) + c.flush())
