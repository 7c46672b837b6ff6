"""micromacro: micro and macro conversion reports from the web server logs you already have."""

import os
import sys

__version__ = "0.1.0"

# Polars' allocator (jemalloc) takes its settings from this variable when Polars loads. One
# arena for all threads: the memory one chunk of input freed is used again for the next, whichever
# thread allocates it, instead of lying idle in another thread's arena (docs/decisions.md). A
# setting of the user's own is left as it is.
ALLOCATOR_SETTINGS = "narenas:1"
if "polars" not in sys.modules:
    os.environ.setdefault("_RJEM_MALLOC_CONF", ALLOCATOR_SETTINGS)
