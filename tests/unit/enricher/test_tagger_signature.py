"""Signatures made without datasketch are datasketch's, bit for bit, and cost no scipy import.

Stored story samples hold signatures made by earlier processes: a signature that drifted by one
bit would split every running story in two.
"""

from __future__ import annotations

import subprocess
import sys
import zlib

import pytest
from datasketch import MinHash as DatasketchMinHash
from datasketch import MinHashLSH

from services.enricher.taggers.duplicates import SEED, shingles, signature
from services.enricher.taggers.stories import LSH_THRESHOLD, NUM_PERM, band_layout

TEXTS = [
    "The European Central Bank cut its key interest rate on Thursday for the first time.",
    "ECB cuts rates. ECB cuts rates again, said President Christine Lagarde.",
    "石破茂首相は東京都内で記者団に対し、日本銀行の政策について語った。",
    "윤석열 대통령은 서울 용산 대통령실에서 기자회견을 열었다.",
    "Präsident Steinmeier traf in Berlin Vertreter der Bundesländer.",
    "a b c 1 2 3",  # no shingle at all
    "",
]


def _datasketch_signature(text: str) -> DatasketchMinHash:
    minhash = DatasketchMinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=zlib.crc32)
    tokens = sorted(shingles(text))
    if tokens:
        minhash.update_batch([t.encode("utf-8") for t in tokens])
    return minhash


@pytest.mark.parametrize("text", TEXTS)
def test_signature_is_datasketchs_affine32_minhash(text: str) -> None:
    expected = _datasketch_signature(text).hashvalues
    got = signature(text).hashvalues
    assert got.dtype == expected.dtype
    assert got.tolist() == expected.tolist()


def test_band_layout_is_the_one_datasketch_finds_best() -> None:
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    assert band_layout() == (lsh.b, lsh.r)


def test_the_taggers_import_neither_datasketch_nor_scipy() -> None:
    """scipy.integrate, which datasketch's LSH imports, is ~50 MB of the enricher's memory."""
    code = (
        "import sys, services.enricher.taggers.pipeline, services.enricher.story_index;"
        "print(sorted(m for m in ('datasketch', 'scipy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
