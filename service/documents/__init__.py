"""Document management in the browser: upload, replace, delete, reports and page images."""
