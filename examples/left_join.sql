SELECT o_orderstatus, count(*) AS n, count(l_orderkey) AS matched, sum(l_extendedprice) AS big_price
FROM orders LEFT JOIN (SELECT * FROM lineitem WHERE l_quantity > 45 AND l_shipmode = 'MAIL') big
  ON o_orderkey = l_orderkey
WHERE o_orderdate < DATE '1994-01-01' AND (l_extendedprice IS NULL OR l_extendedprice > 60000)
GROUP BY o_orderstatus
ORDER BY o_orderstatus
