#!/usr/bin/env python3
"""Writes a deterministic customers CSV for `kehu classify` and the peer scripts.

    python3 generate.py ROWS OUT.csv

Volumes are heavy-tailed (most shops sell a few cases a month, a few sell dozens), prices
cluster around the seed's price classes, indicators are whole numbers 0-100 as scored by hand
(so many customers land exactly on a cut point), and a current band is given for the
transition matrix. Standard library only, seeded: the same ROWS always give the same file.
"""
import random
import sys

FORMATS = ["grocery", "convenience", "supermarket", "department_store",
           "tobacco_liquor", "entertainment", "other"]
FORMAT_WEIGHTS = [45, 20, 8, 1, 14, 5, 7]


def main() -> None:
    rows, out = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(20261123)
    with open(out, "w", encoding="utf-8", newline="") as f:
        f.write("customer_id,monthly_volume_cases,avg_price_per_carton,contribution,support,"
                "credit,growth,influence,business_format,market_type,business_area_m2,"
                "violations_12m,monitored,current_band\n")
        lines = []
        for i in range(rows):
            volume = min(rng.lognormvariate(1.3, 0.9), 400.0)
            price = max(40.0, rng.gauss(160.0, 70.0))
            ind = [min(100, max(0, round(rng.gauss(62, 16)))) for _ in range(5)]
            fmt = rng.choices(FORMATS, FORMAT_WEIGHTS)[0]
            market = "urban" if rng.random() < 0.55 else "rural"
            area = round(rng.lognormvariate(3.4, 0.8), 1)
            violations = 0 if rng.random() < 0.93 else rng.randint(1, 4)
            monitored = 1 if rng.random() < 0.01 else 0
            # The current band: the volume a quarter ago, about 15% off either way.
            past = volume * rng.uniform(0.85, 1.15)
            band = 1 + sum(past <= b for b in (20, 14, 10, 7, 4, 2, 1))
            lines.append(f"C{i:07d},{volume:.3f},{price:.2f},{ind[0]},{ind[1]},{ind[2]},"
                         f"{ind[3]},{ind[4]},{fmt},{market},{area},{violations},{monitored},{band}\n")
            if len(lines) == 10000:
                f.writelines(lines)
                lines.clear()
        f.writelines(lines)


if __name__ == "__main__":
    main()
