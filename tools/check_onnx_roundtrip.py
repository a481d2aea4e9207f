#!/usr/bin/python3
"""Checks that the onnx package reads what Hangu's ONNX writer wrote.

    /usr/bin/python3 tools/check_onnx_roundtrip.py ORIGINALS_DIR WRITTEN_DIR

For every WRITTEN_DIR/<case>.onnx, the summary (tools/gen_onnx_io_fixtures.py) of the file as
the onnx package parses it must equal the summary of ORIGINALS_DIR/<case>/model.onnx. Prints
the number of files compared and each difference; exit code 0 when there is none.
"""
import glob
import os
import sys

import onnx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_onnx_io_fixtures import summary_model  # noqa: E402


def main():
    originals, written = sys.argv[1], sys.argv[2]
    compared, bad = 0, 0
    for path in sorted(glob.glob(os.path.join(written, "*.onnx"))):
        case = os.path.basename(path)[:-5]
        ours = summary_model(onnx.load(path))
        theirs = summary_model(onnx.load(os.path.join(originals, case, "model.onnx")))
        compared += 1
        if ours != theirs:
            bad += 1
            print("DIFF %s\n  written:  %s\n  original: %s" % (case, ours[:400], theirs[:400]))
    print("compared %d, different %d" % (compared, bad))
    return 0 if compared > 0 and bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
