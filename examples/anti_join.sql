SELECT o_orderstatus, count(*) AS n, sum(o_totalprice) AS total
FROM orders
WHERE NOT EXISTS (SELECT 1 FROM lineitem WHERE l_orderkey = o_orderkey AND l_returnflag = 'R')
GROUP BY o_orderstatus
ORDER BY o_orderstatus
