SELECT extract(year FROM o_orderdate) AS o_year,
       CASE WHEN l_discount >= 0.08 THEN 'high'
            WHEN l_discount >= 0.04 THEN 'mid'
            ELSE 'low' END AS bucket,
       sum(l_extendedprice * (1 - l_discount)) AS revenue,
       sum(CASE WHEN l_shipdate > o_orderdate + INTERVAL '3' MONTH THEN 1 ELSE 0 END) AS late_lines,
       count(*) AS lines,
       sum(CASE l_shipmode WHEN 'AIR' THEN l_quantity WHEN 'MAIL' THEN -l_quantity END) AS air_mail,
       max(l_shipdate - o_orderdate) AS max_days,
       min(month(l_shipdate - INTERVAL 7 DAY)) AS min_month
FROM lineitem JOIN orders ON l_orderkey = o_orderkey
WHERE o_orderdate >= DATE '1993-01-01' AND o_orderdate < DATE '1993-01-01' + INTERVAL '5' YEAR
GROUP BY o_year, bucket
ORDER BY o_year, bucket
