#!/usr/bin/env python3
"""The work of `kehu classify` (default policy) in Polars: read CSV, bands, weighted value
score, value class and tier with red flags, band transition matrix, write CSV.

    python3 peer_polars.py IN.csv OUT.csv
"""
import sys
import polars as pl

src, dst = sys.argv[1], sys.argv[2]
df = pl.read_csv(src, schema_overrides={"customer_id": pl.Utf8})
v = pl.col("monthly_volume_cases")
band = (pl.lit(1) + sum((v <= b).cast(pl.Int32) for b in (20, 14, 10, 7, 4, 2, 1))).alias("band")
score = (0.30 * pl.col("contribution") + 0.20 * pl.col("support") + 0.20 * pl.col("credit")
         + 0.15 * pl.col("growth") + 0.15 * pl.col("influence")).alias("value_score")
s = pl.col("value_score")
value_class = (pl.when(s >= 75).then(pl.lit("value")).when(s >= 60).then(pl.lit("secondary"))
               .when(s >= 45).then(pl.lit("potential")).otherwise(pl.lit("low")).alias("value_class"))
red = (pl.col("violations_12m") >= 2) | (pl.col("monitored") == 1) | (pl.col("credit") < 40)
c = pl.col("value_class")
tier = (pl.when(red).then(pl.lit("problem")).when(c == "value").then(pl.lit("core"))
        .when(c == "low").then(pl.lit("problem")).otherwise(pl.lit("general")).alias("tier"))
out = df.with_columns(band, score).with_columns(value_class).with_columns(tier)
matrix = out.group_by("current_band", "band").len().sort("current_band", "band")
out.select("customer_id", "band", "value_score", "value_class", "tier").write_csv(dst)
tiers = dict(out.group_by("tier").len().iter_rows())
print(f"polars: {out.height} customers, tiers {tiers}, {matrix.height} transition cells",
      file=sys.stderr)
