#!/usr/bin/env python3
"""The work of `kehu classify` (default policy) in DuckDB: read CSV, bands, weighted value
score, value class and tier with red flags, band transition matrix, write CSV.

    python3 peer_duckdb.py IN.csv OUT.csv
"""
import sys
import duckdb

src, dst = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute(f"""
CREATE TEMP TABLE t AS
WITH c AS (
  SELECT customer_id, current_band, violations_12m, monitored, credit,
    1 + (monthly_volume_cases <= 20)::INT + (monthly_volume_cases <= 14)::INT
      + (monthly_volume_cases <= 10)::INT + (monthly_volume_cases <= 7)::INT
      + (monthly_volume_cases <= 4)::INT + (monthly_volume_cases <= 2)::INT
      + (monthly_volume_cases <= 1)::INT AS band,
    0.30 * contribution + 0.20 * support + 0.20 * credit + 0.15 * growth + 0.15 * influence
      AS value_score
  FROM read_csv('{src}', header = true, types = {{'customer_id': 'VARCHAR'}})
), v AS (
  SELECT *, CASE WHEN value_score >= 75 THEN 'value' WHEN value_score >= 60 THEN 'secondary'
                 WHEN value_score >= 45 THEN 'potential' ELSE 'low' END AS value_class
  FROM c
)
SELECT customer_id, current_band, band, value_score, value_class,
  CASE WHEN violations_12m >= 2 OR monitored = 1 OR credit < 40 THEN 'problem'
       WHEN value_class = 'value' THEN 'core' WHEN value_class = 'low' THEN 'problem'
       ELSE 'general' END AS tier
FROM v
""")
matrix = con.execute(
    "SELECT current_band, band, count(*) FROM t GROUP BY ALL ORDER BY ALL").fetchall()
con.execute(f"COPY (SELECT customer_id, band, value_score, value_class, tier FROM t) "
            f"TO '{dst}' (HEADER, DELIMITER ',')")
tiers = dict(con.execute("SELECT tier, count(*) FROM t GROUP BY tier").fetchall())
n = con.execute("SELECT count(*) FROM t").fetchone()[0]
print(f"duckdb: {n} customers, tiers {tiers}, {len(matrix)} transition cells", file=sys.stderr)
