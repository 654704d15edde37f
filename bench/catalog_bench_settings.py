"""Settings for bench/catalog_bench.py: the product's settings with the bench URLconf (adds /bench/hello).

BENCH_CATALOG_CACHE_SECONDS turns on the catalog's optional result cache (larnav/catalog/cache.py).
"""

import os

from larnav.settings import *  # noqa: F403

ROOT_URLCONF = "bench.catalog_bench_urls"
LARNAV_CATALOG_CACHE_SECONDS = int(os.environ.get("BENCH_CATALOG_CACHE_SECONDS", "0"))
