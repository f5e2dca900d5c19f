#!/usr/bin/env python3
"""SQL edge cases run by `sluice sql` and by DuckDB on the same small CSV
tables, compared row by row: NULLs in group keys, join keys and aggregates,
empty and all-filtered inputs, duplicate join keys, string comparisons,
decimal arithmetic, dates at month and year ends, semi and anti joins,
HAVING, DISTINCT, ORDER BY with NULLS FIRST/LAST, LIKE / NOT LIKE and
SUBSTRING. Integers, strings, dates
and decimals must be equal; floats to a relative 1e-9. Queries with ORDER BY
are compared in order, the others as sorted multisets.

Usage: py_sql.py SLUICE_BINARY SOURCE_DIR
"""
import decimal
import json
import os
import subprocess
import sys
import tempfile

import duckdb

from duck_oracle import duck_type, same, sluice_schemas

TABLES = {
    "t1": "k,v,s,d,amt\n"
          "1,10,apple,2024-01-31,10.25\n"
          "1,,banana,2023-12-31,-3.50\n"
          "2,5,cherry,2024-02-29,0.01\n"
          ",7,banana,2020-02-29,100.00\n"
          "3,6,date,,7.77\n"
          ",,elder,2021-12-01,\n"
          "4,1,Apple,1999-12-31,12345.67\n",
    "t2": "k,w\n"
          "1,a\n"
          "1,b\n"
          "2,c\n"
          ",d\n"
          "5,e\n",
    "t3": "w,label\n"
          "a,first\n"
          "b,second\n"
          "c,third\n"
          "e,fifth\n",
    "t4": "id,x\n"
          "1,abc\n"
          "2,\n"
          "3,aXc\n"
          "4,abcabc\n"
          "5,ab\n"
          "6,_b%\n"
          "7,bcd\n",
}

QUERIES = [
    # NULL group keys and NULLs inside aggregates
    "select k, count(*) as n, count(v) as c, sum(v) as s, min(v) as mn, max(v) as mx from t1 "
    "group by k order by k nulls first",
    "select k, avg(v) as a, sum(amt) as total from t1 group by k order by k nulls last",
    # empty and all-filtered inputs
    "select count(*) as n, count(v) as c, sum(v) as s, min(d) as m, avg(v) as a from t1 where v > 1000",
    "select k, count(*) as n from t1 where 1 = 0 group by k",
    "select k, v from t1 where v > 1000 order by k",
    # duplicate and NULL join keys
    "select t1.k, t1.v, t2.w from t1 join t2 on t1.k = t2.k order by 1, 2 nulls first, 3",
    "select t1.k, t1.s, t2.w from t1 left join t2 on t1.k = t2.k order by 1 nulls first, 2, 3 nulls first",
    "select t1.s, t3.label from t1, t2, t3 where t1.k = t2.k and t2.w = t3.w order by 1, 2",
    "select k, s from t1 where k in (select k from t2) order by k, s",
    "select k, s from t1 where exists (select 1 from t2 where t2.k = t1.k and t2.w <> 'a') order by k, s",
    "select k, s from t1 where not exists (select 1 from t2 where t2.k = t1.k) order by k nulls first, s",
    "select w from t2 where w not in (select w from t3) order by w",
    "select a.s, b.s from t1 a, t1 b where a.k = b.k and a.s < b.s order by 1, 2",
    "select s from t1 where k in (select k from t2 where t2.w > 'a' and t2.k + 9 = t1.v) order by s",
    "select k, m from (select k, max(v) as m from t1 group by k) t where m is not null order by k",
    # string comparisons (bytewise: 'Apple' < 'apple')
    "select s, count(*) as n from t1 where s >= 'apple' and s < 'date' group by s order by s",
    "select s from t1 where s < 'b' order by s",
    "select distinct s from t1 order by s desc",
    # decimal arithmetic stays exact
    "select k, amt, amt * 2 + 1.5 as x, amt - 0.01 as y, -amt as z from t1 where amt is not null order by amt",
    "select sum(amt * 3) as s, max(amt) - min(amt) as r from t1",
    # dates at month and year ends
    "select d, d + interval '1' month as m1, d - interval '1' month as m0, d + interval '1' year as y1, "
    "d + 1 as nd, extract(year from d) as yy, extract(month from d) as mm, extract(day from d) as dd "
    "from t1 where d is not null order by d",
    "select s from t1 where d between date '2023-12-31' and date '2024-02-29' order by s",
    "select extract(year from d) as y, count(*) as n from t1 group by y order by y nulls first",
    # count(DISTINCT x) with NULL x and NULL keys
    "select k, count(distinct s) as n from t1 group by k order by k nulls first",
    "select count(distinct v) as n from t1",
    "select count(distinct k) as n from t1 where v > 1000",
    # HAVING, CASE, IN lists, ORDER BY with NULLS, LIMIT
    "select k, sum(v) as s from t1 group by k having count(*) > 1 order by k nulls first",
    "select s, case when v between 1 and 5 then 'low' when v in (6, 7) then 'mid' else 'other' end as c "
    "from t1 order by s, c",
    "select s, v from t1 order by v desc nulls last, s limit 4",
    "select s, v from t1 order by v nulls first, s limit 3",
    "select k, v from t1 where not (v > 5) or v is null order by k nulls first, v nulls first",
    # LIKE / NOT LIKE: %, _, empty pattern, the pattern equal to the string, NULLs (bytes, no escape)
    "select id, x like 'abc' as eq, x like '' as em, x like '%' as anyp, x like 'a_c' as one, "
    "x like 'abc%' as pre, x like '%bc' as suf, x like '%b%' as con, x like '%b_c%' as gen, "
    "x like 'a%c' as ac, x like '%%' as pp, x like '____' as four from t4 order by id",
    "select id, x not like 'a%' as na, x not like '%c' as nc, x not like 'abcabc' as ne from t4 order by id",
    "select id from t4 where x not like '%c' order by id",
    "select id from t4 where x like '_b%' or x like 'b%' order by id",
    "select id from t4 where not (x like '%a%') order by id",
    "select s, count(*) as n from t1 where s like '%an%' or s like 'c_e%' group by s order by s",
    "select s from t1 where s not like '%e%' and s like '_%' order by s",
    "select k, sum(case when s like 'b%' then v else 0 end) as b from t1 group by k order by k nulls first",
    # SUBSTRING at the ends and past the end, both syntaxes, NULL arguments
    "select id, substring(x from 2 for 2) as a, substring(x, 1, 100) as b, substring(x, 3) as c, "
    "substring(x from 7) as d, substr(x, 0, 2) as e, substring(x, 1, 0) as f, substring(x, 10, 2) as g "
    "from t4 order by id",
    "select id, substring(x, id) as a, substring(x, 1, id - 3) as b, substring(x, null) as c from t4 "
    "where id <> 3 order by id",
    "select substring(s, 1, 1) as f, count(*) as n from t1 group by f order by f",
    "select s from t1 where substring(s from 2 for 2) = 'an' order by s",
]


def main():
    sluice = sys.argv[1]
    passed = failed = 0
    with tempfile.TemporaryDirectory() as data:
        for name, text in TABLES.items():
            with open(os.path.join(data, name + ".csv"), "w") as f:
                f.write(text)
        con = duckdb.connect()
        for table, cols in sluice_schemas(sluice, data).items():
            types = ", ".join("'%s': '%s'" % (n, duck_type(t)) for n, t in cols)
            con.execute("CREATE TABLE %s AS SELECT * FROM read_csv('%s', header=true, columns={%s})"
                        % (table, os.path.join(data, table + ".csv"), types))
        for q in QUERIES:
            run = subprocess.run([sluice, "sql", q, "--data", data, "--format", "json"],
                                 capture_output=True, text=True)
            if run.returncode != 0:
                print("FAIL %s\n     sluice exited %d: %s" % (q, run.returncode, run.stderr.strip()))
                failed += 1
                continue
            rows = json.loads(run.stdout, parse_float=decimal.Decimal, object_pairs_hook=lambda kv: kv)
            got = [[v for _, v in r] for r in rows]
            want = [list(r) for r in con.execute(q).fetchall()]
            if "order by" not in q.lower():
                got.sort(key=repr)
                want.sort(key=repr)
            problem = None
            if len(got) != len(want):
                problem = "%d rows, DuckDB has %d: %r vs %r" % (len(got), len(want), got, want)
            else:
                for i, (g, w) in enumerate(zip(got, want)):
                    if len(g) != len(w) or not all(same(a, b) for a, b in zip(g, w)):
                        problem = "row %d: sluice %r, DuckDB %r" % (i, g, w)
                        break
            if problem:
                print("FAIL %s\n     %s" % (q, problem))
                failed += 1
            else:
                print("ok   %s (%d rows)" % (q[:70], len(got)))
                passed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
