"""Bad-input fuzz helpers: make _harness.py and the spec modules importable under --import-mode=importlib."""
import sys
from pathlib import Path

_here = str(Path(__file__).resolve().parent)
if _here not in sys.path:
    sys.path.insert(0, _here)
