"""duck_oracle.py — what the DuckDB oracle tests share (oracle_examples.py,
py_sql.py): the tables sluice registers with their types, the DuckDB type of
each sluice type, and the comparison of a value sluice printed as JSON with
the value DuckDB returned. Not a test itself."""
import datetime
import decimal
import math
import re
import subprocess

DUCK_TYPES = {"int8": "TINYINT", "int16": "SMALLINT", "int32": "INTEGER", "int64": "BIGINT",
              "float64": "DOUBLE", "date": "DATE", "utf8": "VARCHAR", "bool": "BOOLEAN"}


def sluice_schemas(sluice, data):
    """{table: [(column, sluice type), ...]} as `sluice tables --data` lists them."""
    out = subprocess.run([sluice, "tables", "--data", data], check=True, capture_output=True, text=True).stdout
    tables, cur = {}, None
    for line in out.splitlines():
        if not line.startswith(" "):
            cur = line.split(" ")[0]
            tables[cur] = []
        else:
            name, typ = line.split()
            tables[cur].append((name, typ))
    return tables


def duck_type(t):
    m = re.fullmatch(r"decimal\((\d+),(\d+)\)", t)
    return "DECIMAL(%s,%s)" % m.groups() if m else DUCK_TYPES[t]


def same(a, b):
    """a from sluice (JSON, decimals as Decimal), b from DuckDB: integers,
    decimals, strings and dates equal, floats to a relative 1e-9."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(b, float):
        fa = float(a)
        if math.isnan(b):
            return math.isnan(fa)
        return fa == b or abs(fa - b) <= 1e-9 * max(abs(fa), abs(b))
    if isinstance(b, bool):
        return a is b
    if isinstance(b, (int, decimal.Decimal)):
        return decimal.Decimal(str(a)) == decimal.Decimal(b)
    if isinstance(b, datetime.datetime) and b.time() == datetime.time(0):
        return a == b.date().isoformat()  # DuckDB's date + interval is a timestamp
    if hasattr(b, "isoformat"):
        return a == b.isoformat()
    return a == b
