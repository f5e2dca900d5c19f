SELECT id, result FROM exams WHERE result > 70 ORDER BY result
