SELECT 'ÿ';
