SELECT o_shippriority, count(*) AS n, sum(l_extendedprice * (1 - l_discount)) AS revenue
FROM lineitem JOIN orders ON l_orderkey = o_orderkey
WHERE l_shipdate > DATE '1995-03-15' AND o_orderdate < DATE '1995-03-15'
GROUP BY o_shippriority
ORDER BY revenue DESC
LIMIT 10
