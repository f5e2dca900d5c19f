#!/usr/bin/env python3
"""Writes the small TPC-H-like demo tables under examples/data/.

orders.csv and lineitem.csv follow the TPC-H column names and value rules
closely enough for the example plans (dates 1992-1998, decimals with two
places, flags and statuses), at a tiny size so they can live in the
repository. Deterministic: the same seed gives the same files.

Usage: scripts/gen-demo-data.py [--orders N] [--seed S] [--out DIR]
"""
import argparse
import datetime
import os
import random

PRIORITIES = ["1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"]
MODES = ["AIR", "FOB", "MAIL", "RAIL", "REG AIR", "SHIP", "TRUCK"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orders", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=1995)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "examples", "data"))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    start = datetime.date(1992, 1, 1)
    cutoff = datetime.date(1995, 6, 17)
    orders, lines = [], []
    for i in range(1, args.orders + 1):
        okey = i * 4 - rng.randrange(4)  # sparse keys, as in TPC-H
        odate = start + datetime.timedelta(days=rng.randrange(2405))
        total = 0
        statuses = []
        for ln in range(1, rng.randint(1, 7) + 1):
            qty = rng.randint(1, 50)
            price = qty * rng.randint(90000, 200000)  # cents
            disc = rng.randint(0, 10)
            tax = rng.randint(0, 8)
            ship = odate + datetime.timedelta(days=rng.randint(1, 121))
            if ship > cutoff:
                flag, status = "N", "O"
            else:
                flag, status = rng.choice(["R", "A"]), "F"
            statuses.append(status)
            total += price
            lines.append((okey, rng.randint(1, 2000), rng.randint(1, 100), ln, qty,
                          "%d.%02d" % divmod(price, 100), "0.%02d" % disc, "0.%02d" % tax,
                          flag, status, ship.isoformat(), rng.choice(MODES)))
        ostatus = "F" if all(s == "F" for s in statuses) else "O" if all(s == "O" for s in statuses) else "P"
        orders.append((okey, rng.randint(1, 150), ostatus, "%d.%02d" % divmod(total, 100),
                       odate.isoformat(), rng.choice(PRIORITIES), 0))
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "orders.csv"), "w") as f:
        f.write("o_orderkey,o_custkey,o_orderstatus,o_totalprice,o_orderdate,o_orderpriority,o_shippriority\n")
        for r in orders:
            f.write(",".join(str(x) for x in r) + "\n")
    with open(os.path.join(args.out, "lineitem.csv"), "w") as f:
        f.write("l_orderkey,l_partkey,l_suppkey,l_linenumber,l_quantity,l_extendedprice,l_discount,"
                "l_tax,l_returnflag,l_linestatus,l_shipdate,l_shipmode\n")
        for r in lines:
            f.write(",".join(str(x) for x in r) + "\n")


if __name__ == "__main__":
    main()
