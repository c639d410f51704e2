SELECT count(*)
  FROM orders;
