SELECT o_orderkey, o_orderdate, o_totalprice, line_count
FROM orders
JOIN (SELECT l_orderkey, count(*) AS line_count FROM lineitem GROUP BY l_orderkey) lines
  ON o_orderkey = l_orderkey
WHERE o_orderpriority IN ('1-URGENT', '2-HIGH') AND o_orderstatus <> 'P'
ORDER BY o_totalprice DESC
LIMIT 5
