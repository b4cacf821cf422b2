#!/usr/bin/env python3
"""The work of `kehu classify` (default policy) in pandas: read CSV, bands, weighted value
score, value class and tier with red flags, band transition matrix, write CSV.

    python3 peer_pandas.py IN.csv OUT.csv
"""
import sys
import numpy as np
import pandas as pd

src, dst = sys.argv[1], sys.argv[2]
df = pd.read_csv(src, dtype={"customer_id": str})
v = df["monthly_volume_cases"].to_numpy()
df["band"] = 1 + sum((v <= b).astype(np.int32) for b in (20, 14, 10, 7, 4, 2, 1))
df["value_score"] = (0.30 * df["contribution"] + 0.20 * df["support"] + 0.20 * df["credit"]
                     + 0.15 * df["growth"] + 0.15 * df["influence"])
s = df["value_score"]
df["value_class"] = np.select([s >= 75, s >= 60, s >= 45], ["value", "secondary", "potential"],
                              "low")
red = (df["violations_12m"] >= 2) | (df["monitored"] == 1) | (df["credit"] < 40)
df["tier"] = np.select([red, df["value_class"] == "value", df["value_class"] == "low"],
                       ["problem", "core", "problem"], "general")
matrix = pd.crosstab(df["current_band"], df["band"])
df[["customer_id", "band", "value_score", "value_class", "tier"]].to_csv(dst, index=False)
tiers = df["tier"].value_counts().to_dict()
print(f"pandas: {len(df)} customers, tiers {tiers}, {int((matrix > 0).sum().sum())} transition cells",
      file=sys.stderr)
