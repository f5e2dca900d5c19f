SELECT o_orderpriority, count(*) AS n, sum(o_totalprice) AS total
FROM orders
WHERE EXISTS (SELECT 1 FROM lineitem
              WHERE l_orderkey = o_orderkey AND l_shipmode = 'AIR' AND l_discount >= 0.09)
GROUP BY o_orderpriority
ORDER BY o_orderpriority
