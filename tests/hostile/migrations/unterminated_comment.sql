/* never closed
DROP TABLE x;
