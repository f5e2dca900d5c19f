#!/usr/bin/env python3
"""Checks `sluice gen` output with independent readers: pyarrow reads the
Parquet files (types as documented), DuckDB checks keys, foreign keys and the
price and status rules in SQL over the Parquet files, and the same queries
(TPC-H Q1 and Q6, SSB Q1.1) run in sluice and DuckDB over the generated CSV
must give the same numbers exactly.

Usage: py_gen.py SLUICE_BINARY SOURCE_DIR
"""
import decimal
import json
import os
import subprocess
import sys
import tempfile

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

failures = []


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + str(detail)))
    if not ok:
        failures.append(name)


def gen(sluice, *args):
    subprocess.run([sluice, "gen", *args], check=True)


def sluice_rows(sluice, data, plan):
    out = subprocess.run([sluice, "run", "-e", plan, "--data", data, "--format", "json"], check=True,
                         capture_output=True, text=True).stdout
    return [tuple(r.values()) for r in json.loads(out, parse_float=decimal.Decimal)]


def same_rows(a, b):
    if len(a) != len(b):
        return False
    for ra, rb in zip(a, b):
        for x, y in zip(ra, rb):
            if isinstance(y, (int, decimal.Decimal)):
                if decimal.Decimal(x) != decimal.Decimal(y):
                    return False
            elif x != y:
                return False
    return True


def check_same(sluice, con, name, data, duck_sql, plan, nonzero=False):
    """Checks that the plan in sluice over data gives DuckDB's rows for duck_sql
    (and, with nonzero, that DuckDB's first value is not zero)."""
    duck = con.execute(duck_sql).fetchall()
    mine = sluice_rows(sluice, data, plan)
    check(name + " sluice = DuckDB", same_rows(mine, duck) and (not nonzero or duck[0][0] > 0), (mine, duck))


def main():
    sluice = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        pqdir, csvdir, ssbdir = (os.path.join(tmp, d) for d in ("pq", "csv", "ssb"))
        gen(sluice, "tpch", "--sf", "0.01", "--out", pqdir)
        gen(sluice, "tpch", "--sf", "0.01", "--out", csvdir, "--format", "csv")
        gen(sluice, "ssb", "--sf", "0.01", "--out", ssbdir, "--format", "csv")

        # ---- Parquet schema and rows, read by pyarrow ----
        li = pq.read_table(os.path.join(pqdir, "lineitem.parquet"))
        types = {f.name: f.type for f in li.schema}
        check("l_orderkey int64", types["l_orderkey"] == pa.int64())
        check("l_extendedprice decimal(15,2)", types["l_extendedprice"] == pa.decimal128(15, 2))
        check("l_shipdate date32", types["l_shipdate"] == pa.date32())
        check("l_returnflag string", pa.types.is_string(types["l_returnflag"])
              or pa.types.is_dictionary(types["l_returnflag"]))
        csv_rows = sum(1 for _ in open(os.path.join(csvdir, "lineitem.csv"))) - 1
        check("parquet and csv have the same lineitem rows", li.num_rows == csv_rows, (li.num_rows, csv_rows))

        # ---- keys and rules in DuckDB over the Parquet files ----
        con = duckdb.connect()
        for t in ("region", "nation", "supplier", "customer", "part", "partsupp", "orders", "lineitem"):
            con.execute(f"create view {t} as select * from '{pqdir}/{t}.parquet'")
        one = lambda q: con.execute(q).fetchone()[0]
        check("orders keys unique", one("select count(*) - count(distinct o_orderkey) from orders") == 0)
        check("lineitem keys unique",
              one("select count(*) from (select l_orderkey, l_linenumber from lineitem group by all having count(*) > 1)") == 0)
        check("partsupp keys unique",
              one("select count(*) from (select ps_partkey, ps_suppkey from partsupp group by all having count(*) > 1)") == 0)
        check("lineitem -> orders", one("select count(*) from lineitem anti join orders on l_orderkey = o_orderkey") == 0)
        check("lineitem -> partsupp", one("select count(*) from lineitem anti join partsupp "
                                          "on l_partkey = ps_partkey and l_suppkey = ps_suppkey") == 0)
        check("orders -> customer", one("select count(*) from orders anti join customer on o_custkey = c_custkey") == 0)
        check("supplier -> nation", one("select count(*) from supplier anti join nation on s_nationkey = n_nationkey") == 0)
        check("nation -> region", one("select count(*) from nation anti join region on n_regionkey = r_regionkey") == 0)
        check("o_totalprice from its lines", one(
            "select count(*) from orders join (select l_orderkey, sum(round(l_extendedprice * (1 + l_tax) * "
            "(1 - l_discount), 2)) as t from lineitem group by all) on o_orderkey = l_orderkey "
            "where o_totalprice <> t") == 0)
        check("o_orderstatus from its lines", one(
            "select count(*) from orders join (select l_orderkey, bool_and(l_linestatus = 'F') as f, "
            "bool_and(l_linestatus = 'O') as o from lineitem group by all) on o_orderkey = l_orderkey "
            "where o_orderstatus <> case when f then 'F' when o then 'O' else 'P' end") == 0)
        check("p_retailprice formula", one(
            "select count(*) from part where p_retailprice * 100 <> "
            "90000 + (p_partkey // 10) % 20001 + 100 * (p_partkey % 1000)") == 0)
        check("customers without orders are the multiples of 3", one(
            "select count(*) from customer anti join orders on c_custkey = o_custkey where c_custkey % 3 <> 0") < 50)
        q13 = one("select count(*) from orders where o_comment like '%special%requests%'") / one("select count(*) from orders")
        check("Q13's comment pattern is rare but present", 0.001 < q13 < 0.2, q13)

        # ---- the same queries in sluice and DuckDB over the CSV files ----
        con2 = duckdb.connect()
        # lineitem as DuckDB reads it, with the money columns as sluice types them
        lineitem = (f"read_csv('{csvdir}/lineitem.csv', types={{'l_quantity': 'DECIMAL(15,2)', "
                    f"'l_extendedprice': 'DECIMAL(15,2)', 'l_discount': 'DECIMAL(15,2)'}})")
        check_same(sluice, con2, "Q1", csvdir,
                   f"select l_returnflag, l_linestatus, sum(l_quantity), sum(l_extendedprice), "
                   f"sum(l_extendedprice * (1 - l_discount)), count(*) from {lineitem} "
                   f"where l_shipdate <= date '1998-09-02' group by all order by all",
                   "table(\"lineitem\").where(l_shipdate <= date '1998-09-02')"
                   ".groupBy(l_returnflag, l_linestatus).agg(sum(l_quantity) as q, sum(l_extendedprice) as p, "
                   "sum(l_extendedprice * (1 - l_discount)) as r, count(*) as n)"
                   ".orderBy(l_returnflag, l_linestatus)")
        check_same(sluice, con2, "Q6", csvdir,
                   f"select sum(l_extendedprice * l_discount) from {lineitem} "
                   f"where l_shipdate >= date '1994-01-01' and l_shipdate < date '1995-01-01' "
                   f"and l_discount between 0.05 and 0.07 and l_quantity < 24",
                   "table(\"lineitem\").where(l_shipdate >= date '1994-01-01' and l_shipdate < date '1995-01-01' "
                   "and l_discount between 0.05 and 0.07 and l_quantity < 24)"
                   ".agg(sum(l_extendedprice * l_discount) as revenue)")
        check_same(sluice, con2, "SSB Q1.1", ssbdir,
                   f"select sum(lo_extendedprice * lo_discount) from read_csv('{ssbdir}/lineorder.csv') "
                   f"join read_csv('{ssbdir}/date.csv') on lo_orderdate = d_datekey "
                   f"where d_year = 1993 and lo_discount between 1 and 3 and lo_quantity < 25",
                   "table(\"lineorder\").join(table(\"date\"), lo_orderdate = d_datekey)"
                   ".where(d_year = 1993 and lo_discount between 1 and 3 and lo_quantity < 25)"
                   ".agg(sum(lo_extendedprice * lo_discount) as revenue)",
                   nonzero=True)
        check("SSB brand hierarchy", con2.execute(
            f"select count(*) from read_csv('{ssbdir}/part.csv') where not starts_with(p_brand1, p_category) "
            f"or not starts_with(p_category, p_mfgr)").fetchone()[0] == 0)

    print(f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
